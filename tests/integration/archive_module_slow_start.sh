#!/usr/bin/env bash
# The archive module (pgmodule/wal_e_archive.c) waits up to 30 s for a
# wal-e server it started to listen. A fast shutdown is not a SIGTERM for the
# archiver but a last archiving cycle that retries each failed file, so a
# server that never listens held a shutdown up for minutes (30 s per
# attempt, attempt after attempt). The module now sees the shutdown
# (postmaster.pid says "stopping"), stops waiting with a warning, and the
# segment stays .ready for the next start. The stand-in for wal_e.command
# starts and never listens.
source "$(dirname "$0")/lib.sh"

mkdir -p "$WORK/stub"
# Run as "<command> wal-push-server <socket>": records its pid, never listens.
cat >"$WORK/stub/never-listens" <<'STUB'
#!/bin/sh
echo $$ >>"$(dirname "$0")/started"
exec sleep 120
STUB
chmod 755 "$WORK/stub/never-listens"
own_by_pg "$WORK"
# The stand-ins are stopped on every exit (the module stops the one it runs
# at shutdown; not when a failed test kills the cluster).
trap 'rc=$?; set +e; [ -f "$WORK/stub/started" ] && xargs kill <"$WORK/stub/started" 2>/dev/null; (exit $rc); cleanup' EXIT

PORT=55512
D="$WORK/primary"
init_module_cluster "$D" $PORT
echo "wal_e.command = '$WORK/stub/never-listens'" >>"$D/postgresql.conf"
LOG="$WORK/primary.log"
start_cluster "$D" "$LOG"

psql_at $PORT "create table t (id int); insert into t values (1)"
SEG=$(psql_at $PORT "select pg_walfile_name(pg_current_wal_lsn())")
psql_at $PORT "select pg_switch_wal()" >/dev/null
for _ in $(seq 1 100); do [ -s "$WORK/stub/started" ] && break; sleep 0.1; done
[ -s "$WORK/stub/started" ] || fail "the module did not start wal_e.command"
pass "the module started a server that never listens"

# The module now waits for it to listen. A fast shutdown must not wait that out.
sleep 1
as_postgres=()
[ "$(id -u)" = 0 ] && as_postgres=(runuser -u postgres --)
timeout 40 "${as_postgres[@]}" "$PG_BIN/pg_ctl" -D "$D" -m fast -w -t 20 stop >/dev/null \
  || fail "a fast shutdown did not complete in 20 s: the archiver waited for a server that never listens"
grep -q "stopped waiting for the wal-e server to listen .*PostgreSQL is shutting down" "$LOG" \
  || fail "no warning says why the archiver stopped waiting"
[ -f "$D/pg_wal/archive_status/$SEG.ready" ] || fail "$SEG is no longer .ready after attempts that archived nothing"
pass "a fast shutdown ends the wait for the server at once; $SEG stays .ready"
