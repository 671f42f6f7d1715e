#!/usr/bin/env bash
# (d) Bad input: each case exits non-zero with one clear line on stderr, and
# nothing is written or lost.
source "$(dirname "$0")/lib.sh"

# expect_error EXPECTED_STATUS PATTERN cmd...: runs cmd (as postgres), checks
# the exit status, that stderr holds exactly one error line (INFO log records
# may come before it), and that the error line matches PATTERN.
expect_error() {
  local want=$1 pattern=$2; shift 2
  local rc=0
  as_pg "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
  [ "$rc" = "$want" ] || { cat "$WORK/err"; fail "'$*' exited $rc, want $want"; }
  grep -vE '^wal-e [a-z-]+\[[0-9]+\]: (wal_e\.|        )' "$WORK/err" >"$WORK/errlines" || true
  [ "$(wc -l <"$WORK/errlines")" = 1 ] || { cat "$WORK/err"; fail "'$*' printed $(wc -l <"$WORK/errlines") error lines, want 1"; }
  grep -q "ERROR: " "$WORK/errlines" || { cat "$WORK/err"; fail "'$*' printed no ERROR line"; }
  grep -qE "$pattern" "$WORK/errlines" || { cat "$WORK/err"; fail "'$*' error does not match /$pattern/"; }
}

archive_listing() { (cd "$ARCHIVE" && find . -type f -printf '%p %s %T@\n' | sort); }

# No prefix at all.
expect_error 1 "no storage prefix defined" env -u WALE_FILE_PREFIX -u WALE_S3_PREFIX "$WALE" wal-push /nonexistent/000000010000000000000001
pass "no prefix"

# Unknown scheme.
expect_error 1 "URL scheme" env WALE_FILE_PREFIX=ftp://x/y "$WALE" backup-list
pass "bad prefix scheme"

# A segment path that does not exist.
expect_error 1 "could not find file for wal-push" "$WALE" --envdir "$ENVDIR" wal-push "$WORK/000000010000000000000001"
[ -z "$(archive_listing)" ] || fail "wal-push of a missing file wrote to the archive"
pass "wal-push of a missing segment"

# A file that is not a WAL file.
echo hi >"$WORK/notwal.txt"; own_by_pg "$WORK/notwal.txt"
expect_error 2 "not a WAL file name" "$WALE" --envdir "$ENVDIR" wal-push "$WORK/notwal.txt"
pass "wal-push of a non-WAL file"

# PGDATA that is not a cluster.
mkdir -p "$WORK/notacluster"; own_by_pg "$WORK/notacluster"
expect_error 2 "is not a PostgreSQL data directory" "$WALE" --envdir "$ENVDIR" backup-push "$WORK/notacluster"
[ -z "$(archive_listing)" ] || fail "backup-push of a non-cluster wrote to the archive"
pass "backup-push of a directory that is not a cluster"

# A real cluster and a backup to play with.
init_cluster "$WORK/pg" 5531
start_cluster "$WORK/pg"
psql_at 5531 "create table t as select generate_series(1,1000) id"
wale_at 5531 backup-push "$WORK/pg" >/dev/null 2>"$WORK/push.err" || { cat "$WORK/push.err"; fail "backup-push"; }
stop_cluster "$WORK/pg"

# A cluster that is not archiving: refused with a hint, nothing stored. (Its
# own archive: the shared one belongs to the cluster above and would refuse
# it for that reason first.)
NOARCH_ARCHIVE="$WORK/noarch-archive"; mkdir -m 700 "$NOARCH_ARCHIVE"; own_by_pg "$NOARCH_ARCHIVE"
init_cluster "$WORK/noarch" 5532
echo "archive_mode = off" >>"$WORK/noarch/postgresql.conf"
start_cluster "$WORK/noarch"
expect_error 1 "not archiving WAL.*HINT: Set archive_mode = on" env PGHOST="$SOCK" PGPORT=5532 "$WALE" --envdir "$ENVDIR" \
  --file-prefix "file://localhost$NOARCH_ARCHIVE" backup-push "$WORK/noarch"
[ -z "$(ls -A "$NOARCH_ARCHIVE")" ] || fail "backup-push of a non-archiving cluster wrote to the archive"
# PGDATA of another cluster than the one connected to: refused.
expect_error 2 "is not the data directory of the server" env PGHOST="$SOCK" PGPORT=5532 "$WALE" --envdir "$ENVDIR" backup-push "$WORK/pg"
stop_cluster "$WORK/noarch"
pass "backup-push refuses a cluster that is not archiving, and a data directory of another server"

