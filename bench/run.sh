#!/usr/bin/env bash
# wal-e vs pgBackRest vs the machine's limits, on one machine, in one run (issue 11, items 5 and 7).
#
#   nice -n 19 bash bench/run.sh                   # pgbench scale 100 + 512 MiB random bytea, 3 reps
#   nice -n 19 bash bench/run.sh --quick           # pgbench scale 8 + 80 MiB random
#   nice -n 19 bash bench/run.sh --s3              # + S3 rows against a local Ceph radosgw over TLS
#   nice -n 19 bash bench/run.sh --scale 10000     # + scale rows: 10,000 one-row tables (repeatable)
#   nice -n 19 bash bench/run.sh --big-table-gb 10 # + the big-table row: one 10 GiB table
#
# Options (environment variables in brackets; options win):
#   --reps N            repetitions of every measurement, interleaved A B A B ... [BENCH_REPS, 3]
#   --quick             small dataset                                             [BENCH_QUICK=1]
#   --pgbench-scale N   pgbench scale factor (1 ~ 15 MB)                  [BENCH_SCALE, 100; quick 8]
#   --random-mb N       MiB of poorly compressible bytea                   [BENCH_RANDOM_MB, 512; quick 80]
#   --wal-segs N        WAL segments pushed and fetched                    [BENCH_WAL_SEGS, 64]
#   --pool N            wal-e --pool-size / pgBackRest process-max         [BENCH_POOL, 2]
#   --startup-runs N    hyperfine runs per start-up measurement            [BENCH_STARTUP_RUNS, 200]
#   --s3                add the S3 rows (radosgw from scripts/s3/start-radosgw.sh, TLS; its ports
#                       start at WALE_S3_TEST_PORT_BASE, default 4640)      [BENCH_S3=1]
#   --scale N           add scale rows for N more one-row tables (~N relation files); repeat the
#                       option for several sizes (cumulative: --scale 10000 --scale 100000)
#   --big-table-gb N    add the big-table row, last: one table of about N GiB (N segment files of
#                       1 GiB; orders-like rows from bench/big_table_rows.py, lz4 -1 ratio ~2)
#                       backed up and restored by both tools; refused at the start when the
#                       workdir's free space is short of what it needs (about 3.2 N GiB plus 4x
#                       the rest of the data; the line says how much)      [BENCH_BIG_TABLE_GB, 0: off]
#   --wale-bin PATH     use this wal-e binary instead of building build-bench [BENCH_WALE_BIN;
#                       BENCH_NO_BUILD=1: build-bench/src/app/wal-e as it is]
#   --out FILE          markdown written here; FILE minus .md + .tsv/.json next to it
#                                                      [BENCH_OUT, bench/results/<mode>-<date>.md]
#   --workdir DIR       parent of the scratch directory (~6x the data size)  [BENCH_WORKDIR, /var/tmp]
#   --keep              keep the scratch directory                           [BENCH_KEEP=1]
#
# Method (docs/performance.md): every row runs its variants (wal-e, pgBackRest, the machine's
# floor or the server's ceiling) once per repetition, one after the other, repetition after
# repetition (A B C A B C ...), so that the background load of a shared machine hits all of them
# alike. Each repetition gives a ratio (other time / wal-e time, > 1: wal-e faster); the table
# shows the median ratio and its spread (min..max), the load average before and after the row,
# and the machine. Outputs: the markdown table (ready for docs/performance.md), a TSV of every
# timed run and a JSON summary. Peak RSS: GNU time's maxrss, i.e. of the largest single process
# (pgBackRest runs worker processes; wal-e is one process with threads).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CMDLINE="bench/run.sh${*:+ $*}"

QUICK=${BENCH_QUICK:-0}
REPS=${BENCH_REPS:-3}
S3=${BENCH_S3:-0}
SCALES=()
BIG_GB=${BENCH_BIG_TABLE_GB:-0}
SCALE=${BENCH_SCALE:-}; RANDOM_MB=${BENCH_RANDOM_MB:-}
POOL=${BENCH_POOL:-2}
NSEG=${BENCH_WAL_SEGS:-64}
STARTUP_RUNS=${BENCH_STARTUP_RUNS:-200}
WALE_SRC_BIN=${BENCH_WALE_BIN:-}
[ "${BENCH_NO_BUILD:-0}" = 1 ] && WALE_SRC_BIN=${WALE_SRC_BIN:-$ROOT/build-bench/src/app/wal-e}   # old spelling
OUT=${BENCH_OUT:-}
WORKDIR_PARENT=${BENCH_WORKDIR:-/var/tmp}
KEEP=${BENCH_KEEP:-0}
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case $1 in
    --reps) REPS=$2; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --pgbench-scale) SCALE=$2; shift 2 ;;
    --random-mb) RANDOM_MB=$2; shift 2 ;;
    --wal-segs) NSEG=$2; shift 2 ;;
    --pool) POOL=$2; shift 2 ;;
    --startup-runs) STARTUP_RUNS=$2; shift 2 ;;
    --s3) S3=1; shift ;;
    --scale) SCALES+=("$2"); shift 2 ;;
    --big-table-gb) BIG_GB=$2; shift 2 ;;
    --wale-bin) WALE_SRC_BIN=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --workdir) WORKDIR_PARENT=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage 0 ;;
    *) echo "bench/run.sh: unknown option $1" >&2; usage 2 >&2 ;;
  esac
done
for v in REPS NSEG POOL STARTUP_RUNS ${SCALE:+SCALE} ${RANDOM_MB:+RANDOM_MB}; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "bench/run.sh: $v must be a positive integer" >&2; exit 2; }
done
for n in "${SCALES[@]}"; do [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "bench/run.sh: --scale needs a count" >&2; exit 2; }; done
[[ $BIG_GB =~ ^(0|[1-9][0-9]*)$ ]] || { echo "bench/run.sh: --big-table-gb needs a whole number of GiB (0: no big-table row)" >&2; exit 2; }
if [ "$QUICK" = 1 ]; then MODE=quick; SCALE=${SCALE:-8}; RANDOM_MB=${RANDOM_MB:-80}
else MODE=full; SCALE=${SCALE:-100}; RANDOM_MB=${RANDOM_MB:-512}; fi
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${OUT:-$ROOT/bench/results/$MODE-$STAMP.md}
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac
STEP_TIMEOUT=${BENCH_STEP_TIMEOUT:-3600}   # seconds, per timed command or loop
SEG_BYTES=16777216
cd "$ROOT"

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

