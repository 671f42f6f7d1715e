#!/usr/bin/env bash
# The wal-e binary against radosgw, directly and through wale_s3_fault_proxy:
# wal-push / wal-fetch survive transient faults with identical data, fail
# within bounded time under a persistent outage, and bad settings give one
# clear line and a non-zero exit within seconds. Secrets never appear.
# Env: WALE_BIN, FAULT_PROXY, WALE_S3_TEST_ENV (from the radosgw fixture).
set -euo pipefail
: "${WALE_BIN:?}" "${FAULT_PROXY:?}" "${WALE_S3_TEST_ENV:?}"
# shellcheck disable=SC1090
. "$WALE_S3_TEST_ENV"
port=${ENDPOINT##*:}
work=$(mktemp -d)
proxy_pid=""
cleanup() { [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

prefix="s3://$BUCKET/cli-$$"
export AWS_ACCESS_KEY_ID=$ACCESS_KEY AWS_SECRET_ACCESS_KEY=$SECRET_KEY WALE_S3_SSE=none
unset AWS_REGION WALE_FILE_PREFIX

start_proxy() {  # start_proxy FAULT-SPEC... ; sets proxy_pid, proxy_port
  [ -n "$proxy_pid" ] && { kill "$proxy_pid"; wait "$proxy_pid" 2>/dev/null || true; }
  local args=()
  for f in "$@"; do args+=(--faults "$f"); done
  # The previous proxy's PORT line must not be read before the new one's
  # redirection truncates the file (the background child does that later).
  rm -f "$work/proxy.out"
  "$FAULT_PROXY" --upstream "127.0.0.1:$port" --stall-ms 8000 "${args[@]}" >"$work/proxy.out" 2>"$work/proxy.err" &
  proxy_pid=$!
  for _ in $(seq 1 300); do grep -q '^PORT' "$work/proxy.out" && break; sleep 0.1; done
  proxy_port=$(awk '/^PORT/ {print $2}' "$work/proxy.out")
  [ -n "$proxy_port" ] || { cat "$work/proxy.out" "$work/proxy.err" >&2; fail "fault proxy did not start"; }
}

wale() {  # wale ENDPOINT ARGS... (output in $work/out, exit code returned)
  local ep=$1; shift
  WALE_S3_PREFIX=$prefix WALE_S3_ENDPOINT=$ep "$WALE_BIN" "$@" >"$work/out" 2>&1
}

mkdir -p "$work/pg_wal"
segs=(000000010000000000000001 000000010000000000000002 000000010000000000000003)
for s in "${segs[@]}"; do head -c 16777216 /dev/urandom >"$work/pg_wal/$s"; done

# 1. Transient faults on every kind of request: pushes and fetches succeed, data identical.
# (wal-fetch --prefetch 0 throughout: a background prefetcher would outlive the
# test, and a later fetch could take its file instead of asking the server.)
start_proxy 'PUT=503,reset-request,500,corrupt-request' 'POST=503,none,500' 'GET=cut,reset,503,stall-before' 'HEAD=503'
for s in "${segs[@]}"; do
  WALE_RETRIES=10 wale "http+path://127.0.0.1:$proxy_port" wal-push "$work/pg_wal/$s" || { cat "$work/out"; fail "wal-push $s under transient faults"; }
done
for s in "${segs[@]}"; do
  WALE_RETRIES=10 wale "http+path://127.0.0.1:$proxy_port" wal-fetch --prefetch 0 "$s" "$work/fetched-$s" || { cat "$work/out"; fail "wal-fetch $s under transient faults"; }
  cmp -s "$work/pg_wal/$s" "$work/fetched-$s" || fail "wal-fetch $s returned different bytes"
done
kill -TERM "$proxy_pid"; wait "$proxy_pid" || true; proxy_pid=""
faults=$(awk '/^REQUESTS/ {print $4}' "$work/proxy.out")
[ "${faults:-0}" -ge 10 ] || fail "expected at least 10 injected faults, got ${faults:-0}"
echo "ok: 3 segments pushed and fetched through $faults injected faults"

# 1b. Bytes damaged on the way down: the restore fails (non-zero) and leaves no damaged file.
start_proxy 'GET=corrupt-reply'
if WALE_RETRIES=10 wale "http+path://127.0.0.1:$proxy_port" wal-fetch --prefetch 0 "${segs[0]}" "$work/damaged"; then
  fail "wal-fetch reported success with damaged bytes"
fi
[ ! -e "$work/damaged" ] || cmp -s "$work/damaged" "$work/pg_wal/${segs[0]}" || fail "wal-fetch left a damaged file"
echo "ok: damaged download refused: $(grep -m1 'ERROR' "$work/out")"

# 2. Persistent outage: non-zero exit within bounded time, nothing visible afterwards.
start_proxy '*=/503'
t0=$(date +%s)
if WALE_RETRIES=3 wale "http+path://127.0.0.1:$proxy_port" wal-push "$work/pg_wal/${segs[0]}" ; then
  fail "wal-push reported success during a persistent outage"
fi
took=$(( $(date +%s) - t0 ))
[ "$took" -le 20 ] || fail "wal-push took ${took}s to give up"
grep -q 'HTTP 503' "$work/out" || { cat "$work/out"; fail "the outage error does not say HTTP 503"; }
start_proxy '*=/reset'   # mid-body resets on every reply with a body
if WALE_RETRIES=3 wale "http+path://127.0.0.1:$proxy_port" wal-fetch --prefetch 0 "${segs[1]}" "$work/never"; then
  fail "wal-fetch reported success while every reply was cut"
fi
[ ! -s "$work/never" ] || cmp -s "$work/never" "$work/pg_wal/${segs[1]}" || fail "wal-fetch left a damaged file behind"
kill "$proxy_pid"; wait "$proxy_pid" 2>/dev/null || true; proxy_pid=""
echo "ok: persistent faults fail in ${took}s"

# 2b. restore_command contract: exit 1 only for a segment the bucket really
# lacks; an outage, damaged bytes and a missing bucket (S3 answers 404 to the
# object either way) exit 255, which makes PostgreSQL stop recovery.
fetch_rc() {  # fetch_rc ENDPOINT SEGMENT [env...]: wal-fetch's exit status
  local ep=$1 s=$2; shift 2
  local rc=0
  env "$@" WALE_S3_PREFIX="${FETCH_PREFIX:-$prefix}" WALE_S3_ENDPOINT="$ep" "$WALE_BIN" wal-fetch --prefetch 0 "$s" "$work/rc-dest" \
    >"$work/out" 2>&1 || rc=$?
  echo $rc
}
[ "$(fetch_rc "$ENDPOINT" 0000000100000000000000EE)" = 1 ] || { cat "$work/out"; fail "absent segment: want exit 1"; }
[ "$(FETCH_PREFIX=s3://no-such-bucket/x fetch_rc "$ENDPOINT" "${segs[0]}")" = 255 ] \
  || { cat "$work/out"; fail "missing bucket: wal-fetch must exit 255, not 'not in the archive'"; }
grep -q "does not exist" "$work/out" || { cat "$work/out"; fail "missing bucket: unclear error"; }
start_proxy '*=/503'
[ "$(fetch_rc "http+path://127.0.0.1:$proxy_port" "${segs[1]}" WALE_RETRIES=2)" = 255 ] \
  || { cat "$work/out"; fail "outage: wal-fetch must exit 255"; }
start_proxy 'GET=corrupt-reply'
[ "$(fetch_rc "http+path://127.0.0.1:$proxy_port" "${segs[1]}" WALE_RETRIES=10)" = 255 ] \
  || { cat "$work/out"; fail "damaged download: wal-fetch must exit 255"; }
kill "$proxy_pid"; wait "$proxy_pid" 2>/dev/null || true; proxy_pid=""
echo "ok: wal-fetch exits 1 only for an absent segment; missing bucket, outage, damage -> 255"

# 3. Bad settings: one clear line, non-zero exit, within seconds, no secret printed.
check_bad() {  # check_bad DESCRIPTION EXPECTED-TEXT command...
  local what=$1 expect=$2; shift 2
  local t0; t0=$(date +%s)
  if "$@" >"$work/out" 2>&1; then fail "$what: exit 0"; fi
  local took=$(( $(date +%s) - t0 ))
  [ "$took" -le 10 ] || fail "$what: took ${took}s"
  grep -q "$expect" "$work/out" || { cat "$work/out"; fail "$what: no '$expect' in the output"; }
  if grep -q "$SECRET_KEY" "$work/out" || grep -q 'wrong-secret-XYZZY' "$work/out"; then fail "$what: secret printed"; fi
  echo "ok: $what -> $(grep -m1 'ERROR' "$work/out")"
}
seg="$work/pg_wal/${segs[0]}"
check_bad "wrong secret" "secret access key" env AWS_SECRET_ACCESS_KEY=wrong-secret-XYZZY \
  WALE_S3_PREFIX=$prefix WALE_S3_ENDPOINT="$ENDPOINT" "$WALE_BIN" wal-push "$seg"
check_bad "missing bucket" "does not exist" env WALE_S3_PREFIX=s3://no-such-bucket/x WALE_S3_ENDPOINT="$ENDPOINT" \
  "$WALE_BIN" wal-push "$seg"
check_bad "no region, no endpoint" "must define one of AWS_REGION or WALE_S3_ENDPOINT" env -u WALE_S3_ENDPOINT \
  WALE_S3_PREFIX=$prefix "$WALE_BIN" wal-push "$seg"
check_bad "bad endpoint scheme" "WALE_S3_ENDPOINT URI scheme is invalid" env WALE_S3_PREFIX=$prefix \
  WALE_S3_ENDPOINT="ftp+path://127.0.0.1:$port" "$WALE_BIN" wal-push "$seg"
check_bad "unreachable host" "127.0.0.1" env WALE_RETRIES=3 WALE_S3_PREFIX=$prefix \
  WALE_S3_ENDPOINT=http+path://127.0.0.1:1 "$WALE_BIN" wal-push "$seg"
check_bad "untrusted TLS certificate" "CA" env WALE_S3_PREFIX=$prefix WALE_S3_ENDPOINT="$TLS_ENDPOINT" \
  "$WALE_BIN" wal-push "$seg"
# ... and the private CA bundle makes TLS work.
WALE_S3_CA_BUNDLE=$CA_BUNDLE wale "$TLS_ENDPOINT" wal-fetch --prefetch 0 "${segs[2]}" "$work/tls-fetched" || { cat "$work/out"; fail "wal-fetch over TLS with the CA bundle"; }
cmp -s "$work/tls-fetched" "$work/pg_wal/${segs[2]}" || fail "wal-fetch over TLS returned different bytes"
echo "ok: TLS with WALE_S3_CA_BUNDLE"
echo "1 passed, 0 failed"
