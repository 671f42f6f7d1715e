#!/usr/bin/env bash
# Peak memory does not grow with the number of files (issue 11, item 6).
# 100,000 small relation-like files (8 KiB pages that differ in a counter, so
# partitions compress more than 100:1) are backed up, verified and restored;
# each command's peak RSS (getrusage ru_maxrss of the child) must stay under a
# bound. Earlier, backup-fetch and backup-verify held about 100 MiB per worker
# (the decoder expanded a whole read at once). Then backup-push held a
# std::string-laden entry per file plus the manifest's entries and text, and
# backup-verify the manifest's text, its entries and a map of every file
# (303 and 269 MiB at 1,000,000 files). Now the file list and the manifest
# index are compact (~40 bytes + the path per file) and the manifest is
# streamed both ways; what is left is mostly fixed (decoder and upload buffers
# per worker). Measured here (zstd, --pool-size 2) before -> after: push
# 51 -> 27, verify 46 -> 29, fetch 31 -> 32 MiB.
source "$(dirname "$0")/lib.sh"

FILES=100000
# MiB per command: above what the fixed buffers need, below the old per-file cost.
declare -A LIMIT_MIB=([backup-push]=38 [backup-verify]=38 [backup-fetch]=48)
OVER=()
PRIMARY="$WORK/primary"; RESTORED="$WORK/restored"
init_cluster "$PRIMARY" 5561
start_cluster "$PRIMARY"
# Plain files under the postgres database's directory are backed up like
# relation files (the server never looks at them).
python3 - "$PRIMARY/base/5" "$FILES" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
page = bytearray(8192)
for i in range(n):
    page[0:8] = i.to_bytes(8, "little")
    with open(os.path.join(d, str(900000 + i)), "wb") as f:
        f.write(page)
PY
own_by_pg "$PRIMARY"

# peak_rss NAME CMD...: runs CMD (output to $WORK/NAME.out/.err), prints its peak RSS in MiB.
peak_rss() {
  local name=$1; shift
  as_pg python3 - "$WORK/$name" "$@" <<'PY'
import resource, subprocess, sys
out = sys.argv[1]
with open(out + ".out", "wb") as o, open(out + ".err", "wb") as e:
    rc = subprocess.call(sys.argv[2:], stdout=o, stderr=e)
if rc != 0:
    sys.stderr.write(open(out + ".err").read())
    sys.exit(f"{sys.argv[2:]} exited {rc}")
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
PY
}
check() {
  local name=$1 mib=$2 limit=${LIMIT_MIB[$1]}
  if [ "$mib" -lt "$limit" ]; then pass "$name peak RSS $mib MiB with $FILES files (limit $limit MiB)"
  else echo "not ok - $name peaked at $mib MiB with $FILES files (limit $limit MiB)"; OVER+=("$name"); fi
}

RSS=$(peak_rss push env PGHOST="$SOCK" PGPORT=5561 "$WALE" --envdir "$ENVDIR" backup-push --pool-size 2 "$PRIMARY") \
  || fail "backup-push"
BACKUP=$(cat "$WORK/push.out")
check backup-push "$RSS"
stop_cluster "$PRIMARY"

RSS=$(peak_rss verify "$WALE" --envdir "$ENVDIR" backup-verify --pool-size 2 "$BACKUP") || fail "backup-verify"
check backup-verify "$RSS"

mkdir -p "$RESTORED"; own_by_pg "$RESTORED"
RSS=$(peak_rss fetch "$WALE" --envdir "$ENVDIR" backup-fetch --pool-size 2 "$RESTORED" "$BACKUP") || fail "backup-fetch"
check backup-fetch "$RSS"
N=$(find "$RESTORED/base/5" -name '9?????' | wc -l)
[ "$N" -eq "$FILES" ] || fail "restored $N of $FILES files"
cmp "$PRIMARY/base/5/999999" "$RESTORED/base/5/999999" || fail "restored file differs"
pass "all $FILES files restored"
[ ${#OVER[@]} -eq 0 ] || fail "peak RSS over the limit: ${OVER[*]}"
