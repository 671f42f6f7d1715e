#!/usr/bin/env bash
# Retention across timelines on one prefix. Backups A and B on timeline 1;
# a point-in-time restore of A to a time before B is promoted (timeline 2)
# and archives to the same prefix; backup C on timeline 2. `delete retain 1`
# must keep C (the live timeline's only backup) and its WAL and delete B
# (on the abandoned branch), although B's WAL position is later than C's --
# once timeline 1 has archived nothing for a day; before, B is kept.
source "$(dirname "$0")/lib.sh"

OLD="$WORK/old"
init_cluster "$OLD" 5741
start_cluster "$OLD"
psql_at 5741 "create table t(id int primary key, v text)"
psql_at 5741 "insert into t select g, 'before A' from generate_series(1, 1000) g"
A=$(wale_at 5741 backup-push "$OLD" 2>"$WORK/pushA.err") || { cat "$WORK/pushA.err"; fail "backup-push A"; }
psql_at 5741 "insert into t select g, 'between A and the target' from generate_series(1001, 2000) g"
sleep 1.1
TARGET_TIME=$(psql_at 5741 "select now()")
sleep 1.1
# Recovery to the target stops at the first commit after it (this one); much
# WAL on timeline 1 after that puts B at a later position than C will be.
psql_at 5741 "insert into t values (2001, 'first commit after the target')"
psql_at 5741 "insert into t select g, repeat('x', 200) from generate_series(2002, 300000) g"
psql_at 5741 "select pg_switch_wal()" >/dev/null
B=$(wale_at 5741 backup-push "$OLD" 2>"$WORK/pushB.err") || { cat "$WORK/pushB.err"; fail "backup-push B"; }
archive_current_wal 5741
stop_cluster "$OLD"

# Point-in-time restore of A to the target, promoted, archiving to the same prefix.
NEW="$WORK/new"
wale backup-fetch "$NEW" "$A" 2>"$WORK/fetchA.err" || { cat "$WORK/fetchA.err"; fail "backup-fetch A"; }
configure_restore "$NEW" 5742 "recovery_target_time = '$TARGET_TIME'" "recovery_target_action = 'promote'" \
  "archive_mode = on"
start_cluster "$NEW"
wait_promoted 5742
[ "$(psql_at 5742 "select count(*) from t")" = 2000 ] || fail "the point-in-time restore did not stop at the target"
wait_archived 00000002.history
psql_at 5742 "insert into t select g, 'on timeline 2' from generate_series(2001, 2500) g"
C=$(wale_at 5742 backup-push "$NEW" 2>"$WORK/pushC.err") || { cat "$WORK/pushC.err"; fail "backup-push C"; }
psql_at 5742 "insert into t select g, 'after C' from generate_series(2501, 3000) g"
EXPECTED=$(psql_at 5742 "select count(*), md5(string_agg(v, ',' order by id)) from t")
archive_current_wal 5742
stop_cluster "$NEW"
[[ "$C" == base_00000002* ]] || fail "backup C ($C) is not on timeline 2"
[[ "${B:13:16}" > "${C:13:16}" ]] || fail "setup: B ($B) should be at a later WAL position than C ($C)"
pass "backups A and B on timeline 1, C on timeline 2 forked before B"

# Timeline 1 archived a segment moments ago: it may still be production (a
# clone promoted into the prefix looks the same), so B, its newest, is kept.
wale delete retain 1 >"$WORK/dry.txt" || { cat "$WORK/dry.txt"; fail "delete retain 1 (dry run)"; }
grep -q "keeping backup $B" "$WORK/dry.txt" && grep -q "still archiving: 1" "$WORK/dry.txt" \
  || { cat "$WORK/dry.txt"; fail "a timeline that archived WAL within the day lost its newest backup"; }
# The old primary stopped long ago: timeline 1 last archived two days back.
find "$ARCHIVE/wal_005" -name '00000001*' -exec touch -d '2 days ago' {} +

wale delete --confirm retain 1 >"$WORK/del.txt" || { cat "$WORK/del.txt"; fail "delete --confirm retain 1"; }
LISTED=$(wale backup-list | cut -f1 | tail -n +2 | tr '\n' ' ')
[ "$LISTED" = "$C " ] || { cat "$WORK/del.txt"; fail "after retain 1 the backups are: $LISTED (want $C)"; }
ls "$ARCHIVE"/wal_005/00000002.history.* >/dev/null 2>&1 || fail "the timeline history file was deleted"
ls "$ARCHIVE/wal_005/${C:5:24}".* >/dev/null 2>&1 || fail "C's start segment was deleted"
for f in "$ARCHIVE"/wal_005/00000001*; do
  [ -e "$f" ] && fail "WAL of the abandoned timeline 1 is left, though no kept backup needs it: $(basename "$f")"
done
pass "delete retain 1 keeps the live timeline's backup C and deletes B and timeline 1's WAL"

wale wal-verify >"$WORK/walverify.txt" || { cat "$WORK/walverify.txt"; fail "wal-verify after delete finds a gap"; }
grep -q "timelines 1 2" "$WORK/walverify.txt" || { cat "$WORK/walverify.txt"; fail "wal-verify did not follow the history"; }
wale backup-verify "$C" >"$WORK/verifyC.txt" || { cat "$WORK/verifyC.txt"; fail "backup-verify $C after delete"; }
wale backup-fetch "$WORK/fromC" LATEST 2>"$WORK/fetchC.err" || { cat "$WORK/fetchC.err"; fail "backup-fetch LATEST"; }
# C's postgresql.conf still names the first restore's target: clear it.
configure_restore "$WORK/fromC" 5743 "recovery_target_time = ''"
start_cluster "$WORK/fromC"
wait_promoted 5743
[ "$(psql_at 5743 "select count(*), md5(string_agg(v, ',' order by id)) from t")" = "$EXPECTED" ] \
  || fail "the restore of C after delete did not replay to the end of timeline 2"
stop_cluster "$WORK/fromC"
pass "wal-verify finds no gap; C verifies, restores and replays to the end of timeline 2 after delete"
