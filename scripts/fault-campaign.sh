#!/usr/bin/env bash
# fault-campaign.sh: a systematic fault campaign against the real wal-e binary,
# real PostgreSQL 15 clusters and (unless --no-s3) a real Ceph radosgw.
#
#   bash scripts/fault-campaign.sh [--short|--full] [--seed N] [--no-s3] [--only FAMILY,...] [--keep]
#
# Families: wal-push, push-ahead, backup-push, backup-fetch, wal-fetch (restore_command
# during real recovery, with prefetch), delete; and the same through the S3 fault proxy
# (s3-wal-push, s3-backup-push (+ delete), s3-backup-fetch, s3-wal-fetch).
# Faults: SIGKILL / SIGTERM at random points, EIO (LD_PRELOAD shim tests/fault/io_fault_shim.c),
# ENOSPC (a small tmpfs, or the shim for the restore side of wal-fetch), corrupt / truncated /
# unreadable archive objects, storage faults and outages through wale_s3_fault_proxy, and races
# (two pushers of one segment, delete during backup-push).
# After every fault the invariants are checked (docs/fault-campaign.md); the end prints one
# table. Exit 0 only if no invariant was violated; 1 on a violation; 3 if the harness broke.
#
# Environment: WALE_BIN (default build/src/app/wal-e), FAULT_PROXY (default
# build/tests/s3/wale_s3_fault_proxy), WALE_S3_TEST_ENV (a running radosgw's env file; without
# it the script starts its own with scripts/s3/start-radosgw.sh on WALE_S3_TEST_PORT_BASE).
# Must run as root (tmpfs, runuser/setpriv to the postgres user).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODE=full; SEED=$(( $(date +%s) % 100000 )); USE_S3=1; ONLY=""; KEEP=""
while [ $# -gt 0 ]; do
  case $1 in
    --short) MODE=short ;;
    --full) MODE=full ;;
    --seed) SEED=$2; shift ;;
    --no-s3) USE_S3=0 ;;
    --only) ONLY=$2; shift ;;
    --keep) KEEP=1 ;;
    -h|--help) sed -n 2,20p "$0"; exit 0 ;;
    *) echo "fault-campaign: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
RANDOM=$SEED
WALE_SRC=${WALE_BIN:-$ROOT/build/src/app/wal-e}
PROXY_BIN=${FAULT_PROXY:-$ROOT/build/tests/s3/wale_s3_fault_proxy}
[ "$(id -u)" = 0 ] || { echo "fault-campaign: must run as root (tmpfs mounts, postgres user)" >&2; exit 3; }
[ -x "$WALE_SRC" ] || { echo "fault-campaign: no wal-e binary at $WALE_SRC (build it, or set WALE_BIN)" >&2; exit 3; }
PG_BIN=$(pg_config --bindir)
[ -x "$PG_BIN/initdb" ] || { echo "fault-campaign: no PostgreSQL in $PG_BIN" >&2; exit 3; }
if [ $USE_S3 = 1 ] && [ ! -x "$PROXY_BIN" ]; then
  echo "fault-campaign: no fault proxy at $PROXY_BIN (cmake --build build --target wale_s3_fault_proxy, or --no-s3)" >&2; exit 3
fi

# Faults per kind and family: full mode aims at >= 200 injected faults in <= 20 minutes.
if [ $MODE = full ]; then N=3; else N=1; fi

W=$(mktemp -d /tmp/wale-faults.XXXXXX)
chmod 755 "$W"
mkdir -p "$W/bin" "$W/sock" "$W/env" "$W/logs" "$W/tmpfs"
bash "$ROOT/scripts/copy-wal-e.sh" "$WALE_SRC" "$W"   # with its plugins (app/plugin.h)
WALE=$W/bin/wal-e
SOCK=$W/sock
RESULTS=$W/results.tsv; : >"$RESULTS"
VIOLOG=$W/violations.log; : >"$VIOLOG"
CLUSTERS=(); PROXY_PID=""; STARTED_RGW=""; TMPFS_MOUNTED=""
START_TIME=$(date +%s)

log() { printf '[%4ds] %s\n' $(( $(date +%s) - START_TIME )) "$*"; }
die() { log "HARNESS ERROR: $*"; exit 3; }

cleanup() {
  local rc=$?
  stop_proxy
  for d in "${CLUSTERS[@]}"; do
    [ -f "$d/postmaster.pid" ] && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1
  done
  kill_our_workers KILL
  [ -n "$TMPFS_MOUNTED" ] && umount -l "$W/tmpfs" 2>/dev/null
  [ -n "$STARTED_RGW" ] && bash "$ROOT/scripts/s3/stop-radosgw.sh" "$STARTED_RGW" >/dev/null 2>&1
  if [ -n "$KEEP" ] || [ $rc = 3 ]; then echo "kept $W"; else rm -rf "$W"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 3' INT TERM

# ---------------------------------------------------------------- building blocks
gcc -O2 -Wall -Wextra -Werror -shared -fPIC -o "$W/bin/io_fault_shim.so" "$ROOT/tests/fault/io_fault_shim.c" -ldl \
  || die "could not build the I/O fault shim"
SHIM=$W/bin/io_fault_shim.so
mkfifo "$W/never"; exec {NEVER_FD}<>"$W/never"
mount -t tmpfs -o size=160m,mode=0777 wale-faults "$W/tmpfs" || die "mount -t tmpfs failed (needs root / CAP_SYS_ADMIN)"
TMPFS_MOUNTED=1
chown -R postgres:postgres "$W"
own() { chown -R postgres:postgres "$@"; }

# Every wal-e run is exec'd as the postgres user in place (setpriv, no fork), so $! is
# wal-e's own pid and signals reach it directly.
AS_PG=(setpriv --reuid=postgres --regid=postgres --init-groups)
as_pg() { "${AS_PG[@]}" "$@"; }
psql_at() { as_pg "$PG_BIN/psql" -X -q -h "$SOCK" -p "$1" -d postgres -v ON_ERROR_STOP=1 -Atc "$2"; }

# mk_file_env DIR ARCHIVE_DIR: an envdir for a local-directory archive.
mk_file_env() {
  mkdir -p "$1"; rm -f "$1"/*
  echo "file://localhost$2" >"$1/WALE_FILE_PREFIX"
  echo 60 >"$1/WALE_ARCHIVE_TIMEOUT"
  own "$1"
}
# mk_s3_env DIR PREFIX [ENDPOINT]: an envdir for the radosgw bucket.
mk_s3_env() {
  mkdir -p "$1"; rm -f "$1"/*
  echo "s3://$BUCKET/$2" >"$1/WALE_S3_PREFIX"
  echo "${3:-$ENDPOINT}" >"$1/WALE_S3_ENDPOINT"
  echo "$ACCESS_KEY" >"$1/AWS_ACCESS_KEY_ID"
  echo "$SECRET_KEY" >"$1/AWS_SECRET_ACCESS_KEY"
  echo none >"$1/WALE_S3_SSE"
  echo 4 >"$1/WALE_RETRIES"
  echo 60 >"$1/WALE_ARCHIVE_TIMEOUT"
  own "$1"
}
wale() { local env=$1; shift; as_pg "$WALE" --terse --envdir "$env" "$@"; }

rand() { echo $(( RANDOM % $1 )); }                  # 0..n-1
pick() { local a=("$@"); echo "${a[$(( RANDOM % ${#a[@]} ))]}"; }
# sleep_ms N: waits N ms without starting a process (read -t on a FIFO nobody writes), so
# that short delays land inside short operations.
sleep_ms() { read -r -t "$(printf '%d.%03d' $(( $1 / 1000 )) $(( $1 % 1000 )))" -u "$NEVER_FD" _ 2>/dev/null; return 0; }
now_ms() { date +%s%3N; }

# alive PID: the process exists and is not a zombie.
alive() { [ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
# term_caught PID: the process has installed its SIGTERM handler (bit 15 of SigCgt). Before
# wal-e's main() runs (the dynamic loader, static constructors) no program can catch a signal:
# SIGTERM then takes its default action and no ERROR line can be printed.
term_caught() {
  local m; m=$(awk '/^SigCgt:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
  [ -n "$m" ] && (( (16#$m >> 14) & 1 ))
}
# signal_if_alive PID SIG: 0 when the signal reached a live process (the fault was injected).
# A SIGTERM that reached wal-e before its handler was installed is noted in $W/term_before_main.
signal_if_alive() {
  alive "$1" || return 1
  if [ "$2" = TERM ] && ! term_caught "$1"; then echo "$1" >>"$W/term_before_main"; fi
  kill -"$2" "$1" 2>/dev/null
}
# Pids of our detached wal-e workers: SUBCOMMAND (wal-push-ahead, wal-prefetch) and a path
# after it on the command line ("wal-e ... wal-push-ahead --pool-size 2 <pg_wal> <segments>").
worker_pids() {
  local f cmd
  for f in $(grep -lasF -- "$1" /proc/[0-9]*/cmdline 2>/dev/null); do
    cmd=$( { tr '\0' ' ' <"$f"; } 2>/dev/null) || continue
    case $cmd in "wal-e "*"$1 "*"$2"*) f=${f#/proc/}; echo "${f%/cmdline}" ;; esac
  done
}
kill_our_workers() {
  local p
  for p in $(worker_pids wal-push-ahead "$W") $(worker_pids wal-prefetch "$W"); do kill -"$1" "$p" 2>/dev/null; done
}
wait_workers_gone() {  # SUBCOMMAND PATH TIMEOUT_S
  local t=$(( $3 * 10 ))
  while [ $t -gt 0 ] && [ -n "$(worker_pids "$1" "$2")" ]; do sleep 0.1; t=$((t - 1)); done
}

# Hidden temporaries wal-e leaves behind: ".<name>.tmp.<pid>.<n>.<hex>" (io::AtomicFileSink) and
# any other *.tmp* file; prints the count under DIR.
tmp_count() { find "$@" \( -name '.*.tmp*' -o -name '*.tmp' -o -name '*.tmp.*' \) 2>/dev/null | wc -l; }
# The same, ignoring temporaries that disappear within a second (another process's work in progress).
tmp_count_stable() {
  local a b; a=$(tmp_count "$@"); [ "$a" = 0 ] && { echo 0; return; }
  sleep 1; b=$(tmp_count "$@"); echo $(( a < b ? a : b ))
}

# ------------------------------------------------------------------- bookkeeping
# record FAMILY KIND RC INJECTED VIOLATIONS(comma list or -) TMPLEFT_INFO
# RESULTS columns: family kind rc injected acked violations kill9_tmp
record() {
  local fam=$1 kind=$2 rc=$3 inj=$4 viol=${5:--} info=${6:-0} acked=0
  [ "$rc" = 0 ] && acked=1
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$fam" "$kind" "$rc" "$inj" "$acked" "$viol" "$info" >>"$RESULTS"
  if [ "$viol" != - ]; then log "VIOLATION $fam/$kind (exit $rc): $viol"; fi
}
# V accumulates the violations of the fault being checked: vio TAG "explanation".
V=""
vio() { V="${V:+$V,}$1"; echo "$(date -u +%T) [$CUR] $1: $2" >>"$VIOLOG"; log "  ! $1: $2"; }
CUR=""
TERM_BEFORE_MAIN=0
begin() {
  CUR="$1/$2 #$3"; V=""; rm -f "$W/term_before_main"
  # A full disk outside the campaign's own tmpfs would turn into false violations.
  [ "$(df --output=avail -k "$W" | tail -1)" -gt 1048576 ] || die "less than 1 GB free for $W: stopping (results would be meaningless)"
}