# The big-table row's disk (--big-table-gb). It runs last, when the other rows' scratch is gone
# and both repositories are emptied; at its peak the disk holds the data directory with the
# table, one backup per tool (the previous one is deleted before each backup-push), one restore
# target and the WAL. big_table_disk_check OTHER_DATA ON_DISK WAL_AND_SLACK FREE WHERE: OTHER_DATA
# is the data directory without the table and pg_wal (ON_DISK=1: already on the disk, not part
# of what is still needed); each repository is counted as all of it plus 0.6 of the table (its
# lz4 ratio is about 2); refuses with one line when FREE is short.
gib() { awk -v b="$1" 'BEGIN{printf "%.1f", b/1073741824}'; }
big_table_disk_check() {
  local other=$1 on_disk=$2 wal=$3 free=$4 where=$5 table=$((BIG_GB << 30))
  local repos=$(( 2 * (other + table * 6 / 10) )) restore=$((other + table))
  local need=$(( table + repos + restore + wal )) what
  what="table $(gib "$table"), two repositories $(gib "$repos"), one restore $(gib "$restore"), WAL and slack $(gib "$wal") GiB"
  if [ "$on_disk" = 0 ]; then need=$((need + other)); what="$what, the rest of the data $(gib "$other") GiB"; fi
  [ "$need" -le "$free" ] \
    || die "--big-table-gb $BIG_GB needs about $(gib "$need") GiB free in $where ($what); $(gib "$free") GiB free: a smaller --big-table-gb, another --workdir, or no big-table row"
  log "big-table row: needs about $(gib "$need") GiB in $where ($what); $(gib "$free") GiB free"
}
if [ "$BIG_GB" -gt 0 ]; then
  # before anything is installed or loaded: the data directory estimated from the dataset
  # options (pgbench ~16 MiB per scale unit, random bytea ~2.3x as stored, ~12 KiB per one-row
  # table), WAL and slack 3 GiB
  big_other=$(( (64 + 16 * SCALE + 23 * RANDOM_MB / 10) << 20 ))
  for n in "${SCALES[@]}"; do big_other=$(( big_other + n * 12288 )); done
  big_free=$(df -B1 --output=avail "$WORKDIR_PARENT" 2>/dev/null | tail -n 1) || die "--workdir $WORKDIR_PARENT: no such file system"
  big_table_disk_check "$big_other" 0 $((3 << 30)) "$big_free" "$WORKDIR_PARENT"
fi

[ "$(id -u)" = 0 ] || die "run as root (it installs packages and runs PostgreSQL as postgres)"

# ---------------------------------------------------------------- install + build
need=()
for p in pgbackrest hyperfine time lz4 zstd python3 curl tar; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  log "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }
fi
if [ -z "$WALE_SRC_BIN" ]; then
  log "building wal-e (scripts/build.sh build-bench)"
  bash scripts/build.sh build-bench >&2
  WALE_SRC_BIN=$ROOT/build-bench/src/app/wal-e
fi
[ -x "$WALE_SRC_BIN" ] || die "no wal-e binary at $WALE_SRC_BIN"
id postgres >/dev/null 2>&1 || die "no postgres user (install postgresql-15: scripts/install-deps.sh)"
PG_BIN=$(pg_config --bindir)
[ -x "$PG_BIN/initdb" ] || die "no initdb in $PG_BIN"
GTIME=/usr/bin/time

# ---------------------------------------------------------------- scratch + cleanup
WORK=$(mktemp -d "$WORKDIR_PARENT/wale-bench.XXXXXX")
chmod 755 "$WORK"
PGDATA=$WORK/pg
SOCK=$WORK/sock
PORT=${BENCH_PORT:-55432}
mkdir -p "$SOCK" "$WORK/bin" "$WORK/env" "$WORK/t" "$WORK/wale-archive" "$WORK/pgbr-repo" \
  "$WORK/pgbr-spool" "$WORK/pgbr-log" "$WORK/pgbr-lock"
bash "$ROOT/scripts/copy-wal-e.sh" "$WALE_SRC_BIN" "$WORK"   # with its plugins (app/plugin.h)
WALE=$WORK/bin/wal-e
ENVDIR=$WORK/env
echo "file://localhost$WORK/wale-archive" >"$ENVDIR/WALE_FILE_PREFIX"
echo lz4 >"$ENVDIR/WALE_COMPRESSION"
chown -R postgres:postgres "$WORK"
cd "$WORK"   # postgres cannot read the source tree's directory
RGW_DIR=$WORK/rgw

