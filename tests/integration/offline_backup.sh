#!/usr/bin/env bash
# backup-push --while-offline: refuses a running and a crashed cluster; backs
# up a cleanly stopped one named after its checkpoint's REDO location; the
# backup restores on its own (its pg_wal holds the shutdown checkpoint's
# segment, which the archive lacks until the server runs again) and rolls
# forward with the WAL archived after it (PITR to the latest point).
source "$(dirname "$0")/lib.sh"

PRIMARY="$WORK/primary"
init_cluster "$PRIMARY" 5591
start_cluster "$PRIMARY"
psql_at 5591 "create table t(id int primary key, note text); insert into t select g, 'before' from generate_series(1, 2000) g"
archive_current_wal 5591

# A running cluster is refused, and nothing is stored.
if wale backup-push --while-offline "$PRIMARY" >"$WORK/running.out" 2>"$WORK/running.err"; then
  fail "backup-push --while-offline of a running cluster succeeded"
fi
grep -q "is running (postmaster.pid names live process" "$WORK/running.err" || { cat "$WORK/running.err"; fail "no 'is running' error"; }
[ "$(grep -c . "$WORK/running.err")" -le 3 ] || { cat "$WORK/running.err"; fail "more than one error (+detail/hint) line"; }
[ -z "$(wale backup-list 2>/dev/null | tail -n +2)" ] || fail "a refused offline backup left a backup behind"
pass "a running cluster is refused"

# A crashed cluster (pg_control still says "in production") is refused.
as_pg "$PG_BIN/pg_ctl" -D "$PRIMARY" -m immediate stop >/dev/null
rm -f "$PRIMARY/postmaster.pid"
if wale backup-push --while-offline "$PRIMARY" >/dev/null 2>"$WORK/crashed.err"; then
  fail "backup-push --while-offline of a crashed cluster succeeded"
fi
grep -q 'was not shut down cleanly (pg_control says "in production")' "$WORK/crashed.err" \
  || { cat "$WORK/crashed.err"; fail "no 'not shut down cleanly' error"; }
pass "a crashed cluster (in production) is refused"

start_cluster "$PRIMARY"   # crash recovery
psql_at 5591 "insert into t select g, 'after crash' from generate_series(2001, 3000) g"
archive_current_wal 5591
table_checksums 5591 >"$WORK/at-stop.sums"
stop_cluster "$PRIMARY"