# no_error_line RC STDERR_FILE KIND: a handled fault (anything but SIGKILL) must end in a
# non-zero exit with one "ERROR" line; death by a signal (rc > 128) prints nothing.
check_error_line() {
  local rc=$1 err=$2 kind=$3
  [ "$rc" = 0 ] && return
  case $kind in *kill9*) return ;; esac
  if [ -s "$W/term_before_main" ] && [ "$rc" = 143 ] && ! grep -q 'ERROR' "$err" 2>/dev/null; then
    # Killed by SIGTERM before main() could catch it: nothing ran, so nothing to report.
    TERM_BEFORE_MAIN=$((TERM_BEFORE_MAIN + 1)); log "  (SIGTERM arrived before wal-e's main(): default action, no line)"
    return
  fi
  grep -q 'ERROR' "$err" 2>/dev/null || vio NOERRLINE "exit $rc without an ERROR line ($(tail -c 200 "$err" 2>/dev/null | tr '\n' ' '))"
}

# ---------------------------------------------------------------- the fault proxy
stop_proxy() {
  if [ -n "$PROXY_PID" ]; then
    kill "$PROXY_PID" 2>/dev/null; wait "$PROXY_PID" 2>/dev/null; PROXY_PID=""
  fi
}
# start_proxy ENVDIR SPEC...: the envdir's endpoint becomes a new proxy with these fault scripts.
start_proxy() {
  local env=$1; shift
  stop_proxy
  local args=() f
  for f in "$@"; do args+=(--faults "$f"); done
  rm -f "$W/proxy.out"   # else the previous proxy's PORT line could be read before the new one truncates it
  "$PROXY_BIN" --upstream "127.0.0.1:${ENDPOINT##*:}" --stall-ms 2500 "${args[@]}" >"$W/proxy.out" 2>"$W/proxy.err" &
  PROXY_PID=$!
  for _ in $(seq 1 600); do grep -qs "^PORT" "$W/proxy.out" && break; sleep 0.05; done
  local port; port=$(awk '/^PORT/ {print $2}' "$W/proxy.out")
  [ -n "$port" ] || die "fault proxy did not start: $(cat "$W/proxy.err")"
  echo "http+path://127.0.0.1:$port" >"$env/WALE_S3_ENDPOINT"
}
# proxy_faults: stops the proxy; sets PF to how many faults it injected (call it directly,
# not in $(...): the proxy is a child of this shell).
proxy_faults() { stop_proxy; PF=$(awk '/^REQUESTS/ {print $4}' "$W/proxy.out" | tail -1); PF=${PF:-0}; }
# nones N: "none,none,..." (N times, with a trailing comma when N > 0).
nones() { local i o=""; for ((i = 0; i < $1; i++)); do o="${o}none,"; done; echo "$o"; }

# ------------------------------------------------------------------- clusters
PORT_NEXT=5901
# init_cluster DIR ENVDIR: a primary archiving through wal-e wal-push into ENVDIR's archive.
init_cluster() {
  local dir=$1 env=$2 port=$PORT_NEXT; PORT_NEXT=$((PORT_NEXT + 1))
  as_pg "$PG_BIN/initdb" -D "$dir" -U postgres -A trust -E UTF8 --no-locale >"$W/logs/initdb.log" 2>&1 || die "initdb $dir"
  cat >>"$dir/postgresql.conf" <<CONF
port = $port
listen_addresses = ''
unix_socket_directories = '$SOCK'
wal_level = replica
archive_mode = on
archive_command = '$WALE --terse --envdir $env wal-push %p'
archive_timeout = 0
fsync = off
max_wal_size = 256MB
checkpoint_timeout = 30min
shared_buffers = 16MB
CONF
  CLUSTERS+=("$dir")
  echo "$port" >"$dir.port"
}
port_of() { cat "$1.port"; }
start_cluster() {
  as_pg "$PG_BIN/pg_ctl" -D "$1" -l "$W/logs/$(basename "$1").log" -w -t 120 start >/dev/null \
    || die "start $1: $(tail -5 "$W/logs/$(basename "$1").log")"
}
stop_cluster() { as_pg "$PG_BIN/pg_ctl" -D "$1" -m fast -w -t 60 stop >/dev/null 2>&1 || as_pg "$PG_BIN/pg_ctl" -D "$1" -m immediate stop >/dev/null 2>&1; }
checksum() { psql_at "$1" "select count(*) || ':' || coalesce(md5(string_agg(id || v, ',' order by id)), '') from t"; }
# archive_now PORT ENVDIR: switch WAL and wait until everything written so far is archived.
archive_now() {
  local port=$1 env=$2 last
  last=$(psql_at "$port" "select pg_walfile_name(pg_current_wal_lsn())")
  psql_at "$port" "select pg_switch_wal()" >/dev/null
  for _ in $(seq 1 600); do
    wale "$env" wal-fetch --prefetch 0 "$last" "$W/.probe" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  die "WAL $last was not archived"
}
# grow PORT ROWS SEGMENTS: insert rows, switching WAL SEGMENTS times in between.
grow() {
  local port=$1 rows=$2 segs=$3 i
  for i in $(seq 1 "$segs"); do
    psql_at "$port" "insert into t select m + g, md5(random()::text) from (select coalesce(max(id), 0) m from t) s, generate_series(1, $rows) g" >/dev/null
    psql_at "$port" "select pg_switch_wal()" >/dev/null
  done
}
backup_push() {  # backup_push DATADIR ENVDIR: prints the new backup's name
  as_pg env PGHOST="$SOCK" PGPORT="$(port_of "$1")" "$WALE" --terse --envdir "$2" backup-push "$1" 2>"$W/logs/bp-setup.err" \
    || die "setup backup-push: $(tail -3 "$W/logs/bp-setup.err")"
}

# ------------------------------------------------------------ invariant checks
# verify_listed FAMILY ENVDIR: every backup backup-list shows must pass backup-verify
# (checksums of every file) -- once per name. Adds BADBACKUP violations.
declare -A VERIFIED=()
verify_listed() {
  local env=$1 name out
  out=$(wale "$env" backup-list 2>"$W/logs/list.err") || { vio BADBACKUP "backup-list failed: $(tail -1 "$W/logs/list.err")"; return; }
  for name in $(echo "$out" | tail -n +2 | cut -f1); do
    [ -n "${VERIFIED[$env/$name]:-}" ] && continue
    if wale "$env" backup-verify "$name" >"$W/logs/verify.out" 2>&1; then
      VERIFIED[$env/$name]=1
    else
      vio BADBACKUP "listed backup $name does not verify: $(grep -m1 -i 'error\|missing\|mismatch' "$W/logs/verify.out" | cut -c1-200)"
      VERIFIED[$env/$name]=bad
    fi
  done
}
listed_backups() { wale "$1" backup-list 2>/dev/null | tail -n +2 | cut -f1; }

# Archive object of segment S (any codec extension).
seg_object() { compgen -G "$1/wal_005/$2*" | head -1; }
# seg_add NAME N: the WAL segment N after NAME (16 MB segments: 256 per log file).
seg_add() {
  local tli=${1:0:8} log=$((16#${1:8:8})) seg=$((16#${1:16:8})) n=$2
  seg=$((seg + n)); log=$((log + seg / 256)); seg=$((seg % 256))
  printf '%s%08X%08X' "$tli" "$log" "$seg"
}
# wal_continuity ARCHIVE_DIR: for each listed backup (names on stdin), every segment from its
# start to the newest archived segment of its timeline must be in wal_005/. Prints the gaps.
wal_gaps() {
  local dir=$1 b start tli newest s
  # Segments only: SEG or SEG.<codec>; not SEG.<offset>.backup, .partial or .history files.
  local -A have=()
  for s in $(ls "$dir/wal_005" 2>/dev/null | grep -E '^[0-9A-F]{24}(\.(zst|lz4|lzo|gz|br|none))?$' | cut -c1-24); do have[$s]=1; done
  while read -r b; do
    [ -n "$b" ] || continue
    start=$(echo "$b" | sed -n 's/^base_\([0-9A-F]\{24\}\)_.*/\1/p')
    tli=${start:0:8}
    newest=$(printf '%s\n' "${!have[@]}" | grep "^$tli" | sort | tail -1)
    [ -n "$newest" ] || { echo "$b: no WAL at all"; continue; }
    s=$start
    while [[ "$s" < "$newest" || "$s" == "$newest" ]]; do
      [ -n "${have[$s]:-}" ] || echo "$b needs $s"
      s=$(seg_add "$s" 1)
    done
  done
}

# half_restore_startable DIR ARCHIVE_ENV: an unfinished restore must not start. If DIR holds a
# control file, try what an operator would do (recovery.signal + restore_command, pg_ctl start).
startable() {
  local dir=$1 env=$2 port=$PORT_NEXT; PORT_NEXT=$((PORT_NEXT + 1))
  [ -f "$dir/global/pg_control" ] && [ -f "$dir/PG_VERSION" ] || return 1
  own "$dir"; chmod 700 "$dir"
  cat >>"$dir/postgresql.conf" <<CONF
port = $port
listen_addresses = ''
unix_socket_directories = '$SOCK'
archive_mode = off
restore_command = '$WALE --terse --envdir $env wal-fetch --prefetch 0 "%f" "%p"'
CONF
  : >"$dir/recovery.signal"; own "$dir"
  as_pg "$PG_BIN/pg_ctl" -D "$dir" -l "$W/logs/startable.log" -w -t 6 start >/dev/null 2>&1
  local up=1
  if as_pg "$PG_BIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then up=0; fi
  as_pg "$PG_BIN/pg_ctl" -D "$dir" -m immediate stop >/dev/null 2>&1
  return $up
}

# ---------------------------------------------------------- running under a fault
# run_faulted KIND DELAY_MS OUT ERR ENV_ASSIGNMENTS... -- CMD...: runs CMD (as postgres, exec'd in
# place) with extra environment; for kill9/term sends the signal after DELAY_MS. Sets RC and
# INJ (1 when the signal reached the live process). Other kinds: INJ decided by the caller.
run_faulted() {
  local kind=$1 delay=$2 out=$3 err=$4; shift 4
  local envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done; shift
  env "${envs[@]}" "${AS_PG[@]}" "$@" >"$out" 2>"$err" &
  local pid=$! sig=""
  case $kind in kill9*) sig=KILL ;; term*) sig=TERM ;; esac
  INJ=0
  if [ -n "$sig" ]; then
    # The delay starts once setpriv has exec'd wal-e: a signal must hit wal-e, not the launcher.
    local i; for i in $(seq 1 400); do
      [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$WALE" ] && break
      alive "$pid" || break
      sleep_ms 1
    done
    sleep_ms "$delay"
    if signal_if_alive "$pid" "$sig"; then INJ=1; fi
  fi
  { wait "$pid"; } 2>/dev/null; RC=$?
}
shim_env() {  # shim_env DIR AFTER OPS ERRNO: assignments for run_faulted
  rm -f "$W/shim.log"
  echo "LD_PRELOAD=$SHIM" "FAULT_SHIM_DIR=$1" "FAULT_SHIM_AFTER=$2" "FAULT_SHIM_OPS=$3" "FAULT_SHIM_ERRNO=${4:-EIO}" "FAULT_SHIM_LOG=$W/shim.log"
}
shim_hit() { [ -s "$W/shim.log" ]; }
chmod 666 /dev/null
touch "$W/shim.log"; chmod 666 "$W/shim.log"

# fill_tmpfs FREE_BYTES: a filler file leaves about FREE_BYTES free on the tmpfs.
fill_tmpfs() {
  rm -f "$W/tmpfs/filler"
  local avail; avail=$(( $(stat -f -c '%a*%S' "$W/tmpfs") ))
  local size=$(( avail - $1 )); [ $size -gt 0 ] || return 0
  fallocate -l "$size" "$W/tmpfs/filler" 2>/dev/null || head -c "$size" /dev/zero >"$W/tmpfs/filler"
}
unfill_tmpfs() { rm -f "$W/tmpfs/filler"; }

# fetch_equal ENV SEG FILE: 0 when the archive holds SEG with FILE's exact content.
fetch_equal() {
  rm -f "$W/fetched"
  wale "$1" wal-fetch --prefetch 0 "$2" "$W/fetched" >/dev/null 2>&1 || return 1
  cmp -s "$W/fetched" "$3"
}
# stage DIR SEG...: a pg_wal directory holding these real segments, each marked .ready.
stage() {
  local dir=$1; shift
  rm -rf "$dir"; mkdir -p "$dir/archive_status"
  local s; for s in "$@"; do cp "$POOL/$s" "$dir/$s"; : >"$dir/archive_status/$s.ready"; done
  own "$dir"
}
want() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }

