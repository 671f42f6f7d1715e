#!/usr/bin/env bash
# Command-line compatibility with WAL-E 1.1.1: version, --help everywhere,
# exit codes, global options before the subcommand, envdir, no secrets as
# arguments, recognised-but-unbuilt options fail loudly.
source "$(dirname "$0")/lib.sh"

[ "$("$WALE" version)" = "1.1.1" ] || fail "version"
[ "$("$WALE" --version)" = "1.1.1" ] || fail "--version"
pass "version and --version print 1.1.1"

for sub in "" backup-push backup-fetch backup-list backup-mark wal-push wal-fetch wal-prefetch delete; do
  out=$("$WALE" $sub --help) || fail "wal-e $sub --help exited non-zero"
  echo "$out" | grep -qi "usage" || fail "wal-e $sub --help prints no usage"
done
"$WALE" --help | grep -q -- "--file-prefix" || fail "--help lacks --file-prefix"
"$WALE" wal-fetch --help | grep -q -- "--prefetch" || fail "wal-fetch --help lacks --prefetch"
pass "--help works for every subcommand"

rc=0; "$WALE" >/dev/null 2>&1 || rc=$?
[ $rc = 127 ] || fail "no subcommand exited $rc, want 127"
rc=0; "$WALE" frobnicate >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "unknown subcommand exited $rc, want 2"
rc=0; "$WALE" --aws-secret-access-key=hunter2 backup-list >/dev/null 2>"$WORK/err" || rc=$?
[ $rc = 2 ] || fail "a secret option was accepted (exit $rc)"
# wal-fetch is restore_command: a usage error must stop recovery (exit > 125),
# never read as "not in the archive" (1..125 end recovery).
rc=0; "$WALE" --envdir "$ENVDIR" wal-fetch 000000010000000000000001 >/dev/null 2>&1 || rc=$?
[ $rc = 255 ] || fail "wal-fetch without a destination exited $rc, want 255"
rc=0; "$WALE" --envdir "$ENVDIR" wal-fetch --no-such-option 000000010000000000000001 "$WORK/x" >/dev/null 2>&1 || rc=$?
[ $rc = 255 ] || fail "wal-fetch with an unknown option exited $rc, want 255"
pass "exit codes: 127 without a subcommand, 2 for usage errors (255 for wal-fetch), secrets refused as arguments"

# A global option after the subcommand is a usage error, as with argparse.
rc=0; "$WALE" backup-list --file-prefix "file://localhost$ARCHIVE" >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "global option after the subcommand exited $rc, want 2"
"$WALE" --file-prefix "file://localhost$ARCHIVE" backup-list >/dev/null || fail "--file-prefix before the subcommand"
pass "global options go before the subcommand"

# Settings from the environment, from --envdir and from WALE_ENVDIR.
WALE_FILE_PREFIX="file://localhost$ARCHIVE" "$WALE" backup-list | grep -q '^name' || fail "WALE_FILE_PREFIX"
"$WALE" --envdir "$ENVDIR" backup-list | grep -q '^name' || fail "--envdir"
WALE_ENVDIR="$ENVDIR" "$WALE" backup-list | grep -q '^name' || fail "WALE_ENVDIR"
rc=0; "$WALE" --envdir "$WORK/nonexistent" backup-list >/dev/null 2>&1 || rc=$?
[ $rc = 1 ] || fail "missing envdir exited $rc"
pass "settings from the environment and envdir"

# WALE_COMPRESSION chooses the codec and the extension; reads pick by extension.
mkdir -p "$WORK/wal"
# Random bytes behind a WAL long page header (magic 0xD110, XLP_LONG_HEADER,
# 16 MiB segments, 8 KiB pages): uncompressed objects must look like WAL.
{ printf '\x10\xd1\x02\x00'; head -c 28 /dev/zero; printf '\x00\x00\x00\x01\x00\x20\x00\x00'; head -c 999960 /dev/urandom; } \
  >"$WORK/wal/000000010000000000000001"
