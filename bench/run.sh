#!/usr/bin/env bash
# wal-e vs pgBackRest vs the machine's limits, on one machine, in one run.
#
#   bash bench/run.sh                 # default: pgbench scale 100 + 512 MiB of random bytea (~2 GB)
#   BENCH_QUICK=1 bash bench/run.sh   # ~200 MB: pgbench scale 8 + 80 MiB random
#
# Settings (environment):
#   BENCH_SCALE       pgbench scale factor (1 ~ 15 MB)                    [100; quick 8]
#   BENCH_RANDOM_MB   MiB of poorly compressible bytea (gen_random_bytes) [512; quick 80]
#   BENCH_POOL        wal-e --pool-size / pgBackRest process-max           [2]
#   BENCH_WAL_SEGS    WAL segments pushed and fetched                      [64]
#   BENCH_OUT         markdown table written here            [bench/results/<mode>-<date>.md]
#   BENCH_WORKDIR     parent of the scratch directory (needs ~6x the data size) [/var/tmp]
#   BENCH_KEEP=1      keep the scratch directory
#   BENCH_NO_BUILD=1  use an existing build-bench/src/app/wal-e
#
# What it does (see docs/performance.md): installs pgbackrest/hyperfine/time (apt, idempotent),
# builds wal-e (scripts/build.sh build-bench), creates a throwaway PostgreSQL 15 cluster as
# `postgres` on a Unix socket, loads the dataset, then measures, each with wall time, throughput
# and peak RSS (GNU time's maximum resident set size: for multi-process tools, pgBackRest with
# process-max=2, it is the largest single process, not the sum):
#   backup-push / pgbackrest backup --type=full (lz4; zstd for information)
#   backup-fetch LATEST / pgbackrest restore
#   wal-push of BENCH_WAL_SEGS full segments, one process per segment through `sh -c` as
#     PostgreSQL's archive_command runs it (plain, and with archive_status/*.ready files so that
#     wal-e's push-ahead and pgBackRest's archive-async have something to work on; the harness
#     renames .ready to .done after each success as PostgreSQL does); and the same segments
#     through one resident `wal-push-server` with the archive module's socket requests
#     (bench/archive_module_loop.py plays PostgreSQL's archiver)
#   wal-fetch of the same segments into pg_wal/RECOVERYXLOG, one process each (prefetch on/off;
#     pgbackrest archive-get sync and async)
#   tar -cf - PGDATA | cat, lz4 -1 / zstd -1 on a 256 MiB sample of the data, pg_basebackup
#   process start-up (hyperfine)
# and prints the table (ratio = pgBackRest time / wal-e time: > 1 means wal-e is faster).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then
  SCALE=${BENCH_SCALE:-8}; RANDOM_MB=${BENCH_RANDOM_MB:-80}; MODE=quick
else
  SCALE=${BENCH_SCALE:-100}; RANDOM_MB=${BENCH_RANDOM_MB:-512}; MODE=full
fi
POOL=${BENCH_POOL:-2}
NSEG=${BENCH_WAL_SEGS:-64}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${BENCH_OUT:-$ROOT/bench/results/$MODE-$STAMP.md}
STEP_TIMEOUT=${BENCH_STEP_TIMEOUT:-1800}   # seconds, per measured command or loop
SEG_BYTES=16777216

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (it installs packages and runs PostgreSQL as postgres)"

# ---------------------------------------------------------------- install + build
need=()
for p in pgbackrest hyperfine time lz4 zstd python3; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  log "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }
fi
if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
  log "building wal-e (scripts/build.sh build-bench)"
  bash scripts/build.sh build-bench >&2
fi
WALE_SRC_BIN=$ROOT/build-bench/src/app/wal-e
[ -x "$WALE_SRC_BIN" ] || die "no $WALE_SRC_BIN"
id postgres >/dev/null 2>&1 || die "no postgres user (install postgresql-15: scripts/install-deps.sh)"
PG_BIN=$(pg_config --bindir)
[ -x "$PG_BIN/initdb" ] || die "no initdb in $PG_BIN"
GTIME=/usr/bin/time