if [ $MODE = full ]; then
  R_WP=9; R_PA=6; R_BP=6; R_BF=6; R_WF=3; R_DEL=9; R_RACE=6; R_S3=3
else
  R_WP=1; R_PA=1; R_BP=1; R_BF=1; R_WF=1; R_DEL=1; R_RACE=1; R_S3=1
fi

# ------------------------------------------------------------------------ setup
log "fault campaign: mode $MODE, seed $SEED, wal-e $WALE_SRC, work $W"
ARCH=$W/tmpfs/archive            # the main local archive, on the tmpfs (ENOSPC for backup-push)
mkdir -p "$ARCH"; own "$ARCH"
ENV_A=$W/env/a; mk_file_env "$ENV_A" "$ARCH"
P=$W/primary
init_cluster "$P" "$ENV_A"; PP=$(port_of "$P")
start_cluster "$P"
psql_at "$PP" "create table t (id bigint primary key, v text); insert into t select g, md5(g::text) from generate_series(1, 20000) g" >/dev/null
B1=$(backup_push "$P" "$ENV_A"); grow "$PP" 2000 2
B2=$(backup_push "$P" "$ENV_A"); grow "$PP" 2000 2
T0=$(now_ms); G=$(backup_push "$P" "$ENV_A"); BP_MS=$(( $(now_ms) - T0 ))
grow "$PP" 3000 4
# Two full segments of real data last: the pool of segments wal-push and push-ahead use.
psql_at "$PP" "insert into t select m + g, md5(random()::text) from (select max(id) m from t) s, generate_series(1, 150000) g" >/dev/null
archive_now "$PP" "$ENV_A"
EXPECT_G=$(checksum "$PP")
TEMPLATE=$W/template; cp -a "$ARCH" "$TEMPLATE"
G_START=$(echo "$G" | sed -n 's/^base_\([0-9A-F]\{24\}\)_.*/\1/p')
mapfile -t POST_G < <(ls "$ARCH/wal_005" | cut -c1-24 | grep -E '^[0-9A-F]{24}$' | sort -u | sed -n "/^$G_START\$/,\$p")
log "setup: backups $B1 $B2 $G (backup-push ${BP_MS} ms); ${#POST_G[@]} segments from $G_START; rows ${EXPECT_G%%:*}"
# Real segments for wal-push and push-ahead: the last 6 consecutive archived segments.
POOL=$W/pool; mkdir -p "$POOL"; own "$POOL"
POOL_SEGS=("${POST_G[@]: -6}")
for s in "${POOL_SEGS[@]}"; do wale "$ENV_A" wal-fetch --prefetch 0 "$s" "$POOL/$s" 2>/dev/null || die "pool $s"; done
# wal-push faults use the segments that compress least (the most work to interrupt).
mapfile -t BIG_SEGS < <(for s in "${POOL_SEGS[@]}"; do echo "$(stat -c %s "$(seg_object "$ARCH" "$s")") $s"; done | sort -rn | head -3 | cut -d' ' -f2)
WP_OBJ=$(stat -c %s "$(seg_object "$ARCH" "${BIG_SEGS[0]}")")
mkdir -p "$W/tmpfs/wp/base"; own "$W/tmpfs/wp"; mk_file_env "$W/env/wpb" "$W/tmpfs/wp/base"
stage "$W/wp/a/pg_wal" "${BIG_SEGS[0]}"; rm -f "$W/wp/a/pg_wal/archive_status/"*
WP_MS=999999
for i in 1 2 3; do   # the fastest of three: a kill must land inside a warm push
  rm -rf "$W/tmpfs/wp/base"; mkdir -p "$W/tmpfs/wp/base"; own "$W/tmpfs/wp"
  T0=$(now_ms); wale "$W/env/wpb" wal-push --pool-size 1 "$W/wp/a/pg_wal/${BIG_SEGS[0]}" || die "baseline wal-push"
  T0=$(( $(now_ms) - T0 )); [ "$T0" -lt "$WP_MS" ] && WP_MS=$T0
done
rm -rf "$W/tmpfs/wp/base"
own "$W"

# ----------------------------------------------------------- restore_command wrapper
# PostgreSQL runs this as restore_command; it runs wal-e wal-fetch normally, except for the
# K-th segment request, where it injects the planned fault. Plan: $W/wf/plan (sourced).
mkdir -p "$W/wf"; : >"$W/wf/plan"
cat >"$W/bin/fetch-wrap.sh" <<'WRAP'
#!/bin/bash
# restore_command wrapper of the fault campaign. Plan (sourced): KIND, K, DELAY, ENV_CLEAN,
# ENV_FAULT, PGDIR, SHIM*. Signals hit the K-th segment request only; shim, archive and
# fault-env kinds apply from the K-th request on (the archive stays broken until repaired).
f=$1 p=$2
W=__W__
source "$W/wf/plan"
WALE=$W/bin/wal-e
seg=0; [[ $f =~ ^[0-9A-F]{24}$ ]] && seg=1
n=0
if [ $seg = 1 ]; then n=$(( $(cat "$W/wf/count" 2>/dev/null || echo 0) + 1 )); echo $n >"$W/wf/count"; fi
faulty=0
case ${KIND:-none} in
  none) ;;
  kill9|term|prefetch-kill9|prefetch-term) [ "$n" = "${K:-0}" ] && faulty=1 ;;
  *) [ "$seg" = 1 ] && [ "$n" -ge "${K:-0}" ] && faulty=1 ;;
esac
if [ $faulty = 0 ]; then
  "$WALE" --terse --envdir "$ENV_CLEAN" wal-fetch "$f" "$p" 2>>"$W/wf/wale.err"; rc=$?
  echo "$n $f rc=$rc" >>"$W/wf/log"; exit $rc
fi
case $KIND in
  kill9|term)
    # As if the prefetch worker had not got this segment yet: wal-fetch downloads it in-band.
    rm -f "$(dirname "$p")"/.wal-e/prefetch*/"$f"
    "$WALE" --terse --envdir "$ENV_CLEAN" wal-fetch "$f" "$p" 2>>"$W/wf/fault.err" & pid=$!
    sleep "$DELAY"
    if [ $KIND = term ] && [ -r /proc/$pid/status ] && ! (( (16#$(awk '/^SigCgt:/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0) >> 14) & 1 )); then
      echo $pid >>"$W/term_before_main"  # SIGTERM before wal-e's main() installed its handler
    fi
    if [ -r /proc/$pid/stat ] && [ "$(awk '{print $3}' /proc/$pid/stat)" != Z ] && kill -$( [ $KIND = kill9 ] && echo KILL || echo TERM) $pid 2>/dev/null; then
      echo injected >"$W/wf/injected"
    fi
    { wait $pid; } 2>/dev/null; rc=$? ;;
  prefetch-kill9|prefetch-term)
    # Kill the first prefetch worker that appears within 3 s, at a random point of its life.
    ( for _ in $(seq 1 300); do
        for q in $(grep -lasF -- "wal-prefetch" /proc/[0-9]*/cmdline 2>/dev/null); do
          c=$( { tr '\0' ' ' <$q; } 2>/dev/null) || continue
          case $c in "wal-e "*"wal-prefetch "*"$PGDIR"*)
            q=${q#/proc/}; q=${q%/cmdline}
            sleep "$DELAY"
            kill -$( [ $KIND = prefetch-kill9 ] && echo KILL || echo TERM) $q 2>/dev/null && echo injected >"$W/wf/injected"
            exit 0 ;;
          esac
        done
        sleep 0.01
      done ) </dev/null >/dev/null 2>&1 &
    "$WALE" --terse --envdir "$ENV_CLEAN" wal-fetch "$f" "$p" 2>>"$W/wf/fault.err"; rc=$? ;;
  shim)
    LD_PRELOAD=$SHIM FAULT_SHIM_DIR=$SHIM_DIR FAULT_SHIM_AFTER=$SHIM_AFTER FAULT_SHIM_OPS=$SHIM_OPS FAULT_SHIM_ERRNO=$SHIM_ERRNO \
      FAULT_SHIM_LOG=$W/wf/injected "$WALE" --terse --envdir "$ENV_CLEAN" wal-fetch "$f" "$p" 2>>"$W/wf/fault.err"; rc=$? ;;
  via-fault-env|archive)  # the archive itself is damaged (harness), or the storage path is faulty (proxy)
    "$WALE" --terse --envdir "$ENV_FAULT" wal-fetch "$f" "$p" 2>>"$W/wf/fault.err"; rc=$?
    [ "$KIND" = archive ] && echo injected >"$W/wf/injected" ;;
