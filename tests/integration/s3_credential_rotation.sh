#!/usr/bin/env bash
# S3 only: temporary credentials expire in the middle of a backup-push.
# wal-e (backup-push and archive_command) takes its credentials from a local
# EC2 instance metadata server (tests/s3/aws_metadata_server.py) that hands
# out radosgw key A, expiring 5 min + 4 s after the first fetch, and key B
# from then on. Once B is out, key A is deleted with radosgw-admin (and shown
# to be refused) while the rate-limited backup-push is still uploading: it
# completes only because it refreshed to B before A's expiry. The backup then
# restores (with PITR through WAL archived under B) to the primary's data.
source "$(dirname "$0")/lib.sh"
[ "${WALE_TEST_STORE:-}" = s3 ] || fail "this test needs WALE_TEST_STORE=s3 (the radosgw fixture)"
: "${METADATA_SERVER:?METADATA_SERVER must name tests/s3/aws_metadata_server.py}"
radm() { timeout 60 radosgw-admin -c "$CEPH_CONF" "$@"; }
KA="WALEROTA$$$RANDOM"; SA="rotation-secret-A-$RANDOM$RANDOM"
KB="WALEROTB$$$RANDOM"; SB="rotation-secret-B-$RANDOM$RANDOM"
SERVER_PID=""
finish() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
  radm key rm --uid=test --key-type=s3 --access-key="$KA" >/dev/null 2>&1 || true
  radm key rm --uid=test --key-type=s3 --access-key="$KB" >/dev/null 2>&1 || true
  cleanup
}
trap finish EXIT
radm key create --uid=test --key-type=s3 --access-key="$KA" --secret-key="$SA" >/dev/null
radm key create --uid=test --key-type=s3 --access-key="$KB" --secret-key="$SB" >/dev/null
cat >"$WORK/keys.json" <<JSON
[{"id": "$KA", "secret": "$SA", "lifetime": 300, "until": 4},
 {"id": "$KB", "secret": "$SB", "lifetime": 3600}]
JSON
python3 "$METADATA_SERVER" --keys "$WORK/keys.json" --log "$WORK/meta.log" >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
for _ in $(seq 1 100); do grep -q '^PORT' "$WORK/server.out" && break; sleep 0.1; done
MPORT=$(awk '/^PORT/ {print $2}' "$WORK/server.out")
[ -n "$MPORT" ] || { cat "$WORK/server.err"; fail "metadata server did not start"; }

# No static keys: every wal-e (also archive_command) asks the instance metadata service.
rm -f "$ENVDIR/AWS_ACCESS_KEY_ID" "$ENVDIR/AWS_SECRET_ACCESS_KEY"
echo "http://127.0.0.1:$MPORT" >"$ENVDIR/AWS_EC2_METADATA_SERVICE_ENDPOINT"
echo 1 >"$ENVDIR/AWS_INSTANCE_PROFILE"
echo 2M >"$ENVDIR/WALE_PARTITION_SIZE"

PRIMARY="$WORK/primary"
init_cluster "$PRIMARY" 5591
start_cluster "$PRIMARY"
psql_at 5591 "create table t as select g id, md5(g::text) v from generate_series(1, 100000) g"
: >"$WORK/meta.log"
# ~30 MB at 1.5 MiB/s: the backup runs for ~20 s, well past the rotation (~7-9 s).
START=$(date +%s.%N)
wale_at 5591 backup-push --cluster-read-rate-limit 1572864 "$PRIMARY" >"$WORK/push.out" 2>"$WORK/push.err" &
PUSH=$!
for _ in $(seq 1 300); do grep -q "issued=" "$WORK/meta.log" && break; sleep 0.1; done
[ "$(grep -m1 -o 'issued=.*' "$WORK/meta.log")" = "issued=$KA" ] || { cat "$WORK/meta.log"; fail "the first credentials handed out were not key A"; }
# The server switches to B at most 5 s after its first fetch; 2 s more for requests
# signed with A just before the refresh to reach radosgw.
sleep 7
kill -0 "$PUSH" 2>/dev/null || { cat "$WORK/push.err"; fail "backup-push ended before the rotation: make it longer"; }
radm key rm --uid=test --key-type=s3 --access-key="$KA" >/dev/null
# Key A is really dead now (static keys, no envdir: not the instance profile).
refused=0
for _ in $(seq 1 50); do
  if ! env AWS_ACCESS_KEY_ID="$KA" AWS_SECRET_ACCESS_KEY="$SA" WALE_S3_PREFIX="$(cat "$ENVDIR/WALE_S3_PREFIX")" \
       WALE_S3_ENDPOINT="$ENDPOINT" WALE_S3_SSE=none WALE_RETRIES=1 "$WALE" --terse backup-list >/dev/null 2>"$WORK/a.err"; then
    grep -q InvalidAccessKeyId "$WORK/a.err" && { refused=1; break; }
  fi
  sleep 0.2
done
[ $refused = 1 ] || { cat "$WORK/a.err"; fail "radosgw still accepts key A after its deletion"; }
DELETED=$(date +%s.%N)
kill -0 "$PUSH" 2>/dev/null || fail "backup-push ended before key A was deleted: make it longer"
wait "$PUSH" || { tail -5 "$WORK/push.err"; fail "backup-push failed after its first credentials expired"; }
END=$(date +%s.%N)
grep -q "issued=$KB" "$WORK/meta.log" || fail "nobody fetched key B"
BACKUP=$(cat "$WORK/push.out")
awk -v s="$START" -v d="$DELETED" -v e="$END" 'BEGIN { exit !(e - d >= 2) }' \
  || fail "backup-push did not keep uploading for long after key A died ($START / $DELETED / $END)"
pass "backup-push refreshed its credentials mid-backup and finished $(awk -v d="$DELETED" -v e="$END" 'BEGIN {printf "%.1f", e - d}') s after key A was deleted"

# The backup (uploaded partly with A, partly with B) restores, with WAL archived under B.
psql_at 5591 "insert into t select g, 'after' from generate_series(100001, 110000) g"
EXPECTED=$(psql_at 5591 "select count(*), md5(string_agg(v, ',' order by id)) from t")
archive_current_wal 5591
stop_cluster "$PRIMARY"
wale backup-fetch "$WORK/restored" LATEST 2>"$WORK/fetch.err" || { tail -5 "$WORK/fetch.err"; fail "backup-fetch"; }
configure_restore "$WORK/restored" 5592
start_cluster "$WORK/restored"
wait_promoted 5592
[ "$(psql_at 5592 "select count(*), md5(string_agg(v, ',' order by id)) from t")" = "$EXPECTED" ] || fail "restored data differs"
stop_cluster "$WORK/restored"
[ "$(wale backup-list | tail -n +2 | cut -f1)" = "$BACKUP" ] || fail "backup-list does not show $BACKUP"
for secret in "$SA" "$SB" "session-token-"; do
  if grep -qF -- "$secret" "$WORK"/*.log "$WORK"/*.err "$WORK/push.out" "$WORK/meta.log"; then fail "a secret appeared in a log"; fi
done
pass "the backup restores with PITR under rotated credentials; no secret in any log"
