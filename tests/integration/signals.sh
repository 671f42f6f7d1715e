#!/usr/bin/env bash
# SIGTERM and SIGKILL in the middle of backup-fetch, wal-push, wal-fetch and
# backup-push: SIGTERM ends each in one line with exit 143 and leaves no
# temporary file, no partial restore and no sentinel; after any interruption
# (SIGKILL included) a restore target holds no global/pg_control, so
# PostgreSQL cannot start it, and a rerun says how to continue.
source "$(dirname "$0")/lib.sh"

RANDOM=5150  # reproducible interruption points
PRIMARY="$WORK/primary"
TARGET="$WORK/restore"
init_cluster "$PRIMARY" 5581
start_cluster "$PRIMARY"
as_pg "$PG_BIN/pgbench" -h "$SOCK" -p 5581 -i -s 5 -q postgres >/dev/null 2>&1 || fail "pgbench -i"
echo 4M >"$ENVDIR/WALE_PARTITION_SIZE"
BACKUP=$(wale_at 5581 backup-push "$PRIMARY" 2>"$WORK/push.err") || { cat "$WORK/push.err"; fail "backup-push"; }
EXPECTED=$(table_checksums 5581)

# run_bg OUT ERR CMD...: starts wal-e in the background as postgres; sets PID
# to wal-e's own pid (not runuser's) and JOB to the job to wait for.
run_bg() {
  local out=$1 err=$2; shift 2
  rm -f "$WORK/pid"
  # perl puts SIGINT back to its default: bash starts background jobs with it ignored.
  as_pg perl -e '$SIG{INT} = "DEFAULT"; open(my $f, ">", shift) or die; print $f $$; close $f; exec @ARGV or die' \
    "$WORK/pid" "$WALE" --envdir "$ENVDIR" "$@" >"$out" 2>"$err" &
  JOB=$!
  for _ in $(seq 1 200); do [ -s "$WORK/pid" ] && break; sleep 0.01; done
  PID=$(cat "$WORK/pid")
}
# expect_one_line_143 ERR WHAT [SIGNAL CODE]: exit status in RC was 143 (or
# CODE) and stderr is one "interrupted by SIGTERM" (or SIGNAL) ERROR line.
expect_one_line_143() {
  local err=$1 what=$2 sig=${3:-SIGTERM} code=${4:-143}
  [ "$RC" = "$code" ] || { cat "$err"; fail "$what: exit $RC after $sig, expected $code"; }
  [ "$(wc -l <"$err")" = 1 ] || { cat "$err"; fail "$what: expected exactly one line on stderr"; }
  grep -q "ERROR: interrupted by $sig" "$err" || { cat "$err"; fail "$what: no 'interrupted by $sig' line"; }
}
no_temps_of() {  # no AtomicFileSink temporary of process $1 under $2
  local found
  found=$(find "$2" -name ".*.tmp.$1.*" 2>/dev/null || true)
  [ -z "$found" ] || fail "temporary files of process $1 left behind: $found"
}
cannot_start() {
  [ ! -e "$TARGET/global/pg_control" ] || fail "$1: global/pg_control exists in an unfinished restore"
  if as_pg "$PG_BIN/pg_ctl" -D "$TARGET" -l "$WORK/refused.log" -w -t 10 start >/dev/null 2>&1; then
    as_pg "$PG_BIN/pg_ctl" -D "$TARGET" -m immediate stop >/dev/null 2>&1 || true
    fail "$1: PostgreSQL started an unfinished restore"
  fi
}

# signal_when_restored SIGNAL N: sends SIGNAL to the running backup-fetch once
# its target holds at least N entries (a point inside the restore, whatever
# the machine's speed), or does nothing if it finished first.
signal_when_restored() {
  local sig=$1 n=$2
  for _ in $(seq 1 3000); do
    kill -0 "$PID" 2>/dev/null || return 0
    [ "$(find "$TARGET" -mindepth 1 2>/dev/null | head -n "$n" | wc -l)" -ge "$n" ] && break
    sleep 0.01
  done
  kill -"$sig" "$PID" 2>/dev/null || true
}
TOTAL=$(wale backup-list --detail --json 2>/dev/null | grep -o '"file_count": *[0-9]*' | head -n 1 | grep -o '[0-9]*$' || true)
[ -n "$TOTAL" ] && [ "$TOTAL" -ge 100 ] || TOTAL=900