esac
echo "$n $f rc=$rc FAULT $KIND" >>"$W/wf/log"
[ "$rc" != 0 ] || [ ! -s "$W/wf/fault.rc" ] && echo "$rc" >"$W/wf/fault.rc"
exit $rc
WRAP
sed -i "s|__W__|$W|" "$W/bin/fetch-wrap.sh"; chmod 755 "$W/bin/fetch-wrap.sh"
chmod 777 "$W/wf"

# prepare_restore PRISTINE DIR: a copy of a restored backup, set up for recovery through the wrapper.
prepare_restore() {
  local src=$1 dir=$2 port=$PORT_NEXT; PORT_NEXT=$((PORT_NEXT + 1))
  rm -rf "$dir"; cp -a "$src" "$dir"
  cat >>"$dir/postgresql.conf" <<CONF
port = $port
listen_addresses = ''
unix_socket_directories = '$SOCK'
archive_mode = off
restore_command = '$W/bin/fetch-wrap.sh "%f" "%p"'
CONF
  : >"$dir/recovery.signal"; own "$dir"; chmod 700 "$dir"
  echo "$port" >"$dir.port"
  CLUSTERS+=("$dir")
}
# recover_keep DIR: starts it and waits for the end of recovery; prints "promoted" (left
# running) or "stopped"/"hung".
recover_keep() {
  local dir=$1 port; port=$(port_of "$1")
  as_pg "$PG_BIN/pg_ctl" -D "$dir" -l "$W/logs/recover-keep.log" -w -t 90 start >/dev/null 2>&1
  for _ in $(seq 1 450); do
    [ "$(psql_at "$port" 'select pg_is_in_recovery()' 2>/dev/null)" = f ] && { echo promoted; return; }
    as_pg "$PG_BIN/pg_ctl" -D "$dir" status >/dev/null 2>&1 || { echo stopped; return; }
    sleep 0.2
  done
  as_pg "$PG_BIN/pg_ctl" -D "$dir" -m immediate stop >/dev/null 2>&1
  echo hung
}
# recover DIR: starts it; prints "promoted <checksum>" or "stopped".
recover() {
  local dir=$1 port; port=$(port_of "$1")
  as_pg "$PG_BIN/pg_ctl" -D "$dir" -l "$W/logs/recover.log" -w -t 90 start >/dev/null 2>&1
  for _ in $(seq 1 450); do
    if [ "$(psql_at "$port" 'select pg_is_in_recovery()' 2>/dev/null)" = f ]; then
      echo "promoted $(checksum "$port")"; as_pg "$PG_BIN/pg_ctl" -D "$dir" -m immediate stop >/dev/null 2>&1; return
    fi
    if ! as_pg "$PG_BIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then echo stopped; return; fi
    sleep 0.2
  done
  as_pg "$PG_BIN/pg_ctl" -D "$dir" -m immediate stop >/dev/null 2>&1
  echo hung
}

# ------------------------------------------------------------- family: wal-fetch
# restore_command during a real recovery of backup G (with prefetch). The fault hits the
# K-th segment request. Invariant: a recovery that promotes has every row the archive holds
# (else EARLYEND: PostgreSQL took a failure for "end of archive"); a recovery stopped by the
# fault must, once the fault is repaired, restart and reach every row (else STUCK).
# wf_case FAMILY KIND PRISTINE EXPECT ENV_CLEAN ENV_FAULT ARCHIVE_DIR(or "") SEGS...
wf_case() {
  local fam=$1 kind=$2 pristine=$3 expect=$4 envc=$5 envf=$6 adir=$7; shift 7
  local segs=("$@") nseg=$# k obj="" saved="" R=$W/wf/restore
  k=$(( 1 + $(rand $(( nseg - 1 ))) + 1 ))     # never the first request (the backup's own start)
  local target_seg=${segs[$((k - 1))]}
  prepare_restore "$pristine" "$R"
  rm -f "$W/wf/count" "$W/wf/injected" "$W/wf/fault.rc" "$W/wf/log" "$W/wf/wale.err" "$W/wf/fault.err"
  local plan_kind=$kind delay extra=""
  delay=$(printf '0.%03d' $(rand 40))
  # The first request prefetches the next 8 segments, so faults of the storage path and of
  # the prefetch workers start with it (with a random number of clean operations first).
  case $kind in prefetch-*|eio-*|enospc-*|s3-*) k=1; delay=$(printf '0.%03d' $(rand 400)) ;; esac
  case $kind in
    corrupt|truncate|unreadable)
      obj=$(seg_object "$adir" "$target_seg"); [ -n "$obj" ] || die "no object for $target_seg"
      saved=$W/wf/saved.obj; cp -p "$obj" "$saved"
      local size; size=$(stat -c %s "$obj")
      case $kind in
        corrupt) printf '\xde\xad\xbe\xef\xde\xad\xbe\xef' | dd of="$obj" bs=1 seek=$(( size / 2 )) conv=notrunc status=none ;;
        truncate) truncate -s $(( size / 2 )) "$obj" ;;
        unreadable) chmod 000 "$obj" ;;
      esac
      plan_kind=archive ;;
    eio-archive-read) plan_kind=shim; extra="SHIM_DIR=$adir SHIM_AFTER=$(rand 20) SHIM_OPS=read SHIM_ERRNO=EIO" ;;
    eio-target-write) plan_kind=shim; extra="SHIM_DIR=$R/pg_wal SHIM_AFTER=$(rand 300) SHIM_OPS=write,fsync SHIM_ERRNO=EIO" ;;
    enospc-target) plan_kind=shim; extra="SHIM_DIR=$R/pg_wal SHIM_AFTER=$(rand 300) SHIM_OPS=write SHIM_ERRNO=ENOSPC" ;;
    s3-*) plan_kind=via-fault-env ;;
  esac
  { echo "KIND=$plan_kind"; echo "K=$k"; echo "DELAY=$delay"; echo "ENV_CLEAN=$envc"; echo "ENV_FAULT=$envf"
    echo "PGDIR=$R"; echo "SHIM=$SHIM"; for e in $extra; do echo "$e"; done; } >"$W/wf/plan"
  local m; m=$(nones $(rand $(( 2 * nseg ))))
  case $kind in
    s3-outage) start_proxy "$envf" "GET=${m%,}/503" "HEAD=${m%,}/503" ;;
    s3-reset) start_proxy "$envf" "GET=${m%,}/reset" ;;
    s3-corrupt-reply) start_proxy "$envf" "GET=${m}corrupt-reply,corrupt-reply,corrupt-reply/none" ;;
    s3-cut-transient) start_proxy "$envf" "GET=${m}cut,none,reset/none" ;;
    s3-stall) start_proxy "$envf" "GET=${m}stall-before/none" ;;
  esac
  begin "$fam" "$kind" "$k"
  local out; out=$(recover "$R")
  local inj=0; [ -s "$W/wf/injected" ] && inj=1
  case $kind in s3-*) proxy_faults; [ "$PF" -gt 0 ] && inj=1 ;; esac
  local frc; frc=$(cat "$W/wf/fault.rc" 2>/dev/null || echo none)
  # Repair the fault.
  if [ -n "$saved" ]; then cp -p "$saved" "$obj"; chmod 600 "$obj"; own "$obj"; fi
  echo "KIND=none" >"$W/wf/plan"; echo "ENV_CLEAN=$envc" >>"$W/wf/plan"
  case $out in
    promoted*)
      if [ "${out#promoted }" != "$expect" ]; then
        vio EARLYEND "recovery promoted with ${out#promoted } rows:checksum, the archive holds $expect (wal-fetch exit $frc at request $k, $target_seg)"
      fi ;;
    stopped|hung)
      [ "$frc" != none ] && [ "$frc" != 0 ] && check_error_line "$frc" "$W/wf/fault.err" "$kind"
      rm -f "$W/wf/count"
      local out2; out2=$(recover "$R")
      if [ "$out2" != "promoted $expect" ]; then
        vio STUCK "after repairing the fault, recovery ended '$out2' (expected promoted $expect)"
      fi ;;
  esac
  local tl; tl=$(tmp_count "$R/pg_wal")
  local info=0
  if [ "$tl" -gt 0 ]; then case $kind in *kill9*) info=$tl ;; *) vio TMPLEFT "$tl temporary files under pg_wal after the recovery" ;; esac; fi
  record "$fam" "$kind" "$frc" "$inj" "${V:--}" "$info"
  rm -rf "$R"
}

fam_wal_fetch() {
  local pristine=$W/wf/pristine
  wale "$ENV_A" backup-fetch "$pristine" "$G" >/dev/null 2>&1 || die "backup-fetch of $G for the wal-fetch family"
  # A second envdir on the same archive: faults of kind "archive" read the damaged object through it.
  local kinds=(kill9 term prefetch-kill9 prefetch-term corrupt truncate unreadable eio-archive-read eio-target-write enospc-target)
  local rep kind
  for rep in $(seq 1 "$R_WF"); do
    for kind in "${kinds[@]}"; do
      if [ $MODE = short ] && [ $(rand 2) = 0 ]; then continue; fi
      wf_case wal-fetch "$kind" "$pristine" "$EXPECT_G" "$ENV_A" "$ENV_A" "$ARCH" "${POST_G[@]}"
    done
  done
  rm -rf "$pristine"
}

