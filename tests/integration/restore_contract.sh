#!/usr/bin/env bash
# The restore_command contract on a real PostgreSQL 15: wal-fetch exits 1
# only for a file the archive does not hold. A damaged archived segment in
# the middle of the WAL must stop recovery with FATAL (PostgreSQL treats
# exit 1..125 as "end of the archive" and would promote without the later
# commits); once repaired, recovery completes with every row. A missing
# archive root is an error everywhere, and the archive refuses another cluster.
source "$(dirname "$0")/lib.sh"

segments() { (cd "$ARCHIVE/wal_005" && ls | grep -E '^[0-9A-F]{24}\.' | sort); }
flip_byte() {  # flip_byte FILE: one byte in the middle
  python3 - "$1" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
b[len(b) // 2] ^= 0x01
open(p, 'wb').write(bytes(b))
PY
}

PRIMARY="$WORK/primary"
init_cluster "$PRIMARY" 5581
start_cluster "$PRIMARY"
psql_at 5581 "create table t(id int primary key, batch int)"
psql_at 5581 "insert into t select g, 0 from generate_series(1, 1000) g"
archive_current_wal 5581
wale_at 5581 backup-push "$PRIMARY" >/dev/null 2>"$WORK/push.err" || { cat "$WORK/push.err"; fail "backup-push"; }
AT_BACKUP=$(segments)
# Four batches of commits after the backup, each in its own archived segment.
for b in 1 2 3 4; do
  psql_at 5581 "insert into t select g, $b from generate_series($((b * 1000 + 1)), $((b * 1000 + 1000))) g"
  archive_current_wal 5581
done
EXPECTED=$(psql_at 5581 "select count(*), max(id) from t")
stop_cluster "$PRIMARY"
[ -f "$ARCHIVE/cluster_identity.json" ] || fail "the first wal-push did not record the archive's identity"
mapfile -t NEW < <(comm -13 <(echo "$AT_BACKUP") <(segments))
[ "${#NEW[@]}" -ge 4 ] || fail "expected at least 4 segments archived after the backup, got ${#NEW[*]}"
MID="$ARCHIVE/wal_005/${NEW[1]}"
cp -p "$MID" "$WORK/mid.orig"
flip_byte "$MID"

# Recovery through the damaged segment: wal-fetch must make it stop, not end.
RESTORE="$WORK/restore"
wale backup-fetch "$RESTORE" LATEST 2>"$WORK/fetch.err" || { cat "$WORK/fetch.err"; fail "backup-fetch"; }
configure_restore "$RESTORE" 5582 "recovery_target_action = 'promote'"
LOG="$WORK/restore.log"
# (pg_ctl -w would return as soon as the hot standby accepts read-only
# connections: wait for the outcome in the log instead.)
own_by_pg "$WORK"
as_pg "$PG_BIN/pg_ctl" -D "$RESTORE" -l "$LOG" -W start >/dev/null
for _ in $(seq 1 300); do
  grep -qE "database system is shut down|archive recovery complete" "$LOG" 2>/dev/null && break
  sleep 0.2
done
for _ in $(seq 1 100); do [ -f "$RESTORE/postmaster.pid" ] || break; sleep 0.1; done
[ ! -f "$RESTORE/postmaster.pid" ] || { tail -n 20 "$LOG"; fail "the server still runs after the damaged segment"; }
grep -q "FATAL:  could not restore file \"${NEW[1]%%.*}\" from archive: child process exited with exit code 255" "$LOG" \
  || { tail -n 20 "$LOG"; fail "no FATAL for the damaged segment in the server log"; }
grep -q "ERROR: could not restore WAL file ${NEW[1]%%.*}" "$LOG" || { tail -n 20 "$LOG"; fail "wal-fetch's reason is not in the log"; }
! grep -qE "archive recovery complete|selected new timeline ID|database system is ready to accept connections" "$LOG" \
  || { tail -n 20 "$LOG"; fail "recovery ended (promoted) at the damaged segment"; }
pass "a damaged archived segment stops recovery with FATAL (wal-fetch exit 255), no promotion"

# Repaired, the same restore completes with every row.
cp -p "$WORK/mid.orig" "$MID"
start_cluster "$RESTORE" "$WORK/restore2.log"
wait_promoted 5582
GOT=$(psql_at 5582 "select count(*), max(id) from t")
[ "$GOT" = "$EXPECTED" ] || fail "restored cluster has '$GOT', primary had '$EXPECTED'"
stop_cluster "$RESTORE"
pass "after the repair, recovery replays every segment and has all rows"

# Another cluster on the same prefix: its wal-push is refused, and wal-fetch
# into its data directory stops recovery.
OTHER="$WORK/other"
as_pg "$PG_BIN/initdb" -D "$OTHER" -U postgres -A trust --no-locale >"$WORK/initdb2.log" 2>&1 || fail "initdb"
FIRST=$(cd "$OTHER/pg_wal" && ls | grep -E '^[0-9A-F]{24}$' | head -1)
BEFORE=$(cd "$ARCHIVE" && find . -type f -printf '%p %s\n' | sort)
rc=0; as_pg bash -c "cd '$OTHER' && '$WALE' --envdir '$ENVDIR' wal-push pg_wal/$FIRST" 2>"$WORK/err" || rc=$?
[ $rc = 1 ] || { cat "$WORK/err"; fail "wal-push of another cluster exited $rc, want 1"; }
grep -q "belongs to another cluster" "$WORK/err" || { cat "$WORK/err"; fail "wal-push of another cluster: unclear error"; }
[ "$(cd "$ARCHIVE" && find . -type f -printf '%p %s\n' | sort)" = "$BEFORE" ] || fail "a refused wal-push changed the archive"
rc=0; as_pg bash -c "cd '$OTHER' && '$WALE' --envdir '$ENVDIR' wal-fetch ${NEW[0]%%.*} pg_wal/RECOVERYXLOG" 2>"$WORK/err" || rc=$?
[ $rc = 255 ] || { cat "$WORK/err"; fail "wal-fetch into another cluster exited $rc, want 255"; }
grep -q "belongs to another cluster" "$WORK/err" || { cat "$WORK/err"; fail "wal-fetch into another cluster: unclear error"; }
[ ! -e "$OTHER/pg_wal/RECOVERYXLOG" ] || fail "wal-fetch into another cluster wrote the file"
rc=0; as_pg "$WALE" --envdir "$ENVDIR" backup-push "$OTHER" >/dev/null 2>"$WORK/err" || rc=$?
[ $rc = 1 ] && grep -q "belongs to another cluster" "$WORK/err" || { cat "$WORK/err"; fail "backup-push of another cluster exited $rc"; }
pass "another cluster's wal-push and backup-push (exit 1) and wal-fetch (exit 255) are refused"

# The archive root is missing (unmounted disk, renamed directory): errors
# everywhere, nothing created.
mv "$ARCHIVE" "$ARCHIVE.moved"
rc=0; wale wal-fetch --prefetch 0 "${NEW[0]%%.*}" "$WORK/dest" 2>"$WORK/err" || rc=$?
[ $rc = 255 ] || { cat "$WORK/err"; fail "wal-fetch with a missing archive root exited $rc, want 255"; }
grep -q "archive root $ARCHIVE does not exist" "$WORK/err" || { cat "$WORK/err"; fail "wal-fetch: unclear error"; }
rc=0; wale wal-fetch --prefetch 0 0000000100000000000000EE "$WORK/dest" 2>"$WORK/err" || rc=$?
[ $rc = 255 ] || { cat "$WORK/err"; fail "wal-fetch of an absent segment with a missing archive root exited $rc, want 255"; }
rc=0; wale backup-list >"$WORK/out" 2>"$WORK/err" || rc=$?
[ $rc = 1 ] && grep -q "does not exist" "$WORK/err" || { cat "$WORK/out" "$WORK/err"; fail "backup-list with a missing archive root exited $rc"; }
LOCAL_SEG=$(cd "$PRIMARY/pg_wal" && ls | grep -E '^[0-9A-F]{24}$' | tail -1)
rc=0; as_pg bash -c "cd '$PRIMARY' && '$WALE' --envdir '$ENVDIR' wal-push pg_wal/$LOCAL_SEG" 2>"$WORK/err" || rc=$?
[ $rc = 1 ] && grep -q "does not exist" "$WORK/err" || { cat "$WORK/err"; fail "wal-push with a missing archive root exited $rc"; }
[ ! -e "$ARCHIVE" ] || fail "wal-push created the missing archive root"
pass "a missing archive root: wal-fetch exits 255, backup-list and wal-push fail, nothing is created"

# An empty directory at the archive root (a file system no longer mounted
# there): the restored cluster verified the archive's identity during its
# recovery, so an absent segment is no longer "not in the archive" (exit 1,
# which would end a recovery) but an error that stops it.
mkdir "$ARCHIVE"; chown postgres "$ARCHIVE"
[ -f "$RESTORE/pg_wal/.wal-e/identity" ] || fail "the restored cluster's recovery cached no archive identity"
rc=0; as_pg bash -c "cd '$RESTORE' && '$WALE' --envdir '$ENVDIR' wal-fetch --prefetch 0 0000000100000000000000EE pg_wal/RECOVERYXLOG" \
  2>"$WORK/err" || rc=$?
[ $rc = 255 ] && grep -q "lost its identity object" "$WORK/err" \
  || { cat "$WORK/err"; fail "wal-fetch from an empty archive root that recovery had read exited $rc, want 255"; }
rmdir "$ARCHIVE"
pass "an archive root emptied under a restored cluster (unmounted): wal-fetch exits 255, not 1"

# A stray carriage return in the envdir file names another directory.
printf 'file://localhost%s\r\n' "$ARCHIVE.moved" >"$ENVDIR/WALE_FILE_PREFIX"
rc=0; wale wal-fetch --prefetch 0 "${NEW[0]%%.*}" "$WORK/dest" 2>"$WORK/err" || rc=$?
[ $rc = 255 ] && grep -q "control character" "$WORK/err" || { cat "$WORK/err"; fail "a prefix ending in \\r: wal-fetch exited $rc"; }
rc=0; wale backup-list >/dev/null 2>"$WORK/err" || rc=$?
[ $rc = 1 ] && grep -q "control character" "$WORK/err" || { cat "$WORK/err"; fail "a prefix ending in \\r: backup-list exited $rc"; }
mv "$ARCHIVE.moved" "$ARCHIVE"
pass "a prefix with a control character is refused"
