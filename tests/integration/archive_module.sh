#!/usr/bin/env bash
# The archive module (pgmodule/wal_e_archive.c, docs/archive-module.md): a
# PostgreSQL 15 cluster with 1 MiB WAL segments archives through
# archive_library = 'wal_e_archive' (loaded from the test's own directory via
# dynamic_library_path: nothing is installed on the machine) under a write
# load, while the resident wal-e server is SIGKILLed mid-run. Then:
#  - PostgreSQL kept running (same postmaster), the module started a new server;
#  - every segment is archived (no .ready left, wal-verify finds no gap) and
#    each one still in pg_wal is byte-identical to what wal-fetch returns;
#  - a restore with restore_command reaches the last row;
#  - stopping PostgreSQL stops the server (no orphan process).
source "$(dirname "$0")/lib.sh"

PORT=55501
D="$WORK/primary"
init_module_cluster "$D" $PORT
cat >>"$D/postgresql.conf" <<CONF
wal_e.command = '$WALE --envdir $ENVDIR'
wal_e.timeout = 60
wal_e.socket = ''
max_wal_size = 256MB
checkpoint_timeout = 30min
CONF
LOG="$WORK/primary.log"
start_cluster "$D" "$LOG"
postmaster=$(head -n 1 "$D/postmaster.pid")

server_pids() { sed -n 's/.*wal_e_archive: started wal-e server (pid \([0-9]*\)).*/\1/p' "$LOG"; }
# wait_for_log PATTERN [TENTHS]: waits until PostgreSQL's log shows PATTERN (grep), at most
# TENTHS tenths of a second (default 600: generous for a loaded CI machine; no cost when fast).
wait_for_log() {
  local pattern=$1 n=${2:-600}
  for _ in $(seq 1 "$n"); do grep -q -- "$pattern" "$LOG" && return 0; sleep 0.1; done
  return 1
}
# switch_segment: writes a row, switches WAL and prints the segment just completed.
# (Not pg_walfile_name(pg_current_wal_lsn()) taken before: right after a switch that
# names the segment already archived, and a wait for it would end at once.)
switch_segment() {
  psql_at $PORT "insert into t values (-1, 'x'); delete from t where id = -1; select pg_walfile_name(pg_switch_wal())"
}
# wait_archived_by_pg SEGMENT [TENTHS]: waits until PostgreSQL's archiver has archived SEGMENT.
wait_archived_by_pg() {
  local seg=$1 n=${2:-300}
  for _ in $(seq 1 "$n"); do
    done_wal=$(psql_at $PORT "select coalesce(last_archived_wal, '') from pg_stat_archiver")
    [[ "$done_wal" > "$seg" || "$done_wal" = "$seg" ]] && return 0
    sleep 0.1
  done
  return 1
}

# A base backup: backup-push waits until its stop segment is archived, through the module.
wale_at $PORT backup-push "$D" >/dev/null || fail "backup-push through the archive module"
[ "$(server_pids | wc -l)" -ge 1 ] || fail "the module did not start a wal-e server"
pass "backup-push completed with WAL archived by the module"

psql_at $PORT "create table t (id int primary key, pad text)"
# Write load: about 40 segments of WAL, switching segments now and then.
(
  for b in $(seq 0 39); do
    psql_at $PORT "insert into t select g, repeat(md5(g::text), 6) from generate_series($((b * 4000 + 1)), $((b * 4000 + 4000))) g" >/dev/null
    if [ $((b % 8)) = 7 ]; then psql_at $PORT "select pg_switch_wal()" >/dev/null; fi
  done
) &
load=$!

# Kill the server while the archiver is busy with it.
for _ in $(seq 1 300); do
  [ "$(psql_at $PORT "select archived_count from pg_stat_archiver")" -ge 8 ] && break
  sleep 0.1
done
# Freeze it first so that the archiver is surely waiting for its answer (a
# new segment is ready), then kill it: the request dies with the server.
victim=$(server_pids | tail -n 1)
kill -STOP "$victim"
psql_at $PORT "insert into t values (-1, 'x'); select pg_switch_wal()" >/dev/null
sleep 2
kill -KILL "$victim"
wait_for_log "closed the connection before archiving" || fail "the module did not report the request the killed server left"
pass "SIGKILLed the wal-e server (pid $victim) mid-request under load: reported as not archived"
wait "$load" || fail "the write load failed"
psql_at $PORT "delete from t where id = -1" >/dev/null