# ------------------------------------------------------------- family: wal-push
# Acknowledged = wal-push exited 0: the archive must then hold exactly the pushed bytes
# (checked by fetching it back with an unfaulted wal-fetch). After the fault is removed, a
# retry (what PostgreSQL does) must succeed with the same content (else STUCK).
# wp_case FAMILY KIND ENV_MAKER...: one wal-push fault against a fresh prefix.
wp_case() {
  local fam=$1 kind=$2 idx=$3 store=$4     # store: file or s3
  local seg; seg=$(pick "${BIG_SEGS[@]}")
  local dir=$W/tmpfs/wp/$idx env=$W/env/wp envc=$W/env/wpc
  local S=$W/wp/a/pg_wal S2=$W/wp/b/pg_wal
  mkdir -p "$dir"; own "$dir"
  if [ "$store" = s3 ]; then mk_s3_env "$env" "$S3ROOT/wp/$idx"; mk_s3_env "$envc" "$S3ROOT/wp/$idx"
  else mk_file_env "$env" "$dir"; mk_file_env "$envc" "$dir"; fi
  stage "$S" "$seg"; rm -f "$S/archive_status/$seg.ready"   # no other .ready: no push-ahead
  local delay=$(( $(rand $(( WP_MS * 12 / 10 + 1 ))) ))
  local push=("$WALE" --terse --envdir "$env" wal-push --pool-size 1 "$S/$seg")
  begin "$fam" "$kind" "$idx"
  local rc2=none info=0
  case $kind in
    kill9|term) run_faulted "$kind" "$delay" "$W/out" "$W/err" X=1 -- "${push[@]}" ;;
    eio-write) run_faulted eio 0 "$W/out" "$W/err" $(shim_env "$dir" "$(rand 6)" write) -- "${push[@]}"; shim_hit && INJ=1 ;;
    eio-fsync) run_faulted eio 0 "$W/out" "$W/err" $(shim_env "$dir" "$(rand 2)" fsync) -- "${push[@]}"; shim_hit && INJ=1 ;;
    enospc) fill_tmpfs $(rand "$WP_OBJ"); run_faulted enospc 0 "$W/out" "$W/err" X=1 -- "${push[@]}"; INJ=1; unfill_tmpfs ;;
    race-diff|race-same)
      stage "$S2" "$seg"; rm -f "$S2/archive_status/$seg.ready"
      if [ $kind = race-diff ]; then   # another cluster's segment of the same name: same header, other bytes
        printf 'other-cluster-bytes' | dd of="$S2/$seg" bs=1 seek=$(( 8 * 1024 * 1024 )) conv=notrunc status=none
      fi
      env "${AS_PG[@]}" "$WALE" --terse --envdir "$env" wal-push --pool-size 1 "$S2/$seg" >"$W/out2" 2>"$W/err2" & local p2=$!
      run_faulted race 0 "$W/out" "$W/err" X=1 -- "${push[@]}"; INJ=1
      wait "$p2"; rc2=$? ;;
    s3-*)
      case $kind in
        s3-transient) start_proxy "$env" 'PUT=503,reset-request,500,cut/none' 'HEAD=503/none' ;;
        s3-outage) start_proxy "$env" '*=/503' ;;
        s3-corrupt-request) start_proxy "$env" 'PUT=corrupt-request,corrupt-request/none' ;;
        s3-cut-after-store) start_proxy "$env" 'PUT=cut,cut,cut/none' ;;
        s3-kill9-stall|s3-term-stall) start_proxy "$env" 'PUT=stall,stall/none' ;;
      esac
      case $kind in
        s3-kill9-stall) run_faulted kill9 $(( 200 + $(rand 2000) )) "$W/out" "$W/err" X=1 -- "${push[@]}" ;;
        s3-term-stall) run_faulted term $(( 200 + $(rand 2000) )) "$W/out" "$W/err" X=1 -- "${push[@]}" ;;
        *) run_faulted s3 0 "$W/out" "$W/err" X=1 -- "${push[@]}" ;;
      esac
      proxy_faults; [ "$PF" -gt 0 ] && INJ=1 ;;
  esac
  local rc=$RC
  check_error_line "$rc" "$W/err" "$kind"
  if [ $kind = race-diff ]; then
    if [ "$rc" = 0 ] && [ "$rc2" = 0 ]; then vio LOST "two pushers of different $seg both exited 0: one acknowledged segment is not in the archive"
    elif [ "$rc" = 0 ]; then fetch_equal "$envc" "$seg" "$S/$seg" || vio LOST "$seg acknowledged, archive holds other bytes"
    elif [ "$rc2" = 0 ]; then fetch_equal "$envc" "$seg" "$S2/$seg" || vio LOST "$seg acknowledged (2nd pusher), archive holds other bytes"
    fi
  else
    if [ "$rc" = 0 ]; then fetch_equal "$envc" "$seg" "$S/$seg" || vio LOST "$seg acknowledged but missing or different in the archive"; fi
    if [ "$rc2" = 0 ]; then fetch_equal "$envc" "$seg" "$S2/$seg" || vio LOST "$seg acknowledged (2nd pusher) but missing or different"; fi
    # PostgreSQL retries: it must succeed now, with the right content.
    if ! wale "$envc" wal-push --pool-size 1 "$S/$seg" >/dev/null 2>"$W/err.retry"; then
      vio STUCK "retry of wal-push $seg after the fault fails: $(tail -1 "$W/err.retry" | cut -c1-200)"
    elif ! fetch_equal "$envc" "$seg" "$S/$seg"; then
      vio LOST "retry of wal-push $seg exited 0 but the archive holds other bytes"
    fi
  fi
  if [ "$store" = file ]; then
    local tl; tl=$(tmp_count "$dir")
    if [ "$tl" -gt 0 ]; then case $kind in kill9*|*kill9*) info=$tl ;; *) vio TMPLEFT "$tl temporary files in the archive" ;; esac; fi
  fi
  [ "$rc2" != none ] && rc="$rc+$rc2"
  record "$fam" "$kind" "$rc" "$INJ" "${V:--}" "$info"
  rm -rf "$dir"
}

fam_wal_push() {
  log "wal-push: baseline ${WP_MS} ms, ${WP_OBJ} bytes stored"
  local rep kind i=0
  for rep in $(seq 1 "$R_WP"); do
    for kind in kill9 term eio-write eio-fsync enospc race-diff race-same; do
      i=$((i + 1)); wp_case wal-push "$kind" "$i" file
    done
  done
}

