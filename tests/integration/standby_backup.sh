#!/usr/bin/env bash
# backup-push from a hot standby: a primary archives through wal-e and
# streams to a standby made with pg_basebackup -R; under write load on the
# primary, backup-push on the standby waits until its stop segment is
# archived (the primary switches WAL: a standby cannot), records is_standby
# in the sentinel, and restores to a copy equal to the primary. A standby
# promoted during a backup gets no sentinel.
source "$(dirname "$0")/lib.sh"

PRIMARY="$WORK/primary"
STANDBY="$WORK/standby"
init_cluster "$PRIMARY" 5601
start_cluster "$PRIMARY"
psql_at 5601 "create table t(id bigserial primary key, note text, pad text); insert into t(note, pad) select 'seed', repeat('x', 200) from generate_series(1, 50000)"
archive_current_wal 5601

as_pg "$PG_BIN/pg_basebackup" -D "$STANDBY" -R -X stream -c fast -h "$SOCK" -p 5601 -U postgres >"$WORK/basebackup.log" 2>&1 \
  || { cat "$WORK/basebackup.log"; fail "pg_basebackup"; }
echo "port = 5602" >>"$STANDBY/postgresql.conf"
CLUSTERS+=("$STANDBY")
start_cluster "$STANDBY"
[ "$(psql_at 5602 'select pg_is_in_recovery()')" = t ] || fail "the standby is not in recovery"

sentinels() { find "$ARCHIVE" -name '*_backup_stop_sentinel.json' | wc -l; }

# A checkpoint on the primary, replayed by the standby: its next
# restartpoint (and so the next backup's start) moves past it.
checkpoint_replayed() {
  psql_at 5601 "checkpoint"
  local target
  target=$(psql_at 5601 "select pg_current_wal_lsn()")
  for _ in $(seq 1 100); do
    [ "$(psql_at 5602 "select pg_last_wal_replay_lsn() >= '$target'")" = t ] && return 0
    sleep 0.1
  done
  fail "the standby did not replay up to $target"
}

# With an idle primary the standby's last WAL file is never finished: the
# backup waits, then fails without a sentinel, pointing at archive_timeout.
# (A row and a checkpoint on the primary, replayed and flushed by a
# restartpoint on the standby, move its minimum recovery point, which is
# where a standby backup stops, into the primary's current WAL file.)
psql_at 5601 "insert into t(note, pad) values ('idle', '')"
checkpoint_replayed
psql_at 5602 "checkpoint"
cp -r "$ENVDIR" "$WORK/env-short"
echo 3 >"$WORK/env-short/WALE_ARCHIVE_TIMEOUT"
own_by_pg "$WORK"
if as_pg env PGHOST="$SOCK" PGPORT=5602 "$WALE" --envdir "$WORK/env-short" backup-push "$STANDBY" >/dev/null 2>"$WORK/idle.err"; then
  fail "a standby backup finished although its last WAL file was not archived"
fi
grep -q "needed by this backup was not archived within 3 s" "$WORK/idle.err" || { cat "$WORK/idle.err"; fail "no archive wait error"; }
grep -q "Set archive_timeout on the primary" "$WORK/idle.err" || { cat "$WORK/idle.err"; fail "no archive_timeout hint"; }
[ "$(sentinels)" = 0 ] || fail "a sentinel was written before the WAL was archived"
pass "a standby backup waits for its last WAL file; idle primary: error with the archive_timeout hint, no sentinel"
# That unfinished backup starts at the same restartpoint as the next one, so
# it has the same name: a stray partition it might have left must not reach
# the next backup's restore.
IDLE=$(grep -o 'base_[0-9A-F]\{24\}_[0-9]\{8\}' "$WORK/idle.err" | head -1)
[ -n "$IDLE" ] || { cat "$WORK/idle.err"; fail "the failed backup's name is not in its log"; }
cp "$(find "$ARCHIVE/basebackups_005/$IDLE/tar_partitions" -name 'part_00000000*')" \
  "$ARCHIVE/basebackups_005/$IDLE/tar_partitions/part_00000009.tar.zst"