# A server that does not answer: the archiver gives up after wal_e.timeout and carries on.
psql_at $PORT "alter system set wal_e.timeout = '2s'" >/dev/null
psql_at $PORT "select pg_reload_conf()" >/dev/null
sleep 1
frozen=$(server_pids | tail -n 1)
kill -STOP "$frozen"
psql_at $PORT "select pg_switch_wal()" >/dev/null
switch_segment >/dev/null
wait_for_log "did not archive .* within 2 s" || fail "no timeout reported for a frozen server"
kill -CONT "$frozen"
psql_at $PORT "alter system reset wal_e.timeout" >/dev/null
psql_at $PORT "select pg_reload_conf()" >/dev/null
[ "$(psql_at $PORT "select failed_count >= 2 from pg_stat_archiver")" = t ] || fail "pg_stat_archiver counted no failures"
pass "a frozen server makes the request time out instead of hanging the archiver"

# A changed wal_e.command (a reload) replaces the running server.
psql_at $PORT "alter system set wal_e.command = '$WALE --terse --envdir $ENVDIR'" >/dev/null
psql_at $PORT "select pg_reload_conf()" >/dev/null
sleep 1
cur=$(switch_segment)
wait_for_log "wal_e.command changed" || fail "a changed wal_e.command did not restart the server"
for _ in $(seq 1 100); do server_pids | tail -n 1 | grep -qv "^$frozen\$" && break; sleep 0.1; done
[ "$(server_pids | tail -n 1)" != "$frozen" ] || fail "no new server after wal_e.command changed"
kill -0 "$frozen" 2>/dev/null && fail "the server of the old wal_e.command (pid $frozen) still runs"
# The new server has read its envdir once it archived a segment (before the next step changes it).
wait_archived_by_pg "$cur" || fail "the new server did not archive $cur"
pass "a changed wal_e.command restarts the server"

# A changed envdir (rotated credentials, say) is read as wal-push would: the server restarts.
before=$(server_pids | tail -n 1)
echo 61 >"$ENVDIR/.WALE_ARCHIVE_TIMEOUT.new"  # lib.sh wrote 60
mv "$ENVDIR/.WALE_ARCHIVE_TIMEOUT.new" "$ENVDIR/WALE_ARCHIVE_TIMEOUT"
own_by_pg "$ENVDIR"
cur=$(switch_segment)
wait_archived_by_pg "$cur" || fail "archiving did not resume after the envdir changed (at '$done_wal', wanted $cur)"
grep -q "changed since this server started" "$LOG" || fail "the server did not notice the changed envdir"
[ "$(server_pids | tail -n 1)" != "$before" ] || fail "no new server after the envdir changed"
kill -0 "$before" 2>/dev/null && fail "the server (pid $before) that read the old envdir still runs"
pass "a changed envdir restarts the server"

# Socket-only mode: wal_e.command empty, a server the operator runs on wal_e.socket. While
# none runs, archiving fails with a WARNING (and PostgreSQL retries); once it runs, it resumes.
ext_sock="$WORK/ext/archive.sock"
mkdir -m 700 "$WORK/ext"
own_by_pg "$WORK/ext"
module_server=$(server_pids | tail -n 1)
psql_at $PORT "alter system set wal_e.command = ''" >/dev/null
psql_at $PORT "alter system set wal_e.socket = '$ext_sock'" >/dev/null
psql_at $PORT "select pg_reload_conf()" >/dev/null
sleep 1
switch_segment >/dev/null
wait_for_log "could not connect to the wal-e server at \"$ext_sock\"" || fail "no warning without a server"
for _ in $(seq 1 50); do kill -0 "$module_server" 2>/dev/null || break; sleep 0.1; done
kill -0 "$module_server" 2>/dev/null && fail "the server the module started (pid $module_server) outlived wal_e.command"
as_pg bash -c 'echo $$ >"$1"; exec "$2" --envdir "$3" wal-push-server "$4"' _ "$WORK/ext/pid" "$WALE" "$ENVDIR" "$ext_sock" \
  2>"$WORK/ext-server.log" &
ext_job=$!
for _ in $(seq 1 100); do [ -S "$ext_sock" ] && break; sleep 0.1; done
[ -S "$ext_sock" ] || fail "the operator's wal-push-server did not start"
cur=$(switch_segment)
wait_archived_by_pg "$cur" || fail "archiving did not resume through the operator's server"
grep -q "push-wal" "$WORK/ext-server.log" || fail "the operator's server pushed nothing"
pass "socket-only mode: no server is a warning and a retry, an operator's server is used"
# Back to a server the module starts; ours is stopped (we started it, by its pid).
psql_at $PORT "alter system reset wal_e.socket" >/dev/null
psql_at $PORT "select pg_reload_conf()" >/dev/null
psql_at $PORT "alter system set wal_e.command = '$WALE --terse --envdir $ENVDIR'" >/dev/null
psql_at $PORT "select pg_reload_conf()" >/dev/null
kill -TERM "$(cat "$WORK/ext/pid")"
wait "$ext_job" || true
sleep 1

