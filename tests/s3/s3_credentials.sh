#!/usr/bin/env bash
# The wal-e binary against radosgw with credentials from each AWS source: the
# EC2 instance profile (IMDSv2, explicit --aws-instance-profile and as the
# chain's last resort), web identity through STS, the ECS container endpoint
# and a shared credentials file profile. A local metadata/STS server
# (aws_metadata_server.py) hands out a radosgw key made for this test with
# radosgw-admin. Refusals give one clear line; secrets never appear in output
# or in the argv of the prefetch helper that wal-fetch spawns.
# Env: WALE_BIN, METADATA_SERVER, WALE_S3_TEST_ENV (from the radosgw fixture).
set -euo pipefail
: "${WALE_BIN:?}" "${METADATA_SERVER:?}" "${WALE_S3_TEST_ENV:?}"
# shellcheck disable=SC1090
. "$WALE_S3_TEST_ENV"
work=$(mktemp -d)
server_pid=""
KA="WALECREDA$$$RANDOM"; SA="secretA-$RANDOM$RANDOM-$$"
radm() { timeout 60 radosgw-admin -c "$CEPH_CONF" "$@"; }
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  radm key rm --uid=test --key-type=s3 --access-key="$KA" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

radm key create --uid=test --key-type=s3 --access-key="$KA" --secret-key="$SA" >/dev/null
echo "[{\"id\": \"$KA\", \"secret\": \"$SA\", \"lifetime\": 3600}]" >"$work/keys.json"
WEB_TOKEN="eyJhbGciOiJSUzI1NiJ9.web-identity-$RANDOM$RANDOM"; echo "$WEB_TOKEN" >"$work/webtoken"
CONTAINER_TOKEN="container-auth-$RANDOM$RANDOM"; echo "$CONTAINER_TOKEN" >"$work/ctoken"
python3 "$METADATA_SERVER" --keys "$work/keys.json" --log "$work/meta.log" --web-token-file "$work/webtoken" \
  --container-token "$CONTAINER_TOKEN" --hold-file "$work/hold" >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 1 100); do grep -q '^PORT' "$work/server.out" && break; sleep 0.1; done
mport=$(awk '/^PORT/ {print $2}' "$work/server.out")
[ -n "$mport" ] || { cat "$work/server.err"; fail "metadata server did not start"; }
meta=http://127.0.0.1:$mport

# Only what each case sets: no keys in the environment, no ~/.aws of the user.
for v in $(env | awk -F= '/^AWS_/ {print $1}'); do unset "$v"; done
export HOME=$work/home WALE_S3_PREFIX="s3://$BUCKET/creds-$$" WALE_S3_ENDPOINT=$ENDPOINT WALE_S3_SSE=none WALE_RETRIES=3
unset WALE_FILE_PREFIX
mkdir -p "$HOME" "$work/pg_wal"
segs=(000000010000000000000001 000000010000000000000002 000000010000000000000003 000000010000000000000004
      000000010000000000000005 000000010000000000000006)
for s in "${segs[@]}"; do head -c 12582912 /dev/urandom >"$work/pg_wal/$s"; done   # 12 MiB: 2 parts

run() {  # run NAME ARGS... : wal-e with output in $work/NAME.out; returns its exit code
  local name=$1; shift
  "$WALE_BIN" "$@" >"$work/$name.out" 2>&1
}
fetch_check() {  # fetch_check NAME SEG [wal-e global flags]
  local name=$1 seg=$2; shift 2
  run "$name" "$@" wal-fetch --prefetch 0 "$seg" "$work/got-$seg" || { cat "$work/$name.out"; fail "$name: wal-fetch $seg"; }
  cmp -s "$work/pg_wal/$seg" "$work/got-$seg" || fail "$name: wal-fetch $seg returned different bytes"
  rm -f "$work/got-$seg"
}

