#!/usr/bin/env bash
# Tablespaces (WAL-E's spec): backup-push records them, backup-fetch restores
# them to the locations of --restore-spec FILE (links recreated, tablespace_map
# rewritten), or as plain directories with --blind-restore.
source "$(dirname "$0")/lib.sh"

PRIMARY="$WORK/primary"
mkdir -p "$WORK/ts-orig"; own_by_pg "$WORK/ts-orig"
init_cluster "$PRIMARY" 5541
start_cluster "$PRIMARY"
psql_at 5541 "create tablespace extra location '$WORK/ts-orig'"
psql_at 5541 "create table far(id int, v text) tablespace extra"
psql_at 5541 "insert into far select g, md5(g::text) from generate_series(1, 20000) g"
wale_at 5541 backup-push "$PRIMARY" >/dev/null 2>"$WORK/push.err" || { cat "$WORK/push.err"; fail "backup-push"; }
psql_at 5541 "insert into far select g, 'after' from generate_series(20001, 21000) g"
EXPECTED=$(psql_at 5541 "select count(*), md5(string_agg(v, ',' order by id)) from far")
archive_current_wal 5541
OID=$(psql_at 5541 "select oid from pg_tablespace where spcname = 'extra'")
stop_cluster "$PRIMARY"

SENTINEL=$(ls "$ARCHIVE"/basebackups_005/*_backup_stop_sentinel.json)
grep -q "\"tablespaces\":\[\"$OID\"\]" "$SENTINEL" || fail "sentinel spec lacks tablespace $OID: $(cat "$SENTINEL")"
grep -q "\"loc\":\"$WORK/ts-orig/\"" "$SENTINEL" || fail "sentinel spec lacks the location"
# tablespace_map (and backup_label) from pg_backup_stop are in the backup's last partition.
LASTPART=$(ls "$ARCHIVE"/basebackups_005/base_*/tar_partitions/part_* | sort | tail -n 1)
zstd -dc "$LASTPART" | tar -xOf - tablespace_map >"$WORK/tsmap" || fail "no tablespace_map in $LASTPART"
grep -q "^$OID $WORK/ts-orig" "$WORK/tsmap" || fail "tablespace_map is not pg_backup_stop's: $(cat "$WORK/tsmap")"
pass "backup-push records the tablespace in the sentinel's spec and stores tablespace_map"

# Restore to a new location given by --restore-spec.
orig_state() { (cd "$WORK/ts-orig" && find . -type f -exec sha256sum {} + | sort); }
ORIG_BEFORE=$(orig_state)
cat >"$WORK/spec.json" <<JSON
{"base_prefix": "$WORK/restored/", "tablespaces": ["$OID"], "$OID": {"loc": "$WORK/ts-new/", "link": "pg_tblspc/$OID"}}
JSON
own_by_pg "$WORK/spec.json"
wale backup-fetch --restore-spec "$WORK/spec.json" "$WORK/restored" LATEST 2>"$WORK/fetch.err" || { cat "$WORK/fetch.err"; fail "backup-fetch"; }
[ "$(readlink "$WORK/restored/pg_tblspc/$OID")" = "$WORK/ts-new" ] || fail "pg_tblspc/$OID does not link to the new location"
[ -n "$(ls -A "$WORK/ts-new")" ] || fail "the tablespace's files are not in the new location"
[ "$(orig_state)" = "$ORIG_BEFORE" ] || fail "the restore changed the original location"
[ ! -e "$WORK/restored/tablespace_map" ] || fail "tablespace_map left in place: PostgreSQL would re-point the link at the original location"
configure_restore "$WORK/restored" 5542
start_cluster "$WORK/restored"
wait_promoted 5542
[ "$(psql_at 5542 "select count(*), md5(string_agg(v, ',' order by id)) from far")" = "$EXPECTED" ] || fail "tablespace table differs after restore"
[ "$(readlink "$WORK/restored/pg_tblspc/$OID")" = "$WORK/ts-new" ] || fail "PostgreSQL moved the tablespace link"
pass "backup-fetch --restore-spec restores the tablespace to a new location"
stop_cluster "$WORK/restored"

# --blind-restore: plain directories under pg_tblspc.
wale backup-fetch --blind-restore "$WORK/blind" LATEST 2>"$WORK/fetch2.err" || { cat "$WORK/fetch2.err"; fail "blind backup-fetch"; }
[ -d "$WORK/blind/pg_tblspc/$OID" ] && [ ! -L "$WORK/blind/pg_tblspc/$OID" ] || fail "--blind-restore did not make a plain directory"
[ -n "$(ls -A "$WORK/blind/pg_tblspc/$OID")" ] || fail "--blind-restore left the tablespace empty"
pass "backup-fetch --blind-restore restores the tablespace under pg_tblspc"

# A failed restore empties the tablespace directories too: a pre-existing
# (empty) one is kept, empty; the target is emptied. (The last partition,
# holding backup_label, is damaged; --pool-size 1 extracts it last, after the
# tablespace's files were written.)
mkdir -p "$WORK/ts-pre"; chmod 0755 "$WORK/ts-pre"; own_by_pg "$WORK/ts-pre"
cat >"$WORK/spec-pre.json" <<JSON
{"base_prefix": "$WORK/failed/", "tablespaces": ["$OID"], "$OID": {"loc": "$WORK/ts-pre/", "link": "pg_tblspc/$OID"}}
JSON
own_by_pg "$WORK/spec-pre.json"
LASTPART=$(ls "$ARCHIVE"/basebackups_005/base_*/tar_partitions/part_* | sort | tail -n 1)
head -c 100 "$LASTPART" >"$WORK/damaged" && cat "$WORK/damaged" >"$LASTPART"
if wale backup-fetch --pool-size 1 --restore-spec "$WORK/spec-pre.json" "$WORK/failed" LATEST 2>"$WORK/fetch3.err"; then
  fail "backup-fetch of a damaged backup succeeded"
fi
[ -d "$WORK/ts-pre" ] || fail "the pre-existing tablespace directory was removed"
[ -z "$(ls -A "$WORK/ts-pre")" ] || { ls -la "$WORK/ts-pre"; fail "a failed restore left files in the pre-existing tablespace directory"; }
[ -z "$(ls -A "$WORK/failed")" ] || fail "a failed restore left files in the target"
pass "a failed backup-fetch empties a pre-existing tablespace directory and the target"
