#!/usr/bin/env bash
# libsodium encryption: with WALE_LIBSODIUM_KEY_PATH every WAL segment and tar
# partition is a libsodium secret stream (the independent Python reader in
# tests/testdata/crypto decrypts them), archive (push-ahead) -> backup
# (parallel partitions) -> backup-verify -> backup-fetch -> recovery through
# wal-fetch with prefetch round-trips, and a wrong or missing key makes
# wal-fetch exit 255 naming the object. A plain segment substituted for an
# encrypted one is refused (exit 255) unless WALE_LIBSODIUM_ACCEPT_PLAIN is on,
# and then the mixed archive restores. Codec "none": 16 MiB WAL objects, so
# on S3 (integration.s3.encryption_sodium) they go up as multipart uploads.
source "$(dirname "$0")/lib.sh"

KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "$KEY" >"$WORK/sodium.key"; chmod 600 "$WORK/sodium.key"
echo "$WORK/sodium.key" >"$ENVDIR/WALE_LIBSODIUM_KEY_PATH"
echo none >"$ENVDIR/WALE_COMPRESSION"
echo 12M >"$ENVDIR/WALE_PARTITION_SIZE"
own_by_pg "$WORK"

PRIMARY="$WORK/primary"; RESTORED="$WORK/restored"
init_cluster "$PRIMARY" 5541
start_cluster "$PRIMARY"
psql_at 5541 "create table t as select g as id, md5(g::text) as h from generate_series(1, 200000) g"
BACKUP=$(wale_at 5541 backup-push "$PRIMARY" 2>"$WORK/backup-push.err") || { cat "$WORK/backup-push.err"; fail "backup-push"; }
psql_at 5541 "insert into t select g, md5(g::text) from generate_series(200001, 260000) g"
archive_current_wal 5541
EXPECTED=$(table_checksums 5541)
stop_cluster "$PRIMARY"
pass "archive and backup-push with libsodium made $BACKUP"