cleanup() {
  local rc=$?
  set +e
  [ -n "${RESIDENT_PID:-}" ] && kill -TERM "$RESIDENT_PID" 2>/dev/null
  if [ -f "$PGDATA/postmaster.pid" ]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1
  fi
  [ -f "$RGW_DIR/env" ] && bash "$ROOT/scripts/s3/stop-radosgw.sh" "$RGW_DIR" >&2
  # background helpers (pgBackRest's async processes, wal-e's detached prefetchers) finish
  # within seconds; give them a moment before the directory disappears
  sleep 2
  if [ $rc -ne 0 ]; then
    log "failed (exit $rc); server log tail:"
    tail -n 30 "$WORK/pg.log" 2>/dev/null >&2
    for f in "$WORK"/pgbr-log/*.log; do [ -f "$f" ] && { echo "== $f" >&2; tail -n 15 "$f" >&2; }; done
  fi
  if [ "$KEEP" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

as_pg() { runuser -u postgres -- "$@"; }
psql_q() { as_pg "$PG_BIN/psql" -X -q -h "$SOCK" -p "$PORT" -d postgres -v ON_ERROR_STOP=1 -Atc "$1"; }

# ---------------------------------------------------------------- measurement records
MEAS=$WORK/measurements.tsv   # row variant rep seconds maxrss_kib call_median_ms load_before load_after
COMP=$WORK/comparisons.tsv    # row label wale_variant other_variant other_label target
: >"$MEAS"; : >"$COMP"
load1() { cut -d' ' -f1 /proc/loadavg; }
record() { local IFS=$'\t'; echo "$*" >>"$MEAS"; }
comparison() { local IFS=$'\t'; echo "$*" >>"$COMP"; }
# calls_s FILE: the sum of the microsecond latencies in FILE, in seconds (the time spent inside the calls)
calls_s() { awk '{s += $1} END{printf "%.3f", s / 1e6}' "$1"; }
# median_ms FILE SKIP: median of the microsecond latencies in FILE after the first SKIP lines, in ms
median_ms() {
  tail -n +"$(( $2 + 1 ))" "$1" | sort -n | awk '{a[NR]=$1} END{ if (NR == 0) { print "-"; exit }
    m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1000}'
}
# Waits (untimed) until no process of this run is left but the PostgreSQL server (and the
# resident wal-push-server of the archive-module variant, RESIDENT_PID): wal-e's detached
# push-ahead/prefetch workers, pgBackRest's async processes, archive_command calls.
settle() {
  local pm; pm=$(head -n 1 "$PGDATA/postmaster.pid" 2>/dev/null || echo 0)
  local i
  for ((i = 0; i < 120; i++)); do
    if ! pgrep -u postgres -f -- "$WORK/(bin|env|pgb)" 2>/dev/null | grep -qvx -e "$pm" -e "${RESIDENT_PID:-0}"; then
      [ $i -lt 8 ] || log "  (waited $((i / 4)) s for helpers of the previous run to exit)"
      return 0
    fi
    sleep 0.25
  done
  log "warning: helpers of the previous run still running after 30 s"
}
# timed ROW VARIANT REP CMD...: runs CMD as postgres (wall time of the call; GNU time for peak
# RSS); a latency file $WORK/t/ROW.VARIANT.REP.lat (µs per call) gives the per-call median,
# skipping the first CALL_SKIP calls. With RESIDENT_PID set, the peak RSS recorded is that
# process's VmHWM (a resident server doing the work for CMD, the client) instead of CMD's.
timed() {
  local row=$1 var=$2 rep=$3; shift 3
  local tag=$row.$var.$rep lb la t0 t1 sec rss call=-
  settle
  lb=$(load1)
  log "run $tag"
  t0=${EPOCHREALTIME/./}
  if ! as_pg timeout "$STEP_TIMEOUT" "$GTIME" -f '%M' -o "$WORK/t/$tag.time" "$@" >"$WORK/t/$tag.out" 2>"$WORK/t/$tag.err"; then
    tail -n 20 "$WORK/t/$tag.err" >&2
    die "$tag failed"
  fi
  t1=${EPOCHREALTIME/./}
  la=$(load1)
  sec=$(awk -v d=$((t1 - t0)) 'BEGIN{printf "%.3f", d/1e6}')
  rss=$(tail -n 1 "$WORK/t/$tag.time")
  if [ -n "${RESIDENT_PID:-}" ]; then
    rss=$(awk '/^VmHWM:/{print $2}' "/proc/$RESIDENT_PID/status" 2>/dev/null) || true
    [ -n "$rss" ] || die "$tag: the resident process $RESIDENT_PID is gone"
  fi
  [ -f "$WORK/t/$tag.lat" ] && call=$(median_ms "$WORK/t/$tag.lat" "${CALL_SKIP:-0}")
  record "$row" "$var" "$rep" "$sec" "$rss" "$call" "$lb" "$la"
  # VARIANT+calls: the same run timed by the sum of its calls only, without the loop's own work
  # between them (the check of each fetched file, the .ready renames)
  [ -f "$WORK/t/$tag.lat" ] && record "$row" "$var+calls" "$rep" "$(calls_s "$WORK/t/$tag.lat")" "$rss" "$call" "$lb" "$la"
  log "  $tag: $sec s, maxrss $rss KiB, median call $call ms"
}
# interleave ROW FN...: for each repetition, FN ROW REP for every FN in turn (A B A B ...)
interleave() {
  local row=$1 rep fn; shift
  for ((rep = 1; rep <= REPS; rep++)); do
    for fn in "$@"; do settle; "$fn" "$row" "$rep"; done
  done
}

log "initdb $PGDATA (port $PORT, socket $SOCK)"
as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --no-locale >"$WORK/initdb.log" 2>&1 \
  || { cat "$WORK/initdb.log"; die initdb; }
cat >>"$PGDATA/postgresql.conf" <<CONF
port = $PORT
listen_addresses = ''
unix_socket_directories = '$SOCK'
wal_level = replica
archive_mode = off
max_wal_senders = 2
fsync = off
synchronous_commit = off
shared_buffers = 256MB
max_wal_size = 8GB
min_wal_size = 1GB
checkpoint_timeout = 1h
CONF
pg_start() { as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$WORK/pg.log" -w -t 300 start >/dev/null || die "start"; }
pg_restart() { as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$WORK/pg.log" -w -t 300 restart -m fast >/dev/null || die "restart"; }
pg_start

log "loading pgbench scale $SCALE and $RANDOM_MB MiB of random bytea"
as_pg "$PG_BIN/pgbench" -q -i -s "$SCALE" -h "$SOCK" -p "$PORT" postgres >"$WORK/pgbench.log" 2>&1 \
  || { cat "$WORK/pgbench.log"; die pgbench; }
psql_q "create extension if not exists pgcrypto"
psql_q "create table noise (id int primary key, b bytea); alter table noise alter b set storage external"
rows=$((RANDOM_MB * 1024))   # 1 KiB per row
step=262144
for ((lo = 1; lo <= rows; lo += step)); do
  hi=$((lo + step - 1)); [ $hi -le $rows ] || hi=$rows
  psql_q "insert into noise select g, gen_random_bytes(1024) from generate_series($lo, $hi) g"
done
psql_q "vacuum analyze"

# WAL for the wal-push/wal-fetch rows: real WAL of UPDATEs on pgbench_accounts (heap and index
# records, full-page images), generated with archive_mode off and copied aside so that both tools
# push byte-identical segments.
log "generating $NSEG WAL segments"
psql_q "checkpoint"
start_lsn=$(psql_q "select pg_current_wal_lsn()")
need_bytes=$(( (NSEG + 2) * SEG_BYTES ))
k=0
while :; do
  done_bytes=$(psql_q "select (pg_current_wal_lsn() - '$start_lsn'::pg_lsn)::bigint")
  [ "$done_bytes" -ge "$need_bytes" ] && break
  psql_q "update pgbench_accounts set abalance = abalance + 1 where aid % 4 = $((k % 4))"
  k=$((k + 1))
  [ $k -lt 2000 ] || die "could not generate WAL"
done
mapfile -t SEGS < <(psql_q "select pg_walfile_name('$start_lsn'::pg_lsn + (i * $SEG_BYTES)::numeric) from generate_series(1, $NSEG) i")
mkdir -p "$WORK/walsrc"
for s in "${SEGS[@]}"; do cp "$PGDATA/pg_wal/$s" "$WORK/walsrc/$s"; done
chown -R postgres:postgres "$WORK/walsrc"
WAL_BYTES=$(( NSEG * SEG_BYTES ))
log "segments ${SEGS[0]} .. ${SEGS[-1]}"


# Archiving on (both tools need it for their backups); archive_command is switched per tool.
cat >>"$PGDATA/postgresql.conf" <<CONF
archive_mode = on
archive_command = '$WALE --terse --envdir $ENVDIR wal-push %p'
CONF
pg_restart
psql_q "checkpoint"
psql_q "select pg_switch_wal()" >/dev/null

# pgbr_conf FILE REPO-LINES...: a pgBackRest configuration for stanza "bench" on this cluster
pgbr_conf() {
  local f=$1; shift
  { echo "[global]"; printf '%s\n' "$@"
    cat <<CONF
repo1-retention-full=100
compress-type=lz4
process-max=$POOL
start-fast=y
log-path=$WORK/pgbr-log
lock-path=$WORK/pgbr-lock
spool-path=$WORK/pgbr-spool
log-level-console=warn
archive-timeout=300

[bench]
pg1-path=$PGDATA
pg1-socket-path=$SOCK
pg1-port=$PORT
CONF
  } >"$f"
  chown postgres:postgres "$f"
}
PGBR_CONF=$WORK/pgbackrest.conf
pgbr_conf "$PGBR_CONF" "repo1-path=$WORK/pgbr-repo"

set_archive_command() {
  psql_q "alter system set archive_command = '$1'"
  psql_q "select pg_reload_conf()" >/dev/null
  sleep 1
}
# Waits until the archiver has nothing left to push (no .ready files).
archiver_idle() {
  for _ in $(seq 1 600); do
    ls "$PGDATA"/pg_wal/archive_status/*.ready >/dev/null 2>&1 || return 0
    sleep 0.5
  done
  die "archiver did not catch up"
}
archiver_idle
DATA_BYTES=$(du -sb --exclude=pg_wal "$PGDATA" | cut -f1)
log "data directory: $DATA_BYTES bytes without pg_wal"
WALE_ARCHIVE_CMD="$WALE --terse --envdir $ENVDIR wal-push %p"
PGBR_ARCHIVE_CMD="pgbackrest --config=$PGBR_CONF --stanza=bench archive-push %p"
as_pg pgbackrest --config="$PGBR_CONF" --stanza=bench stanza-create >"$WORK/t/stanza.out" 2>&1 \
  || { cat "$WORK/t/stanza.out"; die stanza-create; }
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- variants
# Each variant is a function VARIANT ROW REP: untimed preparation, then one `timed` call.
# The store it talks to comes from these globals (switched for the S3 rows):
#   V_ENVDIR (wal-e --envdir), V_PGBR_CONF (pgBackRest --config), V_TAG (suffix of row names)
V_ENVDIR=$ENVDIR; V_PGBR_CONF=$PGBR_CONF

# -- start-up: hyperfine -N (no shell), R runs per repetition; the time is the median run.
SU=$WORK/su   # a data directory-like place with one small .history file
mkdir -p "$SU/pg_wal/archive_status" "$SU/global"
cp "$PGDATA/global/pg_control" "$SU/global/"
printf '1\t0/3000000\tno recovery target specified\n' >"$SU/pg_wal/00000002.history"
chown -R postgres:postgres "$SU"
startup() {  # startup ROW REP VARIANT CMD
  local row=$1 rep=$2 var=$3 cmd=$4 lb la med
  settle
  lb=$(load1)
  as_pg hyperfine -N --warmup 10 --runs "$STARTUP_RUNS" --export-json "$WORK/t/$row.$var.$rep.json" "$cmd" \
    >"$WORK/t/$row.$var.$rep.out" 2>&1 || { cat "$WORK/t/$row.$var.$rep.out" >&2; die "hyperfine $cmd"; }
  la=$(load1)
  med=$(python3 -c 'import json,sys; print("%.6f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$WORK/t/$row.$var.$rep.json")
  record "$row" "$var" "$rep" "$med" - - "$lb" "$la"
  log "  $row.$var.$rep: median $med s over $STARTUP_RUNS runs"
}
su_true() { startup "$1" "$2" true /bin/true; }
su_wale_version() { startup "$1" "$2" wale_version "$WALE version"; }
su_pgbr_version() { startup "$1" "$2" pgbr_version "pgbackrest version"; }
su_wale_push() { startup "$1" "$2" wale_push "$WALE --terse --envdir $ENVDIR wal-push $SU/pg_wal/00000002.history"; }
su_wale_fetch() { startup "$1" "$2" wale_fetch "$WALE --terse --envdir $ENVDIR wal-fetch 00000002.history $SU/pg_wal/RECOVERYHISTORY"; }

# -- backup-push
v_bp_wale() {
  set_archive_command "$WALE --terse --envdir $V_ENVDIR wal-push %p"
  psql_q "checkpoint"
  timed "$1" wale "$2" env PGHOST="$SOCK" PGPORT="$PORT" "$WALE" --terse --envdir "$V_ENVDIR" backup-push --pool-size "$POOL" "$PGDATA"
  archiver_idle
}
v_bp_pgbr() {
  set_archive_command "pgbackrest --config=$V_PGBR_CONF --stanza=bench archive-push %p"
  psql_q "checkpoint"
  timed "$1" pgbr "$2" pgbackrest --config="$V_PGBR_CONF" --stanza=bench backup --type=full
  archiver_idle
}

# -- backup-fetch (LATEST), and the floor: GNU tar extraction of an uncompressed tar + one sync
RESTORE=$WORK/restore
fresh_restore_dir() { rm -rf "$RESTORE"; mkdir -p "$RESTORE"; chmod 700 "$RESTORE"; chown postgres:postgres "$RESTORE"; }
# The restored copy of the big random relation (CHECK_TABLE: another table), every 1 GiB
# segment file of it, must be byte-identical (checked once per tool).
check_restore() {
  [ "$2" = 1 ] || return 0
  local rel f; rel=$(psql_q "select pg_relation_filepath('${CHECK_TABLE:-noise}')")
  for f in "$PGDATA/$rel" "$PGDATA/$rel".[0-9]*; do
    [ -e "$f" ] || continue
    cmp -s "$f" "$RESTORE/${f#"$PGDATA"/}" || die "$1: restored ${f#"$PGDATA"/} differs"
  done
}
v_bf_wale() {
  rm -rf "$RESTORE"
  timed "$1" wale "$2" "$WALE" --terse --envdir "$V_ENVDIR" backup-fetch --pool-size "$POOL" "$RESTORE" LATEST
  check_restore "$1.wale" "$2"
}
v_bf_pgbr() {
  fresh_restore_dir
  timed "$1" pgbr "$2" pgbackrest --config="$V_PGBR_CONF" --stanza=bench --pg1-path="$RESTORE" restore
  check_restore "$1.pgbr" "$2"
}
FLOOR_TAR=$WORK/floor.tar
v_bf_floor() {
  fresh_restore_dir
  timed "$1" floor "$2" bash -c "tar -xf '$FLOOR_TAR' -C '$RESTORE' && sync"
  check_restore "$1.floor" "$2"
}

# -- WAL: a pg_wal-like directory with the segments and archive_status/*.ready files
make_wal_dir() {
  local d=$1 with_ready=$2
  rm -rf "$d"; mkdir -p "$d/pg_wal/archive_status" "$d/global"
  # pgBackRest reads pg_control under pg1-path and wants the WAL directory inside it; wal-e
  # reads PG_VERSION too (the archive's identity), as in every real data directory
  cp "$PGDATA/global/pg_control" "$d/global/"
  cp "$PGDATA/PG_VERSION" "$d/"
  for s in "${SEGS[@]}"; do
    cp "$WORK/walsrc/$s" "$d/pg_wal/$s"
    [ "$with_ready" = 1 ] && : >"$d/pg_wal/archive_status/$s.ready"
  done
  chown -R postgres:postgres "$d"
}
# The per-call loop, run as postgres: each call is `sh -c CMD` like PostgreSQL's system(); after
# each success .ready becomes .done, as the archiver does. Writes one latency (µs) per line.
cat >"$WORK/loop.sh" <<'LOOP'
#!/usr/bin/env bash
# loop.sh DIR LATFILE TEMPLATE SEG...   (TEMPLATE: %s is the segment name)
set -euo pipefail
dir=$1 lat=$2 tmpl=$3; shift 3
cd "$dir"
: >"$lat"
for s in "$@"; do
  cmd=${tmpl//%s/$s}
  # PostgreSQL's RestoreArchivedFile unlinks an existing %p (RECOVERYXLOG) before it runs
  # restore_command; so does this loop, before the clock starts (a no-op for wal-push).
  if [ -n "${CHECK_DEST:-}" ]; then rm -f "$CHECK_DEST"; fi
  t0=${EPOCHREALTIME/./}
  sh -c "$cmd"
  t1=${EPOCHREALTIME/./}
  echo "$(( (t1 - t0) ))" >>"$lat"
  if [ -f pg_wal/archive_status/$s.ready ]; then mv pg_wal/archive_status/$s.ready pg_wal/archive_status/$s.done; fi
  if [ -n "${CHECK_DEST:-}" ]; then cmp -s "$CHECK_DEST" "$CHECK_SRC/$s" || { echo "fetched $s differs" >&2; exit 1; }; fi
done
LOOP
chmod 755 "$WORK/loop.sh"; chown postgres "$WORK/loop.sh"
cp "$ROOT/bench/archive_module_loop.py" "$WORK/archive_module_loop.py"   # readable by postgres
wal_loop() {  # wal_loop ROW VARIANT REP DIR TEMPLATE [CHECK_DEST]
  local row=$1 var=$2 rep=$3 dir=$4 tmpl=$5 check=${6:-}
  timed "$row" "$var" "$rep" env CHECK_DEST="$check" CHECK_SRC="$WORK/walsrc" \
    "$WORK/loop.sh" "$dir" "$WORK/t/$row.$var.$rep.lat" "$tmpl" "${SEGS[@]}"
}
# Where each variant's WAL goes; the S3 rows switch these functions (fresh prefix per rep).
wale_wal_forget() { for s in "${SEGS[@]}"; do rm -f "$WORK/wale-archive/wal_005/$s".*; done; }
pgbr_wal_forget() { for s in "${SEGS[@]}"; do find "$WORK/pgbr-repo/archive" -name "$s-*" -delete; done; }
v_wp_wale() {
  wale_wal_forget "$2"
  make_wal_dir "$WORK/wp" 1
  wal_loop "$1" wale "$2" "$WORK/wp" "$WALE --terse --envdir $(wale_wal_envdir "$2") wal-push --pool-size $POOL pg_wal/%s"
}
v_wp_pgbr() {
  pgbr_wal_forget "$2"
  rm -rf "$WORK/pgbr-spool"/*
  make_wal_dir "$WORK/wp" 1
  wal_loop "$1" pgbr "$2" "$WORK/wp" "pgbackrest --config=$(pgbr_wal_conf "$2") --stanza=bench --pg1-path=$WORK/wp --archive-async archive-push $WORK/wp/pg_wal/%s"
}
# The archive module's path (docs/archive-module.md): one resident `wal-e wal-push-server`,
# started untimed before the run as the module would have started it (in the data directory,
# socket pg_wal/.wal-e/archive.sock), and one socket request per segment by
# bench/archive_module_loop.py playing the archiver (.ready renamed to .done after each OK).
# The time and the per-call latency are the client's; the peak RSS is the server's VmHWM.
# Every segment is checked to be in the archive after the run (the server stopped first).
v_wp_module() {
  local row=$1 rep=$2 d=$WORK/wp-module
  local sock=$d/pg_wal/.wal-e/archive.sock pidf=$WORK/t/$1.module.$2.pid job i
  wale_wal_forget "$rep"
  make_wal_dir "$d" 1
  rm -f "$pidf"
  as_pg bash -c 'echo $$ >"$1"; cd "$2" && exec "$3" --terse --envdir "$4" wal-push-server --pool-size "$5" "$6"' \
    _ "$pidf" "$d" "$WALE" "$(wale_wal_envdir "$rep")" "$POOL" "$sock" 2>"$WORK/t/$row.module.$rep.server.err" &
  job=$!
  for ((i = 0; i < 200; i++)); do [ -S "$sock" ] && break; sleep 0.05; done
  [ -S "$sock" ] && [ -s "$pidf" ] || { cat "$WORK/t/$row.module.$rep.server.err" >&2; die "wal-push-server did not start"; }
  RESIDENT_PID=$(cat "$pidf")
  timed "$row" module "$rep" python3 "$WORK/archive_module_loop.py" "$sock" "$d" "$WORK/t/$row.module.$rep.lat" "${SEGS[@]}"
  kill -TERM "$RESIDENT_PID"
  wait "$job" || true
  RESIDENT_PID=
  local n=0 s
  for s in "${SEGS[@]}"; do ls "$WORK/wale-archive/wal_005/$s".* >/dev/null 2>&1 && n=$((n + 1)); done
  [ $n = "$NSEG" ] || die "$row.module.$rep: wal-e archive holds $n of $NSEG segments after the archive-module run"
}
wale_wal_envdir() { echo "$V_ENVDIR"; }
pgbr_wal_conf() { echo "$V_PGBR_CONF"; }
fetch_dir() { mkdir -p "$1/pg_wal"; chown -R postgres:postgres "$1"; }
# (a new directory per run: a straggling prefetcher of the previous run cannot disturb it)
v_wf_wale() {
  local d=$WORK/wf/$1.wale.$2
  fetch_dir "$d"
  CALL_SKIP=$FETCH_WARM wal_loop "$1" wale "$2" "$d" \
    "$WALE --terse --envdir $(wale_wal_envdir "$REPS") wal-fetch %s pg_wal/RECOVERYXLOG" pg_wal/RECOVERYXLOG
}
v_wf_pgbr() {
  local d=$WORK/wf/$1.pgbr.$2
  fetch_dir "$d"
  CALL_SKIP=$FETCH_WARM wal_loop "$1" pgbr "$2" "$d" \
    "pgbackrest --config=$(pgbr_wal_conf "$REPS") --stanza=bench archive-get %s $d/pg_wal/RECOVERYXLOG" pg_wal/RECOVERYXLOG
}
# The floor of the wal-fetch row: a restore_command that is one `mv` of an already decompressed
# segment, staged (untimed) beside pg_wal as fresh files, like a prefetched one: one process per
# call, no download, no decompression, no check. The loop's own work (the shell, `rm`, and `cmp`
# reading both 16 MiB files 4 KiB at a time) is the same as in the other variants, so no
# restore_command that starts a process per call can beat this by much.
v_wf_floor() {
  local d=$WORK/wf/$1.floor.$2 s
  fetch_dir "$d"
  mkdir -p "$d/stage"
  for s in "${SEGS[@]}"; do cp "$WORK/walsrc/$s" "$d/stage/$s"; done
  chown -R postgres:postgres "$d"
  CALL_SKIP=$FETCH_WARM wal_loop "$1" floor "$2" "$d" "mv $d/stage/%s pg_wal/RECOVERYXLOG" pg_wal/RECOVERYXLOG
}
# wal-fetch's per-call median counts only the calls after the first prefetch window (8)
FETCH_WARM=$(( NSEG > 16 ? 8 : NSEG / 2 ))
# check_pushed: every segment is in both archives after a push row
check_wal_stored() {
  local n=0 s
  for s in "${SEGS[@]}"; do ls "$WORK/wale-archive/wal_005/$s".* >/dev/null 2>&1 && n=$((n + 1)); done
  [ $n = "$NSEG" ] || die "wal-e archive holds $n of $NSEG segments"
  n=0
  for s in "${SEGS[@]}"; do [ -n "$(find "$WORK/pgbr-repo/archive" -name "$s-*" | head -n 1)" ] && n=$((n + 1)); done
  [ $n = "$NSEG" ] || die "pgBackRest archive holds $n of $NSEG segments"
}

# ---------------------------------------------------------------- rows: local directory
log "row: start-up ($STARTUP_RUNS runs per repetition)"
interleave startup su_true su_wale_version su_wale_push su_wale_fetch su_pgbr_version
comparison startup '`wal-e version`: start-up' wale_version true '`/bin/true`' '≥ 0.33 (within 3x)'
comparison startup '`wal-e wal-push` of a .history file (local directory): start-up' wale_push true '`/bin/true`' '≥ 0.33 (within 3x)'
comparison startup '`wal-e wal-fetch` of a .history file (local directory): start-up' wale_fetch true '`/bin/true`' '≥ 0.33 (within 3x)'
comparison startup '`wal-e version`: start-up' wale_version pgbr_version '`pgbackrest version`' 'info'

log "row: backup-push"
interleave backup_push v_bp_wale v_bp_pgbr
set_archive_command "$WALE_ARCHIVE_CMD"
comparison backup_push 'backup-push (lz4)' wale pgbr '`pgbackrest backup --type=full`' '≥ 2'
WALE_BACKUP_BYTES=$(( $(du -sb "$WORK/wale-archive/basebackups_005" | cut -f1) / REPS ))

log "row: backup-fetch (floor: $FLOOR_TAR)"
as_pg tar -cf "$FLOOR_TAR" -C "$PGDATA" --exclude=./pg_wal . || [ $? = 1 ] || die "tar of the data directory"
interleave backup_fetch v_bf_wale v_bf_pgbr v_bf_floor
rm -rf "$RESTORE" "$FLOOR_TAR"
comparison backup_fetch 'backup-fetch LATEST' wale pgbr '`pgbackrest restore`' '≥ 2'
comparison backup_fetch 'backup-fetch LATEST' wale floor 'floor: `tar -xf` of an uncompressed tar of the same files + `sync`' '≥ 0.75'

log "row: wal-push x$NSEG with .ready (and through the archive module)"
# module first in each repetition: it checks its own segments; check_wal_stored then checks
# the last repetition's wal-push (.ready) and archive-push segments
interleave wal_push v_wp_module v_wp_wale v_wp_pgbr
check_wal_stored
rm -rf "$WORK/wp" "$WORK/wp-module"
comparison wal_push "wal-push x$NSEG with .ready (push-ahead)" wale pgbr '`archive-push`, archive-async=y' '≥ 2; median call < 5 ms'
comparison wal_push "wal-push x$NSEG through the archive module (resident wal-push-server; peak RSS: the server's)" module pgbr '`archive-push`, archive-async=y' '≥ 3'

log "row: wal-fetch x$NSEG"
interleave wal_fetch v_wf_wale v_wf_pgbr v_wf_floor
settle; rm -rf "$WORK/wf" || true
comparison wal_fetch "wal-fetch x$NSEG (prefetch; median call from call $((FETCH_WARM + 1)) on)" wale pgbr '`archive-get`' '≥ 3; median call < 5 ms'
comparison wal_fetch "wal-fetch x$NSEG, time inside the $NSEG restore_command calls only (without the loop's check of each fetched file)" wale+calls pgbr+calls '`archive-get`' '≥ 3'
comparison wal_fetch "wal-fetch x$NSEG (prefetch)" wale floor 'floor: one `mv` of a decompressed segment per call (the loop'"'"'s own cost)' 'info (1: no slower than the floor)'

# ---------------------------------------------------------------- rows: S3 (radosgw over TLS)
if [ "$S3" = 1 ]; then
  WAL_ARCHIVED_BYTES=$(du -sb "$WORK/wale-archive/wal_005" | cut -f1)
  # memstore keeps every object in RAM: both tools' backups and WAL of every repetition, and the
  # ceiling's pieces (overwritten by each repetition), plus a quarter and 1 GiB of slack
  MEM=$(( (REPS * 2 * (WALE_BACKUP_BYTES + WAL_ARCHIVED_BYTES) + WALE_BACKUP_BYTES) * 5 / 4 + 1073741824 ))
  MEM=${BENCH_S3_MEMSTORE_BYTES:-$MEM}
  avail=$(( $(awk '/MemAvailable/{print $2}' /proc/meminfo) * 1024 ))
  [ "$MEM" -lt $((avail * 3 / 4)) ] || log "warning: radosgw's memstore may need $((MEM >> 20)) MiB of RAM; $((avail >> 20)) MiB available (fewer --reps, or BENCH_S3_MEMSTORE_BYTES)"
  log "S3: starting radosgw (scripts/s3/start-radosgw.sh, port base ${WALE_S3_TEST_PORT_BASE:-4640}, memstore $((MEM / 1048576)) MiB)"
  MEMSTORE_BYTES=$MEM bash "$ROOT/scripts/s3/start-radosgw.sh" "$RGW_DIR" >"$WORK/t/rgw.out" 2>&1 \
    || { tail -n 30 "$WORK/t/rgw.out" >&2; die "radosgw did not start"; }
  TLS_ENDPOINT=$(. "$RGW_DIR/env"; echo "$TLS_ENDPOINT")
  CA_BUNDLE=$(. "$RGW_DIR/env"; echo "$CA_BUNDLE")
  S3_AK=$(. "$RGW_DIR/env"; echo "$ACCESS_KEY")
  S3_SK=$(. "$RGW_DIR/env"; echo "$SECRET_KEY")
  BUCKET=$(. "$RGW_DIR/env"; echo "$BUCKET")
  TLS_PORT=${TLS_ENDPOINT##*:}
  chmod 755 "$RGW_DIR" "$(dirname "$CA_BUNDLE")"; chmod 644 "$CA_BUNDLE"

  s3_envdir() {  # s3_envdir DIR PREFIX: a wal-e envdir for s3://BUCKET/PREFIX over TLS
    rm -rf "$1"; mkdir -p "$1"
    echo "s3://$BUCKET/$2" >"$1/WALE_S3_PREFIX"
    echo "$TLS_ENDPOINT" >"$1/WALE_S3_ENDPOINT"
    echo "$CA_BUNDLE" >"$1/WALE_S3_CA_BUNDLE"
    echo "$S3_AK" >"$1/AWS_ACCESS_KEY_ID"
    echo "$S3_SK" >"$1/AWS_SECRET_ACCESS_KEY"
    echo lz4 >"$1/WALE_COMPRESSION"
    chown -R postgres:postgres "$1"; chmod 700 "$1"
  }
  pgbr_s3_conf() {  # pgbr_s3_conf FILE REPO_PATH: then stanza-create
    pgbr_conf "$1" repo1-type=s3 "repo1-path=$2" "repo1-s3-bucket=$BUCKET" repo1-s3-endpoint=localhost \
      "repo1-storage-port=$TLS_PORT" repo1-s3-region=us-east-1 "repo1-s3-key=$S3_AK" \
      "repo1-s3-key-secret=$S3_SK" repo1-s3-uri-style=path "repo1-storage-ca-file=$CA_BUNDLE"
    chmod 600 "$1"
    as_pg pgbackrest --config="$1" --stanza=bench stanza-create >"$WORK/t/stanza-s3.out" 2>&1 \
      || { cat "$WORK/t/stanza-s3.out" >&2; die "stanza-create on S3 ($2)"; }
  }
  s3_envdir "$WORK/env-s3" wale
  pgbr_s3_conf "$WORK/pgbackrest-s3.conf" /pgbr
  V_ENVDIR=$WORK/env-s3; V_PGBR_CONF=$WORK/pgbackrest-s3.conf

  # The server's own ceiling: the bytes of one wal-e lz4 backup (as stored locally), in 8 MiB
  # pieces, PUT and then GET by S3_PAR curl processes at once (curl's SigV4, the test CA).
  S3_PAR=${BENCH_S3_PARALLEL:-4}
  CEIL=$WORK/ceil; mkdir -p "$CEIL"
  last_backup=$(ls -td "$WORK/wale-archive/basebackups_005"/base_*/ | head -n 1)
  find "$last_backup" -type f -print0 | sort -z | xargs -0 cat | split -b 8M -a 4 - "$CEIL/piece."
  CEIL_BYTES=$(du -sb "$CEIL" | cut -f1)
  cat >"$WORK/curl-s3.cfg" <<CFG
