#!/usr/bin/env bash
# Logging: detached helpers' failures reach syslog even when only stderr is
# asked for (their stderr is /dev/null); WALE_LOG_DESTINATION and
# WALE_SYSLOG_FACILITY route records as in WAL-E; every line names the
# subcommand and pid; --json-log prints one JSON object per line; a secret in
# the environment never appears in any log output. A python3 stand-in syslog
# daemon receives the datagrams (WALE_TEST_SYSLOG_SOCKET), so no rsyslog or
# journald is needed. No PostgreSQL cluster is started.
source "$(dirname "$0")/lib.sh"

SYSLOG_SOCK="$WORK/syslog.sock"
SYSLOG="$WORK/syslog.txt"
python3 "$(dirname "$0")/syslog_receiver.py" "$SYSLOG_SOCK" "$SYSLOG" 120 &
RECEIVER=$!
trap 'rc=$?; set +e; kill "$RECEIVER" 2>/dev/null; (exit $rc); cleanup' EXIT
for _ in $(seq 1 300); do [ -S "$SYSLOG_SOCK" ] && break; sleep 0.05; done
[ -S "$SYSLOG_SOCK" ] || fail "the syslog receiver did not start"
export WALE_TEST_SYSLOG_SOCKET="$SYSLOG_SOCK"

# wait_for_syslog PATTERN WHAT: up to 30 s (a loaded machine) for a line matching PATTERN (grep -E).
wait_for_syslog() {
  for _ in $(seq 1 600); do grep -qE -- "$1" "$SYSLOG" 2>/dev/null && return 0; sleep 0.05; done
  echo "--- syslog:"; cat "$SYSLOG" 2>/dev/null || true
  fail "$2"
}

# 1. A push-ahead worker that cannot read one segment: wal-push itself
#    succeeds (its own segment is stored), and the worker's failure reaches
#    syslog although WALE_LOG_DESTINATION says stderr only.
mkdir -p "$WORK/ahead/archive_status"
for i in 1 2 3 4; do
  head -c 200000 /dev/urandom >"$WORK/ahead/00000005000000000000000$i"
  touch "$WORK/ahead/archive_status/00000005000000000000000$i.ready"
done
own_by_pg "$WORK/ahead"
chmod 000 "$WORK/ahead/000000050000000000000003"
as_pg env WALE_LOG_DESTINATION=stderr "$WALE" --envdir "$ENVDIR" wal-push --pool-size 4 \
  "$WORK/ahead/000000050000000000000001" 2>"$WORK/push.err" || { cat "$WORK/push.err"; fail "wal-push with a failing push-ahead"; }
# <12>: facility user (8) | LOG_WARNING (4); the worker's own pid and subcommand.
wait_for_syslog '^<12>[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} wal-e\[[0-9]+\]: wal-push-ahead: wal_e\.worker\.upload WARNING +MSG: skip parallel archiving of a file DETAIL: 000000050000000000000003: ' \
  "the push-ahead worker's failure did not reach syslog"
helper_pid=$(grep -m1 'wal-push-ahead: ' "$SYSLOG" | sed -E 's/.*wal-e\[([0-9]+)\].*/\1/')
grep -q "STRUCTURED: time=[^ ]* pid=$helper_pid seg=000000050000000000000003" "$SYSLOG" || { cat "$SYSLOG"; fail "the syslog record does not carry the worker's pid"; }
# The parent logged to stderr only, every line with its subcommand and pid.
if grep -q ': wal-push: ' "$SYSLOG"; then cat "$SYSLOG"; fail "wal-push logged to syslog with WALE_LOG_DESTINATION=stderr"; fi
grep -q 'MSG: begin archiving a file' "$WORK/push.err" || { cat "$WORK/push.err"; fail "wal-push logged nothing to stderr"; }
if grep -v '^wal-e wal-push\[[0-9]*\]: ' "$WORK/push.err" | grep -q .; then
  cat "$WORK/push.err"; fail "a stderr line does not start with 'wal-e wal-push[PID]: '"
