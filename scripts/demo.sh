#!/usr/bin/env bash
# The main job, end to end on the embedded default (a local directory):
# builds wal-e, starts a throwaway PostgreSQL 15 that archives through
# `wal-e wal-push`, takes a base backup while writing, writes more, restores
# into a new directory with point-in-time recovery through `wal-e wal-fetch`,
# and prints the row counts of the primary and the restored cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh build
export WALE_BIN=$PWD/build/src/app/wal-e WALE_TESTDATA=$PWD/tests/testdata
source tests/integration/lib.sh
say() { printf '\n== %s\n' "$*"; }
# Quieter wal-e for the demo: warnings and errors only.
wale() { as_pg "$WALE" --terse --envdir "$ENVDIR" "$@"; }
wale_at() { local port=$1; shift; as_pg env PGHOST="$SOCK" PGPORT="$port" "$WALE" --terse --envdir "$ENVDIR" "$@"; }

say "throwaway cluster in $WORK/primary, archiving to file://localhost$ARCHIVE"
init_cluster "$WORK/primary" 5591
start_cluster "$WORK/primary"
psql_at 5591 "create table orders(id serial primary key, item text, at timestamptz default clock_timestamp())"
psql_at 5591 "insert into orders(item) select 'before-backup-' || g from generate_series(1, 10000) g"

say "wal-e backup-push (while inserting)"
( for i in $(seq 1 20); do psql_at 5591 "insert into orders(item) select 'during-backup' from generate_series(1, 500)"; done ) &
BACKUP=$(wale_at 5591 backup-push "$WORK/primary")
wait
echo "backup: $BACKUP"
wale backup-list --detail

psql_at 5591 "insert into orders(item) select 'after-backup' from generate_series(1, 5000)"
sleep 1.1
TARGET=$(psql_at 5591 "select now()")
COUNT_AT_TARGET=$(psql_at 5591 "select count(*) from orders")
sleep 1.1
psql_at 5591 "insert into orders(item) select 'after-target' from generate_series(1, 3000)"
COUNT_END=$(psql_at 5591 "select count(*) from orders")
archive_current_wal 5591
stop_cluster "$WORK/primary"
echo "archive: $(find "$ARCHIVE" -type f | wc -l) objects, $(du -sh "$ARCHIVE" | cut -f1)"

say "wal-e backup-fetch LATEST, then recovery to $TARGET"
wale backup-fetch "$WORK/restored" LATEST
configure_restore "$WORK/restored" 5592 "recovery_target_time = '$TARGET'" "recovery_target_action = 'promote'"
start_cluster "$WORK/restored"
wait_promoted 5592
COUNT_RESTORED=$(psql_at 5592 "select count(*) from orders")

say "result"
printf '%-40s %s\n' "primary rows at the recovery target:" "$COUNT_AT_TARGET" \
  "primary rows at the end:" "$COUNT_END" "restored cluster rows (PITR):" "$COUNT_RESTORED"
if [ "$COUNT_RESTORED" = "$COUNT_AT_TARGET" ]; then echo "MATCH: point-in-time restore shows exactly the rows committed before the target"
else echo "MISMATCH"; exit 1; fi
