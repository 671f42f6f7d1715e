#!/usr/bin/env bash
# What encryption costs: backup-push, backup-fetch, wal-push and wal-fetch, each without and with
# libsodium encryption (WALE_LIBSODIUM_KEY_PATH), in the same run, on the same data.
#
#   bash bench/encryption.sh                     # pgbench scale 8 + 64 MiB random bytea, 16 segments
#   BENCH_SCALE=100 BENCH_RANDOM_MB=512 BENCH_WAL_SEGS=64 bash bench/encryption.sh
#
# Settings: BENCH_SCALE [8], BENCH_RANDOM_MB [64], BENCH_WAL_SEGS [16], BENCH_POOL [2],
# BENCH_REPS [3] (plain and encrypted runs alternate; the table shows the best of each, and the
# median, of wall and of CPU time), BENCH_COMPRESSION [lz4], WALE_BIN [build/src/app/wal-e], BENCH_OUT
# [bench/results/encryption-<date>.md], BENCH_WORKDIR [/var/tmp], BENCH_PORT [55442].
# Run as root (PostgreSQL runs as postgres). See docs/performance.md, "Encryption overhead".
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCALE=${BENCH_SCALE:-8}; RANDOM_MB=${BENCH_RANDOM_MB:-64}; NSEG=${BENCH_WAL_SEGS:-16}
POOL=${BENCH_POOL:-2}; REPS=${BENCH_REPS:-3}; CODEC=${BENCH_COMPRESSION:-lz4}
WALE_SRC=${WALE_BIN:-$ROOT/build/src/app/wal-e}
OUT=${BENCH_OUT:-$ROOT/bench/results/encryption-$(date -u +%Y%m%dT%H%M%SZ).md}
PORT=${BENCH_PORT:-55442}
SEG_BYTES=16777216
log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (PostgreSQL runs as postgres)"
[ -x "$WALE_SRC" ] || die "no $WALE_SRC (build wal-e, or set WALE_BIN)"
PG_BIN=$(pg_config --bindir)

WORK=$(mktemp -d "${BENCH_WORKDIR:-/var/tmp}/wale-encbench.XXXXXX")
chmod 755 "$WORK"
PGDATA=$WORK/pg; SOCK=$WORK/sock
mkdir -p "$SOCK" "$WORK/bin" "$WORK/t" "$WORK/walsrc"
bash "$ROOT/scripts/copy-wal-e.sh" "$WALE_SRC" "$WORK"; WALE=$WORK/bin/wal-e  # with its plugins
# Two archives side by side: plain and libsodium (same codec, same data).
for kind in plain sodium; do
  mkdir -p "$WORK/env-$kind" "$WORK/archive-$kind"
  echo "file://localhost$WORK/archive-$kind" >"$WORK/env-$kind/WALE_FILE_PREFIX"
  echo "$CODEC" >"$WORK/env-$kind/WALE_COMPRESSION"
done
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/sodium.key"; chmod 600 "$WORK/sodium.key"
echo "$WORK/sodium.key" >"$WORK/env-sodium/WALE_LIBSODIUM_KEY_PATH"
chown -R postgres:postgres "$WORK"
cd "$WORK"

