#!/usr/bin/env bash
# S3 only: wal-push (as archive_command), backup-push and backup-fetch through
# a fault-injecting proxy in front of radosgw. Under transient faults (5xx
# bursts, resets mid-body, cut and stalled replies) every command succeeds and
# the restored cluster equals the primary; under a persistent outage
# backup-push fails within bounded time and leaves no sentinel.
source "$(dirname "$0")/lib.sh"
[ "${WALE_TEST_STORE:-}" = s3 ] || fail "this test needs WALE_TEST_STORE=s3 (the radosgw fixture)"
: "${FAULT_PROXY:?FAULT_PROXY must name wale_s3_fault_proxy}"

PROXY_PID=""
stop_proxy() { if [ -n "$PROXY_PID" ]; then kill "$PROXY_PID" 2>/dev/null || true; wait "$PROXY_PID" 2>/dev/null || true; PROXY_PID=""; fi; }
start_proxy() {  # start_proxy FAULT-SPEC...: the envdir's endpoint becomes the proxy
  stop_proxy
  local args=() f
  for f in "$@"; do args+=(--faults "$f"); done
  "$FAULT_PROXY" --upstream "127.0.0.1:${ENDPOINT##*:}" --stall-ms 3000 "${args[@]}" >"$WORK/proxy.out" 2>"$WORK/proxy.err" &
  PROXY_PID=$!
  for _ in $(seq 1 100); do grep -q '^PORT' "$WORK/proxy.out" && break; sleep 0.1; done
  local port; port=$(awk '/^PORT/ {print $2}' "$WORK/proxy.out")
  [ -n "$port" ] || { cat "$WORK/proxy.err"; fail "fault proxy did not start"; }
  echo "http+path://127.0.0.1:$port" >"$ENVDIR/WALE_S3_ENDPOINT"
}
trap 'stop_proxy; cleanup' EXIT
echo 10 >"$ENVDIR/WALE_RETRIES"
echo 4M >"$ENVDIR/WALE_PARTITION_SIZE"

# Fault scripts per method, each fault followed by clean requests, repeated.
rep() { local n=$1 s=$2 out=$2; for _ in $(seq 2 "$n"); do out="$out,$s"; done; echo "$out"; }
start_proxy "PUT=$(rep 6 '503,none,reset-request,none,500,none')/none" \
            "GET=$(rep 4 'cut,none,503,none,reset,none,stall-before,none')/none" \
            "HEAD=$(rep 4 '503,none')/none" "POST=$(rep 3 '500,none')/none"
PRIMARY="$WORK/primary"
init_cluster "$PRIMARY" 5561
start_cluster "$PRIMARY"
psql_at 5561 "create table t as select g id, md5(g::text) v from generate_series(1, 50000) g"
BACKUP=$(wale_at 5561 backup-push "$PRIMARY" 2>"$WORK/push.err") || { tail -5 "$WORK/push.err"; fail "backup-push under transient faults"; }
psql_at 5561 "insert into t select g, 'after' from generate_series(50001, 60000) g"
EXPECTED=$(psql_at 5561 "select count(*), md5(string_agg(v, ',' order by id)) from t")
archive_current_wal 5561
stop_cluster "$PRIMARY"
wale backup-fetch "$WORK/restored" LATEST 2>"$WORK/fetch.err" || { tail -5 "$WORK/fetch.err"; fail "backup-fetch under transient faults"; }
configure_restore "$WORK/restored" 5562
start_cluster "$WORK/restored"
wait_promoted 5562
[ "$(psql_at 5562 "select count(*), md5(string_agg(v, ',' order by id)) from t")" = "$EXPECTED" ] || fail "restored data differs"
stop_cluster "$WORK/restored"
stop_proxy
FAULTS=$(awk '/^REQUESTS/ {print $4}' "$WORK/proxy.out")
[ "${FAULTS:-0}" -ge 10 ] || fail "only ${FAULTS:-0} faults were injected"
pass "archive_command, backup-push and backup-fetch through $FAULTS injected faults; restore equals the primary"

# A persistent outage: backup-push fails within bounded time, and no backup appears.
start_cluster "$PRIMARY"
start_proxy '*=/503'
echo 3 >"$ENVDIR/WALE_RETRIES"
START=$(date +%s)
if wale_at 5561 backup-push "$PRIMARY" >/dev/null 2>"$WORK/push2.err"; then fail "backup-push succeeded during an outage"; fi
TOOK=$(( $(date +%s) - START ))
[ "$TOOK" -le 120 ] || fail "backup-push took ${TOOK}s to give up"
grep -q "ERROR" "$WORK/push2.err" || fail "no error line"
stop_proxy
echo "$ENDPOINT" >"$ENVDIR/WALE_S3_ENDPOINT"
[ "$(wale backup-list | tail -n +2 | cut -f1)" = "$BACKUP" ] || fail "the failed backup-push left a visible backup"
pass "a persistent outage fails backup-push in ${TOOK}s and leaves no visible backup"
