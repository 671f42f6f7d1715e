#!/usr/bin/env bash
# Retention and verification on a real archive: delete keeps what remaining
# (and permanent) backups need, verify finds damage and reports where it is,
# and backup-fetch of a damaged backup fails instead of restoring bad files.
source "$(dirname "$0")/lib.sh"

PRIMARY="$WORK/primary"
init_cluster "$PRIMARY" 5551
start_cluster "$PRIMARY"
psql_at 5551 "create table t(id int primary key, v text)"
backups=()
for i in 1 2 3 4; do
  psql_at 5551 "insert into t select g, md5(g::text) from generate_series($(( (i-1)*5000 + 1 )), $(( i*5000 )) ) g"
  psql_at 5551 "select pg_switch_wal()" >/dev/null
  extra=()
  [ $i = 2 ] && extra=(--permanent)
  # The last backup is stored uncompressed: only the manifest protects it.
  if [ $i = 4 ]; then echo none >"$ENVDIR/WALE_COMPRESSION"; fi
  b=$(wale_at 5551 backup-push "${extra[@]}" "$PRIMARY" 2>"$WORK/push$i.err") || { cat "$WORK/push$i.err"; fail "backup-push $i"; }
  backups+=("$b")
done
rm -f "$ENVDIR/WALE_COMPRESSION"
psql_at 5551 "insert into t select g, 'tail' from generate_series(20001, 21000) g"
EXPECTED=$(psql_at 5551 "select count(*), md5(string_agg(v, ',' order by id)) from t")
archive_current_wal 5551
stop_cluster "$PRIMARY"
B1=${backups[0]} B2=${backups[1]} B3=${backups[2]} B4=${backups[3]}

# Verification of a healthy archive.
wale backup-verify --all >"$WORK/verify.txt" || { cat "$WORK/verify.txt"; fail "backup-verify --all on a healthy archive"; }
[ "$(grep -c '  OK  ' "$WORK/verify.txt")" = 4 ] || { cat "$WORK/verify.txt"; fail "not every backup verified OK"; }
wale backup-verify --json "$B3" | grep -q '"ok": true' || fail "backup-verify --json"
wale wal-verify >"$WORK/walverify.txt" || { cat "$WORK/walverify.txt"; fail "wal-verify on a healthy archive"; }
wale wal-verify --json | grep -q '"ok": true' || fail "wal-verify --json"
wale backup-list --detail --json | grep -q '"file_count"' || fail "backup-list --detail --json lacks our sentinel fields"
pass "backup-verify and wal-verify pass a healthy archive (text and JSON)"

# A dry run deletes nothing.
before=$(cd "$ARCHIVE" && find . -type f | sort)
wale delete retain 1 >"$WORK/dry.txt" || fail "delete dry run"
grep -q "would delete backup $B1" "$WORK/dry.txt" || { cat "$WORK/dry.txt"; fail "dry run does not list $B1"; }
[ "$(cd "$ARCHIVE" && find . -type f | sort)" = "$before" ] || fail "a dry run deleted something"
pass "delete without --confirm only reports"