# --- backup-fetch, SIGTERM at random points: exit 143, one line, target emptied.
terms=0
for round in $(seq 1 4); do
  rm -rf "$TARGET"
  run_bg "$WORK/fetch.out" "$WORK/fetch.err" --terse backup-fetch --pool-size 1 "$TARGET" "$BACKUP"
  signal_when_restored TERM $(( RANDOM % (TOTAL * 3 / 4) + 1 ))
  RC=0; wait "$JOB" || RC=$?
  if [ "$RC" = 0 ]; then continue; fi  # finished before the signal
  terms=$((terms + 1))
  expect_one_line_143 "$WORK/fetch.err" "backup-fetch round $round"
  [ -z "$(ls -A "$TARGET")" ] || { ls -la "$TARGET"; fail "backup-fetch round $round: target not emptied after SIGTERM"; }
  cannot_start "backup-fetch SIGTERM round $round"
done
[ "$terms" -ge 2 ] || fail "only $terms backup-fetch runs were interrupted; the test did not test much"
pass "backup-fetch stopped by SIGTERM $terms times: exit 143, one line, target emptied"

# --- backup-fetch, SIGKILL at random points: no pg_control, PostgreSQL refuses
# it, a rerun says how to continue, and after emptying a restore succeeds.
kills=0 halves=0
for round in $(seq 1 3); do
  rm -rf "$TARGET"
  run_bg "$WORK/fetch.out" "$WORK/fetch.err" --terse backup-fetch --pool-size 1 "$TARGET" "$BACKUP"
  signal_when_restored KILL $(( RANDOM % (TOTAL * 3 / 4) + 2 ))
  RC=0; wait "$JOB" || RC=$?
  if [ "$RC" = 0 ]; then continue; fi
  kills=$((kills + 1))
  [ -n "$(ls -A "$TARGET")" ] || continue  # killed before it wrote anything
  halves=$((halves + 1))
  cannot_start "backup-fetch SIGKILL round $round"
  [ -e "$TARGET/.wal-e-restore-in-progress" ] || fail "SIGKILL round $round: no in-progress marker in a half restore"
  RC=0; wale backup-fetch "$TARGET" "$BACKUP" >/dev/null 2>"$WORK/rerun.err" || RC=$?
  [ "$RC" != 0 ] || fail "backup-fetch into a half restore succeeded"
  grep -q "a previous backup-fetch into target directory \"$TARGET\" did not finish" "$WORK/rerun.err" \
    || { cat "$WORK/rerun.err"; fail "rerun into a half restore does not say how to continue"; }
  grep -q "Remove its contents" "$WORK/rerun.err" || { cat "$WORK/rerun.err"; fail "rerun gives no hint"; }
done
[ "$halves" -ge 2 ] || fail "only $halves of $kills killed backup-fetch runs left a half restore to check"
find "$TARGET" -mindepth 1 -delete
wale backup-fetch "$TARGET" "$BACKUP" 2>"$WORK/fetch.err" || { cat "$WORK/fetch.err"; fail "restore after emptying"; }
[ -e "$TARGET/global/pg_control" ] || fail "a finished restore has no global/pg_control"
[ ! -e "$TARGET/.wal-e-restore-in-progress" ] || fail "a finished restore still has the in-progress marker"
[ "$(stat -c %a "$TARGET")" = 700 ] || fail "restored root is not 0700"
configure_restore "$TARGET" 5582
start_cluster "$TARGET"
wait_promoted 5582
[ "$(table_checksums 5582)" = "$EXPECTED" ] || fail "restored tables differ"
stop_cluster "$TARGET"
pass "backup-fetch killed $kills times: never a pg_control, PostgreSQL refuses it, rerun explains; then restores"

