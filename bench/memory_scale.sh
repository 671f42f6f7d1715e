#!/usr/bin/env bash
# Peak RSS of every subcommand that reads or writes a whole backup, at a file
# count that creating tables cannot reach in reasonable time (issue 11, item 6):
#
#   nice -n 19 bash bench/memory_scale.sh --files 1000000 --wale-bin build/src/app/wal-e
#
# A fresh cluster (initdb, never started: cleanly shut down) gets N plain files
# of 8 KiB in base/5 (relation-like pages that differ in a counter; the server
# never looks at them; --file-size 0 keeps 1,000,000 files off the disk), then, as `postgres`, on a local-directory archive:
# backup-push --while-offline, backup-list, backup-verify, wal-verify,
# backup-fetch, delete --confirm everything. Each line printed: subcommand,
# wall time, peak RSS (GNU time's maxrss). Needs root (runs PostgreSQL's initdb
# as postgres) and about 2 x N x the file size of disk in --workdir.
#
# With --pgbackrest, pgBackRest backs up and restores the same files too
# (offline: `backup --type=full --no-online`, `restore`; lz4, process-max = --pool),
# interleaved with wal-e's (wal-e push, pgBackRest push, wal-e fetch, pgBackRest
# fetch); both restored base/5 trees are compared with the source, byte for byte,
# and the ratios (pgBackRest time / wal-e time) printed. This is the 1,000,000-file
# speed row that creating one-row tables cannot reach:
#
#   nice -n 19 bash bench/memory_scale.sh --files 1000000 --pgbackrest --only backup-push,backup-fetch --wale-bin BIN
#
# Options: --files N (100000), --file-size BYTES (8192, at most 8192), --pool N (2), --wale-bin PATH (build/src/app/wal-e),
#          --workdir DIR (/var/tmp), --keep (keep the scratch directory),
#          --only LIST (comma-separated subcommands to measure; default all),
#          --pgbackrest (compare backup-push and backup-fetch with pgBackRest)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
FILES=100000
FILE_SIZE=8192
POOL=2
BIN=$ROOT/build/src/app/wal-e
WORKDIR_PARENT=/var/tmp
KEEP=0
ONLY=all
PGBR=0
while [ $# -gt 0 ]; do
  case $1 in
    --files) FILES=$2; shift 2 ;;
    --file-size) FILE_SIZE=$2; shift 2 ;;
    --pool) POOL=$2; shift 2 ;;
    --wale-bin) BIN=$2; shift 2 ;;
    --workdir) WORKDIR_PARENT=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --only) ONLY=$2; shift 2 ;;
    --pgbackrest) PGBR=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/memory_scale.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "bench/memory_scale.sh: run as root" >&2; exit 2; }
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null
[ "$PGBR" = 0 ] || command -v pgbackrest >/dev/null || apt-get install -y -qq pgbackrest >/dev/null
PG_BIN=$(pg_config --bindir)

WORK=$(mktemp -d "$WORKDIR_PARENT/wale-mem.XXXXXX")
chmod 755 "$WORK"
cleanup() { if [ "$KEEP" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi; }
trap cleanup EXIT
mkdir -p "$WORK/archive" "$WORK/env" "$WORK/restored"
bash "$ROOT/scripts/copy-wal-e.sh" "$BIN" "$WORK"   # with its plugins (app/plugin.h)
echo "file://localhost$WORK/archive" >"$WORK/env/WALE_FILE_PREFIX"
echo lz4 >"$WORK/env/WALE_COMPRESSION"
chown -R postgres:postgres "$WORK"
as_pg() { runuser -u postgres -- "$@"; }

as_pg "$PG_BIN/initdb" -D "$WORK/data" -N -A trust >/dev/null
as_pg python3 - "$WORK/data/base/5" "$FILES" "$FILE_SIZE" <<'PY'
import os, sys
d, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
page = bytearray(8192)
for i in range(n):
    page[0:8] = i.to_bytes(8, "little")
    with open(os.path.join(d, str(1000000 + i)), "wb") as f:
        f.write(page[:size])
PY
echo "# $(date -u '+%F %H:%M') UTC, wal-e $(cd "$ROOT" && git rev-parse --short HEAD), $FILES files of $FILE_SIZE bytes, --pool-size $POOL, lz4$([ "$PGBR" = 1 ] && echo ", $(pgbackrest version) process-max $POOL"), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-22s %10s %14s\n' subcommand seconds "peak RSS MiB"

# measure NAME COMMAND...: one command as postgres; prints its time and peak RSS
# and keeps the seconds in SECS[NAME].
declare -A SECS
measure() {
  local name=$1; shift
  if ! as_pg /usr/bin/time -f '%e %M' -o "$WORK/$name.time" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"; then
    echo "$name failed:" >&2; tail -5 "$WORK/$name.err" >&2; exit 1
  fi
  local secs kib
  read -r secs kib <"$WORK/$name.time"
  SECS[$name]=$secs
  printf '%-22s %10s %14s\n' "$name" "$secs" "$((kib / 1024))"
}
wanted() { case ",$ONLY," in *",$1,"*|",all,") return 0 ;; esac; return 1; }
# run NAME ARGS...: one wal-e subcommand, if --only lets it.
run() { local name=$1; shift; wanted "$name" || return 0; measure "$name" "$WORK/bin/wal-e" --envdir "$WORK/env" "$@"; }

