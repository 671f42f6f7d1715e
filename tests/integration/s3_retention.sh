#!/usr/bin/env bash
# S3 only: retention and verification against the real S3 server (radosgw):
# delete (dry run, then --confirm retain), backup-mark, backup-verify and
# wal-verify behave as on a local directory.
source "$(dirname "$0")/lib.sh"
[ "${WALE_TEST_STORE:-}" = s3 ] || fail "this test needs WALE_TEST_STORE=s3 (the radosgw fixture)"

PRIMARY="$WORK/primary"
init_cluster "$PRIMARY" 5581
start_cluster "$PRIMARY"
psql_at 5581 "create table t(id int, v text)"
backups=()
for i in 1 2 3; do
  psql_at 5581 "insert into t select g, md5(g::text) from generate_series($(( (i-1)*3000 + 1 )), $(( i*3000 ))) g"
  psql_at 5581 "select pg_switch_wal()" >/dev/null
  b=$(wale_at 5581 backup-push "$PRIMARY" 2>"$WORK/push$i.err") || { cat "$WORK/push$i.err"; fail "backup-push $i"; }
  backups+=("$b")
done
archive_current_wal 5581
stop_cluster "$PRIMARY"
B1=${backups[0]} B2=${backups[1]} B3=${backups[2]}

wale backup-verify --all >"$WORK/v.txt" || { cat "$WORK/v.txt"; fail "backup-verify --all on S3"; }
wale wal-verify >"$WORK/w.txt" || { cat "$WORK/w.txt"; fail "wal-verify on S3"; }
wale backup-mark "$B1" || fail "backup-mark on S3"
wale delete retain 1 >"$WORK/dry.txt" || fail "delete dry run"
[ "$(wale backup-list | tail -n +2 | wc -l)" = 3 ] || fail "a dry run deleted backups on S3"
wale delete --confirm retain 1 >"$WORK/del.txt" || { cat "$WORK/del.txt"; fail "delete --confirm retain 1 on S3"; }
LISTED=$(wale backup-list | tail -n +2 | cut -f1 | sort | tr '\n' ' ')
[ "$LISTED" = "$(printf '%s\n' "$B1" "$B3" | sort | tr '\n' ' ')" ] || fail "after retain 1 on S3: $LISTED"
grep -q "deleting backup $B2" "$WORK/del.txt" || { cat "$WORK/del.txt"; fail "$B2 not deleted"; }
wale backup-verify --all >"$WORK/v2.txt" || { cat "$WORK/v2.txt"; fail "remaining backups do not verify on S3"; }
wale wal-verify >"$WORK/w2.txt" || { cat "$WORK/w2.txt"; fail "delete left a WAL gap on S3"; }
pass "delete retain, backup-mark, backup-verify and wal-verify work on S3"