# Write load on the primary: a commit every few milliseconds until told to stop.
psql_at 5601 "create table stop_load(x int)"
psql_at 5601 "do \$\$ begin loop insert into t(note, pad) values ('load', repeat('y', 100)); commit; exit when exists (select from stop_load); perform pg_sleep(0.005); end loop; end \$\$" \
  >"$WORK/load.log" 2>&1 &
LOAD=$!
for _ in $(seq 1 100); do
  [ "$(psql_at 5602 "select count(*) > 20 from t where note = 'load'")" = t ] && break
  sleep 0.1
done
[ "$(psql_at 5602 "select count(*) > 20 from t where note = 'load'")" = t ] || fail "the load does not reach the standby"

# Back up from the standby; its stop segment reaches the archive only when
# the primary switches WAL (operators: archive_timeout on the primary).
wale_at 5602 backup-push "$STANDBY" >"$WORK/push.out" 2>"$WORK/push.err" &
PUSH=$!
for _ in $(seq 1 120); do
  kill -0 "$PUSH" 2>/dev/null || break
  psql_at 5601 "select pg_switch_wal()" >/dev/null
  sleep 1
done
wait "$PUSH" || { cat "$WORK/push.err"; fail "backup-push on the standby"; }
NAME=$(cat "$WORK/push.out")
[[ "$NAME" =~ ^base_[0-9A-F]{24}_[0-9]{8}$ ]] || fail "backup-push printed '$NAME'"
kill -0 "$LOAD" 2>/dev/null || { cat "$WORK/load.log"; fail "the write load ended before the backup did"; }
psql_at 5601 "insert into stop_load values (1)"
wait "$LOAD" || { cat "$WORK/load.log"; fail "write load"; }
SENTINEL=$(cat "$ARCHIVE/basebackups_005/${NAME}_backup_stop_sentinel.json")
echo "$SENTINEL" | grep -q '"is_standby":true' || fail "the sentinel does not record a standby backup: $SENTINEL"
# A standby backup ends where the copied pg_control's minRecoveryPoint says,
# so pg_control is read after every other file: it is in the last partition.
LAST_PART=$(find "$ARCHIVE/basebackups_005/$NAME/tar_partitions" -name 'part_*' | sort | tail -1)
zstd -dcq "$LAST_PART" | tar tf - >"$WORK/last-part.list"   # (grep -q in the pipe would SIGPIPE tar under pipefail)
grep -qx "global/pg_control" "$WORK/last-part.list" || fail "global/pg_control is not in the last partition $LAST_PART"
[ "$NAME" = "$IDLE" ] || echo "note: the backup under load has another start than the unfinished one"
[ ! -e "$ARCHIVE/basebackups_005/$NAME/tar_partitions/part_00000009.tar.zst" ] || fail "a stray partition of an unfinished backup of the same name was kept"
grep -q "removing the objects of an unfinished backup of the same name" "$WORK/push.err" || [ "$NAME" != "$IDLE" ] \
  || { cat "$WORK/push.err"; fail "no warning about the unfinished backup's objects"; }
pass "backup-push on a streaming standby under write load ($NAME), sentinel says is_standby, pg_control copied last"

# Restore it and recover to the end of the archive: equal to the primary.
psql_at 5601 "insert into t(note, pad) values ('last', 'z')"
archive_current_wal 5601
table_checksums 5601 >"$WORK/primary.sums"
wale backup-fetch "$WORK/restored" "$NAME" 2>"$WORK/fetch.err" || { cat "$WORK/fetch.err"; fail "backup-fetch"; }
rm -f "$WORK/restored/standby.signal"
configure_restore "$WORK/restored" 5603 "recovery_target_action = 'promote'" "primary_conninfo = ''"
start_cluster "$WORK/restored"
wait_promoted 5603
table_checksums 5603 >"$WORK/restored.sums"
diff "$WORK/primary.sums" "$WORK/restored.sums" || fail "the restored standby backup differs from the primary"
[ "$(psql_at 5603 "select count(*) from t where note = 'last'")" = 1 ] || fail "the restore did not reach the end of the archive"
stop_cluster "$WORK/restored"
pass "the standby backup restores and recovers to the primary's state"