if [ "$PGBR" = 1 ]; then
  mkdir -p "$WORK/pgbr-repo" "$WORK/pgbr-log" "$WORK/pgbr-lock" "$WORK/pgbr-restored"
  cat >"$WORK/pgbackrest.conf" <<CONF
[global]
repo1-path=$WORK/pgbr-repo
repo1-retention-full=100
compress-type=lz4
process-max=$POOL
log-path=$WORK/pgbr-log
lock-path=$WORK/pgbr-lock
log-level-console=warn

[scale]
pg1-path=$WORK/data
CONF
  chown -R postgres:postgres "$WORK"
  PGBR_CMD=(pgbackrest --config="$WORK/pgbackrest.conf" --stanza=scale)
  as_pg "${PGBR_CMD[@]}" --no-online stanza-create >"$WORK/stanza.out" 2>&1 \
    || { echo "pgBackRest stanza-create failed:" >&2; cat "$WORK/stanza.out" >&2; exit 1; }
fi
# pgbr NAME ARGS...: one pgBackRest command, if --pgbackrest and --only let it.
pgbr() { local name=$1; shift; [ "$PGBR" = 1 ] && wanted "${name#pgbackrest }" || return 0; measure "$name" "${PGBR_CMD[@]}" "$@"; }

run backup-push backup-push --while-offline --pool-size "$POOL" "$WORK/data"
pgbr "pgbackrest backup-push" --no-online backup --type=full
run backup-list backup-list
run backup-verify backup-verify --pool-size "$POOL" LATEST
run wal-verify wal-verify
run backup-fetch backup-fetch --pool-size "$POOL" "$WORK/restored" LATEST
pgbr "pgbackrest backup-fetch" --pg1-path="$WORK/pgbr-restored" restore

if [ "$PGBR" = 1 ]; then
  # tree_digest DIR: one digest of every file's name, size and bytes under DIR/base/5.
  tree_digest() {
    python3 - "$1/base/5" <<'PY'
import hashlib, os, sys
root = sys.argv[1]
h = hashlib.blake2b()
for name in sorted(os.listdir(root)):
    with open(os.path.join(root, name), "rb") as f:
        data = f.read()
    h.update(name.encode() + b"\0" + len(data).to_bytes(8, "little") + data)
print(h.hexdigest())
PY
  }
  source_digest=$(tree_digest "$WORK/data")
  for d in restored pgbr-restored; do
    [ -d "$WORK/$d/base/5" ] || continue
    [ "$(tree_digest "$WORK/$d")" = "$source_digest" ] || { echo "$d: base/5 differs from the source" >&2; exit 1; }
    echo "# $d: base/5 matches the source ($FILES files)"
  done
  for op in backup-push backup-fetch; do
    [ -n "${SECS[$op]:-}" ] && [ -n "${SECS[pgbackrest $op]:-}" ] || continue
    echo "# ratio $op: pgBackRest / wal-e = $(python3 -c "print(f'{${SECS[pgbackrest $op]} / max(${SECS[$op]}, 0.01):.2f}')")x"
  done
fi
run delete delete --confirm everything
