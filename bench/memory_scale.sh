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
# Options: --files N (100000), --file-size BYTES (8192, at most 8192), --pool N (2), --wale-bin PATH (build/src/app/wal-e),
#          --workdir DIR (/var/tmp), --keep (keep the scratch directory),
#          --only LIST (comma-separated subcommands to measure; default all)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
FILES=100000
FILE_SIZE=8192
POOL=2
BIN=$ROOT/build/src/app/wal-e
WORKDIR_PARENT=/var/tmp
KEEP=0
ONLY=all
while [ $# -gt 0 ]; do
  case $1 in
    --files) FILES=$2; shift 2 ;;
    --file-size) FILE_SIZE=$2; shift 2 ;;
    --pool) POOL=$2; shift 2 ;;
    --wale-bin) BIN=$2; shift 2 ;;
    --workdir) WORKDIR_PARENT=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --only) ONLY=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/memory_scale.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "bench/memory_scale.sh: run as root" >&2; exit 2; }
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null
PG_BIN=$(pg_config --bindir)

WORK=$(mktemp -d "$WORKDIR_PARENT/wale-mem.XXXXXX")
chmod 755 "$WORK"
cleanup() { if [ "$KEEP" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi; }
trap cleanup EXIT
mkdir -p "$WORK/archive" "$WORK/env" "$WORK/restored"
cp "$BIN" "$WORK/wal-e"
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
echo "# $(date -u '+%F %H:%M') UTC, wal-e $(cd "$ROOT" && git rev-parse --short HEAD), $FILES files of $FILE_SIZE bytes, --pool-size $POOL, lz4"
printf '%-14s %10s %14s\n' subcommand seconds "peak RSS MiB"

# run NAME ARGS...: one subcommand as postgres, its time and peak RSS.
run() {
  local name=$1; shift
  case ",$ONLY," in *",$name,"*|",all,") ;; *) return 0 ;; esac
  if ! as_pg /usr/bin/time -f '%e %M' -o "$WORK/$name.time" "$WORK/wal-e" --envdir "$WORK/env" "$@" \
      >"$WORK/$name.out" 2>"$WORK/$name.err"; then
    echo "$name failed:" >&2; tail -5 "$WORK/$name.err" >&2; exit 1
  fi
  read -r secs kib <"$WORK/$name.time"
  printf '%-14s %10s %14s\n' "$name" "$secs" "$((kib / 1024))"
}
run backup-push backup-push --while-offline --pool-size "$POOL" "$WORK/data"
run backup-list backup-list
run backup-verify backup-verify --pool-size "$POOL" LATEST
run wal-verify wal-verify
run backup-fetch backup-fetch --pool-size "$POOL" "$WORK/restored" LATEST
run delete delete --confirm everything