# No restartpoint since: a second standby backup would start, and be named,
# like the first. It is refused; the first backup stays as it was.
SUM=$(md5sum <"$ARCHIVE/basebackups_005/${NAME}_backup_stop_sentinel.json")
if wale_at 5602 backup-push "$STANDBY" >/dev/null 2>"$WORK/again.err"; then fail "a second backup overwrote $NAME"; fi
grep -q "backup $NAME already exists" "$WORK/again.err" || { cat "$WORK/again.err"; fail "no 'already exists' error"; }
[ "$(md5sum <"$ARCHIVE/basebackups_005/${NAME}_backup_stop_sentinel.json")" = "$SUM" ] || fail "the first backup's sentinel changed"
pass "a second standby backup at the same restartpoint is refused, the first kept"

# The standby stopped cleanly ("shut down in recovery"): --while-offline
# backs it up from its pg_control and pg_wal, and that restores too. (A
# checkpoint on the primary gives the standby's shutdown a new restartpoint.)
checkpoint_replayed
stop_cluster "$STANDBY"
"$PG_BIN/pg_controldata" "$STANDBY" | grep -q "^Database cluster state: *shut down in recovery" || fail "the standby is not 'shut down in recovery'"
OFFLINE=$(wale backup-push --while-offline "$STANDBY" 2>"$WORK/offline.err") || { cat "$WORK/offline.err"; fail "backup-push --while-offline of the stopped standby"; }
grep -q '"is_standby":true,"while_offline":true' "$ARCHIVE/basebackups_005/${OFFLINE}_backup_stop_sentinel.json" \
  || fail "the offline standby backup's sentinel lacks is_standby/while_offline"
[ "$OFFLINE" != "$NAME" ] || fail "the offline backup has the online one's name $NAME"
start_cluster "$STANDBY"
wale backup-fetch "$WORK/restored-offline" "$OFFLINE" 2>"$WORK/fetch2.err" || { cat "$WORK/fetch2.err"; fail "backup-fetch"; }
rm -f "$WORK/restored-offline/standby.signal"
configure_restore "$WORK/restored-offline" 5604 "recovery_target_action = 'promote'" "primary_conninfo = ''"
start_cluster "$WORK/restored-offline"
wait_promoted 5604
table_checksums 5604 >"$WORK/restored-offline.sums"
diff "$WORK/primary.sums" "$WORK/restored-offline.sums" || fail "the offline backup of the stopped standby differs from the primary"
stop_cluster "$WORK/restored-offline"
pass "a stopped standby backed up --while-offline ($OFFLINE) restores to the primary's state"

# A standby promoted during the backup: refused, no sentinel.
checkpoint_replayed
BEFORE=$(sentinels)
wale_at 5602 backup-push --cluster-read-rate-limit 4000000 "$STANDBY" >/dev/null 2>"$WORK/promoted.err" &
PUSH=$!
sleep 2
kill -0 "$PUSH" 2>/dev/null || { cat "$WORK/promoted.err"; fail "the rate-limited backup ended too soon to promote during it"; }
as_pg "$PG_BIN/pg_ctl" -D "$STANDBY" -w promote >/dev/null
if wait "$PUSH"; then fail "a backup during which the standby was promoted succeeded"; fi
grep -q "the standby was promoted during the backup" "$WORK/promoted.err" || { cat "$WORK/promoted.err"; fail "no 'promoted' error"; }
AFTER=$(sentinels)
[ "$AFTER" = "$BEFORE" ] || fail "a sentinel was written for the backup interrupted by promotion"
pass "a standby promoted during the backup: error, no sentinel ($(grep -m1 promoted "$WORK/promoted.err"))"