# archive_command is set but broken: backup-push gives up after WALE_ARCHIVE_TIMEOUT
# with an error (WAL-E hung forever) and no backup appears.
init_cluster "$WORK/broken" 5533
echo "archive_command = 'false'" >>"$WORK/broken/postgresql.conf"
start_cluster "$WORK/broken"
echo 3 >"$ENVDIR/WALE_ARCHIVE_TIMEOUT"
OWN="$WORK/own-archive"; mkdir -p "$OWN"; own_by_pg "$OWN"
START=$(date +%s)
expect_error 1 "was not archived within 3 s" env PGHOST="$SOCK" PGPORT=5533 "$WALE" --envdir "$ENVDIR" \
  --file-prefix "file://localhost$OWN" backup-push "$WORK/broken"
[ $(( $(date +%s) - START )) -le 60 ] || fail "backup-push with a broken archive_command took too long"
[ -z "$(ls "$OWN"/basebackups_005/*_backup_stop_sentinel.json 2>/dev/null)" ] || fail "a backup without its WAL got a sentinel"
pass "backup-push with a broken archive_command fails after WALE_ARCHIVE_TIMEOUT, without a sentinel"

# The shared archive holds segments of the same names from the cluster above
# (made sure of by copying one of them under the next names): they must not be
# taken for this cluster's WAL.
FOREIGN=$(ls "$ARCHIVE"/wal_005/000000010000000000000001.* | head -n 1)
for n in 02 03 04 05 06 07 08 09 0A; do
  ls "$ARCHIVE"/wal_005/0000000100000000000000$n.* >/dev/null 2>&1 || cp -p "$FOREIGN" "$ARCHIVE/wal_005/0000000100000000000000$n.${FOREIGN##*.}"
done
# The archive's identity object (recorded by the first cluster's wal-push)
# refuses this cluster at once; without it, the stop segment's page header
# still gives the other cluster away.
expect_error 1 "the archive .*cluster_identity.json belongs to another cluster" \
  env PGHOST="$SOCK" PGPORT=5533 "$WALE" --envdir "$ENVDIR" backup-push "$WORK/broken"
mv "$ARCHIVE/cluster_identity.json" "$WORK/identity.saved"
expect_error 1 "WAL file [0-9A-F]{24} in the archive belongs to another cluster" \
  env PGHOST="$SOCK" PGPORT=5533 "$WALE" --envdir "$ENVDIR" backup-push "$WORK/broken"
mv "$WORK/identity.saved" "$ARCHIVE/cluster_identity.json"
[ "$(ls "$ARCHIVE"/basebackups_005/*_backup_stop_sentinel.json | wc -l)" = 1 ] || fail "a backup with another cluster's WAL got a sentinel"
echo 60 >"$ENVDIR/WALE_ARCHIVE_TIMEOUT"
stop_cluster "$WORK/broken"
pass "backup-push does not take another cluster's archived WAL for its own"

# Unknown backup name, and a malformed one.
mkdir -p "$WORK/empty1"; own_by_pg "$WORK/empty1"
expect_error 1 "backup base_000000010000000000000099_00000040 not found" \
  "$WALE" --envdir "$ENVDIR" backup-fetch "$WORK/empty1" base_000000010000000000000099_00000040
[ -z "$(ls -A "$WORK/empty1")" ] || fail "backup-fetch of an unknown backup wrote files"
expect_error 2 "invalid backup query submitted" "$WALE" --envdir "$ENVDIR" backup-fetch "$WORK/empty1" nonsense
pass "backup-fetch of an unknown backup"

# backup-fetch into a non-empty directory.
mkdir -p "$WORK/full"; echo precious >"$WORK/full/keep.txt"; own_by_pg "$WORK/full"
expect_error 2 "is not empty" "$WALE" --envdir "$ENVDIR" backup-fetch "$WORK/full" LATEST
[ "$(ls -A "$WORK/full")" = keep.txt ] && [ "$(cat "$WORK/full/keep.txt")" = precious ] || fail "non-empty target was modified"
pass "backup-fetch into a non-empty directory"

# wal-fetch of a segment that is not archived: exit 1, nothing written.
expect_error 1 "not in the archive" "$WALE" --envdir "$ENVDIR" wal-fetch 0000000100000000000000FF "$WORK/dest"
[ ! -e "$WORK/dest" ] || fail "wal-fetch of a missing segment created the destination"
pass "wal-fetch of a missing segment exits 1"

