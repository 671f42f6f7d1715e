#!/usr/bin/env bash
# wal-push and backup-push killed (SIGKILL) at random points: nothing reported
# as stored is ever missing or damaged, no partial object becomes visible, and
# a killed backup never appears as a backup.
source "$(dirname "$0")/lib.sh"

RANDOM=4242  # reproducible kill points
mkdir -p "$WORK/pg_wal/archive_status"
SEGS=()
for i in $(seq 1 6); do
  s=$(printf '0000009900000000000000%02X' "$i")  # timeline 0x99: apart from the cluster below
  head -c 16777216 /dev/urandom >"$WORK/pg_wal/$s"
  touch "$WORK/pg_wal/archive_status/$s.ready"
  SEGS+=("$s")
done
own_by_pg "$WORK/pg_wal"

declare -A REPORTED=()
kills=0
for round in $(seq 1 30); do
  s=${SEGS[$(( RANDOM % ${#SEGS[@]} ))]}
  as_pg "$WALE" --terse --envdir "$ENVDIR" wal-push "$WORK/pg_wal/$s" 2>/dev/null &
  pid=$!
  sleep "0.0$(( RANDOM % 5 ))$(( RANDOM % 10 ))"
  if kill -9 "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
  if wait "$pid" 2>/dev/null; then REPORTED[$s]=1; fi
  # Every object visible now must be complete and right (never a partial one).
  for f in "$ARCHIVE"/wal_005/*; do
    [ -e "$f" ] || continue
    n=$(basename "$f"); n=${n%%.*}
    as_pg "$WALE" --terse --envdir "$ENVDIR" wal-fetch --prefetch 0 "$n" "$WORK/check" || fail "visible object $f is damaged (round $round)"
    cmp -s "$WORK/check" "$WORK/pg_wal/$n" || fail "visible object $f differs from its segment (round $round)"
  done
  for r in "${!REPORTED[@]}"; do
    ls "$ARCHIVE/wal_005/$r".* >/dev/null 2>&1 || fail "segment $r was reported stored but is missing (round $round)"
  done
done
[ "$kills" -ge 5 ] || fail "only $kills of the wal-push runs were killed; the test did not test much"
# A clean retry of every segment succeeds (same content already stored, or stored now).
for s in "${SEGS[@]}"; do as_pg "$WALE" --terse --envdir "$ENVDIR" wal-push "$WORK/pg_wal/$s" || fail "re-push of $s after kills"; done
pass "wal-push killed $kills times: every visible object is complete, every reported one present"

# backup-push killed at random points while writing partitions.
echo 2M >"$ENVDIR/WALE_PARTITION_SIZE"
PRIMARY="$WORK/primary"
init_cluster "$PRIMARY" 5571
start_cluster "$PRIMARY"
psql_at 5571 "create table t as select g id, md5(g::text) v from generate_series(1, 200000) g"
bkills=0
for round in $(seq 1 4); do
  # Rate-limited so that the kill lands while partitions are being written.
  as_pg env PGHOST="$SOCK" PGPORT=5571 "$WALE" --terse --envdir "$ENVDIR" backup-push --cluster-read-rate-limit 20000000 \
    "$PRIMARY" >/dev/null 2>&1 &
  pid=$!
  sleep "0.$(( RANDOM % 8 + 1 ))"
  if kill -9 "$pid" 2>/dev/null; then bkills=$((bkills + 1)); fi
  wait "$pid" 2>/dev/null || true
  # Whatever is listed must verify; a killed backup must not be listed.
  while read -r name; do
    [ -n "$name" ] || continue
    wale backup-verify "$name" >"$WORK/v.txt" || { cat "$WORK/v.txt"; fail "listed backup $name does not verify (round $round)"; }
  done < <(wale backup-list | tail -n +2 | cut -f1)
done
[ "$bkills" -ge 3 ] || fail "only $bkills backup-push runs were killed"
GOOD=$(wale_at 5571 backup-push "$PRIMARY" 2>"$WORK/push.err") || { cat "$WORK/push.err"; fail "backup-push after kills"; }
wale backup-verify "$GOOD" >/dev/null || fail "the clean backup does not verify"
pass "backup-push killed $bkills times at random points never leaves a listed backup that does not verify"
