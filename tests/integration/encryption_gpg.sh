#!/usr/bin/env bash
# GPG encryption, WAL-E compatible: with WALE_GPG_KEY_ID every WAL segment and
# tar partition is stored as binary OpenPGP (lzop inside, name still .lzo),
# the real gpg + lzop read them, and archive -> backup -> verify -> restore
# round-trips with the secret key in a gpg keyring. Also: WAL-E's own
# encrypted segment fetches byte-identical to the plain one.
source "$(dirname "$0")/lib.sh"

export GNUPGHOME="$WORK/gnupg"
mkdir -m 700 "$GNUPGHOME"
own_by_pg "$WORK"
as_pg env GNUPGHOME="$GNUPGHOME" gpg --batch -q --import "$WALE_TESTDATA/wal-e-archive/gpg-sample/test-secret-key.asc" 2>/dev/null \
  || fail "gpg --import"
stop_agent() { as_pg env GNUPGHOME="$GNUPGHOME" gpgconf --kill gpg-agent >/dev/null 2>&1 || true; }
trap 'stop_agent; cleanup' EXIT
echo "$GNUPGHOME" >"$ENVDIR/GNUPGHOME"
echo 11E48F6B0B31D951 >"$ENVDIR/WALE_GPG_KEY_ID"
echo lzop >"$ENVDIR/WALE_COMPRESSION"
echo 2M >"$ENVDIR/WALE_PARTITION_SIZE"

PRIMARY="$WORK/primary"; RESTORED="$WORK/restored"
init_cluster "$PRIMARY" 5531
start_cluster "$PRIMARY"
psql_at 5531 "create table t as select g as id, md5(g::text) as h from generate_series(1, 20000) g"
BACKUP=$(wale_at 5531 backup-push "$PRIMARY" 2>"$WORK/backup-push.err") || { cat "$WORK/backup-push.err"; fail "backup-push"; }
psql_at 5531 "insert into t select g, md5(g::text) from generate_series(20001, 30000) g"
archive_current_wal 5531
EXPECTED=$(table_checksums 5531)
stop_cluster "$PRIMARY"

# Every data object is OpenPGP (first byte: an old-format PKESK packet), the
# sentinel is plain JSON, and the real gpg | lzop -d reads a segment.
n=0
while IFS= read -r f; do
  head -c1 "$f" | od -An -tx1 | grep -qE '8[4-7]|c1' || fail "$f is not OpenPGP"
  n=$((n + 1))
done < <(find "$ARCHIVE/wal_005" "$ARCHIVE/basebackups_005" -name '*.lzo')
[ "$n" -ge 4 ] || fail "only $n encrypted objects"
head -c1 "$ARCHIVE/basebackups_005/${BACKUP}_backup_stop_sentinel.json" | grep -q '{' || fail "the sentinel was encrypted"
SEG=$(find "$ARCHIVE/wal_005" -name '0*.lzo' | sort | head -1)
as_pg env GNUPGHOME="$GNUPGHOME" gpg --batch -q -d "$SEG" 2>/dev/null | lzop -dc >"$WORK/seg.oracle" || fail "gpg -d | lzop -d of $SEG"
wale wal-fetch --prefetch 0 "$(basename "$SEG" .lzo)" "$WORK/seg.ours" || fail "wal-fetch of $SEG"
cmp -s "$WORK/seg.oracle" "$WORK/seg.ours" || fail "wal-fetch and gpg|lzop disagree on $SEG"
pass "$n data objects stored as OpenPGP; gpg + lzop read them"

wale backup-verify "$BACKUP" >"$WORK/verify.out" 2>&1 || { cat "$WORK/verify.out"; fail "backup-verify"; }
wale backup-fetch "$RESTORED" "$BACKUP" 2>"$WORK/fetch.err" || { cat "$WORK/fetch.err"; fail "backup-fetch"; }
configure_restore "$RESTORED" 5532
start_cluster "$RESTORED"
wait_promoted 5532
[ "$EXPECTED" = "$(table_checksums 5532)" ] || fail "restored tables differ from the primary"
stop_cluster "$RESTORED"
pass "GPG-encrypted archive verified and restored equal to the primary"

# Without the secret key, wal-fetch stops recovery (exit 255, never 1) and names the object.
mkdir -m 700 "$WORK/empty-gnupg"; own_by_pg "$WORK"
echo "$WORK/empty-gnupg" >"$ENVDIR/GNUPGHOME"
rc=0; wale wal-fetch --prefetch 0 "$(basename "$SEG" .lzo)" "$WORK/seg.nokey" 2>"$WORK/nokey.err" || rc=$?
as_pg env GNUPGHOME="$WORK/empty-gnupg" gpgconf --kill gpg-agent >/dev/null 2>&1 || true
[ $rc = 255 ] || { cat "$WORK/nokey.err"; fail "wal-fetch without the key exited $rc, want 255"; }
grep -q "$(basename "$SEG")" "$WORK/nokey.err" && grep -q "No secret key" "$WORK/nokey.err" \
  || { cat "$WORK/nokey.err"; fail "the error does not name the object and the cause"; }
[ ! -e "$WORK/seg.nokey" ] || fail "a failed wal-fetch left its target"
echo "$GNUPGHOME" >"$ENVDIR/GNUPGHOME"
pass "without the secret key wal-fetch exits 255 and names the object"

# --gpg-key-id on the command line (not in the envdir) reaches the push-ahead
# worker, a separate wal-e process: every pushed-ahead segment is OpenPGP too.
rm "$ENVDIR/WALE_GPG_KEY_ID"
mkdir -p "$WORK/ahead/archive_status"
for i in 1 2 3 4; do
  head -c 300000 /dev/urandom >"$WORK/ahead/00000009000000000000000$i"
  touch "$WORK/ahead/archive_status/00000009000000000000000$i.ready"
done
own_by_pg "$WORK"
wale --gpg-key-id 11E48F6B0B31D951 wal-push --pool-size 4 "$WORK/ahead/000000090000000000000001" 2>/dev/null \
  || fail "wal-push with push-ahead"
for _ in $(seq 1 100); do [ "$(ls "$ARCHIVE/wal_005" | grep -c '^000000090')" = 4 ] && break; sleep 0.1; done
[ "$(ls "$ARCHIVE/wal_005" | grep -c '^000000090')" = 4 ] || fail "push-ahead did not store the ready segments"
for f in "$ARCHIVE"/wal_005/000000090*; do
  head -c1 "$f" | od -An -tx1 | grep -qE '8[4-7]|c1' || fail "pushed-ahead $f is not OpenPGP"
done
echo 11E48F6B0B31D951 >"$ENVDIR/WALE_GPG_KEY_ID"
pass "--gpg-key-id reaches the push-ahead worker: every pushed-ahead segment is encrypted"

# WAL-E's own GPG-encrypted segment (fixture) equals the plain one.
cp -r "$WALE_TESTDATA/wal-e-archive" "$WORK/walefix"; own_by_pg "$WORK"
for p in gpg-sample ""; do
  as_pg env GNUPGHOME="$GNUPGHOME" "$WALE" --file-prefix "file://localhost$WORK/walefix/$p" wal-fetch --prefetch 0 \
    000000010000000000000002 "$WORK/walefix-${p:-plain}" || fail "wal-fetch from the ${p:-plain} fixture"
done
cmp -s "$WORK/walefix-gpg-sample" "$WORK/walefix-plain" || fail "WAL-E's encrypted segment differs from the plain one"
pass "WAL-E's GPG-encrypted segment fetches byte-identical to the plain one"