# A corrupted WAL object: wal-fetch exits 255 (above 125: PostgreSQL stops
# recovery instead of taking it for the end of the archive), no destination.
SEG=$(cd "$ARCHIVE/wal_005" && ls | grep -E '^[0-9A-F]{24}\.' | head -1)
SEGNAME=${SEG%%.*}
cp "$ARCHIVE/wal_005/$SEG" "$WORK/seg.orig"
python3 - "$ARCHIVE/wal_005/$SEG" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
b[len(b) // 2] ^= 0xFF
open(p, 'wb').write(bytes(b))
PY
expect_error 255 "$SEGNAME" "$WALE" --envdir "$ENVDIR" wal-fetch "$SEGNAME" "$WORK/dest2"
[ ! -e "$WORK/dest2" ] || fail "wal-fetch of a corrupted object left a destination file"
cp "$WORK/seg.orig" "$ARCHIVE/wal_005/$SEG"
pass "wal-fetch of a corrupted object exits 255"

# wal-fetch usage errors are a broken restore_command: they must stop recovery too.
expect_error 255 "not a WAL file name" "$WALE" --envdir "$ENVDIR" wal-fetch "../$SEGNAME" "$WORK/dest3"
rc=0; as_pg "$WALE" --envdir "$ENVDIR" wal-fetch "$SEGNAME" >/dev/null 2>&1 || rc=$?
[ $rc = 255 ] || fail "wal-fetch without a destination exited $rc, want 255"
rc=0; as_pg "$WALE" --envdir "$ENVDIR" wal-push >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "wal-push without a path exited $rc, want 2 (unchanged)"
pass "wal-fetch usage errors exit 255; other subcommands keep exit 2"

# A corrupted tar partition: backup-fetch fails and leaves the target empty.
PART=$(find "$ARCHIVE/basebackups_005" -name 'part_00000000.tar*' -print -quit)
python3 - "$PART" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
b[len(b) // 2] ^= 0xFF
open(p, 'wb').write(bytes(b))
PY
mkdir -p "$WORK/empty2"; own_by_pg "$WORK/empty2"
expect_error 1 "part_00000000" "$WALE" --envdir "$ENVDIR" backup-fetch "$WORK/empty2" LATEST
[ -z "$(ls -A "$WORK/empty2")" ] || fail "a failed backup-fetch left files in the target"
pass "backup-fetch of a corrupted partition"

# A hostile backup: its tar makes pg_wal a link to a directory outside the
# target. backup-fetch must fail and create nothing through the link.
EVIL="$WORK/evil-archive"; OUTSIDE="$WORK/outside"; mkdir -p "$OUTSIDE" "$WORK/evil-src"
ln -s "$OUTSIDE" "$WORK/evil-src/pg_wal"
echo 15 >"$WORK/evil-src/PG_VERSION"
EN=base_000000010000000000000002_00000040
mkdir -p "$EVIL/basebackups_005/$EN/tar_partitions"
tar -cf "$EVIL/basebackups_005/$EN/tar_partitions/part_00000000.tar" -C "$WORK/evil-src" PG_VERSION pg_wal
echo '{"wal_segment_backup_stop": "000000010000000000000002", "wal_segment_offset_backup_stop": "00000100", "expanded_size_bytes": 3, "spec": {"base_prefix": "/x/", "tablespaces": []}}' \
  >"$EVIL/basebackups_005/${EN}_backup_stop_sentinel.json"
own_by_pg "$EVIL" "$OUTSIDE"
expect_error 1 "symbolic link" "$WALE" --file-prefix "file://localhost$EVIL" backup-fetch "$WORK/evil-restore" LATEST
[ -z "$(ls -A "$OUTSIDE")" ] || fail "backup-fetch created $(ls -A "$OUTSIDE") through a link outside the target"
pass "backup-fetch never writes through a link a hostile backup planted"

# Pushing a segment that is archived with different content fails and overwrites nothing.
mkdir -p "$WORK/wal"; head -c 16777216 /dev/urandom >"$WORK/wal/$SEGNAME"; own_by_pg "$WORK/wal"
BEFORE=$(sha256sum "$ARCHIVE/wal_005/$SEG")
expect_error 1 "already archived with different content" "$WALE" --envdir "$ENVDIR" wal-push "$WORK/wal/$SEGNAME"
[ "$(sha256sum "$ARCHIVE/wal_005/$SEG")" = "$BEFORE" ] || fail "conflicting wal-push changed the archived object"
pass "wal-push of different content for an archived segment"