# A wal_e.command that cannot start a server: a warning and a retry, never a hang or a crash.
psql_at $PORT "alter system set wal_e.command = '$WORK/bin/no-such-wal-e --envdir $ENVDIR'" >/dev/null
psql_at $PORT "select pg_reload_conf()" >/dev/null
sleep 1
switch_segment >/dev/null
wait_for_log "exited before accepting requests" || fail "no warning for a wal_e.command that cannot start"
psql_at $PORT "alter system set wal_e.command = '$WALE --terse --envdir $ENVDIR'" >/dev/null
psql_at $PORT "select pg_reload_conf()" >/dev/null
sleep 1
pass "a broken wal_e.command is a warning and a retry"

rows=$(psql_at $PORT "select count(*) from t")
[ "$rows" = 160000 ] || fail "expected 160000 rows, got $rows"
last=$(switch_segment)
wait_archived_by_pg "$last" 600 || fail "archiving stalled at '$done_wal' (wanted $last)"

[ "$(head -n 1 "$D/postmaster.pid")" = "$postmaster" ] || fail "the postmaster restarted"
grep -q "terminated by signal 9" "$LOG" || fail "the module did not notice the killed server"
restarted=$(server_pids | tail -n 1)
[ "$restarted" != "$victim" ] || fail "no new wal-e server after the kill"
kill -0 "$restarted" || fail "the new wal-e server (pid $restarted) is not running"
if grep -E "PANIC|server process .* terminated|archiver process .* exited" "$LOG"; then fail "PostgreSQL logged a crash"; fi
# The server holds none of the archiver's descriptors (postmaster-death and latch pipes).
inherited=$(for f in /proc/"$restarted"/fd/*; do n=${f##*/}; [ "$n" -ge 3 ] && readlink "$f"; done | grep -c '^pipe:' || true)
[ "$inherited" = 0 ] || fail "the wal-e server inherited $inherited of PostgreSQL's pipes"
pass "PostgreSQL kept running; the module restarted the server (pid $restarted)"

ready=$(find "$D/pg_wal/archive_status" -name '*.ready' | sort)
for r in $ready; do
  n=$(basename "$r" .ready)
  [[ "$n" > "$last" ]] || fail "$n is still waiting to be archived"
done
wale wal-verify >"$WORK/wal-verify.out" || { cat "$WORK/wal-verify.out"; fail "wal-verify found a gap"; }

# Every segment PostgreSQL marked archived is byte-identical in the archive.
mkdir -p "$WORK/fetched"
own_by_pg "$WORK/fetched"
n=0
for s in "$D"/pg_wal/archive_status/*.done; do
  name=$(basename "$s" .done)
  [ -f "$D/pg_wal/$name" ] || continue
  [[ "$name" =~ ^[0-9A-F]{24}$ ]] || continue
  wale wal-fetch --prefetch 0 "$name" "$WORK/fetched/$name" || fail "wal-fetch $name"
  cmp -s "$D/pg_wal/$name" "$WORK/fetched/$name" || fail "$name differs in the archive"
  n=$((n + 1))
done
[ "$n" -ge 30 ] || fail "only $n segments were checked (expected at least 30)"
pass "$n archived segments are byte-identical after wal-fetch"

# An archiver told to exit (SIGTERM) while waiting for a frozen server stops waiting at once
# (the file stays .ready). PostgreSQL's archiver then idles until shutdown (or 60 s), so this
# runs last.
stuck=$(server_pids | tail -n 1)
kill -STOP "$stuck"
switch_segment >/dev/null
sleep 1
archiver=$(psql_at $PORT "select pid from pg_stat_activity where backend_type = 'archiver'")
kill -TERM "$archiver"
wait_for_log "the archiver is shutting down" 30 || fail "the module kept waiting after the archiver got SIGTERM"
kill -CONT "$stuck"
pass "an archiver told to exit stops waiting for the server at once"

stop_cluster "$D"
for _ in $(seq 1 50); do kill -0 "$restarted" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$restarted" 2>/dev/null; then fail "the wal-e server (pid $restarted) outlived PostgreSQL"; fi
pass "stopping PostgreSQL stopped the wal-e server"

R="$WORK/restore"
wale backup-fetch "$R" LATEST || fail "backup-fetch"
configure_restore "$R" 55502
start_cluster "$R"
wait_promoted 55502
got=$(psql_at 55502 "select count(*) || ' ' || max(id) from t")
[ "$got" = "160000 160000" ] || fail "the restore reached '$got', not the last row"
pass "a restore with restore_command reaches the last row"