cleanup() {
  local rc=$?
  set +e
  [ -f "$PGDATA/postmaster.pid" ] && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1
  sleep 1
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
as_pg() { runuser -u postgres -- "$@"; }
psql_q() { as_pg "$PG_BIN/psql" -X -q -h "$SOCK" -p "$PORT" -d postgres -v ON_ERROR_STOP=1 -Atc "$1"; }

# timed KEY CMD...: runs CMD as postgres under GNU time; appends its wall time (s) to
# $WORK/t/KEY and its CPU time (user + system of it and its children, s) to $WORK/t/KEY.cpu.
# On a shared machine CPU time is the steadier measure of what encryption adds.
timed() {
  local key=$1; shift
  as_pg /usr/bin/time -f '%e %U %S' -o "$WORK/t/last.time" "$@" >"$WORK/t/last.out" 2>"$WORK/t/last.err" \
    || { cat "$WORK/t/last.err" >&2; die "$key failed"; }
  read -r wall user sys < <(tail -n 1 "$WORK/t/last.time")
  echo "$wall" >>"$WORK/t/$key"
  awk -v u="$user" -v s="$sys" 'BEGIN{printf "%.2f\n", u+s}' >>"$WORK/t/$key.cpu"
}

log "cluster: pgbench scale $SCALE + $RANDOM_MB MiB random bytea"
as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --no-locale >"$WORK/initdb.log" 2>&1 || die initdb
cat >>"$PGDATA/postgresql.conf" <<CONF
port = $PORT
listen_addresses = ''
unix_socket_directories = '$SOCK'
wal_level = replica
archive_mode = on
archive_command = '$WALE --terse --envdir $WORK/env-plain wal-push %p && $WALE --terse --envdir $WORK/env-sodium wal-push %p'
fsync = off
synchronous_commit = off
max_wal_size = 4GB
checkpoint_timeout = 1h
CONF
as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$WORK/pg.log" -w -t 300 start >/dev/null || die start
as_pg "$PG_BIN/pgbench" -q -i -s "$SCALE" -h "$SOCK" -p "$PORT" postgres >"$WORK/pgbench.log" 2>&1 || die pgbench
psql_q "create extension if not exists pgcrypto"
psql_q "create table noise (id int primary key, b bytea); alter table noise alter b set storage external"
psql_q "insert into noise select g, gen_random_bytes(1024) from generate_series(1, $((RANDOM_MB * 1024))) g"
psql_q "checkpoint"
DATA_BYTES=$(du -sb --exclude=pg_wal "$PGDATA" | cut -f1)

# Real WAL for the wal-push/wal-fetch rows, copied aside.
start_lsn=$(psql_q "select pg_current_wal_lsn()")
k=0
while [ "$(psql_q "select (pg_current_wal_lsn() - '$start_lsn'::pg_lsn)::bigint")" -lt $(( (NSEG + 2) * SEG_BYTES )) ]; do
  psql_q "update pgbench_accounts set abalance = abalance + 1 where aid % 4 = $((k % 4))"; k=$((k + 1))
done
mapfile -t SEGS < <(psql_q "select pg_walfile_name('$start_lsn'::pg_lsn + (i * $SEG_BYTES)::numeric) from generate_series(1, $NSEG) i")
mkdir -p "$WORK/wp/pg_wal/archive_status"
for s in "${SEGS[@]}"; do cp "$PGDATA/pg_wal/$s" "$WORK/walsrc/$s"; cp "$PGDATA/pg_wal/$s" "$WORK/wp/pg_wal/$s"; done
chown -R postgres:postgres "$WORK/walsrc" "$WORK/wp"
psql_q "select pg_switch_wal()" >/dev/null

for rep in $(seq 1 "$REPS"); do
  for kind in plain sodium; do
    log "rep $rep: $kind"
    env=$WORK/env-$kind; arch=$WORK/archive-$kind
    psql_q "checkpoint"
    timed "backup_push_$kind" env PGHOST="$SOCK" PGPORT="$PORT" "$WALE" --terse --envdir "$env" backup-push --pool-size "$POOL" "$PGDATA"
    timed "backup_fetch_$kind" "$WALE" --terse --envdir "$env" backup-fetch --pool-size "$POOL" "$WORK/restore-$kind" LATEST
    rm -rf "$WORK/restore-$kind"
    # wal-push of the copied segments into a fresh wal_005 of their own (one process each, as
    # archive_command runs it; no .ready files, so no push-ahead)
    for s in "${SEGS[@]}"; do rm -f "$arch/wal_005/$s" "$arch/wal_005/$s".*; done
    timed "wal_push_$kind" bash -c "cd '$WORK/wp' && for s in ${SEGS[*]}; do '$WALE' --terse --envdir '$env' wal-push --pool-size 1 pg_wal/\$s || exit 1; done"
    timed "wal_fetch_$kind" bash -c "cd '$WORK/wp' && for s in ${SEGS[*]}; do '$WALE' --terse --envdir '$env' wal-fetch --prefetch 0 \$s pg_wal/RECOVERYXLOG && cmp -s pg_wal/RECOVERYXLOG '$WORK/walsrc/'\$s || exit 1; done"
  done
done

best() { sort -n "$WORK/t/$1" | head -1; }
median() { sort -n "$WORK/t/$1" | awk '{a[NR]=$1} END{m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }
pct() { awk -v p="$1" -v s="$2" 'BEGIN{printf "%+.1f%%", (s-p)/p*100}'; }
rate() { awk -v b="$1" -v s="$2" 'BEGIN{printf "%.0f", b/1048576/s}'; }
WAL_BYTES=$((NSEG * SEG_BYTES))
mkdir -p "$(dirname "$OUT")"
{
  echo "# Encryption overhead (libsodium), $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- wal-e $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'); $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- data directory $((DATA_BYTES / 1048576)) MiB without pg_wal (pgbench scale $SCALE + $RANDOM_MB MiB random); codec $CODEC; --pool-size $POOL; $NSEG WAL segments, one process each"
  echo "- $REPS runs each, plain and libsodium alternating; wall and CPU time best (median); CPU = user + system time of wal-e (all threads, helper processes it waits for); on a shared machine other processes only ever add time, so the best run is the steadier figure"
  echo
  echo "| row | plain wall: best (median) | libsodium wall: best (median) | wall overhead: best (median) | plain CPU: best (median) | libsodium CPU: best (median) | CPU overhead: best (median) |"
  echo "|---|---|---|---|---|---|---|"
  for r in backup_push:"backup-push":$DATA_BYTES backup_fetch:"backup-fetch":$DATA_BYTES wal_push:"wal-push x$NSEG":$WAL_BYTES wal_fetch:"wal-fetch x$NSEG (--prefetch 0)":$WAL_BYTES; do
    IFS=: read -r key label bytes <<<"$r"
    p=$(best "${key}_plain"); s=$(best "${key}_sodium")
    pm=$(median "${key}_plain"); sm=$(median "${key}_sodium")
    pc=$(best "${key}_plain.cpu"); sc=$(best "${key}_sodium.cpu")
    pcm=$(median "${key}_plain.cpu"); scm=$(median "${key}_sodium.cpu")
    printf '| %s | %s s (%s), %s MiB/s | %s s (%s), %s MiB/s | %s (%s) | %s s (%s) | %s s (%s) | %s (%s) |\n' "$label" "$p" "$pm" \
      "$(rate "$bytes" "$p")" "$s" "$sm" "$(rate "$bytes" "$s")" "$(pct "$p" "$s")" "$(pct "$pm" "$sm")" "$pc" "$pcm" "$sc" "$scm" \
      "$(pct "$pc" "$sc")" "$(pct "$pcm" "$scm")"
  done
  echo
  echo "Command: \`BENCH_COMPRESSION=$CODEC BENCH_SCALE=$SCALE BENCH_RANDOM_MB=$RANDOM_MB BENCH_WAL_SEGS=$NSEG BENCH_REPS=$REPS bash bench/encryption.sh\`"
} >"$OUT"
cat "$OUT"
log "table written to $OUT"