user = "$S3_AK:$S3_SK"
aws-sigv4 = "aws:amz:us-east-1:s3"
cacert = "$CA_BUNDLE"
fail
silent
show-error
CFG
  chmod 600 "$WORK/curl-s3.cfg"; chown -R postgres:postgres "$WORK/curl-s3.cfg" "$CEIL"
  EMPTY_SHA=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
  S3_URL=https://127.0.0.1:$TLS_PORT/$BUCKET/ceiling
  v_ceil_put() {
    timed "$1" ceiling "$2" bash -c "cd '$CEIL' && ls | xargs -P $S3_PAR -I{} curl -K '$WORK/curl-s3.cfg' \
      -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -T {} '$S3_URL/{}'"
  }
  v_ceil_get() {
    timed "$1" ceiling "$2" bash -c "cd '$CEIL' && ls | xargs -P $S3_PAR -I{} curl -K '$WORK/curl-s3.cfg' \
      -H 'x-amz-content-sha256: $EMPTY_SHA' -o /dev/null '$S3_URL/{}'"
  }

  log "row: S3 backup-push"
  interleave backup_push_s3 v_bp_wale v_bp_pgbr v_ceil_put
  set_archive_command "$WALE_ARCHIVE_CMD"
  comparison backup_push_s3 'S3: backup-push (lz4)' wale pgbr '`pgbackrest backup`, repo1-type=s3' '≥ 2'
  comparison backup_push_s3 'S3: backup-push (lz4)' wale ceiling "server PUT ceiling: the same $((CEIL_BYTES / 1048576)) MiB, $S3_PAR parallel curl PUTs" '≥ 0.7'
  log "row: S3 backup-fetch"
  interleave backup_fetch_s3 v_bf_wale v_bf_pgbr v_ceil_get
  rm -rf "$RESTORE"
  comparison backup_fetch_s3 'S3: backup-fetch LATEST' wale pgbr '`pgbackrest restore`, repo1-type=s3' '≥ 2'
  comparison backup_fetch_s3 'S3: backup-fetch LATEST' wale ceiling "server GET ceiling: the same bytes, $S3_PAR parallel curl GETs" '≥ 0.7'

  # WAL rows: a fresh prefix / repository path per repetition (nothing to delete on the server)
  wale_wal_forget() { s3_envdir "$WORK/env-s3-wal$1" "wal-rep$1"; }
  pgbr_wal_forget() { pgbr_s3_conf "$WORK/pgbr-s3-wal$1.conf" "/pgbr-wal-rep$1"; }
  wale_wal_envdir() { echo "$WORK/env-s3-wal$1"; }
  pgbr_wal_conf() { echo "$WORK/pgbr-s3-wal$1.conf"; }
  log "row: S3 wal-push x$NSEG with .ready"
  interleave wal_push_s3 v_wp_wale v_wp_pgbr
  rm -rf "$WORK/wp"
  comparison wal_push_s3 "S3: wal-push x$NSEG with .ready (push-ahead)" wale pgbr '`archive-push`, archive-async=y, repo1-type=s3' '≥ 2'
  log "row: S3 wal-fetch x$NSEG"
  interleave wal_fetch_s3 v_wf_wale v_wf_pgbr
  settle; rm -rf "$WORK/wf" || true
  comparison wal_fetch_s3 "S3: wal-fetch x$NSEG (prefetch; median call from call $((FETCH_WARM + 1)) on)" wale pgbr '`archive-get`, repo1-type=s3' '≥ 2'

  V_ENVDIR=$ENVDIR; V_PGBR_CONF=$PGBR_CONF
  rm -rf "$CEIL"
  bash "$ROOT/scripts/s3/stop-radosgw.sh" "$RGW_DIR" >&2
