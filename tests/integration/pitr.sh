#!/usr/bin/env bash
# (b) Point-in-time recovery: restore to a recovery_target_xid and to a
# recovery_target_time between two commits; exactly the rows committed before
# the target must be there.
source "$(dirname "$0")/lib.sh"

PRIMARY="$WORK/primary"
init_cluster "$PRIMARY" 5511
start_cluster "$PRIMARY"
psql_at 5511 "create table events(id int primary key, note text)"
# On a terminal (script(1) gives it a pty) backup-push draws a progress line.
as_pg script -qec "env PGHOST=$SOCK PGPORT=5511 $WALE --envdir $ENVDIR backup-push $PRIMARY" /dev/null \
  >"$WORK/push.tty" 2>&1 || { cat "$WORK/push.tty"; fail "backup-push"; }
grep -aqE "backup-push base_[0-9A-F]{24}_[0-9]{8}: [0-9.]+ [KMG]?i?B / [0-9.]+ [KMG]?i?B \(100%\) at [0-9.]+ [KMG]?i?B/s" "$WORK/push.tty" \
  || { cat -A "$WORK/push.tty" | tail -5; fail "no progress line on a terminal"; }
grep -aq "MSG: backup complete" "$WORK/push.tty" || fail "no summary line"
pass "backup-push shows progress on a terminal and logs one summary line"

# Batch 1 (ids 1-100), each row its own commit; remember the xid of id 60.
for i in $(seq 1 100); do echo "insert into events values ($i, 'batch1');"; done | \
  as_pg "$PG_BIN/psql" -X -q -h "$SOCK" -p 5511 -d postgres -v ON_ERROR_STOP=1 >/dev/null
XID=$(psql_at 5511 "select xmin from events where id = 60")
sleep 1.1
TARGET_TIME=$(psql_at 5511 "select now()")
sleep 1.1
for i in $(seq 101 200); do echo "insert into events values ($i, 'batch2');"; done | \
  as_pg "$PG_BIN/psql" -X -q -h "$SOCK" -p 5511 -d postgres -v ON_ERROR_STOP=1 >/dev/null
archive_current_wal 5511
stop_cluster "$PRIMARY"

restore_to() {  # restore_to DIR PORT conf-lines...
  local dir=$1 port=$2; shift 2
  wale backup-fetch "$dir" LATEST 2>"$WORK/fetch-$port.err" || { cat "$WORK/fetch-$port.err"; fail "backup-fetch"; }
  configure_restore "$dir" "$port" "$@" "recovery_target_action = 'promote'"
  start_cluster "$dir"
  wait_promoted "$port"
}

restore_to "$WORK/by-xid" 5512 "recovery_target_xid = '$XID'"
GOT=$(psql_at 5512 "select count(*) || ' ' || max(id) from events")
[ "$GOT" = "60 60" ] || fail "recovery_target_xid=$XID (row 60) gave count/max '$GOT', want '60 60'"
pass "recovery_target_xid stops after the target transaction"
stop_cluster "$WORK/by-xid"

restore_to "$WORK/by-time" 5513 "recovery_target_time = '$TARGET_TIME'"
GOT=$(psql_at 5513 "select count(*) || ' ' || max(id) from events")
[ "$GOT" = "100 100" ] || fail "recovery_target_time between batches gave '$GOT', want '100 100'"
pass "recovery_target_time between two commits shows only the earlier rows"