# ---------------------------------------------------------- family: push-ahead
# wal-push of S0 while S1..S5 are .ready starts a detached wal-push-ahead worker; the fault
# hits the worker (signal) or the whole run (EIO, ENOSPC). Acknowledged: S0 by wal-push's exit
# 0; S1..S5 by the worker's markers in pg_wal/.wal-e/pushed (a later wal-push trusts them and
# returns 0 at once) and then by PostgreSQL's own wal-push calls (exit 0). Each acknowledged
# segment must be in the archive, byte for byte.
pa_case() {
  local kind=$1 idx=$2
  local dir=$W/tmpfs/pa/$idx env=$W/env/pa S=$W/pa/pg_wal
  mkdir -p "$dir"; own "$dir"; mk_file_env "$env" "$dir"
  stage "$S" "${POOL_SEGS[@]}"
  local s0=${POOL_SEGS[0]}
  local push=("$WALE" --terse --envdir "$env" wal-push --pool-size 2 "$S/$s0")
  begin push-ahead "$kind" "$idx"
  local info=0
  case $kind in
    kill9-worker|term-worker)
      run_faulted none 0 "$W/out" "$W/err" X=1 -- "${push[@]}"
      local wp=""; for _ in $(seq 1 20); do wp=$(worker_pids wal-push-ahead "$S" | head -1); [ -n "$wp" ] && break; sleep 0.02; done
      INJ=0
      if [ -n "$wp" ]; then
        sleep_ms $(rand $(( PA_MS + 1 )))
        signal_if_alive "$wp" "$([ $kind = kill9-worker ] && echo KILL || echo TERM)" && INJ=1
      fi ;;
    eio)
      run_faulted eio 0 "$W/out" "$W/err" $(shim_env "$dir" "$(rand 30)" write,fsync) -- "${push[@]}"
      wait_workers_gone wal-push-ahead "$S" 30; shim_hit && INJ=1 ;;
    enospc)
      fill_tmpfs $(rand $(( WP_OBJ * 4 ))); run_faulted enospc 0 "$W/out" "$W/err" X=1 -- "${push[@]}"; INJ=1
      wait_workers_gone wal-push-ahead "$S" 30; unfill_tmpfs ;;
    race-pg)   # PostgreSQL keeps calling wal-push for S1.. while the worker pushes them
      run_faulted none 0 "$W/out" "$W/err" X=1 -- "${push[@]}"; INJ=1 ;;
  esac
  local rc=$RC
  [ $kind != race-pg ] && wait_workers_gone wal-push-ahead "$S" 30
  check_error_line "$rc" "$W/err" "$kind"
  [ "$rc" = 0 ] && { fetch_equal "$env" "$s0" "$S/$s0" || vio LOST "$s0 acknowledged (exit 0) but missing or different"; }
  local m
  for m in "$S"/.wal-e/pushed/*; do
    [ -e "$m" ] || continue
    m=$(basename "$m")
    fetch_equal "$env" "$m" "$S/$m" || vio LOST "push-ahead marker says $m is stored, the archive lacks it or differs"
  done
  # PostgreSQL's next archive_command calls, in order.
  local s t0 slow=0
  for s in "${POOL_SEGS[@]}"; do
    t0=$(now_ms)
    if ! wale "$env" wal-push --pool-size 2 "$S/$s" >/dev/null 2>"$W/err.retry"; then
      vio STUCK "wal-push $s after the fault fails: $(tail -1 "$W/err.retry" | cut -c1-160)"
    elif ! fetch_equal "$env" "$s" "$S/$s"; then
      vio LOST "wal-push $s exited 0, the archive lacks it or differs"
    fi
    [ $(( $(now_ms) - t0 )) -gt 20000 ] && slow=1
  done
  [ $slow = 1 ] && log "  note: a wal-push after the fault took > 20 s (stale claim?)"
  wait_workers_gone wal-push-ahead "$S" 30
  local tl; tl=$(tmp_count "$dir")
  if [ "$tl" -gt 0 ]; then case $kind in kill9*) info=$tl ;; *) vio TMPLEFT "$tl temporary files in the archive" ;; esac; fi
  record push-ahead "$kind" "$rc" "$INJ" "${V:--}" "$info"
  rm -rf "$dir"
}
fam_push_ahead() {
  local dir=$W/tmpfs/pa/base env=$W/env/pa S=$W/pa/pg_wal; mkdir -p "$dir"; own "$dir"; mk_file_env "$env" "$dir"
  stage "$S" "${POOL_SEGS[@]}"
  local t0; t0=$(now_ms)
  wale "$env" wal-push --pool-size 2 "$S/${POOL_SEGS[0]}" || die "baseline push-ahead"
  wait_workers_gone wal-push-ahead "$S" 60
  PA_MS=$(( $(now_ms) - t0 )); rm -rf "$dir"
  log "push-ahead: baseline ${PA_MS} ms for 6 segments"
  local rep kind i=0
  for rep in $(seq 1 "$R_PA"); do
    for kind in kill9-worker term-worker eio enospc race-pg; do
      i=$((i + 1)); pa_case "$kind" "$i"
    done
  done
}

# ---------------------------------------------------------- family: backup-push
# Acknowledged = backup-push exited 0 and printed the backup's name: it must then be listed and
# pass backup-verify. At any time, every backup backup-list shows must verify (BADBACKUP).
# At the end an unfaulted backup-push must work (STUCK) and the newest backup must restore to
# the primary's exact rows (WRONGRESTORE / EARLYEND).
bp_case() {
  local fam=$1 kind=$2 idx=$3 P=$4 env=$5 adir=$6
  psql_at "$(port_of "$P")" "insert into t select m + g, md5(random()::text) from (select coalesce(max(id), 0) m from t) s, generate_series(1, 500) g" >/dev/null
  local tmp_before=0; [ -n "$adir" ] && tmp_before=$(tmp_count "$adir/basebackups_005")
  local push=("$WALE" --terse --envdir "$env" backup-push "$P")
  local pg=(PGHOST="$SOCK" PGPORT="$(port_of "$P")")
  local delay=$(( $(rand $(( BP_MS * 11 / 10 + 1 ))) ))
  begin "$fam" "$kind" "$idx"
  case $kind in
    kill9|term) run_faulted "$kind" "$delay" "$W/out" "$W/err" "${pg[@]}" -- "${push[@]}" ;;
    eio-write) run_faulted eio 0 "$W/out" "$W/err" "${pg[@]}" $(shim_env "$adir/basebackups_005" "$(rand 40)" write) -- "${push[@]}"; shim_hit && INJ=1 ;;
    eio-fsync) run_faulted eio 0 "$W/out" "$W/err" "${pg[@]}" $(shim_env "$adir/basebackups_005" "$(rand 3)" fsync) -- "${push[@]}"; shim_hit && INJ=1 ;;
    enospc) fill_tmpfs $(rand "$BP_OBJ"); run_faulted enospc 0 "$W/out" "$W/err" "${pg[@]}" -- "${push[@]}"; INJ=1; unfill_tmpfs ;;
    s3-*)
      case $kind in
        s3-transient) start_proxy "$env" 'PUT=503,none,reset-request,none,cut,none/none' 'POST=500,none/none' 'HEAD=503/none' ;;
        s3-outage-midway) start_proxy "$env" "PUT=none,none/503" ;;
        s3-corrupt-request) start_proxy "$env" 'PUT=corrupt-request,none,corrupt-request/none' ;;
        s3-kill9) start_proxy "$env" 'PUT=stall,none/none' ;;
      esac
      if [ $kind = s3-kill9 ]; then run_faulted kill9 "$delay" "$W/out" "$W/err" "${pg[@]}" -- "${push[@]}"
      else run_faulted s3 0 "$W/out" "$W/err" "${pg[@]}" -- "${push[@]}"; fi
      proxy_faults; [ "$PF" -gt 0 ] && INJ=1 ;;
  esac
  local rc=$RC info=0
  check_error_line "$rc" "$W/err" "$kind"
  local clean_env=$env; [ "${kind#s3-}" != "$kind" ] && clean_env=$ENV_S
  if [ "$rc" = 0 ]; then
    local name; name=$(tail -1 "$W/out")
    listed_backups "$clean_env" | grep -qx "$name" || vio LOST "backup-push exited 0 ('$name') but backup-list does not show it"
  fi
  verify_listed "$clean_env"
  if [ -n "$adir" ]; then
    local tl; tl=$(tmp_count_stable "$adir/basebackups_005")
    if [ $(( tl - tmp_before )) -gt 0 ]; then
      case $kind in kill9*) info=$(( tl - tmp_before )) ;; *) vio TMPLEFT "$(( tl - tmp_before )) new temporary files in the archive" ;; esac
    fi
  fi
  record "$fam" "$kind" "$rc" "$INJ" "${V:--}" "$info"
}
# restore_check FAMILY ENV NAME P: backup-fetch NAME, recover to the archive's end, compare with P.
restore_check() {
  local fam=$1 env=$2 name=$3 P=$4 port; port=$(port_of "$P")
  archive_now "$port" "$env"
  local expect; expect=$(checksum "$port")
  local R=$W/rc; rm -rf "$R" "$W/rc.pristine"
  begin "$fam" "restore-check" 0
  if ! wale "$env" backup-fetch "$W/rc.pristine" "$name" >/dev/null 2>"$W/err"; then
    vio BADBACKUP "listed backup $name cannot be restored: $(tail -1 "$W/err" | cut -c1-200)"; return
  fi
  { echo "KIND=none"; echo "ENV_CLEAN=$env"; } >"$W/wf/plan"
  prepare_restore "$W/rc.pristine" "$R"
  local out; out=$(recover "$R")
  [ "$out" = "promoted $expect" ] || vio WRONGRESTORE "restore of $name + recovery gave '$out', the primary has $expect"
  [ -n "$V" ] && record "$fam" restore-check 0 c "$V" 0
  rm -rf "$R" "$W/rc.pristine"
}
fam_backup_push() {
  BP_OBJ=$(du -sb "$ARCH/basebackups_005" | cut -f1); BP_OBJ=$(( BP_OBJ / 3 ))
  local rep kind i=0
  for rep in $(seq 1 "$R_BP"); do
    for kind in kill9 term eio-write eio-fsync enospc; do
      i=$((i + 1)); bp_case backup-push "$kind" "$i" "$P" "$ENV_A" "$ARCH"
    done
  done
  begin backup-push final 0
  local name
  if ! name=$(as_pg env PGHOST="$SOCK" PGPORT="$PP" "$WALE" --terse --envdir "$ENV_A" backup-push "$P" 2>"$W/err"); then
    vio STUCK "an unfaulted backup-push after the campaign fails: $(tail -1 "$W/err")"; record backup-push final 1 c "$V" 0
  else
    restore_check backup-push "$ENV_A" LATEST "$P"
  fi
}

# --------------------------------------------------------- family: backup-fetch
# Acknowledged = backup-fetch exited 0: the target must then pass pg_verifybackup (every file
# against the backup's manifest) and, for the first success of each kind, start and recover to
# the primary's exact rows. A failed or killed fetch must not leave an incomplete target (one
# that fails pg_verifybackup) that PostgreSQL starts (HALFRESTORE), nor temporary files; an
# unfaulted retry must then succeed (STUCK).
bf_case() {
  local fam=$1 kind=$2 idx=$3 env=$4 name=$5 clean_env=$6
  local tgt=$W/bf/target; [ $kind = enospc ] && tgt=$W/tmpfs/bf-target
  rm -rf "$W/bf/target" "$W/tmpfs/bf-target"; mkdir -p "$W/bf"; own "$W/bf"
  local fetch=("$WALE" --terse --envdir "$env" backup-fetch "$tgt" "$name")
  local delay=$(( $(rand $(( BF_MS * 11 / 10 + 1 ))) ))
  begin "$fam" "$kind" "$idx"
  case $kind in
    kill9|term) run_faulted "$kind" "$delay" "$W/out" "$W/err" X=1 -- "${fetch[@]}" ;;
    eio-write) run_faulted eio 0 "$W/out" "$W/err" $(shim_env "$tgt" "$(rand 400)" write) -- "${fetch[@]}"; shim_hit && INJ=1 ;;
    eio-fsync) run_faulted eio 0 "$W/out" "$W/err" $(shim_env "$tgt" 0 fsync) -- "${fetch[@]}"; shim_hit && INJ=1 ;;
    enospc) fill_tmpfs $(rand "$BF_SIZE"); run_faulted enospc 0 "$W/out" "$W/err" X=1 -- "${fetch[@]}"; INJ=1 ;;
    s3-*)
      case $kind in
        s3-transient) start_proxy "$env" 'GET=cut,none,reset,none,503,none/none' ;;
        s3-corrupt-reply) start_proxy "$env" 'GET=none,corrupt-reply/none' ;;
        s3-outage-midway) start_proxy "$env" 'GET=none,none/503' ;;
        s3-stall) start_proxy "$env" 'GET=stall-before,none/none' ;;
        s3-term) start_proxy "$env" 'GET=stall,none/none' ;;
      esac
      if [ $kind = s3-term ]; then run_faulted term "$delay" "$W/out" "$W/err" X=1 -- "${fetch[@]}"
      else run_faulted s3 0 "$W/out" "$W/err" X=1 -- "${fetch[@]}"; fi
      proxy_faults; [ "$PF" -gt 0 ] && INJ=1 ;;
  esac
  local rc=$RC info=0
  check_error_line "$rc" "$W/err" "$kind"
  local tl; tl=$(tmp_count "$tgt")
  if [ "$tl" -gt 0 ]; then case $kind in kill9*) info=$tl ;; *) vio TMPLEFT "$tl temporary files in the restore target" ;; esac; fi
  if [ "$rc" = 0 ]; then
    if ! as_pg "$PG_BIN/pg_verifybackup" -n -q "$tgt" >"$W/vb.out" 2>&1; then
      vio WRONGRESTORE "backup-fetch exited 0 but pg_verifybackup fails: $(head -2 "$W/vb.out" | tr '\n' ' ' | cut -c1-200)"
    fi
  else
    # A kill between the last step that completes the data (global/pg_control renamed into
    # place, every file already synced) and the removal of the in-progress marker leaves a
    # finished restore: every file matches the backup's manifest. Only a target that does not
    # is a half restore if PostgreSQL starts it.
    if [ -d "$tgt" ] && [ -n "$(ls -A "$tgt" 2>/dev/null)" ] \
        && ! as_pg "$PG_BIN/pg_verifybackup" -n -q -i .wal-e-restore-in-progress "$tgt" >/dev/null 2>&1; then
      if startable "$tgt" "$clean_env"; then
        vio HALFRESTORE "backup-fetch exit $rc left a target that PostgreSQL starts ($(find "$tgt" -type f | wc -l) files)"
      fi
    fi
    # An operator retries (after clearing a target a killed process could not clear).
    rm -rf "$tgt"; [ $kind = enospc ] && unfill_tmpfs
    if ! wale "$clean_env" backup-fetch "$tgt" "$name" >/dev/null 2>"$W/err.retry"; then
      vio STUCK "an unfaulted backup-fetch retry fails: $(tail -1 "$W/err.retry" | cut -c1-200)"
    elif ! as_pg "$PG_BIN/pg_verifybackup" -n -q "$tgt" >/dev/null 2>&1; then
      vio WRONGRESTORE "the retry exited 0 but pg_verifybackup fails"
    fi
  fi
  unfill_tmpfs
  record "$fam" "$kind" "$rc" "$INJ" "${V:--}" "$info"
  rm -rf "$W/bf/target" "$W/tmpfs/bf-target"
}
fam_backup_fetch() {
  local t0 i; BF_MS=999999
  for i in 1 2; do   # the faster of two (warm)
    rm -rf "$W/bf"; mkdir -p "$W/bf"; own "$W/bf"
    t0=$(now_ms)
    wale "$ENV_A" backup-fetch "$W/bf/target" "$G" >/dev/null 2>&1 || die "baseline backup-fetch"
    t0=$(( $(now_ms) - t0 )); [ "$t0" -lt "$BF_MS" ] && BF_MS=$t0
  done
  BF_SIZE=$(du -sb "$W/bf/target" | cut -f1)
  as_pg "$PG_BIN/pg_verifybackup" -n -q "$W/bf/target" >/dev/null 2>&1 || die "baseline restore does not pass pg_verifybackup"
  log "backup-fetch: baseline ${BF_MS} ms, $BF_SIZE bytes"
  local rep kind i=0
  for rep in $(seq 1 "$R_BF"); do
    for kind in kill9 term eio-write eio-fsync enospc; do
      i=$((i + 1)); bf_case backup-fetch "$kind" "$i" "$ENV_A" "$G" "$ENV_A"
    done
  done
}

# --------------------------------------------------------------- family: delete
# delete --confirm (retain 2 / before B2) on a copy of a 3-backup archive. Whatever happens to
# the delete (killed, EIO on unlink), B2 and G must stay listed and verify, and every WAL
# segment from the oldest listed backup's start to the newest archived segment must remain
# (NEEDEDGONE); an unfaulted retry must succeed (STUCK).
del_checks() {  # del_checks ENV ARCHIVE_DIR MUST_KEEP...
  local env=$1 adir=$2; shift 2
  local listed b; listed=$(listed_backups "$env")
  for b in "$@"; do echo "$listed" | grep -qx "$b" || vio NEEDEDGONE "backup $b that must be kept is gone"; done
  local gaps; gaps=$(echo "$listed" | wal_gaps "$adir")
  [ -z "$gaps" ] || vio NEEDEDGONE "WAL a listed backup needs is gone: $(echo "$gaps" | head -3 | tr '\n' ' ')"
  verify_listed "$env"
}
del_case() {
  local kind=$1 idx=$2 D=$W/del/archive env=$W/env/del
  rm -rf "$W/del"; mkdir -p "$W/del"; cp -a "$TEMPLATE" "$D"; own "$W/del"; mk_file_env "$env" "$D"
  local k; for k in "${!VERIFIED[@]}"; do [[ $k == "$env/"* ]] && unset "VERIFIED[$k]"; done
  local how; how=$(pick "retain 2" "before $B2")
  local del=("$WALE" --terse --envdir "$env" delete --confirm $how)
  local delay=$(( $(rand $(( DEL_MS + 1 ))) ))
  begin delete "$kind" "$idx"
  case $kind in
    kill9|term) run_faulted "$kind" "$delay" "$W/out" "$W/err" X=1 -- "${del[@]}" ;;
    eio-unlink) run_faulted eio 0 "$W/out" "$W/err" $(shim_env "$D" "$(rand 12)" unlink) -- "${del[@]}"; shim_hit && INJ=1 ;;
  esac
  local rc=$RC info=0
  check_error_line "$rc" "$W/err" "$kind"
  del_checks "$env" "$D" "$B2" "$G"
  if ! wale "$env" delete --confirm $how >/dev/null 2>"$W/err.retry"; then
    vio STUCK "an unfaulted delete retry fails: $(tail -1 "$W/err.retry" | cut -c1-200)"
  fi
  del_checks "$env" "$D" "$B2" "$G"
  local tl; tl=$(tmp_count "$D")
  if [ "$tl" -gt 0 ]; then case $kind in kill9*) info=$tl ;; *) vio TMPLEFT "$tl temporary files in the archive" ;; esac; fi
  record delete "$kind" "$rc" "$INJ" "${V:--}" "$info"
}
# race: delete --confirm retain 1 while a backup-push is running on the live archive. The
# running backup, once acknowledged, must be listed, verify, and have its WAL.
del_race_case() {
  local idx=$1 fam=${2:-delete} env=${3:-$ENV_A} adir=${4-$ARCH} P=${5:-$P}
  begin "$fam" race-backup-push "$idx"
  psql_at "$(port_of "$P")" "insert into t select m + g, md5(random()::text) from (select coalesce(max(id), 0) m from t) s, generate_series(1, 500) g" >/dev/null
  env PGHOST="$SOCK" PGPORT="$(port_of "$P")" "${AS_PG[@]}" "$WALE" --terse --envdir "$env" backup-push "$P" >"$W/out" 2>"$W/err" &
  local bp=$!
  sleep_ms $(rand $(( BP_MS + 1 )))
  local inj=0; alive "$bp" && inj=1
  wale "$env" delete --confirm retain 1 >/dev/null 2>"$W/err.del"; local drc=$?
  wait "$bp"; local rc=$?
  [ "$drc" = 0 ] || log "  note: delete during backup-push exited $drc: $(tail -1 "$W/err.del")"
  if [ "$rc" = 0 ]; then
    local name; name=$(tail -1 "$W/out")
    listed_backups "$env" | grep -qx "$name" || vio NEEDEDGONE "backup $name acknowledged during a delete is not listed"
  else
    log "  note: backup-push during delete exited $rc: $(tail -1 "$W/err")"
  fi
  if [ -n "$adir" ]; then
    local gaps=""; [ "$rc" = 0 ] && gaps=$(tail -1 "$W/out" | wal_gaps "$adir")
    [ -z "$gaps" ] || vio NEEDEDGONE "WAL the acknowledged backup needs is gone: $(echo "$gaps" | head -3 | tr '\n' ' ')"
  else
    wale "$env" wal-verify >"$W/wv.out" 2>&1 || vio NEEDEDGONE "wal-verify after the delete: $(tail -2 "$W/wv.out" | tr '\n' ' ' | cut -c1-200)"
  fi
  verify_listed "$env"
  record "$fam" race-backup-push "$rc" "$inj" "${V:--}" 0
}
# race-2-backups: a slow backup-push X runs while a fast one Y finishes and delete --confirm
# retain 1 runs (Y is then the newest complete backup). If X is acknowledged it must be listed,
# verify, and have every WAL segment from its start.
del_race2_case() {
  local idx=$1 port=$PP
  begin delete race-2-backups "$idx"
  psql_at "$port" "insert into t select m + g, md5(random()::text) from (select max(id) m from t) s, generate_series(1, 500) g" >/dev/null
  local size; size=$(du -sb --exclude=pg_wal "$P" | cut -f1)
  env PGHOST="$SOCK" PGPORT="$port" "${AS_PG[@]}" "$WALE" --terse --envdir "$ENV_A" backup-push \
    --cluster-read-rate-limit $(( size / 4 + 1 )) "$P" >"$W/out.x" 2>"$W/err.x" &
  local x=$!
  sleep_ms 500
  local yrc=0; as_pg env PGHOST="$SOCK" PGPORT="$port" "$WALE" --terse --envdir "$ENV_A" backup-push "$P" >"$W/out.y" 2>"$W/err.y" || yrc=$?
  psql_at "$port" "select pg_switch_wal()" >/dev/null
  local inj=0; alive "$x" && inj=1
  wale "$ENV_A" delete --confirm retain 1 >/dev/null 2>"$W/err.del" || log "  note: delete exited non-zero: $(tail -1 "$W/err.del")"
  { wait "$x"; } 2>/dev/null; local xrc=$?
  local b listed; listed=$(listed_backups "$ENV_A")
  for b in "$([ $xrc = 0 ] && tail -1 "$W/out.x")" "$([ $yrc = 0 ] && tail -1 "$W/out.y")"; do
    [ -n "$b" ] || continue
    echo "$listed" | grep -qx "$b" || { [ "$b" = "$(tail -1 "$W/out.x")" ] && vio NEEDEDGONE "backup $b acknowledged after the delete is not listed"; continue; }
    local gaps; gaps=$(echo "$b" | wal_gaps "$ARCH")
    [ -z "$gaps" ] || vio NEEDEDGONE "WAL backup $b needs is gone: $(echo "$gaps" | head -3 | tr '\n' ' ')"
  done
  verify_listed "$ENV_A"
  record delete race-2-backups "$xrc+$yrc" "$inj" "${V:--}" 0
}
# pitr-branch (a scenario, not counted as a fault): restore B2 on a copy of the template, end
# recovery at once (timeline 2, archiving to the same prefix), take backup B4 there, then
# delete --confirm retain 1. B4 is the newest backup of the live timeline: it must be kept,
# with its WAL.
del_pitr_case() {
  local idx=$1 D=$W/del/archive env=$W/env/del R=$W/del/tl2
  rm -rf "$W/del"; mkdir -p "$W/del"; cp -a "$TEMPLATE" "$D"; own "$W/del"; mk_file_env "$env" "$D"
  local k; for k in "${!VERIFIED[@]}"; do [[ $k == "$env/"* ]] && unset "VERIFIED[$k]"; done
  begin delete pitr-branch "$idx"
  wale "$env" backup-fetch "$R" "$B2" >/dev/null 2>"$W/err" || { vio STUCK "backup-fetch $B2: $(tail -1 "$W/err")"; record delete pitr-branch 1 c "$V" 0; return; }
  local port=$PORT_NEXT; PORT_NEXT=$((PORT_NEXT + 1)); echo "$port" >"$R.port"; CLUSTERS+=("$R")
  cat >>"$R/postgresql.conf" <<CONF
port = $port
archive_mode = on
archive_command = '$WALE --terse --envdir $env wal-push %p'
restore_command = '$WALE --terse --envdir $env wal-fetch "%f" "%p"'
recovery_target = 'immediate'
recovery_target_action = 'promote'
CONF
  : >"$R/recovery.signal"; own "$R"; chmod 700 "$R"
  local out; out=$(recover_keep "$R")
  if [ "$out" != promoted ]; then vio STUCK "the PITR branch did not promote ($out)"; record delete pitr-branch 1 c "$V" 0; return; fi
  psql_at "$port" "insert into t select m + g, md5(random()::text) from (select max(id) m from t) s, generate_series(1, 1000) g" >/dev/null
  local b4; b4=$(as_pg env PGHOST="$SOCK" PGPORT="$port" "$WALE" --terse --envdir "$env" backup-push "$R" 2>"$W/err") \
    || { vio STUCK "backup-push on timeline 2: $(tail -1 "$W/err")"; stop_cluster "$R"; record delete pitr-branch 1 c "$V" 0; return; }
  archive_now "$port" "$env"
  local rc=0; wale "$env" delete --confirm retain 1 >/dev/null 2>"$W/err" || rc=$?
  listed_backups "$env" | grep -qx "$b4" || vio NEEDEDGONE "retain 1 deleted $b4, the only backup of the live timeline 2 (kept: $(listed_backups "$env" | tr '\n' ' '))"
  local gaps; gaps=$(echo "$b4" | wal_gaps "$D")
  [ -z "$gaps" ] || vio NEEDEDGONE "WAL $b4 needs is gone: $(echo "$gaps" | head -3 | tr '\n' ' ')"
  stop_cluster "$R"
  record delete pitr-branch "$rc" c "${V:--}" 0
}
fam_delete() {
  rm -rf "$W/del"; mkdir -p "$W/del"; cp -a "$TEMPLATE" "$W/del/archive"; own "$W/del"; mk_file_env "$W/env/del" "$W/del/archive"
  local t0; t0=$(now_ms)
  wale "$W/env/del" delete --confirm retain 2 >/dev/null 2>&1 || die "baseline delete"
  DEL_MS=$(( $(now_ms) - t0 ))
  log "delete: baseline ${DEL_MS} ms"
  local rep kind i=0
  for rep in $(seq 1 "$R_DEL"); do
    for kind in kill9 term eio-unlink; do i=$((i + 1)); del_case "$kind" "$i"; done
  done
  for rep in $(seq 1 "$R_RACE"); do del_race_case "$rep"; done
  for rep in $(seq 1 "$R_S3"); do del_race2_case "$rep"; done
  for rep in $(seq 1 "$R_S3"); do del_pitr_case "$rep"; done
}

# ------------------------------------------------------------------ S3 families
setup_s3() {
  if [ -z "${WALE_S3_TEST_ENV:-}" ]; then
    STARTED_RGW=/tmp/wale-faults-rgw.$$
    log "starting radosgw (port base ${WALE_S3_TEST_PORT_BASE:-4640}) in $STARTED_RGW"
    bash "$ROOT/scripts/s3/start-radosgw.sh" "$STARTED_RGW" >"$W/logs/radosgw.log" 2>&1 || die "radosgw did not start: $(tail -5 "$W/logs/radosgw.log")"
    WALE_S3_TEST_ENV=$STARTED_RGW/env
  fi
  # shellcheck disable=SC1090
  source "$WALE_S3_TEST_ENV"
  S3ROOT=fault-campaign-$SEED-$$
  ENV_S=$W/env/s; mk_s3_env "$ENV_S" "$S3ROOT/main"
  ENV_SF=$W/env/sf; mk_s3_env "$ENV_SF" "$S3ROOT/main"; echo 2 >"$ENV_SF/WALE_RETRIES"; echo 4M >"$ENV_SF/WALE_PARTITION_SIZE"
  PS=$W/primary-s3
  init_cluster "$PS" "$ENV_S"; PSP=$(port_of "$PS")
  start_cluster "$PS"
  psql_at "$PSP" "create table t (id bigint primary key, v text); insert into t select g, md5(g::text) from generate_series(1, 20000) g" >/dev/null
  local t0; t0=$(now_ms); GS=$(backup_push "$PS" "$ENV_S"); BPS_MS=$(( $(now_ms) - t0 ))
  grow "$PSP" 3000 4
  local last; last=$(psql_at "$PSP" "select pg_walfile_name(pg_current_wal_lsn())")
  archive_now "$PSP" "$ENV_S"
  EXPECT_S=$(checksum "$PSP")
  local start s; start=$(echo "$GS" | sed -n 's/^base_\([0-9A-F]\{24\}\)_.*/\1/p'); s=$start
  POST_GS=()
  while [[ "$s" < "$last" || "$s" == "$last" ]]; do POST_GS+=("$s"); s=$(seg_add "$s" 1); done
  log "s3 setup: backup $GS (${BPS_MS} ms), ${#POST_GS[@]} segments, rows ${EXPECT_S%%:*}"
}
fam_s3_wal_fetch() {
  local pristine=$W/wf/pristine-s3
  wale "$ENV_S" backup-fetch "$pristine" "$GS" >/dev/null 2>&1 || die "backup-fetch of $GS"
  local rep kind
  for rep in $(seq 1 "$R_S3"); do
    for kind in s3-outage s3-reset s3-corrupt-reply s3-cut-transient s3-stall; do
      if [ $MODE = short ] && [ $(rand 2) = 0 ]; then continue; fi
      wf_case s3-wal-fetch "$kind" "$pristine" "$EXPECT_S" "$ENV_S" "$ENV_SF" "" "${POST_GS[@]}"
    done
  done
  rm -rf "$pristine"
}
fam_s3_backup_fetch() {
  local t0; t0=$(now_ms); rm -rf "$W/bf"; mkdir -p "$W/bf"; own "$W/bf"
  wale "$ENV_S" backup-fetch "$W/bf/target" "$GS" >/dev/null 2>&1 || die "baseline s3 backup-fetch"
  BF_MS=$(( $(now_ms) - t0 )); BF_SIZE=$(du -sb "$W/bf/target" | cut -f1)
  local rep kind i=0
  for rep in $(seq 1 "$R_S3"); do
    for kind in s3-transient s3-corrupt-reply s3-outage-midway s3-stall s3-term; do
      i=$((i + 1)); bf_case s3-backup-fetch "$kind" "$i" "$ENV_SF" "$GS" "$ENV_S"
    done
  done
}
fam_s3_wal_push() {
  local rep kind i=0
  for rep in $(seq 1 "$R_S3"); do
    for kind in s3-transient s3-outage s3-corrupt-request s3-cut-after-store s3-kill9-stall s3-term-stall; do
      i=$((i + 1)); wp_case s3-wal-push "$kind" "$i" s3
    done
  done
}
# delete --confirm retain 1 through the proxy after each faulted backup-push: the newest listed
# backup must stay, every listed backup must verify, wal-verify must find no gap.
s3del_case() {
  local kind=$1 idx=$2
  local keep; keep=$(listed_backups "$ENV_S" | tail -1)
  case $kind in
    s3-del-transient) start_proxy "$ENV_SF" 'DELETE=503,none,reset,none/none' 'POST=500,none/none' 'GET=cut,none/none' ;;
    s3-del-outage) start_proxy "$ENV_SF" 'DELETE=/503' 'POST=/503' ;;
    s3-del-kill9) start_proxy "$ENV_SF" 'DELETE=stall/none' 'POST=stall/none' ;;
  esac
  begin s3-delete "$kind" "$idx"
  if [ $kind = s3-del-kill9 ]; then run_faulted kill9 $(( 100 + $(rand 2000) )) "$W/out" "$W/err" X=1 -- "$WALE" --terse --envdir "$ENV_SF" delete --confirm retain 1
  else run_faulted s3 0 "$W/out" "$W/err" X=1 -- "$WALE" --terse --envdir "$ENV_SF" delete --confirm retain 1; fi
  proxy_faults; [ "$PF" -gt 0 ] && INJ=1
  local rc=$RC
  check_error_line "$rc" "$W/err" "$kind"
  local listed b; listed=$(listed_backups "$ENV_S")
  for b in $keep; do echo "$listed" | grep -qx "$b" || vio NEEDEDGONE "backup $b (the newest) is gone"; done
  wale "$ENV_S" wal-verify >"$W/wv.out" 2>&1 || vio NEEDEDGONE "wal-verify: $(tail -2 "$W/wv.out" | tr '\n' ' ' | cut -c1-200)"
  verify_listed "$ENV_S"
  wale "$ENV_S" delete --confirm retain 1 >/dev/null 2>"$W/err.retry" || vio STUCK "an unfaulted delete retry fails: $(tail -1 "$W/err.retry" | cut -c1-200)"
  record s3-delete "$kind" "$rc" "$INJ" "${V:--}" 0
}
fam_s3_backup_push() {
  BP_MS=$BPS_MS
  local rep kind i=0 dk
  for rep in $(seq 1 "$R_S3"); do
    for kind in s3-transient s3-outage-midway s3-corrupt-request s3-kill9; do
      i=$((i + 1)); bp_case s3-backup-push "$kind" "$i" "$PS" "$ENV_SF" ""
      dk=$(pick s3-del-transient s3-del-outage s3-del-kill9)
      s3del_case "$dk" "$i"
    done
    del_race_case "$rep" s3-delete "$ENV_S" "" "$PS"
  done
  begin s3-backup-push final 0
  restore_check s3-backup-push "$ENV_S" LATEST "$PS"
}