# ---------------------------------------------------------------- scratch + cleanup
WORK=$(mktemp -d "${BENCH_WORKDIR:-/var/tmp}/wale-bench.XXXXXX")
chmod 755 "$WORK"
PGDATA=$WORK/pg
SOCK=$WORK/sock
PORT=${BENCH_PORT:-55432}
mkdir -p "$SOCK" "$WORK/bin" "$WORK/env" "$WORK/t" "$WORK/wale-archive" "$WORK/pgbr-repo" \
  "$WORK/pgbr-spool" "$WORK/pgbr-log" "$WORK/pgbr-lock"
cp "$WALE_SRC_BIN" "$WORK/bin/wal-e"
WALE=$WORK/bin/wal-e
ENVDIR=$WORK/env
echo "file://localhost$WORK/wale-archive" >"$ENVDIR/WALE_FILE_PREFIX"
echo lz4 >"$ENVDIR/WALE_COMPRESSION"
chown -R postgres:postgres "$WORK"
cd "$WORK"   # postgres cannot read the source tree's directory

cleanup() {
  local rc=$?
  set +e
  if [ -f "$WORK/t/wal-push-server.pid" ]; then kill -TERM "$(cat "$WORK/t/wal-push-server.pid")" 2>/dev/null; fi
  if [ -f "$PGDATA/postmaster.pid" ]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1
  fi
  # background helpers (pgBackRest's async processes, wal-e's detached prefetchers) finish
  # within seconds; give them a moment before the directory disappears
  sleep 2
  if [ $rc -ne 0 ]; then
    log "failed (exit $rc); server log tail:"
    tail -n 30 "$WORK/pg.log" 2>/dev/null >&2
    for f in "$WORK"/pgbr-log/*.log; do [ -f "$f" ] && { echo "== $f" >&2; tail -n 15 "$f" >&2; }; done
  fi
  if [ "${BENCH_KEEP:-0}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

as_pg() { runuser -u postgres -- "$@"; }
psql_q() { as_pg "$PG_BIN/psql" -X -q -h "$SOCK" -p "$PORT" -d postgres -v ON_ERROR_STOP=1 -Atc "$1"; }
now_ns() { local t=${EPOCHREALTIME/./}; echo "${t}000"; }

# ---------------------------------------------------------------- results
# Each measurement: name -> "seconds maxrss_kib median_ms"
declare -A T RSS MED
# measure KEY CMD...: runs CMD as postgres under GNU time (wall, maxrss of the largest process).
measure() {
  local key=$1; shift
  local tf=$WORK/t/$key.time
  log "run $key"
  if ! as_pg timeout "$STEP_TIMEOUT" "$GTIME" -f '%e %M' -o "$tf" "$@" >"$WORK/t/$key.out" 2>"$WORK/t/$key.err"; then
    cat "$WORK/t/$key.err" >&2
    die "$key failed"
  fi
  read -r "T[$key]" "RSS[$key]" < <(tail -n 1 "$tf")
  log "  $key: ${T[$key]} s, maxrss ${RSS[$key]} KiB"
}

# ---------------------------------------------------------------- cluster + data
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

PGBR_CONF=$WORK/pgbackrest.conf
cat >"$PGBR_CONF" <<CONF
[global]
repo1-path=$WORK/pgbr-repo
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
chown postgres:postgres "$PGBR_CONF"
PGBR=(pgbackrest --config="$PGBR_CONF" --stanza=bench)

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
DATA_BYTES_ALL=$(du -sb "$PGDATA" | cut -f1)
log "data directory: $DATA_BYTES bytes without pg_wal ($DATA_BYTES_ALL with)"

# ---------------------------------------------------------------- machine limits
log "machine limits"
measure tar_cat bash -c "tar -cf - -C '$PGDATA' --exclude=./pg_wal . | cat >/dev/null"
acc_file=$PGDATA/$(psql_q "select pg_relation_filepath('pgbench_accounts')")
noise_file=$PGDATA/$(psql_q "select pg_relation_filepath('noise')")
acc_sz=$(psql_q "select pg_relation_size('pgbench_accounts')")
noise_sz=$(psql_q "select pg_relation_size('noise')")
SAMPLE=$WORK/sample.bin
SAMPLE_MAX=$((256 * 1048576))
acc_take=$(( SAMPLE_MAX * acc_sz / (acc_sz + noise_sz) ))
[ $acc_take -le $acc_sz ] || acc_take=$acc_sz
noise_take=$(( SAMPLE_MAX - acc_take )); [ $noise_take -le $noise_sz ] || noise_take=$noise_sz
# relation segments are 1 GiB files; cat the segments then cut
{ { cat "$acc_file" "$acc_file".* 2>/dev/null || true; } | head -c "$acc_take"
  { cat "$noise_file" "$noise_file".* 2>/dev/null || true; } | head -c "$noise_take"; } >"$SAMPLE"
chown postgres "$SAMPLE"
SAMPLE_BYTES=$(stat -c %s "$SAMPLE")
# disk: write 1 GiB and fsync it (restores are bounded by this, the data being in the page cache)
measure dd_write dd if=/dev/zero of="$WORK/dd.out" bs=1M count=1024 conv=fsync status=none
rm -f "$WORK/dd.out"
measure lz4_1 bash -c "lz4 -1 -c '$SAMPLE' >/dev/null"
measure zstd_1 bash -c "zstd -1 -T1 -c '$SAMPLE' >/dev/null"
lz4 -1 -c "$SAMPLE" >"$WORK/sample.lz4"; chown postgres "$WORK/sample.lz4"
measure lz4_d bash -c "lz4 -d -c '$WORK/sample.lz4' >/dev/null"
LZ4_RATIO=$(awk -v a="$(stat -c %s "$WORK/sample.lz4")" -v b="$SAMPLE_BYTES" 'BEGIN{printf "%.2f", a/b}')
rm -f "$WORK/sample.lz4"
mkdir -p "$WORK/basebackup" && chown postgres "$WORK/basebackup"
measure pg_basebackup "$PG_BIN/pg_basebackup" -h "$SOCK" -p "$PORT" -D "$WORK/basebackup" -Ft -X none \
  --compress=client-lz4:1 -c fast --no-manifest
rm -rf "$WORK/basebackup"

# ---------------------------------------------------------------- backups
du_archive() { du -sb "$1" | cut -f1; }

log "wal-e backup-push (zstd first, then lz4: LATEST is the lz4 backup)"
export PGHOST=$SOCK PGPORT=$PORT
set_archive_command "$WALE --terse --envdir $ENVDIR wal-push %p"
psql_q "checkpoint"
measure wale_backup_zstd env PGHOST="$SOCK" PGPORT="$PORT" "$WALE" --terse --envdir "$ENVDIR" --compression zstd backup-push --pool-size "$POOL" "$PGDATA"
WALE_ZSTD_BYTES=$(du_archive "$WORK/wale-archive/basebackups_005")
psql_q "checkpoint"
measure wale_backup_lz4 env PGHOST="$SOCK" PGPORT="$PORT" "$WALE" --terse --envdir "$ENVDIR" backup-push --pool-size "$POOL" "$PGDATA"
WALE_BACKUP_BYTES=$(( $(du_archive "$WORK/wale-archive/basebackups_005") - WALE_ZSTD_BYTES ))
archiver_idle

log "pgBackRest backup (zst first, then lz4)"
set_archive_command "pgbackrest --config=$PGBR_CONF --stanza=bench archive-push %p"
as_pg "${PGBR[@]}" stanza-create >"$WORK/t/stanza.out" 2>&1 || { cat "$WORK/t/stanza.out"; die stanza-create; }
as_pg "${PGBR[@]}" check >"$WORK/t/check.out" 2>&1 || { cat "$WORK/t/check.out"; die check; }
psql_q "checkpoint"
measure pgbr_backup_zstd "${PGBR[@]}" backup --type=full --compress-type=zst --compress-level=1
PGBR_ZSTD_BYTES=$(du_archive "$WORK/pgbr-repo/backup")
psql_q "checkpoint"
measure pgbr_backup_lz4 "${PGBR[@]}" backup --type=full
PGBR_BACKUP_BYTES=$(( $(du_archive "$WORK/pgbr-repo/backup") - PGBR_ZSTD_BYTES ))
archiver_idle
set_archive_command "$WALE --terse --envdir $ENVDIR wal-push %p"

# ---------------------------------------------------------------- restores
log "restores (LATEST: the lz4 backups)"
mkdir -p "$WORK/restore-pgbr"; chown postgres "$WORK/restore-pgbr"; chmod 700 "$WORK/restore-pgbr"
measure wale_fetch "$WALE" --terse --envdir "$ENVDIR" backup-fetch --pool-size "$POOL" "$WORK/restore-wale" LATEST
measure pgbr_restore "${PGBR[@]}" --pg1-path="$WORK/restore-pgbr" restore
# sanity: the big random relation came back byte-identical from both tools
rel=$(psql_q "select pg_relation_filepath('noise')")
cmp -s "$PGDATA/$rel" "$WORK/restore-wale/$rel" || die "wal-e restore of $rel differs"
cmp -s "$PGDATA/$rel" "$WORK/restore-pgbr/$rel" || die "pgBackRest restore of $rel differs"
rm -rf "$WORK/restore-wale" "$WORK/restore-pgbr"

# ---------------------------------------------------------------- WAL push
# A pg_wal-like directory with the segments; with_ready=1 also creates archive_status/*.ready.
make_wal_dir() {
  local d=$1 with_ready=$2
  rm -rf "$d"; mkdir -p "$d/pg_wal/archive_status" "$d/global"
  # pgBackRest reads pg_control under pg1-path and wants the WAL directory inside it
  cp "$PGDATA/global/pg_control" "$d/global/"
  for s in "${SEGS[@]}"; do
    cp "$WORK/walsrc/$s" "$d/pg_wal/$s"
    [ "$with_ready" = 1 ] && : >"$d/pg_wal/archive_status/$s.ready"
  done
  chown -R postgres:postgres "$d"
}
# The per-call loop, run as postgres: each call is `sh -c CMD` like PostgreSQL's system(); after
# each success .ready becomes .done, as the archiver does. Writes one latency (ms) per line.
cat >"$WORK/loop.sh" <<'LOOP'
#!/usr/bin/env bash
# loop.sh DIR LATFILE TEMPLATE SEG...   (TEMPLATE: %s is the segment name)
set -euo pipefail
dir=$1 lat=$2 tmpl=$3; shift 3
cd "$dir"
: >"$lat"
for s in "$@"; do
  cmd=${tmpl//%s/$s}
  t0=${EPOCHREALTIME/./}
  sh -c "$cmd"
  t1=${EPOCHREALTIME/./}
  echo "$(( (t1 - t0) ))" >>"$lat"
  if [ -f pg_wal/archive_status/$s.ready ]; then mv pg_wal/archive_status/$s.ready pg_wal/archive_status/$s.done; fi
  if [ -n "${CHECK_DEST:-}" ]; then cmp -s "$CHECK_DEST" "$CHECK_SRC/$s" || { echo "fetched $s differs" >&2; exit 1; }; fi
done
LOOP
chmod 755 "$WORK/loop.sh"; chown postgres "$WORK/loop.sh"

# wal_loop KEY DIR TEMPLATE: runs loop.sh under GNU time; records total and median latency.
wal_loop() {
  local key=$1 dir=$2 tmpl=$3
  measure "$key" env CHECK_DEST="${CHECK_DEST:-}" CHECK_SRC="$WORK/walsrc" "$WORK/loop.sh" "$dir" "$WORK/t/$key.lat" "$tmpl" "${SEGS[@]}"
  MED[$key]=$(sort -n "$WORK/t/$key.lat" | awk '{a[NR]=$1} END{m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1000}')
  log "  $key: median ${MED[$key]} ms"
}

log "wal-push x$NSEG"
make_wal_dir "$WORK/wp-wale" 0
wal_loop wale_push "$WORK/wp-wale" "$WALE --terse --envdir $ENVDIR wal-push --pool-size $POOL pg_wal/%s"
for s in "${SEGS[@]}"; do rm -f "$WORK/wale-archive/wal_005/$s".*; done
make_wal_dir "$WORK/wp-wale-ahead" 1
wal_loop wale_push_ahead "$WORK/wp-wale-ahead" "$WALE --terse --envdir $ENVDIR wal-push --pool-size $POOL pg_wal/%s"
n_stored=0; for s in "${SEGS[@]}"; do ls "$WORK/wale-archive/wal_005/$s".* >/dev/null 2>&1 && n_stored=$((n_stored + 1)); done
[ $n_stored = "$NSEG" ] || die "wal-e archive holds $n_stored of $NSEG segments"

# The archive module's path: one resident wal-push-server, one socket request per segment (what
# the archiver does with archive_library = 'wal_e_archive'; bench/archive_module_loop.py). Peak
# RSS is the server's (VmHWM), the client is not wal-e.
for s in "${SEGS[@]}"; do rm -f "$WORK/wale-archive/wal_005/$s".*; done
make_wal_dir "$WORK/wp-wale-module" 1
MSOCK="$WORK/wp-wale-module/pg_wal/.wal-e/archive.sock"
as_pg bash -c 'echo $$ >"$1"; cd "$2" && exec "$3" --terse --envdir "$4" wal-push-server --pool-size "$5" "$6"' \
  _ "$WORK/t/wal-push-server.pid" "$WORK/wp-wale-module" "$WALE" "$ENVDIR" "$POOL" "$MSOCK" 2>"$WORK/t/wal-push-server.err" &
server_job=$!
for _ in $(seq 1 200); do [ -S "$MSOCK" ] && break; sleep 0.05; done
[ -S "$MSOCK" ] || { cat "$WORK/t/wal-push-server.err" >&2; die "wal-push-server did not start"; }
measure wale_push_module python3 "$ROOT/bench/archive_module_loop.py" "$MSOCK" "$WORK/wp-wale-module" "$WORK/t/wale_push_module.lat" "${SEGS[@]}"
MED[wale_push_module]=$(sort -n "$WORK/t/wale_push_module.lat" | awk '{a[NR]=$1} END{m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1000}')
server_pid=$(cat "$WORK/t/wal-push-server.pid")
RSS[wale_push_module]=$(awk '/^VmHWM:/{print $2}' "/proc/$server_pid/status")
kill -TERM "$server_pid"; wait "$server_job" || true
rm -f "$WORK/t/wal-push-server.pid"
log "  wale_push_module: median ${MED[wale_push_module]} ms, server peak RSS ${RSS[wale_push_module]} KiB"
n_stored=0; for s in "${SEGS[@]}"; do ls "$WORK/wale-archive/wal_005/$s".* >/dev/null 2>&1 && n_stored=$((n_stored + 1)); done
[ $n_stored = "$NSEG" ] || die "wal-e archive holds $n_stored of $NSEG segments after the archive module run"

make_wal_dir "$WORK/wp-pgbr" 0
wal_loop pgbr_push "$WORK/wp-pgbr" "pgbackrest --config=$PGBR_CONF --stanza=bench --pg1-path=$WORK/wp-pgbr archive-push $WORK/wp-pgbr/pg_wal/%s"
# async: same segments again into a fresh archive id would need a new stanza; instead remove them
for s in "${SEGS[@]}"; do find "$WORK/pgbr-repo/archive" -name "$s-*" -delete; done
make_wal_dir "$WORK/wp-pgbr-async" 1
wal_loop pgbr_push_async "$WORK/wp-pgbr-async" "pgbackrest --config=$PGBR_CONF --stanza=bench --pg1-path=$WORK/wp-pgbr-async --archive-async archive-push $WORK/wp-pgbr-async/pg_wal/%s"
n_stored=0; for s in "${SEGS[@]}"; do [ -n "$(find "$WORK/pgbr-repo/archive" -name "$s-*" | head -n 1)" ] && n_stored=$((n_stored + 1)); done
[ $n_stored = "$NSEG" ] || die "pgBackRest archive holds $n_stored of $NSEG segments"
rm -rf "$WORK"/wp-*

# ---------------------------------------------------------------- WAL fetch
log "wal-fetch x$NSEG"
fetch_dir() { rm -rf "$1"; mkdir -p "$1/pg_wal"; chown -R postgres:postgres "$1"; }
export CHECK_DEST=pg_wal/RECOVERYXLOG
fetch_dir "$WORK/wf"
wal_loop wale_fetch_pf "$WORK/wf" "$WALE --terse --envdir $ENVDIR wal-fetch %s pg_wal/RECOVERYXLOG"
sleep 1
fetch_dir "$WORK/wf"
wal_loop wale_fetch_nopf "$WORK/wf" "$WALE --terse --envdir $ENVDIR wal-fetch --prefetch 0 %s pg_wal/RECOVERYXLOG"
fetch_dir "$WORK/wf"
wal_loop pgbr_get "$WORK/wf" "pgbackrest --config=$PGBR_CONF --stanza=bench archive-get %s $WORK/wf/pg_wal/RECOVERYXLOG"
fetch_dir "$WORK/wf"
rm -rf "$WORK/pgbr-spool"/*
wal_loop pgbr_get_async "$WORK/wf" "pgbackrest --config=$PGBR_CONF --stanza=bench --archive-async archive-get %s $WORK/wf/pg_wal/RECOVERYXLOG"
unset CHECK_DEST
sleep 1
rm -rf "$WORK/wf"

# ---------------------------------------------------------------- start-up
log "process start-up"
as_pg hyperfine -N --warmup 20 --runs 300 --export-json "$WORK/t/hf_wale.json" "$WALE version" >"$WORK/t/hf_wale.out" 2>&1
as_pg hyperfine -N --warmup 20 --runs 300 --export-json "$WORK/t/hf_pgbr.json" "pgbackrest version" >"$WORK/t/hf_pgbr.out" 2>&1
as_pg hyperfine -N --warmup 20 --runs 300 --export-json "$WORK/t/hf_true.json" "/bin/true" >"$WORK/t/hf_true.out" 2>&1
hf_ms() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.2f %.2f" % (r["mean"]*1000, r["median"]*1000))' "$1"; }
read -r START_WALE_MEAN START_WALE_MED < <(hf_ms "$WORK/t/hf_wale.json")
read -r START_PGBR_MEAN START_PGBR_MED < <(hf_ms "$WORK/t/hf_pgbr.json")
read -r START_TRUE_MEAN START_TRUE_MED < <(hf_ms "$WORK/t/hf_true.json")

# ---------------------------------------------------------------- table
mib() { awk -v k="$1" 'BEGIN{printf "%.0f", k/1024}'; }
rate() { awk -v b="$1" -v s="$2" 'BEGIN{ if (s > 0) printf "%.0f", b/1048576/s; else print "-"}'; }
ratio() { awk -v p="$1" -v w="$2" 'BEGIN{ if (w > 0) printf "%.2f", p/w; else print "-"}'; }

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
{
  echo "# wal-e benchmark ($MODE)"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); wal-e $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet 2>/dev/null || echo '+dirty'); $(pgbackrest version); PostgreSQL $("$PG_BIN/postgres" -V | awk '{print $3}')"
  echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/{print $2}') GiB RAM, disk $(df -h "$WORK" | awk 'NR==2{print $1}'); load average at the end: $LOAD"
  echo "- dataset: pgbench scale $SCALE + $RANDOM_MB MiB random bytea; data directory $(awk -v b="$DATA_BYTES" 'BEGIN{printf "%.0f", b/1048576}') MiB without pg_wal; page cache warm (not dropped)"
  echo "- parallelism: wal-e --pool-size $POOL, pgBackRest process-max=$POOL; compression lz4 (level 1) for both unless noted"
  echo "- backup size (lz4): wal-e $(awk -v b="$WALE_BACKUP_BYTES" 'BEGIN{printf "%.0f", b/1048576}') MiB, pgBackRest $(awk -v b="$PGBR_BACKUP_BYTES" 'BEGIN{printf "%.0f", b/1048576}') MiB; sample lz4 -1 ratio $LZ4_RATIO"
  echo "- WAL: $NSEG segments of UPDATE-heavy WAL ($((WAL_BYTES / 1048576)) MiB), each call one process through sh -c"
  echo "- peak RSS: GNU time's maxrss of the largest single process (pgBackRest's workers are separate processes; wal-e is one process)"
  echo
  echo "| row | wal-e time | wal-e rate | wal-e median/call | wal-e peak RSS | pgBackRest time | pgBackRest rate | pgBackRest median/call | pgBackRest peak RSS | speed ratio wal-e/pgBackRest |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  row() {  # label wale_key pgbr_key bytes
    local label=$1 w=$2 p=$3 b=$4
    printf '| %s | %.2f s | %s MiB/s | %s | %s MiB | %.2f s | %s MiB/s | %s | %s MiB | **%s** |\n' "$label" \
      "${T[$w]}" "$(rate "$b" "${T[$w]}")" "${MED[$w]:--}${MED[$w]:+ ms}" "$(mib "${RSS[$w]}")" \
      "${T[$p]}" "$(rate "$b" "${T[$p]}")" "${MED[$p]:--}${MED[$p]:+ ms}" "$(mib "${RSS[$p]}")" \
      "$(ratio "${T[$p]}" "${T[$w]}")"
  }
  row "backup-push lz4 / backup --type=full" wale_backup_lz4 pgbr_backup_lz4 "$DATA_BYTES"
  row "backup-push zstd / backup (zst level 1), info" wale_backup_zstd pgbr_backup_zstd "$DATA_BYTES"
  row "backup-fetch / restore" wale_fetch pgbr_restore "$DATA_BYTES"
  row "wal-push x$NSEG / archive-push sync" wale_push pgbr_push "$WAL_BYTES"
  row "wal-push x$NSEG with .ready (push-ahead) / archive-push async" wale_push_ahead pgbr_push_async "$WAL_BYTES"
  row "wal-push x$NSEG with .ready (push-ahead) / archive-push sync" wale_push_ahead pgbr_push "$WAL_BYTES"
  row "wal-push x$NSEG through the archive module (wal-push-server, .ready) / archive-push async" wale_push_module pgbr_push_async "$WAL_BYTES"
  row "wal-fetch x$NSEG prefetch / archive-get sync" wale_fetch_pf pgbr_get "$WAL_BYTES"
  row "wal-fetch x$NSEG prefetch / archive-get async, info" wale_fetch_pf pgbr_get_async "$WAL_BYTES"
  row "wal-fetch x$NSEG --prefetch 0 / archive-get sync" wale_fetch_nopf pgbr_get "$WAL_BYTES"
  printf '| start-up: `version` (hyperfine, 300 runs) | %s ms mean, %s ms median | | | | %s ms mean, %s ms median | | | | **%s** |\n' \
    "$START_WALE_MEAN" "$START_WALE_MED" "$START_PGBR_MEAN" "$START_PGBR_MED" "$(ratio "$START_PGBR_MEAN" "$START_WALE_MEAN")"
  echo
  echo "Machine limits (same data):"
  echo
  echo "| row | time | rate | peak RSS |"
  echo "|---|---|---|---|"
  printf '| tar -cf - PGDATA \\| cat (no pg_wal) | %.2f s | %s MiB/s | %s MiB |\n' "${T[tar_cat]}" "$(rate "$DATA_BYTES" "${T[tar_cat]}")" "$(mib "${RSS[tar_cat]}")"
  printf '| dd of=FILE bs=1M count=1024 conv=fsync (disk write + fsync) | %.2f s | %s MiB/s | %s MiB |\n' "${T[dd_write]}" "$(rate 1073741824 "${T[dd_write]}")" "$(mib "${RSS[dd_write]}")"
  printf '| lz4 -1, one core, %s MiB sample | %.2f s | %s MiB/s | %s MiB |\n' "$((SAMPLE_BYTES / 1048576))" "${T[lz4_1]}" "$(rate "$SAMPLE_BYTES" "${T[lz4_1]}")" "$(mib "${RSS[lz4_1]}")"
  printf '| lz4 -d, one core | %.2f s | %s MiB/s | %s MiB |\n' "${T[lz4_d]}" "$(rate "$SAMPLE_BYTES" "${T[lz4_d]}")" "$(mib "${RSS[lz4_d]}")"
  printf '| zstd -1, one core | %.2f s | %s MiB/s | %s MiB |\n' "${T[zstd_1]}" "$(rate "$SAMPLE_BYTES" "${T[zstd_1]}")" "$(mib "${RSS[zstd_1]}")"
  printf '| process start-up floor: /bin/true (hyperfine, 300 runs) | %s ms mean | | |\n' "$START_TRUE_MEAN"
  printf '| pg_basebackup -Ft --compress=client-lz4:1 (one process) | %.2f s | %s MiB/s | %s MiB |\n' "${T[pg_basebackup]}" "$(rate "$DATA_BYTES" "${T[pg_basebackup]}")" "$(mib "${RSS[pg_basebackup]}")"
  echo
  echo "Ratios are speed ratios (pgBackRest time / wal-e time): > 1 means wal-e is faster."
  echo "Command: \`$( [ "$QUICK" = 1 ] && echo 'BENCH_QUICK=1 ')bash bench/run.sh\`"
} >"$WORK/table.md"

mkdir -p "$(dirname "$OUT")"
cp "$WORK/table.md" "$OUT"
cat "$WORK/table.md"
# raw numbers, for later analysis
{ for k in "${!T[@]}"; do echo "$k ${T[$k]} ${RSS[$k]} ${MED[$k]:--}"; done | sort; } >"${OUT%.md}.raw"
for k in wale_push wale_push_ahead wale_push_module pgbr_push pgbr_push_async wale_fetch_pf wale_fetch_nopf pgbr_get pgbr_get_async; do
  cp "$WORK/t/$k.lat" "${OUT%.md}.$k.lat_us"
done
log "table written to $OUT"