# 1. EC2 instance profile, selected explicitly: IMDSv2 token first, then role, then credentials.
export AWS_EC2_METADATA_SERVICE_ENDPOINT=$meta
run imds-push --aws-instance-profile wal-push "$work/pg_wal/${segs[0]}" || { cat "$work/imds-push.out"; fail "wal-push with --aws-instance-profile"; }
fetch_check imds-fetch "${segs[0]}" --aws-instance-profile
head -3 "$work/meta.log" | awk '{print $2, $3, $4}' >"$work/imds-order"
printf '%s\n' "PUT /latest/api/token 200" "GET /latest/meta-data/iam/security-credentials/ 200" \
  "GET /latest/meta-data/iam/security-credentials/wale-test-role 200" | cmp -s - "$work/imds-order" \
  || { cat "$work/meta.log"; fail "IMDS requests were not token, role, credentials"; }
grep -q "issued=$KA" "$work/meta.log" || fail "the metadata server issued no credentials"
# ... and as the chain's last resort (nothing else configured).
fetch_check imds-chain "${segs[0]}"
echo "ok: EC2 instance profile through IMDSv2 (explicit and as the chain's last resort)"

# --aws-instance-profile where no metadata service answers (not EC2): one clear line within seconds.
t0=$SECONDS
AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:1 run no-imds --aws-instance-profile wal-fetch --prefetch 0 "${segs[0]}" "$work/x" \
  && fail "wal-fetch --aws-instance-profile without a metadata service succeeded"
[ $((SECONDS - t0)) -le 10 ] || fail "no metadata service: took $((SECONDS - t0)) s to fail"
[ "$(grep -c ERROR "$work/no-imds.out")" = 1 ] && grep -q "ERROR.*EC2 instance metadata: no reply from http://127.0.0.1:1/latest/api/token.*is this an EC2 instance" "$work/no-imds.out" \
  || { cat "$work/no-imds.out"; fail "no metadata service: not one clear error line"; }

# With the metadata service disabled and nothing else: one clear line.
AWS_EC2_METADATA_DISABLED=true run disabled wal-fetch --prefetch 0 "${segs[0]}" "$work/x" && fail "wal-fetch without any credentials succeeded"
grep -q "ERROR.*no AWS credentials found" "$work/disabled.out" || { cat "$work/disabled.out"; fail "no 'no AWS credentials found' error"; }
unset AWS_EC2_METADATA_SERVICE_ENDPOINT
echo "ok: no credentials anywhere is one clear error"

# 2. Web identity (Kubernetes service account) through STS AssumeRoleWithWebIdentity.
export AWS_ROLE_ARN=arn:aws:iam::123456789012:role/wal-e AWS_WEB_IDENTITY_TOKEN_FILE=$work/webtoken \
  AWS_ROLE_SESSION_NAME=wale-test-session AWS_ENDPOINT_URL_STS=$meta
run web-push wal-push "$work/pg_wal/${segs[1]}" || { cat "$work/web-push.out"; fail "wal-push with web identity"; }
fetch_check web-fetch "${segs[1]}"
grep -q "POST / 200 session=wale-test-session issued=$KA" "$work/meta.log" || { cat "$work/meta.log"; fail "no AssumeRoleWithWebIdentity"; }
echo "wrong-token" >"$work/webtoken.bad"
AWS_WEB_IDENTITY_TOKEN_FILE=$work/webtoken.bad run web-denied wal-fetch --prefetch 0 "${segs[1]}" "$work/x" && fail "a refused web identity token worked"
grep -q "ERROR.*AssumeRoleWithWebIdentity.*AccessDenied" "$work/web-denied.out" || { cat "$work/web-denied.out"; fail "no AccessDenied error line"; }
# The same role named by a config-file profile (role_arn + web_identity_token_file).
printf '[profile k8s]\nrole_arn = %s\nweb_identity_token_file = %s\nrole_session_name = from-profile\n' \
  "$AWS_ROLE_ARN" "$work/webtoken" >"$work/aws-config-web"
env -u AWS_ROLE_ARN -u AWS_WEB_IDENTITY_TOKEN_FILE AWS_CONFIG_FILE="$work/aws-config-web" AWS_PROFILE=k8s \
  "$WALE_BIN" wal-fetch --prefetch 0 "${segs[1]}" "$work/got-profile-web" >"$work/web-profile.out" 2>&1 \
  || { cat "$work/web-profile.out"; fail "wal-fetch with a web identity profile"; }