# --- wal-push, SIGTERM mid-transfer (a FIFO holds the read open): exit 143,
# one line, no temporary file in the archive.
mkdir -p "$WORK/pg_wal_fifo"
SEG=000000990000000000000010
mkfifo "$WORK/pg_wal_fifo/$SEG"
own_by_pg "$WORK/pg_wal_fifo"
( head -c 3000000 /dev/urandom; sleep 20 ) >"$WORK/pg_wal_fifo/$SEG" &
FEEDER=$!
run_bg "$WORK/push.out" "$WORK/push.err" --terse wal-push "$WORK/pg_wal_fifo/$SEG"
sleep 1
# No core file can hold its secrets: core size limit 0 and not dumpable (the
# kernel then gives /proc/PID to root instead of the process's user).
grep -Eq '^Max core file size +0 +0 ' "/proc/$PID/limits" || { cat "/proc/$PID/limits"; fail "core dumps are not disabled"; }
if [ "$(id -u)" = 0 ]; then
  [ "$(stat -c %U "/proc/$PID/environ")" = root ] || fail "wal-e is dumpable (its /proc entries belong to $(stat -c %U "/proc/$PID/environ"))"
fi
kill -TERM "$PID"
RC=0; wait "$JOB" || RC=$?
kill "$FEEDER" 2>/dev/null || true; wait "$FEEDER" 2>/dev/null || true
expect_one_line_143 "$WORK/push.err" "wal-push"
no_temps_of "$PID" "$ARCHIVE"
! ls "$ARCHIVE/wal_005/$SEG".* >/dev/null 2>&1 || fail "an interrupted wal-push stored the segment"
pass "wal-push stopped by SIGTERM mid-transfer: exit 143, one line, no temporary file"