# The name comes from the REDO location, as an online backup's from its start.
REDO=$("$PG_BIN/pg_controldata" "$PRIMARY" | sed -n "s/^Latest checkpoint's REDO location: *//p")
TLI=$("$PG_BIN/pg_controldata" "$PRIMARY" | sed -n "s/^Latest checkpoint's TimeLineID: *//p")
HI=$((16#${REDO%/*})); LO=$((16#${REDO#*/}))
CKPT_SEG=$(printf '%08X%08X%08X' "$TLI" "$HI" $((LO / 16777216)))
WANT=$(printf 'base_%s_%08d' "$CKPT_SEG" $((LO % 16777216)))
# The shutdown checkpoint's segment is not archived yet (the server switched
# WAL before writing it): the backup must not wait for it.
if as_pg "$WALE" --terse --envdir "$ENVDIR" wal-fetch --prefetch 0 "$CKPT_SEG" "$WORK/.probe" >/dev/null 2>&1; then
  fail "the shutdown checkpoint's segment $CKPT_SEG is already archived: the test would not show anything"
fi
NAME=$(as_pg timeout 120 "$WALE" --envdir "$ENVDIR" backup-push --while-offline "$PRIMARY" 2>"$WORK/push.err") \
  || { cat "$WORK/push.err"; fail "backup-push --while-offline"; }
[ "$NAME" = "$WANT" ] || fail "offline backup named $NAME, want $WANT (REDO $REDO, timeline $TLI)"
pass "offline backup named after its REDO location ($NAME)"
SENTINEL=$(cat "$ARCHIVE/basebackups_005/${NAME}_backup_stop_sentinel.json")
echo "$SENTINEL" | grep -q '"while_offline":true' || fail "sentinel lacks while_offline: $SENTINEL"
echo "$SENTINEL" | grep -q "\"wal_segment_backup_stop\":\"$CKPT_SEG\"" || fail "sentinel's stop is not $CKPT_SEG: $SENTINEL"
wale backup-verify "$NAME" >"$WORK/verify.out" 2>&1 || { cat "$WORK/verify.out"; fail "backup-verify of the offline backup"; }
pass "sentinel records an offline backup; backup-verify passes"
if wale backup-push --while-offline "$PRIMARY" >/dev/null 2>"$WORK/again.err"; then fail "a second offline backup overwrote $NAME"; fi
grep -q "backup $NAME already exists" "$WORK/again.err" || { cat "$WORK/again.err"; fail "no 'already exists' error"; }
pass "a second offline backup of the same stopped cluster is refused"

# Restore now, while the archive still lacks the checkpoint's segment.
wale backup-fetch "$WORK/r1" "$NAME" 2>"$WORK/fetch1.err" || { cat "$WORK/fetch1.err"; fail "backup-fetch"; }
configure_restore "$WORK/r1" 5592 "recovery_target_action = 'promote'"
start_cluster "$WORK/r1"
wait_promoted 5592
table_checksums 5592 >"$WORK/r1.sums"
diff "$WORK/at-stop.sums" "$WORK/r1.sums" || fail "restore of the offline backup differs from the stopped cluster"
stop_cluster "$WORK/r1"
pass "the offline backup restores on its own (checkpoint WAL from the backup)"

# The cluster runs on; the backup rolls forward through the archived WAL.
start_cluster "$PRIMARY"
psql_at 5591 "insert into t select g, 'after backup' from generate_series(3001, 5000) g; update t set note = 'updated' where id % 7 = 0"
archive_current_wal 5591
table_checksums 5591 >"$WORK/latest.sums"
stop_cluster "$PRIMARY"
wale backup-fetch "$WORK/r2" "$NAME" 2>"$WORK/fetch2.err" || { cat "$WORK/fetch2.err"; fail "backup-fetch"; }
configure_restore "$WORK/r2" 5593 "recovery_target_action = 'promote'"
start_cluster "$WORK/r2"
wait_promoted 5593
table_checksums 5593 >"$WORK/r2.sums"
diff "$WORK/latest.sums" "$WORK/r2.sums" || fail "PITR from the offline backup to the latest point differs"
[ "$(psql_at 5593 'select count(*) from t')" = 5000 ] || fail "restored cluster lacks rows"
pass "PITR from the offline backup to the end of the archive matches the primary"

# A cluster started while its offline backup runs (the primary, stopped
# cleanly above at a new checkpoint): no sentinel.
COUNT=$(find "$ARCHIVE" -name '*_backup_stop_sentinel.json' | wc -l)
wale backup-push --while-offline --cluster-read-rate-limit 3000000 "$PRIMARY" >/dev/null 2>"$WORK/started.err" &
PUSH=$!
sleep 2
kill -0 "$PUSH" 2>/dev/null || { cat "$WORK/started.err"; fail "the rate-limited offline backup ended before the cluster could start"; }
start_cluster "$PRIMARY"
if wait "$PUSH"; then fail "an offline backup during which the cluster started succeeded"; fi
grep -q "was started during the offline backup" "$WORK/started.err" || { cat "$WORK/started.err"; fail "no error naming the started cluster"; }
[ "$(find "$ARCHIVE" -name '*_backup_stop_sentinel.json' | wc -l)" = "$COUNT" ] || fail "a sentinel was written although the cluster started"
pass "a cluster started during its offline backup: error, no sentinel ($(grep -m1 -o 'ERROR: .*' "$WORK/started.err" | cut -c1-160))"
