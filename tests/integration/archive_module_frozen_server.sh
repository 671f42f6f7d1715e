#!/usr/bin/env bash
# The archive module (pgmodule/wal_e_archive.c) never hangs PostgreSQL's
# archiver on a wal-e server that stopped accepting connections (frozen, or
# stuck) once that server's queue of connections is full -- a frozen server
# keeps the connections of the requests that timed out, so its queue fills
# after a few timeouts. The stand-in server listens with a backlog of 0
# (one queued connection fills it) and never accepts. Then:
#  - the first request times out after wal_e.timeout, as before;
#  - the following attempts fail at once with a WARNING instead of waiting in
#    connect() for as long as the server stays frozen (restarted after every
#    signal, so the archiver could not even exit);
#  - a fast shutdown completes: the archiver exits when told to.
source "$(dirname "$0")/lib.sh"

# The frozen server: a socket that is listened on and never accepted from.
mkdir -m 700 "$WORK/frozen"
own_by_pg "$WORK"
frozen_sock="$WORK/frozen/archive.sock"
as_pg python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(0)
with open(sys.argv[2], "w") as f:
    f.write(str(os.getpid()))
time.sleep(120)
' "$frozen_sock" "$WORK/frozen/pid" </dev/null >/dev/null 2>&1 &
for _ in $(seq 1 100); do [ -s "$WORK/frozen/pid" ] && break; sleep 0.1; done
[ -S "$frozen_sock" ] && [ -s "$WORK/frozen/pid" ] || fail "the stand-in server did not start"
frozen=$(cat "$WORK/frozen/pid")
# Stopped on every exit, before lib.sh's cleanup (which sees the test's exit status).
trap 'rc=$?; set +e; kill "$frozen" 2>/dev/null; (exit $rc); cleanup' EXIT

PORT=55511
D="$WORK/primary"
init_module_cluster "$D" $PORT
cat >>"$D/postgresql.conf" <<CONF
wal_e.command = ''
wal_e.socket = '$frozen_sock'
wal_e.timeout = 1
CONF
LOG="$WORK/primary.log"
start_cluster "$D" "$LOG"

psql_at $PORT "create table t (id int); insert into t values (1)"
psql_at $PORT "select pg_switch_wal()" >/dev/null
for _ in $(seq 1 300); do grep -q "did not archive .* within 1 s" "$LOG" && break; sleep 0.1; done
grep -q "did not archive .* within 1 s" "$LOG" || fail "the first request did not time out"
pass "the first request to the frozen server timed out after wal_e.timeout"

# PostgreSQL tries again at once (three times per round): each later attempt
# must end, not wait in connect() for the frozen server.
attempts() { grep -c "WARNING: .*wal_e_archive:" "$LOG" || true; }
for _ in $(seq 1 200); do [ "$(attempts)" -ge 3 ] && break; sleep 0.1; done
[ "$(attempts)" -ge 3 ] || fail "only $(attempts) archive attempt(s) ended: the archiver hangs on the frozen server"
grep -q "accepts no connections" "$LOG" || fail "no warning names the server that accepts no connections"
pass "later attempts fail at once with a warning ($(attempts) attempts so far)"

as_postgres=()
[ "$(id -u)" = 0 ] && as_postgres=(runuser -u postgres --)
timeout 60 "${as_postgres[@]}" "$PG_BIN/pg_ctl" -D "$D" -m fast -w -t 50 stop >/dev/null \
  || fail "a fast shutdown did not complete: the archiver did not exit"
pass "a fast shutdown completes while the server stays frozen"