cmp -s "$work/pg_wal/${segs[1]}" "$work/got-profile-web" || fail "web identity profile: different bytes"
grep -q "POST / 200 session=from-profile issued=$KA" "$work/meta.log" || fail "no AssumeRoleWithWebIdentity for the profile"
# AWS_ENDPOINT_URL is the fallback for AWS_ENDPOINT_URL_STS.
unset AWS_ENDPOINT_URL_STS
AWS_ENDPOINT_URL=$meta fetch_check web-endpoint-url "${segs[1]}"
unset AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_SESSION_NAME
echo "ok: web identity through STS (variables and a config-file profile); a refused token is one clear error"

# A signal stops a credential fetch that hangs (STS that accepts and never answers) at once.
python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
print(s.getsockname()[1], flush=True); time.sleep(120)' >"$work/silent.port" &
silent_pid=$!
for _ in $(seq 1 50); do [ -s "$work/silent.port" ] && break; sleep 0.1; done
AWS_ROLE_ARN=arn:aws:iam::123456789012:role/wal-e AWS_WEB_IDENTITY_TOKEN_FILE=$work/webtoken \
  AWS_ENDPOINT_URL_STS=http://127.0.0.1:$(cat "$work/silent.port") "$WALE_BIN" wal-fetch --prefetch 0 "${segs[1]}" "$work/x" \
  >"$work/hung-sts.out" 2>&1 &
hung=$!
sleep 1
t0=$(date +%s%N); kill -TERM "$hung"; rc=0; wait "$hung" || rc=$?
took=$(( ($(date +%s%N) - t0) / 1000000 )); kill "$silent_pid" 2>/dev/null || true
[ $rc = 143 ] || { cat "$work/hung-sts.out"; fail "wal-fetch stopped during a hung STS request exited $rc, want 143"; }
[ $took -lt 3000 ] || fail "SIGTERM took ${took} ms to stop a hung STS request"
grep -q "ERROR.*interrupted by SIGTERM" "$work/hung-sts.out" || { cat "$work/hung-sts.out"; fail "no 'interrupted' line"; }
echo "ok: SIGTERM stops a hung STS request in ${took} ms"

# 3. ECS container credentials with an authorization token file.
export AWS_CONTAINER_CREDENTIALS_FULL_URI=$meta/ecs/credentials AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=$work/ctoken
run ecs-push wal-push "$work/pg_wal/${segs[2]}" || { cat "$work/ecs-push.out"; fail "wal-push with ECS credentials"; }
fetch_check ecs-fetch "${segs[2]}"
grep -q "GET /ecs/credentials 200 issued=$KA" "$work/meta.log" || fail "no ECS credentials request"
unset AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
AWS_CONTAINER_AUTHORIZATION_TOKEN=$CONTAINER_TOKEN fetch_check ecs-token "${segs[2]}"
AWS_CONTAINER_AUTHORIZATION_TOKEN=wrong run ecs-denied wal-fetch --prefetch 0 "${segs[2]}" "$work/x" && fail "a wrong container token worked"
grep -q "ERROR.*container credentials endpoint: http://127.0.0.1:$mport/ecs/credentials answered HTTP 403" "$work/ecs-denied.out" \
  || { cat "$work/ecs-denied.out"; fail "wrong container token: no clear error"; }
unset AWS_CONTAINER_CREDENTIALS_FULL_URI
echo "ok: ECS container credentials (token file and token); a refused token is one clear error"

# 4. A shared credentials file profile, and the config file's [profile x] form.
mkdir -p "$HOME/.aws"
printf '[default]\naws_access_key_id = WRONGKEY\naws_secret_access_key = wrong\n[walprof]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
  "$KA" "$SA" >"$HOME/.aws/credentials"