fi

# ---------------------------------------------------------------- rows: scale (many small files)
TABLES=0
for n in "${SCALES[@]}"; do
  log "scale: creating $n more one-row tables"
  lo=$((TABLES + 1)); hi=$((TABLES + n))
  for ((b = lo; b <= hi; b += 1000)); do
    e=$((b + 999)); [ $e -le $hi ] || e=$hi
    psql_q "do \$\$ begin for i in $b..$e loop execute format('create table scale_%s (id int); insert into scale_%s values (1)', i, i); end loop; end \$\$"
  done
  TABLES=$hi
  psql_q "checkpoint"
  FILES=$(find "$PGDATA" -path "$PGDATA/pg_wal" -prune -o -type f -print | wc -l)
  log "scale: $TABLES tables, $FILES files in the data directory"
  interleave "scale_${TABLES}_push" v_bp_wale v_bp_pgbr
  set_archive_command "$WALE_ARCHIVE_CMD"
  comparison "scale_${TABLES}_push" "scale: backup-push, $TABLES one-row tables ($FILES files)" wale pgbr '`pgbackrest backup --type=full`' '≥ 2; wal-e peak RSS < 150 MiB'
  interleave "scale_${TABLES}_fetch" v_bf_wale v_bf_pgbr
  rm -rf "$RESTORE"
  comparison "scale_${TABLES}_fetch" "scale: backup-fetch, $TABLES one-row tables ($FILES files)" wale pgbr '`pgbackrest restore`' '≥ 2; wal-e peak RSS < 150 MiB'
