#!/usr/bin/env bash
# A slow backup-push is still running while a newer backup finishes and
# `delete --confirm retain 1` runs. The running backup (no sentinel yet) must
# keep its WAL, so that it finishes as a complete, verifiable backup; failing
# without a sentinel would also be safe. What must never happen: a sentinel
# for a backup whose WAL is gone.
source "$(dirname "$0")/lib.sh"

PRIMARY="$WORK/primary"
init_cluster "$PRIMARY" 5751
start_cluster "$PRIMARY"
psql_at 5751 "create table t(id int primary key, v text)"
psql_at 5751 "insert into t select g, repeat('y', 100) from generate_series(1, 100000) g"
OLDEST=$(wale_at 5751 backup-push "$PRIMARY" 2>"$WORK/push0.err") || { cat "$WORK/push0.err"; fail "first backup-push"; }
SIZE=$(du -sb "$PRIMARY" | cut -f1)
# About 12 s of reading.
RATE=$(( SIZE / 12 ))
wale_at 5751 backup-push --cluster-read-rate-limit "$RATE" "$PRIMARY" >"$WORK/slow.out" 2>"$WORK/slow.err" &
SLOW_PID=$!
# The slow backup shows in the archive at once (extended_version.txt).
for _ in $(seq 1 100); do
  ls "$ARCHIVE"/basebackups_005/*/extended_version.txt 2>/dev/null | grep -qv "$OLDEST" && break
  sleep 0.1
done
SLOW=$(ls -d "$ARCHIVE"/basebackups_005/base_*/ | xargs -n1 basename | grep -v "^$OLDEST\$" | head -1)
[ -n "$SLOW" ] || fail "the running backup is not visible in the archive"
for i in 1 2 3; do
  psql_at 5751 "insert into t select g, 'more' from generate_series($(( 100000 + i*1000 )), $(( 100000 + i*1000 + 999 ))) g"
  psql_at 5751 "select pg_switch_wal()" >/dev/null
done
NEWER=$(wale_at 5751 backup-push "$PRIMARY" 2>"$WORK/push2.err") || { cat "$WORK/push2.err"; fail "newer backup-push"; }
kill -0 "$SLOW_PID" 2>/dev/null || fail "setup: the slow backup finished before the newer one (raise the work)"
[ "$NEWER" != "$SLOW" ] || fail "setup: both backups have the same name"
wale delete --confirm retain 1 >"$WORK/del.txt" || { cat "$WORK/del.txt"; fail "delete --confirm retain 1"; }
rc=0; wait "$SLOW_PID" || rc=$?
if [ $rc = 0 ]; then
  [ -e "$ARCHIVE/basebackups_005/${SLOW}_backup_stop_sentinel.json" ] || fail "the slow backup exited 0 without a sentinel"
  wale backup-verify "$SLOW" >"$WORK/verify.txt" || { cat "$WORK/verify.txt"; fail "the slow backup is complete but its WAL is not"; }
  pass "the slow backup finished and verifies: its WAL was kept"
else
  [ ! -e "$ARCHIVE/basebackups_005/${SLOW}_backup_stop_sentinel.json" ] || fail "the slow backup failed but wrote a sentinel"
  cat "$WORK/slow.err"
  fail "the slow backup failed although delete should have kept its WAL"
fi
grep -q "keeping running backup $SLOW" "$WORK/del.txt" || { cat "$WORK/del.txt"; fail "delete did not name the running backup"; }
pass "delete names the running backup it keeps"
stop_cluster "$PRIMARY"