# ---------------------------------------------------------------------- summary
summary() {
  local el=$(( $(date +%s) - START_TIME ))
  echo
  echo "=== fault campaign summary: mode $MODE, seed $SEED, ${el}s, wal-e $WALE_SRC ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null))"
  awk -F'\t' -v el="$el" '
    BEGIN { n = split("LOST BADBACKUP WRONGRESTORE EARLYEND HALFRESTORE NEEDEDGONE STUCK TMPLEFT NOERRLINE", tags, " ") }
    {
      fam = $1; if (!(fam in seen)) { seen[fam] = 1; order[++nf] = fam }
      if ($4 == "1") inj[fam]++; else if ($4 == "0") missed[fam]++
      if ($4 != "c") { if ($3 == "0" || $3 ~ /^0\+|\+0$/) acked[fam]++; ex[fam, $3]++; if (!((fam, $3) in exs)) { exs[fam, $3] = 1; exl[fam] = exl[fam] " " $3 } }
      if ($6 != "-") { m = split($6, v, ","); delete once; for (i = 1; i <= m; i++) if (!(v[i] in once)) { once[v[i]] = 1; cnt[fam, v[i]]++ } }
      info[fam] += $7
    }
    END {
      printf "%-16s %6s %6s %5s", "family", "faults", "missed", "exit0"
      for (i = 1; i <= n; i++) printf " %s", tags[i]
      printf " %9s  %s\n", "tmp(kill9)", "exit statuses (count)"
      for (f = 1; f <= nf; f++) {
        fam = order[f]
        printf "%-16s %6d %6d %5d", fam, inj[fam], missed[fam], acked[fam]
        for (i = 1; i <= n; i++) { c = cnt[fam, tags[i]] + 0; tot[i] += c; printf " %*d", length(tags[i]), c }
        es = ""; m = split(substr(exl[fam], 2), e, " "); for (j = 1; j <= m; j++) es = es " " e[j] "(" ex[fam, e[j]] ")"
        printf " %9d %s\n", info[fam], es
        T_inj += inj[fam]; T_missed += missed[fam]; T_acked += acked[fam]; T_info += info[fam]
      }
      printf "%-16s %6d %6d %5d", "TOTAL", T_inj, T_missed, T_acked
      for (i = 1; i <= n; i++) { printf " %*d", length(tags[i]), tot[i]; V += tot[i] }
      printf " %9d\n", T_info
      printf "violations: %d\n", V
    }' "$RESULTS"
  echo
  echo "--- by kind (faults injected / violations):"
  awk -F'\t' '$4 != "c" { k = $1 "/" $2; if (!(k in s)) { s[k] = 1; o[++n] = k } f[k] += ($4 == "1"); if ($6 != "-") { split($6, v, ","); for (i in v) vv[k] = vv[k] (index(vv[k], v[i]) ? "" : " " v[i]); bad[k]++ } }
    END { for (i = 1; i <= n; i++) printf "  %-36s %3d  %s\n", o[i], f[o[i]], (bad[o[i]] ? bad[o[i]] " cases:" vv[o[i]] : "ok") }' "$RESULTS"
  if [ -s "$VIOLOG" ]; then
    echo
    echo "--- violations (first 60 of $(wc -l <"$VIOLOG")):"
    head -60 "$VIOLOG"
  fi
}