if [ "${WALE_TEST_STORE:-file}" = file ]; then
  # Stored bytes are secret streams: no WAL page magic, no tar header; the
  # independent reader decrypts a segment to exactly what wal-fetch returns.
  SEG=$(find "$ARCHIVE/wal_005" -name '0*' | sort | head -1)
  [ "$(head -c2 "$SEG" | od -An -tx1 | tr -d ' ')" != "10d1" ] || fail "$SEG is stored in the clear"
  PART=$(find "$ARCHIVE/basebackups_005" -name 'part_*' | head -1)
  ! head -c 512 "$PART" | grep -qa ustar || fail "$PART is stored in the clear"
  python3 "$WALE_TESTDATA/crypto/sodium_stream.py" decrypt "$KEY" <"$SEG" >"$WORK/seg.oracle" || fail "the Python reader rejected $SEG"
  wale wal-fetch --prefetch 0 "$(basename "$SEG")" "$WORK/seg.ours" || fail "wal-fetch $SEG"
  cmp -s "$WORK/seg.oracle" "$WORK/seg.ours" || fail "wal-fetch and the independent reader disagree"
  grep -q '"wal_segment_backup_stop"' "$ARCHIVE/basebackups_005/${BACKUP}_backup_stop_sentinel.json" || fail "the sentinel is not plain JSON"
  pass "objects are libsodium streams the independent reader decrypts"

  # Full chunks of streams past 4 MiB (these 16 MiB segments) go through OpenSSL's
  # ChaCha20-Poly1305 (crypto::SecretStream). Where OpenSSL has none (a FIPS-only set-up,
  # imitated by a configuration that asks for FIPS algorithms), libsodium does every chunk:
  # the same format either way, in both directions.
  printf '%s\n' 'openssl_conf = openssl_init' '[openssl_init]' 'alg_section = evp_properties' \
    '[evp_properties]' 'default_properties = "fips=yes"' >"$WORK/no-chacha.cnf"
  own_by_pg "$WORK"
  nossl() { as_pg env OPENSSL_CONF="$WORK/no-chacha.cnf" "$WALE" --envdir "$ENVDIR" "$@"; }
  nossl wal-fetch --prefetch 0 "$(basename "$SEG")" "$WORK/seg.nossl" || fail "wal-fetch without OpenSSL's cipher"
  cmp -s "$WORK/seg.oracle" "$WORK/seg.nossl" || fail "wal-fetch without OpenSSL's cipher returned other bytes"
  SPARE=0000000100000001000000F0   # far from this test's timeline: never asked for by recovery
  mkdir -p "$WORK/spare/pg_wal"; cp "$WORK/seg.ours" "$WORK/spare/pg_wal/$SPARE"; own_by_pg "$WORK/spare"
  (cd "$WORK/spare" && nossl wal-push "pg_wal/$SPARE") || fail "wal-push without OpenSSL's cipher"
  python3 "$WALE_TESTDATA/crypto/sodium_stream.py" decrypt "$KEY" <"$ARCHIVE/wal_005/$SPARE" \
    | cmp -s - "$WORK/seg.ours" || fail "the independent reader disagrees with a libsodium-only wal-push"
  wale wal-fetch --prefetch 0 "$SPARE" "$WORK/spare.fetched" || fail "wal-fetch (OpenSSL) of a libsodium-only object"
  cmp -s "$WORK/spare.fetched" "$WORK/seg.ours" || fail "wal-fetch (OpenSSL) of a libsodium-only object differs"
  rm -f "$ARCHIVE/wal_005/$SPARE"
  pass "without OpenSSL's ChaCha20-Poly1305, libsodium reads and writes the same objects"

  # Prefetch helpers (separate wal-e processes) decrypt too: the key reaches them through the
  # envdir, never argv. Here the key itself is in the envdir (WALE_LIBSODIUM_KEY).
  rm "$ENVDIR/WALE_LIBSODIUM_KEY_PATH"; echo "$KEY" >"$ENVDIR/WALE_LIBSODIUM_KEY"; own_by_pg "$WORK"
  mapfile -t NAMES < <(find "$ARCHIVE/wal_005" -name '0*' -printf '%f\n' | grep -E '^[0-9A-F]{24}$' | sort)
  mkdir -p "$WORK/pf/pg_wal"; own_by_pg "$WORK/pf"
  wale wal-fetch --prefetch 2 "${NAMES[0]}" "$WORK/pf/pg_wal/RECOVERYXLOG" 2>/dev/null || fail "wal-fetch with prefetch"
  # The spool: pg_wal/.wal-e/prefetch-<boot id>-<archive>/ (the one archive read here).
  prefetched() { echo "$WORK/pf/pg_wal/.wal-e/prefetch-$(cat /proc/sys/kernel/random/boot_id)-"*"/$1"; }
  for _ in $(seq 1 100); do [ -f "$(prefetched "${NAMES[1]}")" ] && break; sleep 0.1; done
  [ -f "$(prefetched "${NAMES[1]}")" ] || fail "no prefetched ${NAMES[1]}: the helper could not decrypt"
  python3 "$WALE_TESTDATA/crypto/sodium_stream.py" decrypt "$KEY" <"$ARCHIVE/wal_005/${NAMES[1]}" \
    | cmp -s - "$(prefetched "${NAMES[1]}")" || fail "the prefetched ${NAMES[1]} is not the decrypted object"
  ! grep -qa "$KEY" /proc/[0-9]*/cmdline 2>/dev/null || fail "the key is on a command line"
  rm "$ENVDIR/WALE_LIBSODIUM_KEY"; echo "$WORK/sodium.key" >"$ENVDIR/WALE_LIBSODIUM_KEY_PATH"
  pass "prefetch helpers decrypt with the key from the envdir"

  # Anyone who can write to the bucket could put a plain segment of their own making where an
  # encrypted one was: with a key, wal-fetch refuses it (exit 255: recovery stops) in one line
  # naming the object, and a prefetch helper does not spool it. With WALE_LIBSODIUM_ACCEPT_PLAIN
  # (an archive that turned encryption on later) it is read, by helpers too, and the mixed
  # archive restores below.
  FIRST=${BACKUP:5:24}; i=0
  while [ $i -lt ${#NAMES[@]} ] && [ "${NAMES[$i]}" != "$FIRST" ]; do i=$((i + 1)); done
  [ $((i + 1)) -lt ${#NAMES[@]} ] || fail "no archived segment after the backup's first, $FIRST"
  PLAIN=${NAMES[$((i + 1))]}
  python3 "$WALE_TESTDATA/crypto/sodium_stream.py" decrypt "$KEY" <"$ARCHIVE/wal_005/$PLAIN" >"$WORK/plain.seg"
  cat "$WORK/plain.seg" >"$ARCHIVE/wal_005/$PLAIN"   # keeps the object's owner and mode
  rc=0; wale wal-fetch --prefetch 0 "$PLAIN" "$WORK/plain.out" 2>"$WORK/plain.err" || rc=$?
  [ $rc = 255 ] || { cat "$WORK/plain.err"; fail "wal-fetch of a plain $PLAIN under a key exited $rc, want 255"; }
  grep ERROR "$WORK/plain.err" >"$WORK/plain.line"
  [ "$(wc -l <"$WORK/plain.line")" = 1 ] || { cat "$WORK/plain.err"; fail "the refusal is not one error line"; }
  grep -q "wal_005/$PLAIN: it is not encrypted" "$WORK/plain.line" || { cat "$WORK/plain.err"; fail "the refusal does not name $PLAIN"; }
  grep -q WALE_LIBSODIUM_ACCEPT_PLAIN "$WORK/plain.line" || { cat "$WORK/plain.err"; fail "the refusal does not name the setting"; }
  [ ! -e "$WORK/plain.out" ] || fail "a refused wal-fetch left its target"
  # Prefetch from the segment before it: the helper refuses it too (it logs to syslog).
  mkdir -p "$WORK/pf2/pg_wal" "$WORK/pf3/pg_wal"; own_by_pg "$WORK"
  spooled() { echo "$WORK/$1/pg_wal/.wal-e/prefetch-$(cat /proc/sys/kernel/random/boot_id)-"*"/$2"; }
  wale wal-fetch --prefetch 1 "$FIRST" "$WORK/pf2/pg_wal/RECOVERYXLOG" 2>/dev/null || fail "wal-fetch $FIRST"
  for _ in $(seq 1 100); do pgrep -f "wal-prefetch.*$WORK/pf2/" >/dev/null || break; sleep 0.1; done
  ! pgrep -f "wal-prefetch.*$WORK/pf2/" >/dev/null || fail "the prefetch helper did not finish"
  [ ! -e "$(spooled pf2 "$PLAIN")" ] || fail "a prefetch helper spooled the plain $PLAIN under a key"
  pass "a plain segment substituted for an encrypted one is refused: wal-fetch exits 255 naming it"

  echo true >"$ENVDIR/WALE_LIBSODIUM_ACCEPT_PLAIN"; own_by_pg "$WORK"
  wale wal-fetch --prefetch 0 "$PLAIN" "$WORK/plain.out" || fail "wal-fetch of a plain $PLAIN with WALE_LIBSODIUM_ACCEPT_PLAIN"
  cmp -s "$WORK/plain.out" "$WORK/plain.seg" || fail "the accepted plain $PLAIN differs from what was stored"
  wale wal-fetch --prefetch 1 "$FIRST" "$WORK/pf3/pg_wal/RECOVERYXLOG" 2>/dev/null || fail "wal-fetch $FIRST"
  for _ in $(seq 1 100); do [ -f "$(spooled pf3 "$PLAIN")" ] && break; sleep 0.1; done
  cmp -s "$(spooled pf3 "$PLAIN")" "$WORK/plain.seg" || fail "the helper did not prefetch the plain $PLAIN with the setting"
  pass "with WALE_LIBSODIUM_ACCEPT_PLAIN in the envdir, wal-fetch and its prefetch helper read it"
fi

wale backup-verify "$BACKUP" >"$WORK/verify.out" 2>&1 || { cat "$WORK/verify.out"; fail "backup-verify"; }
wale backup-fetch "$RESTORED" "$BACKUP" 2>"$WORK/fetch.err" || { cat "$WORK/fetch.err"; fail "backup-fetch"; }
configure_restore "$RESTORED" 5542
start_cluster "$RESTORED"
wait_promoted 5542
[ "$EXPECTED" = "$(table_checksums 5542)" ] || fail "restored tables differ from the primary"
stop_cluster "$RESTORED"
pass "libsodium archive verified and restored (with prefetch) equal to the primary"
rm -f "$ENVDIR/WALE_LIBSODIUM_ACCEPT_PLAIN"

# A wrong key and no key: wal-fetch exits 255 (recovery stops), naming the object.
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/wrong.key"; chmod 600 "$WORK/wrong.key"; own_by_pg "$WORK"
NAME=${BACKUP:5:24}   # the backup's first segment: archived on every store
for setup in wrong none; do
  if [ $setup = wrong ]; then echo "$WORK/wrong.key" >"$ENVDIR/WALE_LIBSODIUM_KEY_PATH"; else rm "$ENVDIR/WALE_LIBSODIUM_KEY_PATH"; fi
  rc=0; wale wal-fetch --prefetch 0 "$NAME" "$WORK/seg.$setup" 2>"$WORK/$setup.err" || rc=$?
  [ $rc = 255 ] || { cat "$WORK/$setup.err"; fail "wal-fetch with $setup key exited $rc, want 255"; }
  grep -q "$NAME" "$WORK/$setup.err" || { cat "$WORK/$setup.err"; fail "the $setup-key error does not name the object"; }
  [ ! -e "$WORK/seg.$setup" ] || fail "a failed wal-fetch left its target"
done
grep -q "could not decrypt" "$WORK/wrong.err" || { cat "$WORK/wrong.err"; fail "wrong key: no 'could not decrypt'"; }
! grep -q "$KEY" "$WORK"/*.err || fail "the key appeared in an error message"
pass "a wrong or missing key stops wal-fetch with exit 255 and names the object"