fi
for _ in $(seq 1 300); do [ "$(ls "$ARCHIVE/wal_005" | wc -l)" = 3 ] && break; sleep 0.1; done
[ "$(ls "$ARCHIVE/wal_005" | wc -l)" = 3 ] || fail "push-ahead did not store the readable segments: $(ls "$ARCHIVE/wal_005")"
pass "a push-ahead failure reaches syslog with the worker's subcommand and pid; wal-push still succeeds"

# 1b. A worker whose command line does not parse (a flag its parent forwarded
#     wrongly) says so in syslog, not only on its /dev/null stderr.
rc=0
as_pg env WALE_LOG_DESTINATION=stderr "$WALE" --envdir "$ENVDIR" wal-prefetch --no-such-flag "$WORK/x" 000000050000000000000002 \
  2>/dev/null </dev/null || rc=$?
[ $rc = 2 ] || fail "a bad worker command line exited $rc"
wait_for_syslog '^<11>.* wal-e\[[0-9]+\]: wal-prefetch: ERROR: could not parse the command line -- wal-e: error: .*--no-such-flag$' \
  "a worker's usage error did not reach syslog"
pass "a detached worker's usage error reaches syslog"

# 2. A prefetch worker that finds a damaged object: wal-fetch succeeds, the
#    worker's failure reaches syslog, here at facility local3.
rm -rf "${ARCHIVE:?}"/*
mkdir -p "$WORK/wal"
cp "$WORK/ahead/000000050000000000000001" "$WORK/wal/000000060000000000000001"
own_by_pg "$WORK/wal"
wale --terse wal-push "$WORK/wal/000000060000000000000001" || fail "wal-push for the prefetch case"
obj=$(ls "$ARCHIVE/wal_005")
head -c 1000 /dev/urandom >"$ARCHIVE/wal_005/000000060000000000000002${obj#000000060000000000000001}"
own_by_pg "$ARCHIVE"
mkdir -p "$WORK/restore"; own_by_pg "$WORK/restore"
as_pg env WALE_LOG_DESTINATION=stderr WALE_SYSLOG_FACILITY=local3 "$WALE" --envdir "$ENVDIR" wal-fetch --prefetch 2 \
  000000060000000000000001 "$WORK/restore/RECOVERYXLOG" 2>"$WORK/fetch.err" || { cat "$WORK/fetch.err"; fail "wal-fetch with a failing prefetch"; }
# <156>: local3 (19 << 3) | LOG_WARNING.
wait_for_syslog '^<156>.* wal-e\[[0-9]+\]: wal-prefetch: wal_e\.worker\.prefetch WARNING +MSG: prefetch failed DETAIL: 000000060000000000000002: could not restore WAL file' \
  "the prefetch worker's failure did not reach syslog"
pass "a prefetch failure reaches syslog at the configured facility; wal-fetch still succeeds"

# 3. A failing command's one-line error goes to syslog at LOG_ERR when asked,
#    and nothing to stderr with WALE_LOG_DESTINATION=syslog.
rc=0
as_pg env WALE_LOG_DESTINATION=syslog WALE_SYSLOG_FACILITY=LOCAL0 "$WALE" --envdir "$ENVDIR" wal-push "$WORK/wal/000000060000000000000009" \
  2>"$WORK/err" || rc=$?
[ $rc = 1 ] || fail "wal-push of a missing file exited $rc"
[ ! -s "$WORK/err" ] || { cat "$WORK/err"; fail "stderr used with WALE_LOG_DESTINATION=syslog"; }
# <131>: local0 (16 << 3) | LOG_ERR (3).
wait_for_syslog '^<131>.* wal-e\[[0-9]+\]: wal-push: ERROR: could not find file for wal-push' "the failure did not reach syslog"
pass "WALE_LOG_DESTINATION=syslog: the failure goes to syslog at LOG_ERR, stderr stays empty"

# 4. An invalid facility: one ERROR line (WAL-E's message), facility user, and the command still works.
as_pg env WALE_LOG_DESTINATION=stderr,syslog WALE_SYSLOG_FACILITY=local9 "$WALE" --envdir "$ENVDIR" --terse wal-push \
  "$WORK/wal/000000060000000000000001" 2>"$WORK/err" || { cat "$WORK/err"; fail "an invalid facility stopped wal-push"; }
[ "$(wc -l <"$WORK/err")" = 1 ] || { cat "$WORK/err"; fail "an invalid facility did not print exactly one line"; }
grep -qE '^wal-e wal-push\[[0-9]+\]: ERROR: invalid syslog facility level specified -- WALE_SYSLOG_FACILITY is "local9"' "$WORK/err" \
  || { cat "$WORK/err"; fail "no 'invalid syslog facility' line"; }
wait_for_syslog '^<11>.* wal-push: ERROR: invalid syslog facility level specified' "the facility error did not reach syslog at user.err"
pass "an invalid WALE_SYSLOG_FACILITY prints one line and falls back to user"

# 5. --json-log and WALE_JSON_LOG: every stderr line is one JSON object.
check_json() {  # FILE: each line an object with time/level/subcommand/pid/message
  python3 - "$1" <<'PY' || { cat "$1"; fail "stderr is not one JSON object per line"; }
import json, re, sys
lines = open(sys.argv[1]).read().splitlines()
assert lines, "no output"
for line in lines:
    o = json.loads(line)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", o["time"]), o
    assert o["level"] in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"), o
    assert o["subcommand"] == "wal-push" and isinstance(o["pid"], int) and o["message"], o
errors = [json.loads(l) for l in lines if json.loads(l)["level"] == "ERROR"]
assert len(errors) == 1 and errors[0]["detail"] and errors[0]["hint"], errors
PY
}
rc=0
as_pg env WALE_LOG_DESTINATION=stderr WALE_FILE_PREFIX="file://localhost$WORK/no-such-archive" "$WALE" --json-log \
  wal-push "$WORK/wal/000000060000000000000001" 2>"$WORK/json.err" || rc=$?
[ $rc = 1 ] || fail "wal-push to a missing archive exited $rc"
check_json "$WORK/json.err"
rc=0
as_pg env WALE_LOG_DESTINATION=stderr WALE_JSON_LOG=true WALE_FILE_PREFIX="file://localhost$WORK/no-such-archive" "$WALE" \
  wal-push "$WORK/wal/000000060000000000000001" 2>"$WORK/json.err" || rc=$?
[ $rc = 1 ] || fail "wal-push to a missing archive exited $rc"
check_json "$WORK/json.err"
pass "--json-log / WALE_JSON_LOG: one JSON object per stderr line, the error with detail and hint"

# 6. A secret in the environment never appears in any log output of a failing
#    command: S3 commands against an endpoint that refuses connections and
#    against one that answers every request with 403 SignatureDoesNotMatch
#    (and 503 SlowDown first, so that retries are logged) whose message echoes
#    the session token, in text and JSON, on stderr and in syslog.
python3 - "$WORK/s3.port" <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def reply(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n: self.rfile.read(n)
        slow = self.server.count % 2 == 0
        self.server.count += 1
        code, err = (503, "SlowDown") if slow else (403, "SignatureDoesNotMatch")
        body = ("<?xml version=\"1.0\"?><Error><Code>%s</Code><Message>The request signature we calculated "
                "does not match for token %s.</Message><StringToSign>%s</StringToSign></Error>"
                % (err, self.headers.get("x-amz-security-token", ""), self.headers.get("Authorization", ""))).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD": self.wfile.write(body)
    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = reply
    def log_message(self, *a): pass
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
srv.count = 0
srv.timeout = 120
open(sys.argv[1], "w").write(str(srv.server_address[1]))
srv.serve_forever()
PY
S3_SERVER=$!
trap 'rc=$?; set +e; kill "$RECEIVER" "$S3_SERVER" 2>/dev/null; (exit $rc); cleanup' EXIT
for _ in $(seq 1 300); do [ -s "$WORK/s3.port" ] && break; sleep 0.05; done
[ -s "$WORK/s3.port" ] || fail "the fake S3 server did not start"
SECRET="wale-test-secret-$RANDOM$RANDOM-do-not-log"
: >"$WORK/secret.out"
for endpoint in http+path://127.0.0.1:9 "http+path://127.0.0.1:$(cat "$WORK/s3.port")"; do
  for json in "" --json-log; do
    for cmd in "wal-push $WORK/wal/000000060000000000000001" "wal-fetch 000000060000000000000001 $WORK/restore/X" \
               "backup-list" "backup-fetch $WORK/restore/bf LATEST" "delete --confirm everything"; do
      rc=0
      # shellcheck disable=SC2086
      as_pg env -u WALE_FILE_PREFIX WALE_LOG_DESTINATION=stderr,syslog WALE_S3_PREFIX=s3://bucket/prefix \
        WALE_S3_ENDPOINT="$endpoint" AWS_ACCESS_KEY_ID=AKIDLOGGINGTEST AWS_SECRET_ACCESS_KEY="$SECRET" \
        AWS_SESSION_TOKEN="$SECRET-token" WALE_S3_SSE=none WALE_RETRIES=2 "$WALE" $json $cmd \
        >>"$WORK/secret.out" 2>"$WORK/secret.err" || rc=$?
      [ $rc != 0 ] || fail "'$cmd' against $endpoint succeeded"
      grep -q 'ERROR' "$WORK/secret.err" || { cat "$WORK/secret.err"; fail "'$cmd' printed no error"; }
      cat "$WORK/secret.err" >>"$WORK/secret.all"
      if grep -qF -- "$SECRET" "$WORK/secret.err" "$WORK/secret.out"; then cat "$WORK/secret.err"; fail "'$cmd' logged the secret"; fi
    done
  done
done
# The failures went where the checks looked: refused connections, the 403 and the retried 503.
grep -q "Couldn't connect" "$WORK/secret.all" || { cat "$WORK/secret.all"; fail "no refused-connection failure seen"; }
grep -q "SignatureDoesNotMatch" "$WORK/secret.all" || { cat "$WORK/secret.all"; fail "no 403 failure seen"; }
grep -q "for token \[REDACTED\]" "$WORK/secret.all" || { cat "$WORK/secret.all"; fail "the echoed token was not redacted"; }
grep -q "retrying" "$WORK/secret.all" || { cat "$WORK/secret.all"; fail "no retry was logged"; }
wait_for_syslog '^<11>.* wal-e\[[0-9]+\]: delete: ERROR' "the S3 failures did not reach syslog"
if grep -qF -- "$SECRET" "$SYSLOG"; then fail "the secret reached syslog"; fi
pass "an S3 secret in the environment appears in no log output (stderr text or JSON, syslog)"

# 7. The production path, syslog(3) itself (WALE_TEST_SYSLOG_SOCKET unset):
#    in a private mount namespace whose /dev is a fresh tmpfs, the stand-in
#    daemon listens on /dev/log as rsyslog or journald would. A failing
#    command and a failing push-ahead worker both arrive with ident "wal-e",
#    their pid and facility local5. Needs root (unshare --mount).
if [ "$(id -u)" != 0 ]; then
  echo "skip - syslog(3) through /dev/log needs root for unshare --mount (run the suite as root)"
else
  unshare --mount --propagation private true 2>/dev/null || fail "unshare --mount is not permitted (needs root with CAP_SYS_ADMIN)"
  mkdir -p "$WORK/ahead7/archive_status"
  for i in 1 2 3; do
    head -c 200000 /dev/urandom >"$WORK/ahead7/00000007000000000000000$i"
    touch "$WORK/ahead7/archive_status/00000007000000000000000$i.ready"
  done
  own_by_pg "$WORK/ahead7"
  chmod 000 "$WORK/ahead7/000000070000000000000002"
  DEVLOG_OUT="$WORK/devlog.txt"
  unshare --mount --propagation private env -u WALE_TEST_SYSLOG_SOCKET WALE="$WALE" ENVDIR="$ENVDIR" WORK="$WORK" \
    OUT="$DEVLOG_OUT" RECEIVER_PY="$(dirname "$0")/syslog_receiver.py" bash -euc '
    mount -t tmpfs -o mode=755 wale-test-dev /dev
    mknod -m 666 /dev/null c 1 3; mknod -m 666 /dev/zero c 1 5
    mknod -m 666 /dev/random c 1 8; mknod -m 666 /dev/urandom c 1 9
    python3 "$RECEIVER_PY" /dev/log "$OUT" 30 &
    receiver=$!
    for _ in $(seq 1 300); do [ -S /dev/log ] && break; sleep 0.05; done
    [ -S /dev/log ] || { echo "FAIL: no /dev/log"; exit 1; }
    rc=0
    runuser -u postgres -- env WALE_LOG_DESTINATION=syslog WALE_SYSLOG_FACILITY=local5 "$WALE" --envdir "$ENVDIR" \
      wal-push "$WORK/wal/000000060000000000000009" 2>/dev/null || rc=$?
    [ $rc = 1 ] || { echo "FAIL: wal-push of a missing file exited $rc"; exit 1; }
    runuser -u postgres -- env WALE_LOG_DESTINATION=stderr WALE_SYSLOG_FACILITY=local5 "$WALE" --envdir "$ENVDIR" --terse \
      wal-push --pool-size 2 "$WORK/ahead7/000000070000000000000001" || { echo "FAIL: wal-push with push-ahead"; exit 1; }
    for _ in $(seq 1 600); do grep -q "wal-push-ahead: " "$OUT" 2>/dev/null && break; sleep 0.05; done
    kill $receiver; wait $receiver 2>/dev/null || true
    # The daemon is gone but its socket file stays: WAL-E'"'"'s one line, and the command still works.
    runuser -u postgres -- env -u WALE_LOG_DESTINATION "$WALE" --envdir "$ENVDIR" --terse \
      wal-push "$WORK/wal/000000060000000000000001" 2>"$WORK/refused.err" || { cat "$WORK/refused.err"; echo "FAIL: wal-push with a dead syslog"; exit 1; }
  '
  # <171>: local5 (21 << 3) | LOG_ERR; <172>: local5 | LOG_WARNING.
  grep -qE '^<171>[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} wal-e\[[0-9]+\]: wal-push: ERROR: could not find file for wal-push' "$DEVLOG_OUT" \
    || { cat "$DEVLOG_OUT"; fail "syslog(3) did not deliver the failure to /dev/log"; }
  grep -qE '^<172>[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} wal-e\[[0-9]+\]: wal-push-ahead: wal_e\.worker\.upload WARNING +MSG: skip parallel archiving of a file DETAIL: 000000070000000000000002: ' "$DEVLOG_OUT" \
    || { cat "$DEVLOG_OUT"; fail "syslog(3) did not deliver the push-ahead worker's failure to /dev/log"; }
  pass "syslog(3) delivers to /dev/log with ident wal-e, the pid and the facility, from a command and a detached worker"
  [ "$(wc -l <"$WORK/refused.err")" = 1 ] && grep -qE '^wal-e wal-push\[[0-9]+\]: WARNING: Could not set up syslog, continuing anyway -- Reason: ECONNREFUSED$' "$WORK/refused.err" \
    || { cat "$WORK/refused.err"; fail "no 'Could not set up syslog' line for a refusing /dev/log"; }
  pass "a /dev/log that refuses connections prints WAL-E's 'Could not set up syslog' line; the command still works"
fi