# ------------------------------------------------------------------------- main
run_family() { if want "$1"; then log "=== family $1"; "$2"; fi; }
run_family wal-fetch fam_wal_fetch
run_family backup-fetch fam_backup_fetch
run_family wal-push fam_wal_push
run_family push-ahead fam_push_ahead
run_family backup-push fam_backup_push
run_family delete fam_delete
if [ $USE_S3 = 1 ] && { want s3-wal-fetch || want s3-backup-fetch || want s3-wal-push || want s3-backup-push; }; then
  setup_s3
  run_family s3-wal-fetch fam_s3_wal_fetch
  run_family s3-backup-fetch fam_s3_backup_fetch
  run_family s3-wal-push fam_s3_wal_push
  run_family s3-backup-push fam_s3_backup_push
fi
summary | tee "$W/summary.txt"
echo "SIGTERM that reached wal-e before main() installed its handler (default action, no line; not a violation): $TERM_BEFORE_MAIN" | tee -a "$W/summary.txt"
[ -n "${FAULT_CAMPAIGN_SUMMARY:-}" ] && cp "$W/summary.txt" "$FAULT_CAMPAIGN_SUMMARY"
TOTAL_V=$(awk '/^violations:/ {print $2}' "$W/summary.txt")
[ "${TOTAL_V:-1}" = 0 ] || exit 1
exit 0
