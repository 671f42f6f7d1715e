#!/usr/bin/env bash
# Checks wale_s3_fault_proxy as a program: it forwards to radosgw, injects the
# scripted faults in order, and reports its counts on SIGTERM.
set -euo pipefail
PROXY=${1:?path to wale_s3_fault_proxy}
# shellcheck disable=SC1090
. "${WALE_S3_TEST_ENV:?}"
port=${ENDPOINT##*:}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$PROXY" --upstream "127.0.0.1:$port" --faults 'GET=503,500' >"$out" &
pid=$!
for _ in $(seq 1 50); do grep -q '^PORT' "$out" && break; sleep 0.1; done
pport=$(awk '/^PORT/ {print $2}' "$out")
EMPTY=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
get() {
  curl -s -o /dev/null -w '%{http_code}' --aws-sigv4 "aws:amz:us-east-1:s3" --user "$ACCESS_KEY:$SECRET_KEY" \
    -H "x-amz-content-sha256: $EMPTY" "http://127.0.0.1:$pport/$BUCKET?list-type=2&max-keys=1"
}
codes="$(get) $(get) $(get)"
kill -TERM "$pid"
wait "$pid"
echo "codes: $codes; $(tail -n1 "$out")"
[ "$codes" = "503 500 200" ] || { echo "expected 503 500 200" >&2; exit 1; }
grep -q '^REQUESTS 3 FAULTS 2$' "$out"