done

# ---------------------------------------------------------------- row: one big table
# One orders-like table of about BIG_GB GiB (bench/big_table_rows.py: 250,000 seed rows, then
# shifted copies of them: new ids, accounts and times), in the same cluster as the other rows.
# The load runs with wal_level=minimal: a table created in the loading transaction is written
# once, without WAL (UNLOGGED + ALTER TABLE SET LOGGED would write it three times: the table, its
# rewrite and the WAL of the rewrite; a logged load writes it twice and archives the WAL too).
# Then wal_level=replica and archiving again (a restart), CHECKPOINT and `sync`, so that no
# writeback of the load runs into the measured rows. autovacuum is off for the table (an
# insert-triggered vacuum would rewrite it mid-row). Disk: see big_table_disk_check.
if [ "$BIG_GB" -gt 0 ]; then
  log "big table: emptying both repositories (the earlier rows' backups and WAL)"
  rm -rf "$WORK/wale-archive"/* "$WORK/walsrc"
  big_pgbr_fresh_repo() {
    rm -rf "$WORK/pgbr-repo"/*
    as_pg pgbackrest --config="$PGBR_CONF" --stanza=bench stanza-create >"$WORK/t/stanza-big.out" 2>&1 \
      || { cat "$WORK/t/stanza-big.out" >&2; die "stanza-create for the big-table row"; }
  }
  big_pgbr_fresh_repo
  big_table_disk_check "$(du -sb --exclude=pg_wal "$PGDATA" | cut -f1)" 1 $((1 << 30)) \
    "$(df -B1 --output=avail "$WORK" | tail -n 1)" "$WORK"
  log "big table: creating one table of about $BIG_GB GiB (wal_level=minimal during the load)"
  psql_q "alter system set wal_level = minimal"
  psql_q "alter system set archive_mode = off"
  psql_q "alter system set max_wal_senders = 0"
  pg_restart
  cp "$ROOT/bench/big_table_rows.py" "$WORK/big_table_rows.py"   # readable by postgres
  BIG_SEED=250000
  lsn0=$(psql_q "select pg_current_wal_lsn()")
  t0=${EPOCHREALTIME/./}
  # one transaction (psql -c): CREATE TABLE and the inserts, so that no WAL is written. The
  # rows differ in width: the goal is 4 MiB short of N GiB, so that the table ends in N full-size
  # segment files (not N plus one of a few pages).
  psql_q "create table big_table_seed (id bigint, account_id int, created_at timestamptz,
      amount numeric(12,2), status text, email text, note text);
    copy big_table_seed from program 'python3 $WORK/big_table_rows.py $BIG_SEED';
    create table big_table (like big_table_seed) with (autovacuum_enabled = off);
    do \$\$
    declare
      k bigint := 0;
      per_row float8 := pg_relation_size('big_table_seed')::float8 / $BIG_SEED;
      left_rows bigint;
    begin
      loop
        left_rows := ((($BIG_GB)::bigint * 1073741824 - 4194304 - pg_relation_size('big_table')) / per_row)::bigint;
        exit when left_rows <= 0;
        insert into big_table
          select id + k * $BIG_SEED, (account_id + k * 7919) % 1000000 + 1,
                 created_at + k * interval '5 days', amount, status, email, note
          from big_table_seed where id <= left_rows;
        k := k + 1;
      end loop;
    end \$\$;
    drop table big_table_seed"
  t1=${EPOCHREALTIME/./}
  BIG_LOAD_WAL=$(psql_q "select (pg_current_wal_lsn() - '$lsn0'::pg_lsn)::bigint")
  psql_q "alter system reset wal_level"
  psql_q "alter system reset archive_mode"
  psql_q "alter system reset max_wal_senders"
  pg_restart
  [ "$(psql_q "show wal_level")/$(psql_q "show archive_mode")" = replica/on ] || die "big table: wal_level/archive_mode not restored"
  psql_q "checkpoint"
  sync
  t2=${EPOCHREALTIME/./}
  BIG_LOAD_S=$(awk -v d=$((t1 - t0)) 'BEGIN{printf "%.0f", d/1e6}')
  BIG_SETTLE_S=$(awk -v d=$((t2 - t1)) 'BEGIN{printf "%.0f", d/1e6}')
  BIG_REL=$(psql_q "select pg_relation_filepath('big_table')")
  BIG_BYTES=$(psql_q "select pg_relation_size('big_table')")
  BIG_SEGS=0
  for f in "$PGDATA/$BIG_REL" "$PGDATA/$BIG_REL".[0-9]*; do [ -e "$f" ] && BIG_SEGS=$((BIG_SEGS + 1)); done
  BIG_LZ4=$(awk -v a="$(stat -c %s "$PGDATA/$BIG_REL")" -v b="$(lz4 -1 -c <"$PGDATA/$BIG_REL" | wc -c)" 'BEGIN{printf "%.2f", a/b}')
  BIG_DATA_BYTES=$(du -sb --exclude=pg_wal "$PGDATA" | cut -f1)
  BIG_SEGS_TXT="$BIG_SEGS segment file$([ "$BIG_SEGS" = 1 ] || echo s)"
  log "big table: $BIG_BYTES bytes in $BIG_SEGS_TXT, lz4 -1 ratio $BIG_LZ4; loaded in $BIG_LOAD_S s ($BIG_LOAD_WAL bytes of WAL), restart + checkpoint + sync $BIG_SETTLE_S s"
  archiver_idle
  # each tool's previous backup is deleted (untimed) before it takes the next: one per repository
  v_big_bp_wale() { rm -rf "$WORK/wale-archive/basebackups_005"; v_bp_wale "$@"; }
  v_big_bp_pgbr() { big_pgbr_fresh_repo; v_bp_pgbr "$@"; }
  big_label="one $(gib "$BIG_BYTES") GiB table ($BIG_SEGS_TXT; data directory $(gib "$BIG_DATA_BYTES") GiB)"
  log "row: big table, backup-push"
  interleave big_table_push v_big_bp_wale v_big_bp_pgbr
  set_archive_command "$WALE_ARCHIVE_CMD"
  BIG_WALE_BACKUP=$(du -sb "$WORK/wale-archive/basebackups_005" | cut -f1)
  BIG_PGBR_BACKUP=$(du -sb "$WORK/pgbr-repo/backup" | cut -f1)
  log "big table: one wal-e backup $BIG_WALE_BACKUP bytes, one pgBackRest backup $BIG_PGBR_BACKUP bytes; $(gib "$(df -B1 --output=avail "$WORK" | tail -n 1)") GiB free"
  comparison big_table_push "big table: backup-push, $big_label" wale pgbr '`pgbackrest backup --type=full`' 'wal-e peak RSS < 150 MiB; ratio: info'
  log "row: big table, backup-fetch"
  CHECK_TABLE=big_table interleave big_table_fetch v_bf_wale v_bf_pgbr
  rm -rf "$RESTORE"
  comparison big_table_fetch "big table: backup-fetch, $big_label" wale pgbr '`pgbackrest restore`' 'wal-e peak RSS < 150 MiB; ratio: info'
fi

# ---------------------------------------------------------------- table
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
mib() { awk -v b="$1" 'BEGIN{printf "%.0f", b/1048576}'; }
{
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); wal-e $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD -- src 2>/dev/null || echo '+dirty src'); $(pgbackrest version); PostgreSQL $("$PG_BIN/postgres" -V | awk '{print $3}')"
  echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(awk '/MemTotal/{printf "%.1f", $2/1048576}' /proc/meminfo) GiB RAM, $(df -h "$WORK" | awk 'NR==2{print $1}'); load average (1/5/15 min) $LOAD_START at the start, $LOAD_END at the end; harness niceness $(nice)"
  echo "- dataset: pgbench scale $SCALE + $RANDOM_MB MiB random bytea; data directory $(mib "$DATA_BYTES") MiB without pg_wal; one wal-e lz4 backup $(mib "$WALE_BACKUP_BYTES") MiB; page cache warm (not dropped)"
  echo "- method: $REPS repetitions per row, interleaved (wal-e, other, wal-e, other, ...); ratio = other time / wal-e time of the same repetition (> 1: wal-e faster); wal-e --pool-size $POOL, pgBackRest process-max=$POOL; lz4 level 1 for both"
  echo "- WAL rows: $NSEG segments of UPDATE-heavy WAL ($((NSEG * 16)) MiB), each call one process through \`sh -c\`, sequential, .ready renamed to .done after each push; archive-module line: one resident \`wal-e wal-push-server --pool-size $POOL\` (started untimed each repetition), one Unix-socket request per segment from bench/archive_module_loop.py, peak RSS = the server's VmHWM"
  echo "- start-up rows: \`hyperfine -N --runs $STARTUP_RUNS\` per repetition, median run"
  [ "$S3" = 1 ] && echo "- S3 rows: Ceph radosgw 16.2 (memstore) from scripts/s3/start-radosgw.sh on 127.0.0.1, TLS with a test CA, path style; wal-e WALE_S3_ENDPOINT=https+path://, WALE_S3_CA_BUNDLE; pgBackRest repo1-type=s3, repo1-s3-uri-style=path, repo1-storage-ca-file; ceiling: curl --aws-sigv4, $S3_PAR at once, 8 MiB pieces"
  [ "$BIG_GB" -gt 0 ] && echo "- big-table row: one orders-like table (bench/big_table_rows.py: id, account, time, amount, status, e-mail, 3-20 words of Zipf-distributed text) of $BIG_BYTES bytes in $BIG_SEGS_TXT, lz4 -1 ratio $BIG_LZ4 (its first segment), added to the same cluster last; loaded in $BIG_LOAD_S s with wal_level=minimal (one transaction, $((BIG_LOAD_WAL / 1024)) KiB of WAL), then replica + archiving again, CHECKPOINT and sync ($BIG_SETTLE_S s); both repositories emptied first and each tool's previous backup deleted (untimed) before its next backup-push; one backup $(mib "$BIG_WALE_BACKUP") MiB (wal-e) and $(mib "$BIG_PGBR_BACKUP") MiB (pgBackRest); restored tables compared with the original once per tool; peak RSS = GNU time's maxrss of the largest single process"
  [ ${#SCALES[@]} -gt 0 ] && echo "- scale rows: one-row tables added to the same cluster (cumulative); peak RSS = GNU time's maxrss of the largest single process"
  echo "- command: \`nice -n $(nice) $CMDLINE\`"
} >"$WORK/header.md"
python3 "$ROOT/bench/summarize.py" "$MEAS" "$COMP" "$WORK/header.md" "$WORK/table.md" "$WORK/table.json"
mkdir -p "$(dirname "$OUT")"
cp "$WORK/table.md" "$OUT"
cp "$WORK/table.json" "${OUT%.md}.json"
{ printf 'row\tvariant\trep\tseconds\tmaxrss_kib\tcall_median_ms\tload_before\tload_after\n'; cat "$MEAS"; } >"${OUT%.md}.tsv"
mkdir -p "${OUT%.md}.lat_us"; cp "$WORK"/t/*.lat "${OUT%.md}.lat_us/" 2>/dev/null || true
cat "$WORK/table.md"
log "written: $OUT, ${OUT%.md}.tsv, ${OUT%.md}.json, ${OUT%.md}.lat_us/"