AWS_PROFILE=walprof run prof-push wal-push "$work/pg_wal/${segs[3]}" || { cat "$work/prof-push.out"; fail "wal-push with AWS_PROFILE"; }
AWS_PROFILE=walprof fetch_check prof-fetch "${segs[3]}"
printf '[profile cfgprof]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$KA" "$SA" >"$work/aws-config"
AWS_CONFIG_FILE=$work/aws-config AWS_PROFILE=cfgprof fetch_check cfg-fetch "${segs[3]}"
run prof-default wal-fetch --prefetch 0 "${segs[3]}" "$work/x" && fail "the default profile's wrong key worked"
grep -q "ERROR.*InvalidAccessKeyId" "$work/prof-default.out" || { cat "$work/prof-default.out"; fail "wrong key id: no clear error"; }
AWS_PROFILE=nosuch run prof-missing wal-fetch --prefetch 0 "${segs[3]}" "$work/x" && fail "a missing profile worked"
grep -q 'ERROR.*AWS profile "nosuch" was not found' "$work/prof-missing.out" || { cat "$work/prof-missing.out"; fail "missing profile: no clear error"; }
rm -rf "$HOME/.aws"
echo "ok: shared credentials and config file profiles"

# 5. The prefetch helper wal-fetch spawns: works with instance-profile credentials, and its
# argv holds no secret (it gets --aws-instance-profile; secrets only travel in the environment).
export AWS_EC2_METADATA_SERVICE_ENDPOINT=$meta
for s in "${segs[@]:4}"; do run "push-$s" --aws-instance-profile wal-push "$work/pg_wal/$s" || fail "wal-push $s"; done
: >"$work/argv.seen"
# The helper's credential request is held (after the one wal-fetch itself makes) until its argv is seen.
echo $(( $(grep -c 'issued=' "$work/meta.log") + 1 )) >"$work/hold"
run prefetch --aws-instance-profile wal-fetch "${segs[3]}" "$work/pg_wal/RECOVERYXLOG" || { rm -f "$work/hold"; cat "$work/prefetch.out"; fail "wal-fetch with prefetch"; }
cmp -s "$work/pg_wal/${segs[3]}" "$work/pg_wal/RECOVERYXLOG" || fail "wal-fetch with prefetch returned different bytes"
for _ in $(seq 1 100); do
  for f in /proc/[0-9]*/cmdline; do
    { a=$(tr '\0' ' ' <"$f"); } 2>/dev/null || continue
    case "$a" in *wal-prefetch*) echo "$a" >>"$work/argv.seen";; esac
  done
  [ -s "$work/argv.seen" ] && break
  sleep 0.1
done
rm -f "$work/hold"
for _ in $(seq 1 150); do
  [ "$(find "$work/pg_wal/.wal-e/prefetch-$(cat /proc/sys/kernel/random/boot_id)-"* -mindepth 1 -maxdepth 1 -type f 2>/dev/null | wc -l)" -ge 2 ] && break; sleep 0.1
done
n=$(find "$work/pg_wal/.wal-e/prefetch-$(cat /proc/sys/kernel/random/boot_id)-"* -mindepth 1 -maxdepth 1 -type f 2>/dev/null | wc -l)
[ "$n" -ge 2 ] || { ls -laR "$work/pg_wal"; fail "the prefetch helper did not fetch the next segments ($n)"; }
[ -s "$work/argv.seen" ] || fail "never saw the wal-prefetch helper's argv"
grep -q -- "--aws-instance-profile" "$work/argv.seen" || { cat "$work/argv.seen"; fail "the helper did not get --aws-instance-profile"; }
echo "ok: the prefetch helper fetched with instance-profile credentials ($n segments)"

# No secret anywhere: outputs, helper argv, metadata request lines.
for secret in "$SA" "$WEB_TOKEN" "$CONTAINER_TOKEN" "session-token-" "imds-token-"; do
  if grep -rqF -- "$secret" "$work"/*.out "$work/argv.seen" "$work/meta.log"; then
    grep -rlF -- "$secret" "$work"/*.out "$work/argv.seen" "$work/meta.log" >&2; fail "a secret appeared in output, argv or a URL"
  fi
done
echo "ok: no secret key or token in any output, helper argv or request URL"
