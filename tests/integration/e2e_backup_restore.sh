#!/usr/bin/env bash
# (a) archive_command = wal-push while pgbench writes; backup-push during the
# load; more writes; backup-fetch LATEST into a new directory; recovery through
# restore_command = wal-fetch. The restored cluster must equal the primary.
source "$(dirname "$0")/lib.sh"

PRIMARY="$WORK/primary"; RESTORED="$WORK/restored"
# Small partitions: the backup is written and restored as many parallel partitions.
echo 8M >"$ENVDIR/WALE_PARTITION_SIZE"
init_cluster "$PRIMARY" 5501
start_cluster "$PRIMARY"
as_pg "$PG_BIN/pgbench" -h "$SOCK" -p 5501 -i -s 4 -q postgres >"$WORK/pgbench-init.log" 2>&1 || fail "pgbench -i"
psql_at 5501 "create table notes(id serial primary key, body text)"

# Load during the backup.
as_pg "$PG_BIN/pgbench" -h "$SOCK" -p 5501 -c 2 -T 12 postgres >"$WORK/pgbench-run.log" 2>&1 &
LOAD=$!
sleep 2
BACKUP=$(wale_at 5501 backup-push "$PRIMARY" 2>"$WORK/backup-push.err") || { cat "$WORK/backup-push.err"; fail "backup-push"; }
[[ "$BACKUP" =~ ^base_[0-9A-F]{24}_[0-9]{8}$ ]] || fail "backup-push printed '$BACKUP', not a backup name"
# Not a terminal: no progress line, one summary line with sizes, rate and duration.
! grep -q "(100%)" "$WORK/backup-push.err" || fail "progress line written to a log"
grep -A2 "MSG: backup complete" "$WORK/backup-push.err" | grep -qE "bytes=[0-9]+ compressed_bytes=[0-9]+ duration_s=[0-9.]+ files=[0-9]+ partitions=[0-9]+ rate_mib_s=" \
  || { cat "$WORK/backup-push.err"; fail "no summary line with sizes, rate and duration"; }
pass "backup-push under load made $BACKUP"
wait $LOAD || fail "pgbench run"

# More writes after the backup, then archive everything.
psql_at 5501 "insert into notes(body) select md5(g::text) from generate_series(1, 5000) g"
psql_at 5501 "update pgbench_branches set bbalance = bbalance + 1"
archive_current_wal 5501
EXPECTED=$(table_checksums 5501)
[ "$(echo "$EXPECTED" | wc -l)" -ge 5 ] || fail "expected checksums for 5 tables, got: $EXPECTED"
stop_cluster "$PRIMARY"

# The sentinel exists and backup-list shows the backup.
# backup-verify checks every partition, file checksum and the WAL range (any store).
wale backup-verify --json "$BACKUP" >"$WORK/verify.json" || { cat "$WORK/verify.json"; fail "backup-verify"; }
PARTS=$(grep -o '"partitions": [0-9]*' "$WORK/verify.json" | grep -o '[0-9]*$')
[ "$PARTS" -ge 4 ] || fail "expected several partitions with WALE_PARTITION_SIZE=8M, got $PARTS"
wale backup-list | grep -q "^$BACKUP	" || fail "backup-list does not show $BACKUP"
pass "backup-list shows the backup"

wale backup-fetch "$RESTORED" LATEST 2>"$WORK/fetch.err" || { cat "$WORK/fetch.err"; fail "backup-fetch"; }
[ "$(stat -c %a "$RESTORED")" = 700 ] || fail "restored directory mode is $(stat -c %a "$RESTORED"), want 700"
[ -d "$RESTORED/pg_wal/archive_status" ] || fail "pg_wal/archive_status not recreated"
[ -f "$RESTORED/backup_label" ] || fail "backup_label missing from the restore"
grep -q "START WAL LOCATION" "$RESTORED/backup_label" || fail "backup_label is not pg_backup_stop's"
[ -z "$(ls -A "$RESTORED/pg_wal" | grep -v archive_status)" ] || fail "pg_wal contents were backed up"
[ ! -e "$RESTORED/postmaster.pid" ] || fail "postmaster.pid was backed up"
pass "backup-fetch restored a data directory"

# The restored directory carries a PostgreSQL backup manifest that the real
# pg_verifybackup accepts (WAL is not in pg_wal yet: -n skips WAL parsing).
[ -f "$RESTORED/backup_manifest" ] || fail "no backup_manifest in the restore"
as_pg "$PG_BIN/pg_verifybackup" -n "$RESTORED" >"$WORK/verify.out" 2>&1 || { cat "$WORK/verify.out"; fail "pg_verifybackup rejected the restored backup"; }
# ...and notices damage: flip a byte of a restored relation file.
REL=$(cd "$RESTORED" && find base -type f -size +8k -print -quit)
cp "$RESTORED/$REL" "$WORK/rel.orig"
printf '\xff\xfe' | dd of="$RESTORED/$REL" bs=1 seek=100 conv=notrunc status=none
if as_pg "$PG_BIN/pg_verifybackup" -n "$RESTORED" >"$WORK/verify2.out" 2>&1; then fail "pg_verifybackup missed a damaged file"; fi
grep -q "$REL" "$WORK/verify2.out" || { cat "$WORK/verify2.out"; fail "pg_verifybackup did not name the damaged file"; }
cp "$WORK/rel.orig" "$RESTORED/$REL"; own_by_pg "$RESTORED/$REL"
pass "pg_verifybackup accepts the restored data directory and catches a damaged file"

configure_restore "$RESTORED" 5502
start_cluster "$RESTORED"
wait_promoted 5502
ACTUAL=$(table_checksums 5502)
if [ "$EXPECTED" != "$ACTUAL" ]; then
  diff <(echo "$EXPECTED") <(echo "$ACTUAL") || true
  fail "restored tables differ from the primary"
fi
pass "restored cluster equals the primary ($(echo "$ACTUAL" | wc -l) tables)"
