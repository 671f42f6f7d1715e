#!/usr/bin/env bash
# The detached prefetcher that wal-fetch starts runs below wal-fetch's CPU
# priority (archive::kPrefetchNiceIncrement, 3 nice levels; every thread of
# it), so that PostgreSQL's replay, which waits for restore_command, gets a
# contended core first. And it still prefetches: the next segment is promoted
# from its spool. No PostgreSQL needed: the archive holds lz4 objects written
# by the lz4 tool (content checksums on, as wal-e's own).
source "$(dirname "$0")/lib.sh"

segs=()
for i in $(seq 1 10); do segs+=("$(printf '0000000100000000000000%02X' "$i")"); done
mkdir -p "$ARCHIVE/wal_005" "$WORK/pg_wal"
for s in "${segs[@]}"; do
  # distinct content per segment, 1 MiB
  { echo "$s"; head -c 1048576 /dev/zero; } | head -c 1048576 >"$WORK/src.$s"
  lz4 -q -z "$WORK/src.$s" "$ARCHIVE/wal_005/$s.lz4"
done
own_by_pg "$WORK"

base_nice=$(nice)
want=$((base_nice + 3)); [ "$want" -le 19 ] || want=19
# The first call fetches segment 1 in-band and starts the prefetcher for the
# next 8 (all in the archive, so it fetches them and then lingers for 2 s).
as_pg "$WALE" --terse --envdir "$ENVDIR" wal-fetch "${segs[0]}" "$WORK/pg_wal/RECOVERYXLOG" \
  || fail "wal-fetch of ${segs[0]}"
cmp -s "$WORK/pg_wal/RECOVERYXLOG" "$WORK/src.${segs[0]}" || fail "fetched ${segs[0]} differs"
pid=
for _ in $(seq 1 100); do
  pid=$(pgrep -u postgres -f -- "wal-prefetch .*$WORK/" | head -n 1) || true
  [ -n "$pid" ] && break
  sleep 0.02
done
[ -n "$pid" ] || fail "no wal-prefetch process was started"
# field 19 of /proc/PID/task/TID/stat is the thread's nice value (after the
# ')' that ends the command name: field 3 is the state, so nice is the 17th)
checked=0
for st in /proc/"$pid"/task/*/stat; do
  n=$(sed 's/^.*) //' "$st" 2>/dev/null | awk '{print $17}') || continue
  [ -n "$n" ] || continue
  [ "$n" = "$want" ] || fail "prefetcher thread $(basename "$(dirname "$st")") runs at nice $n, want $want (wal-fetch's $base_nice + 3)"
  checked=$((checked + 1))
done
[ "$checked" -ge 1 ] || fail "could not read the prefetcher's nice value"
pass "the prefetcher runs at nice $want, wal-fetch at $base_nice ($checked threads checked)"

# It prefetched: the next call promotes segment 2 from the spool (waiting for
# it if it is still being downloaded), with the right content.
spool=$(ls -d "$WORK"/pg_wal/.wal-e/prefetch-* | grep -v '\.lock$' | head -n 1)
[ -d "$spool" ] || fail "no prefetch spool"
rm -f "$WORK/pg_wal/RECOVERYXLOG"
as_pg "$WALE" --envdir "$ENVDIR" wal-fetch "${segs[1]}" "$WORK/pg_wal/RECOVERYXLOG" 2>"$WORK/err2" \
  || { cat "$WORK/err2"; fail "wal-fetch of ${segs[1]}"; }
grep -q "promoted prefetched wal segment" "$WORK/err2" || { cat "$WORK/err2"; fail "${segs[1]} was not taken from the prefetch spool"; }
cmp -s "$WORK/pg_wal/RECOVERYXLOG" "$WORK/src.${segs[1]}" || fail "fetched ${segs[1]} differs"
pass "the niced prefetcher's segment is promoted"