# retain 1: B4 stays (newest), B2 stays (permanent), B1 and B3 go, and the WAL B2 needs stays.
wale delete --confirm retain 1 >"$WORK/del.txt" || { cat "$WORK/del.txt"; fail "delete --confirm retain 1"; }
LISTED=$(wale backup-list | cut -f1 | tail -n +2 | sort | tr '\n' ' ')
[ "$LISTED" = "$(printf '%s\n' "$B2" "$B4" | sort | tr '\n' ' ')" ] || fail "after retain 1 the backups are: $LISTED"
B2SEG=${B2:5:24}
for f in "$ARCHIVE"/wal_005/*; do
  n=$(basename "$f"); n=${n%%.*}
  [[ "$n" =~ ^[0-9A-F]{24}$ ]] || continue
  [[ "${n:8:16}" < "${B2SEG:8:16}" ]] && fail "WAL $n is older than every remaining backup but was not deleted"
done
ls "$ARCHIVE/wal_005/$B2SEG".* >/dev/null 2>&1 || fail "the permanent backup's start segment was deleted"
wale wal-verify >/dev/null || fail "wal-verify after delete"
pass "delete retain keeps the newest and the permanent backup and the WAL they need"

# The oldest remaining backup restores and replays to the end of the archive.
wale backup-fetch "$WORK/from-b2" "$B2" 2>"$WORK/f2.err" || { cat "$WORK/f2.err"; fail "fetch $B2"; }
configure_restore "$WORK/from-b2" 5552
start_cluster "$WORK/from-b2"
wait_promoted 5552
[ "$(psql_at 5552 "select count(*), md5(string_agg(v, ',' order by id)) from t")" = "$EXPECTED" ] || fail "restore of $B2 after delete lost data"
stop_cluster "$WORK/from-b2"
pass "after delete, the oldest remaining backup replays to the end of the archive"

# Damage: a flipped byte in a compressed partition of B2.
P2=$(find "$ARCHIVE/basebackups_005/$B2/tar_partitions" -name 'part_*' -print -quit)
cp "$P2" "$WORK/p2.orig"
python3 -c "import sys; p=sys.argv[1]; b=bytearray(open(p,'rb').read()); b[len(b)//2]^=0xFF; open(p,'wb').write(bytes(b))" "$P2"
rc=0; wale backup-verify "$B2" >"$WORK/v2.txt" || rc=$?
[ $rc = 1 ] || { cat "$WORK/v2.txt"; fail "backup-verify of a damaged partition exited $rc"; }
grep -q "PROBLEM: $B2: .*$(basename "$P2")" "$WORK/v2.txt" || { cat "$WORK/v2.txt"; fail "damage not located"; }
rc=0; wale backup-fetch "$WORK/bad2" "$B2" 2>/dev/null || rc=$?
[ $rc != 0 ] && [ -z "$(ls -A "$WORK/bad2" 2>/dev/null)" ] || fail "backup-fetch of a damaged backup did not fail cleanly"
cp "$WORK/p2.orig" "$P2"
pass "a corrupted byte in a partition is found and located; backup-fetch refuses it"

# Damage in an uncompressed backup: only the manifest can tell. Flip a byte inside a file's data.
P4=$(find "$ARCHIVE/basebackups_005/$B4/tar_partitions" -name 'part_00000000.tar' -print -quit)
[ -n "$P4" ] || fail "backup 4 is not uncompressed"
OFF=$(python3 - "$P4" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    for m in t:
        if m.isfile() and m.size > 4096 and m.name.startswith('base/'):
            print(m.offset_data + 100); break
PY
)
printf '\xff\xee' | dd of="$P4" bs=1 seek="$OFF" conv=notrunc status=none
rc=0; wale backup-verify "$B4" >"$WORK/v4.txt" || rc=$?
[ $rc = 1 ] && grep -q "checksum mismatch" "$WORK/v4.txt" || { cat "$WORK/v4.txt"; fail "backup-verify missed damage in an uncompressed file"; }
rc=0; wale backup-fetch "$WORK/bad4" "$B4" 2>"$WORK/f4.err" || rc=$?
[ $rc != 0 ] && grep -q "does not match the backup's manifest" "$WORK/f4.err" || { cat "$WORK/f4.err"; fail "backup-fetch restored a damaged uncompressed backup"; }
pass "damage inside an uncompressed file is found by the manifest; backup-fetch refuses it"

# A truncated object.
P4B=$(ls "$ARCHIVE/basebackups_005/$B4/tar_partitions/"part_* | tail -1)
truncate -s 1000 "$P4B"
rc=0; wale backup-verify "$B4" >"$WORK/v4b.txt" || rc=$?
[ $rc = 1 ] && grep -q "$(basename "$P4B")" "$WORK/v4b.txt" || { cat "$WORK/v4b.txt"; fail "truncated object not reported"; }
pass "a truncated object is reported with its location"

# A WAL segment missing in the middle.
MID=$(ls "$ARCHIVE/wal_005/" | grep -E '^[0-9A-F]{24}\.' | sort | sed -n 3p)
rm "$ARCHIVE/wal_005/$MID"
rc=0; wale wal-verify >"$WORK/gap.txt" || rc=$?
[ $rc = 1 ] && grep -q "${MID%%.*}" "$WORK/gap.txt" || { cat "$WORK/gap.txt"; fail "wal-verify missed the gap at $MID"; }
wale wal-verify --json >"$WORK/gap.json" || true
grep -q "\"first_missing\": \"${MID%%.*}\"" "$WORK/gap.json" || { cat "$WORK/gap.json"; fail "wal-verify --json does not name the gap"; }
pass "wal-verify reports a missing segment in the middle"