for c in zstd lz4 lzop none; do
  rm -rf "$ARCHIVE"/*
  WALE_COMPRESSION=$c "$WALE" --envdir "$ENVDIR" --terse wal-push "$WORK/wal/000000010000000000000001"
  f=$(ls "$ARCHIVE/wal_005/")
  case $c in zstd) [ "$f" = 000000010000000000000001.zst ] ;; lz4) [ "$f" = 000000010000000000000001.lz4 ] ;;
    lzop) [ "$f" = 000000010000000000000001.lzo ] ;; none) [ "$f" = 000000010000000000000001 ] ;; esac \
    || fail "WALE_COMPRESSION=$c stored $f"
  "$WALE" --envdir "$ENVDIR" --terse wal-fetch 000000010000000000000001 "$WORK/back"
  cmp "$WORK/wal/000000010000000000000001" "$WORK/back" || fail "round trip with $c"
  # The real tools read what we wrote.
  case $c in
    zstd) zstd -dc "$ARCHIVE/wal_005/$f" | cmp - "$WORK/back" ;;
    lz4) lz4 -dc "$ARCHIVE/wal_005/$f" | cmp - "$WORK/back" ;;
    lzop) lzop -dc "$ARCHIVE/wal_005/$f" | cmp - "$WORK/back" ;;
  esac || fail "the $c tool cannot read our object"
  # Pushing the same file again succeeds without rewriting.
  "$WALE" --envdir "$ENVDIR" --terse wal-push "$WORK/wal/000000010000000000000001" || fail "re-push of identical content"
done
rc=0; WALE_COMPRESSION=brotli "$WALE" --envdir "$ENVDIR" wal-push "$WORK/wal/000000010000000000000001" 2>/dev/null || rc=$?
[ $rc = 1 ] || fail "unknown compression exited $rc"
pass "WALE_COMPRESSION selects zstd, lz4, lzop or none; the real tools read our objects"

# Archive files are private: 0600 files, 0700 directories.
[ "$(stat -c %a "$ARCHIVE/wal_005")" = 700 ] || fail "wal_005 mode $(stat -c %a "$ARCHIVE/wal_005")"
[ "$(stat -c %a "$ARCHIVE/wal_005/000000010000000000000001")" = 600 ] || fail "object mode"
pass "archive objects are 0600 in 0700 directories"

# Push-ahead: wal-push stores its own segment and a detached worker pushes the
# other .ready segments; later calls for them return without re-uploading.
rm -rf "$ARCHIVE"/*
mkdir -p "$WORK/ahead/archive_status"
for i in 1 2 3 4; do
  head -c 2000000 /dev/urandom >"$WORK/ahead/00000005000000000000000$i"
  touch "$WORK/ahead/archive_status/00000005000000000000000$i.ready"
done
"$WALE" --envdir "$ENVDIR" --terse wal-push --pool-size 4 "$WORK/ahead/000000050000000000000001" || fail "wal-push with push-ahead"
for _ in $(seq 1 100); do [ "$(ls "$ARCHIVE/wal_005" | wc -l)" = 4 ] && break; sleep 0.1; done
[ "$(ls "$ARCHIVE/wal_005" | wc -l)" = 4 ] || fail "the push-ahead worker did not store the other ready segments: $(ls "$ARCHIVE/wal_005")"
"$WALE" --envdir "$ENVDIR" wal-push "$WORK/ahead/000000050000000000000003" 2>"$WORK/err" || fail "wal-push of a pushed-ahead segment"
grep -q "already archived by push-ahead" "$WORK/err" || { cat "$WORK/err"; fail "the pushed-ahead segment was uploaded again"; }
[ -f "$WORK/ahead/archive_status/000000050000000000000003.ready" ] || fail "push-ahead touched PostgreSQL's status files"
pass "push-ahead stores ready segments in the background; later wal-push calls return at once"

# Recognised but not built: a clear error, never silence.
for args in "--gs-prefix gs://b/x backup-list"; do
  rc=0; "$WALE" --envdir "$ENVDIR" $args >/dev/null 2>"$WORK/err" || rc=$?
  [ $rc != 0 ] && grep -q "not built yet" "$WORK/err" || fail "'$args' did not fail with 'not built yet' (exit $rc)"
done
rc=0; "$WALE" --envdir "$ENVDIR" delete --confirm retain zero >/dev/null 2>"$WORK/err" || rc=$?
[ $rc = 2 ] || fail "delete retain zero exited $rc, want 2"
pass "recognised-but-unbuilt options fail with a clear message"

# Numbers in arguments and settings, and stored JSON, are checked strictly: one
# line naming what is wrong, the right exit code, never an "unprocessed exception".
one_line_error() {  # <want exit> <text the line must hold> <command...>
  local want=$1 text=$2 rc=0
  shift 2
  "$@" >/dev/null 2>"$WORK/err" || rc=$?
  [ $rc = "$want" ] || { cat "$WORK/err"; fail "'$*' exited $rc, want $want"; }
  [ "$(wc -l <"$WORK/err")" = 1 ] || { cat "$WORK/err"; fail "'$*' did not print exactly one line"; }
  grep -qF -- "$text" "$WORK/err" || { cat "$WORK/err"; fail "'$*' does not say '$text'"; }
  if grep -q "unprocessed exception" "$WORK/err"; then fail "'$*': unprocessed exception"; fi
}
# 4294967297 was cast to unsigned: retain 1.
one_line_error 2 'retain must be a whole number from 1 to 1000000, got "4294967297"' \
  "$WALE" --envdir "$ENVDIR" delete retain 4294967297
one_line_error 2 '--pool-size must be a whole number from 1 to 1024, got "-3"' \
  "$WALE" --envdir "$ENVDIR" backup-fetch --pool-size -3 "$WORK/nowhere" LATEST
# wal-fetch is restore_command: a bad argument must stop recovery (exit > 125), not end it.
one_line_error 255 '--prefetch must be a whole number from 0 to 63, got "4294967296"' \
  "$WALE" --envdir "$ENVDIR" wal-fetch --prefetch 4294967296 000000010000000000000001 "$WORK/x"
one_line_error 2 '--cluster-read-rate-limit must be a whole number' \
  "$WALE" --envdir "$ENVDIR" backup-push --cluster-read-rate-limit -1 "$WORK/nowhere"
one_line_error 1 'WALE_RETRIES must be a whole number from 1 to 1000000, got "12abc"' \
  env WALE_RETRIES=12abc "$WALE" --file-prefix "file://localhost$ARCHIVE" backup-list
one_line_error 1 'WALE_PARTITION_SIZE must be a byte count from 1 to 1099511627776' \
  env WALE_PARTITION_SIZE=17179869184G "$WALE" --file-prefix "file://localhost$ARCHIVE" backup-list
one_line_error 1 'WALE_ARCHIVE_TIMEOUT must be a whole number from 0 to' \
  env WALE_ARCHIVE_TIMEOUT=-5 "$WALE" --file-prefix "file://localhost$ARCHIVE" backup-list
# A sentinel whose tablespace entry has a number for its location escaped as a JSON type_error.
mkdir -p "$WORK/corrupt/basebackups_005"
echo '{"wal_segment_backup_stop": "000000010000000000000002", "wal_segment_offset_backup_stop": "00000040", "expanded_size_bytes": 3, "spec": {"base_prefix": "/x/", "tablespaces": ["16389"], "16389": {"loc": 5, "link": "pg_tblspc/16389"}}}' \
  >"$WORK/corrupt/basebackups_005/base_000000010000000000000002_00000040_backup_stop_sentinel.json"
one_line_error 1 'is corrupt: field "spec.16389.loc" must be a string' \
  "$WALE" --file-prefix "file://localhost$WORK/corrupt" backup-list --json
pass "bad numbers and corrupt sentinels end in one line naming the value, no unprocessed exception"