# SIGINT, SIGHUP and SIGQUIT stop it the same way, with 128 + their number
# (PostgreSQL's immediate shutdown sends SIGQUIT to archive_command).
for pair in SIGINT:130 SIGHUP:129 SIGQUIT:131; do
  sig=${pair%%:*} code=${pair##*:}
  ( head -c 3000000 /dev/urandom; sleep 20 ) >"$WORK/pg_wal_fifo/$SEG" &
  FEEDER=$!
  run_bg "$WORK/push.out" "$WORK/push.err" --terse wal-push "$WORK/pg_wal_fifo/$SEG"
  sleep 1
  kill -"${sig#SIG}" "$PID"
  RC=0; wait "$JOB" || RC=$?
  kill "$FEEDER" 2>/dev/null || true; wait "$FEEDER" 2>/dev/null || true
  expect_one_line_143 "$WORK/push.err" "wal-push ($sig)" "$sig" "$code"
  no_temps_of "$PID" "$ARCHIVE"
done
pass "wal-push stopped by SIGINT (exit 130), SIGHUP (exit 129) and SIGQUIT (exit 131) the same way"

# --- SIGPIPE is ignored: a closed stdout is an error with a message, not a silent death.
RC=0; { sleep 0.3; wale --terse backup-list 2>"$WORK/pipe.err"; echo $? >"$WORK/pipe.rc"; } | true || true
RC=$(cat "$WORK/pipe.rc")
[ "$RC" = 1 ] || { cat "$WORK/pipe.err"; fail "backup-list into a closed pipe exited $RC, expected 1"; }
grep -q "ERROR: could not write to standard output" "$WORK/pipe.err" || { cat "$WORK/pipe.err"; fail "no error for a closed stdout"; }
pass "a closed stdout is an error (SIGPIPE ignored), core dumps are disabled"

# --- wal-fetch, SIGTERM mid-transfer (the stored object is a FIFO that
# delivers part of a real segment): exit 143, one line, no temp beside %p.
SEG2=000000990000000000000011
head -c 16777216 /dev/urandom >"$WORK/seg2"
mkdir -p "$WORK/pg_wal_fetch/pg_wal"
cp "$WORK/seg2" "$WORK/pg_wal_fetch/pg_wal/$SEG2"
own_by_pg "$WORK/pg_wal_fetch"
wale --terse wal-push "$WORK/pg_wal_fetch/pg_wal/$SEG2" || fail "wal-push $SEG2"
OBJ=$(ls "$ARCHIVE/wal_005/$SEG2".*)
mv "$OBJ" "$WORK/seg2.obj"
mkfifo "$OBJ"
own_by_pg "$OBJ"
# stop_fetch_mid_transfer SIGNAL CODE: a wal-fetch reading the FIFO, stopped
# by SIGNAL: exit CODE, one line, nothing left beside %p.
stop_fetch_mid_transfer() {
  local sig=$1 code=$2
  ( head -c 4000000 "$WORK/seg2.obj"; sleep 20 ) >"$OBJ" &
  FEEDER=$!
  run_bg "$WORK/wf.out" "$WORK/wf.err" --terse wal-fetch --prefetch 0 "$SEG2" "$WORK/pg_wal_fetch/pg_wal/RECOVERYXLOG"
  sleep 1
  kill -"${sig#SIG}" "$PID"
  RC=0; wait "$JOB" || RC=$?
  kill "$FEEDER" 2>/dev/null || true; wait "$FEEDER" 2>/dev/null || true
  expect_one_line_143 "$WORK/wf.err" "wal-fetch ($sig)" "$sig" "$code"
  [ -z "$(ls -A "$WORK/pg_wal_fetch/pg_wal" | grep RECOVERYXLOG)" ] || { ls -la "$WORK/pg_wal_fetch/pg_wal"; fail "wal-fetch left a file beside %p after $sig"; }
}
stop_fetch_mid_transfer SIGTERM 143
pass "wal-fetch stopped by SIGTERM mid-transfer: exit 143 (stops recovery), one line, nothing beside %p"
# PostgreSQL's immediate shutdown sends SIGQUIT to restore_command: the same
# clean stop, and no temporary left beside %p for a later sweep.
stop_fetch_mid_transfer SIGQUIT 131
pass "wal-fetch stopped by SIGQUIT mid-transfer: exit 131 (stops recovery), one line, nothing beside %p"

# SIGKILL cannot clean up: the temporary beside %p stays, and the next
# wal-fetch removes it once stale (its process is gone).
( head -c 4000000 "$WORK/seg2.obj"; sleep 20 ) >"$OBJ" &
FEEDER=$!
run_bg "$WORK/wf.out" "$WORK/wf.err" --terse wal-fetch --prefetch 0 "$SEG2" "$WORK/pg_wal_fetch/pg_wal/RECOVERYXLOG"
sleep 1
kill -KILL "$PID"
wait "$JOB" || true
kill "$FEEDER" 2>/dev/null || true; wait "$FEEDER" 2>/dev/null || true
LEFT=$(find "$WORK/pg_wal_fetch/pg_wal" -name ".RECOVERYXLOG.tmp.$PID.*")
[ -n "$LEFT" ] || fail "SIGKILLed wal-fetch left no temporary: the sweep below tests nothing"
touch -d '2 minutes ago' "$LEFT"
rm -f "$OBJ"; mv "$WORK/seg2.obj" "$OBJ"
wale --terse wal-fetch --prefetch 0 "$SEG2" "$WORK/pg_wal_fetch/pg_wal/RECOVERYXLOG" || fail "wal-fetch after a killed one"
cmp -s "$WORK/seg2" "$WORK/pg_wal_fetch/pg_wal/RECOVERYXLOG" || fail "wal-fetch restored different bytes"
[ ! -e "$LEFT" ] || fail "the next wal-fetch did not remove the killed one's stale temporary"
pass "a SIGKILLed wal-fetch's temporary beside %p is removed by the next wal-fetch"

# Likewise a SIGKILLed wal-push's temporary in the archive: delete --confirm sweeps it.
( head -c 3000000 /dev/urandom; sleep 20 ) >"$WORK/pg_wal_fifo/$SEG" &
FEEDER=$!
run_bg "$WORK/push.out" "$WORK/push.err" --terse wal-push "$WORK/pg_wal_fifo/$SEG"
sleep 1
kill -KILL "$PID"
wait "$JOB" || true
kill "$FEEDER" 2>/dev/null || true; wait "$FEEDER" 2>/dev/null || true
LEFT=$(find "$ARCHIVE" -name ".*.tmp.$PID.*")
[ -n "$LEFT" ] || fail "SIGKILLed wal-push left no temporary: the sweep below tests nothing"
touch -d '2 minutes ago' "$LEFT"
wale --terse delete --confirm retain 100 >/dev/null 2>"$WORK/delete.err" || { cat "$WORK/delete.err"; fail "delete"; }
[ ! -e "$LEFT" ] || fail "delete --confirm did not remove a killed wal-push's stale temporary"
pass "a SIGKILLed wal-push's temporary in the archive is removed by delete --confirm"

# --- backup-push, SIGTERM while partitions are written: exit 143, one line,
# no temporary file, no sentinel; the server is out of backup mode (a new
# backup-push works).
SENTINELS=$(ls "$ARCHIVE"/basebackups_005/*_backup_stop_sentinel.json | wc -l)
as_pg perl -e 'open(my $f, ">", shift) or die; print $f $$; close $f; exec @ARGV or die' "$WORK/pid" \
  env PGHOST="$SOCK" PGPORT=5581 "$WALE" --envdir "$ENVDIR" --terse backup-push --cluster-read-rate-limit 10000000 "$PRIMARY" \
  >"$WORK/bp.out" 2>"$WORK/bp.err" &
JOB=$!
sleep 2
PID=$(cat "$WORK/pid")
kill -TERM "$PID"
RC=0; wait "$JOB" || RC=$?
expect_one_line_143 "$WORK/bp.err" "backup-push"
no_temps_of "$PID" "$ARCHIVE"
[ "$(ls "$ARCHIVE"/basebackups_005/*_backup_stop_sentinel.json | wc -l)" = "$SENTINELS" ] \
  || fail "an interrupted backup-push wrote a sentinel"
[ "$(psql_at 5581 "select count(*) from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()")" = 0 ] \
  || fail "the interrupted backup-push's session is still connected"
wale_at 5581 backup-push "$PRIMARY" >/dev/null 2>"$WORK/push.err" || { cat "$WORK/push.err"; fail "backup-push after an interrupted one"; }
pass "backup-push stopped by SIGTERM: exit 143, one line, no temporary file, no sentinel"

# --- backup-push blocked in a query (its server backend is stopped, as a
# long checkpoint or a hung server would hold it): SIGTERM still ends it at
# once (the query is cancelled) instead of waiting for the server. The
# backend is stopped while the partitions upload (the session is idle), so
# the next query, pg_backup_stop, blocks.
BEFORE=$(ls "$ARCHIVE/basebackups_005" | wc -l)
rm -f "$WORK/pid"
as_pg perl -e 'open(my $f, ">", shift) or die; print $f $$; close $f; exec @ARGV or die' "$WORK/pid" \
  env PGHOST="$SOCK" PGPORT=5581 "$WALE" --envdir "$ENVDIR" --terse backup-push --cluster-read-rate-limit 20000000 \
  "$PRIMARY" >"$WORK/bp.out" 2>"$WORK/bp.err" &
JOB=$!
threads() { awk '/^Threads:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
for _ in $(seq 1 300); do [ "$(ls "$ARCHIVE/basebackups_005" | wc -l)" -gt "$BEFORE" ] && break; sleep 0.02; done
PID=$(cat "$WORK/pid")
for _ in $(seq 1 300); do [ "$(threads "$PID")" -gt 1 ] && break; sleep 0.02; done  # uploading
BACKEND=$(psql_at 5581 "select pid from pg_stat_activity where application_name = 'wal-e'")
[ -n "$BACKEND" ] || fail "backup-push's session is not there"
[ "$(threads "$PID")" -gt 1 ] || fail "backup-push finished uploading before the test could stop its session"
kill -STOP "$BACKEND"
for _ in $(seq 1 500); do [ "$(threads "$PID")" = 1 ] && break; sleep 0.02; done  # uploads done: in pg_backup_stop
sleep 0.5
kill -0 "$PID" 2>/dev/null || { kill -CONT "$BACKEND"; cat "$WORK/bp.err"; fail "backup-push ended although its server is stopped"; }
kill -TERM "$PID"
for _ in $(seq 1 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$PID" 2>/dev/null; then
  kill -CONT "$BACKEND"; kill -KILL "$PID"; wait "$JOB" || true
  fail "backup-push waiting for the server ignored SIGTERM for 5 s"
fi
kill -CONT "$BACKEND"
RC=0; wait "$JOB" || RC=$?
expect_one_line_143 "$WORK/bp.err" "backup-push blocked in a query"
[ "$(ls "$ARCHIVE"/basebackups_005/*_backup_stop_sentinel.json | wc -l)" = "$((SENTINELS + 1))" ] \
  || fail "a backup-push stopped in pg_backup_stop wrote a sentinel"
pass "backup-push blocked in a query: SIGTERM cancels it, exit 143 within a second, no sentinel"

# --- backup-push waiting for its stop WAL file to be archived (archive_command
# broken): SIGTERM ends the wait at once, not at WALE_ARCHIVE_TIMEOUT (60 s).
psql_at 5581 "alter system set archive_command = 'false'" >/dev/null
psql_at 5581 "select pg_reload_conf()" >/dev/null
rm -f "$WORK/pid"
as_pg perl -e 'open(my $f, ">", shift) or die; print $f $$; close $f; exec @ARGV or die' "$WORK/pid" \
  env PGHOST="$SOCK" PGPORT=5581 "$WALE" --envdir "$ENVDIR" --terse backup-push "$PRIMARY" \
  >"$WORK/bp.out" 2>"$WORK/bp.err" &
JOB=$!
for _ in $(seq 1 200); do [ -s "$WORK/pid" ] && break; sleep 0.01; done
PID=$(cat "$WORK/pid")
for _ in $(seq 1 500); do [ "$(threads "$PID")" -gt 1 ] && break; sleep 0.02; done  # uploading
for _ in $(seq 1 1500); do [ "$(threads "$PID")" = 1 ] && break; sleep 0.02; done  # uploads done
sleep 1.5  # pg_backup_stop and the last partition: now in the archive wait
kill -0 "$PID" 2>/dev/null || { cat "$WORK/bp.err"; fail "backup-push ended before waiting for the archive"; }
kill -TERM "$PID"
for _ in $(seq 1 30); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID"; wait "$JOB" || true; fail "backup-push waiting for the archive ignored SIGTERM for 3 s"; fi
RC=0; wait "$JOB" || RC=$?
expect_one_line_143 "$WORK/bp.err" "backup-push waiting for the archive"
psql_at 5581 "alter system reset archive_command" >/dev/null
psql_at 5581 "select pg_reload_conf()" >/dev/null
pass "backup-push waiting for the archive: SIGTERM ends the wait at once"

# An uncompressed backup is checked against its manifest before pg_control is
# renamed into place: the check must find pg_control under its temporary name.
echo none >"$ENVDIR/WALE_COMPRESSION"
PLAIN=$(wale_at 5581 backup-push "$PRIMARY" 2>"$WORK/push.err") || { cat "$WORK/push.err"; fail "uncompressed backup-push"; }
rm -f "$ENVDIR/WALE_COMPRESSION"
wale --terse backup-fetch "$WORK/plain" "$PLAIN" 2>"$WORK/fetch.err" || { cat "$WORK/fetch.err"; fail "uncompressed backup-fetch"; }
[ -s "$WORK/plain/global/pg_control" ] || fail "uncompressed restore has no global/pg_control"
[ -z "$(find "$WORK/plain" -name '.*wal-e*')" ] || fail "uncompressed restore left wal-e's temporary names behind"
pass "an uncompressed restore passes its manifest check with pg_control written last"

# The sweeps that run on their own: wal-push (at most hourly, per wal_005/'s
# stamp) and backup-push (its basebackups_005/) remove temporaries that killed
# processes left there long ago; a live process's temporary is never touched.
SOME_BACKUP=$(ls -d "$ARCHIVE"/basebackups_005/base_*/ | head -n 1)
OLD_WAL="$ARCHIVE/wal_005/.000000010000000000000077.zst.tmp.99999999.0.0123abcd"
OLD_PART="${SOME_BACKUP}.part_00000099.tar.zst.tmp.99999999.1.0123abce"
for f in "$OLD_WAL" "$OLD_PART"; do echo stale >"$f"; touch -d '2 hours ago' "$f"; own_by_pg "$f"; done
rm -f "$ARCHIVE/wal_005/.wal-e-swept"  # the hourly throttle's stamp: let the next wal-push sweep
psql_at 5581 "create table sweep_probe(i int)" >/dev/null  # new WAL, so that a segment is pushed
archive_current_wal 5581
[ ! -e "$OLD_WAL" ] || fail "wal-push did not sweep a stale temporary from wal_005/"
wale_at 5581 backup-push "$PRIMARY" >/dev/null 2>"$WORK/push.err" || { cat "$WORK/push.err"; fail "backup-push"; }
[ ! -e "$OLD_PART" ] || fail "backup-push did not sweep a stale temporary from basebackups_005/"
pass "wal-push and backup-push sweep temporaries that killed processes left"
