#!/usr/bin/env bash
# Fast checks of the benchmark harness without running a benchmark: bench/summarize.py's
# ratios (per repetition, median and spread), medians, peak RSS and load columns on a made-up
# measurement file, and bench/run.sh's option parsing (which happens before it needs root).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Two repetitions: wal-e 1 s then 2 s, pgBackRest 3 s then 2 s -> ratios 3.0 and 1.0.
printf '%s\t' backup_push wale 1 1.000 20480 - 1.50 1.60 | sed 's/\t$/\n/' >"$T/m.tsv"
printf '%s\t' backup_push pgbr 1 3.000 10240 - 1.60 1.70 | sed 's/\t$/\n/' >>"$T/m.tsv"
printf '%s\t' backup_push wale 2 2.000 30720 - 1.70 1.80 | sed 's/\t$/\n/' >>"$T/m.tsv"
printf '%s\t' backup_push pgbr 2 2.000 10240 - 1.80 2.50 | sed 's/\t$/\n/' >>"$T/m.tsv"
printf '%s\t' wal_push wale 1 0.500 14336 10.0 0.10 0.20 | sed 's/\t$/\n/' >>"$T/m.tsv"
printf '%s\t' wal_push pgbr 1 1.000 13312 30.0 0.20 0.30 | sed 's/\t$/\n/' >>"$T/m.tsv"
printf '%s\t' wal_push wale 2 0.700 14336 20.0 0.30 0.40 | sed 's/\t$/\n/' >>"$T/m.tsv"
printf '%s\t' wal_push pgbr 2 1.400 13312 50.0 0.40 0.50 | sed 's/\t$/\n/' >>"$T/m.tsv"
# A third variant of the row (the archive module's, run.sh's "module"): 0.25 s and 0.35 s -> 4.0, 4.0.
printf '%s\t' wal_push module 1 0.250 20480 5.0 0.45 0.50 | sed 's/\t$/\n/' >>"$T/m.tsv"
printf '%s\t' wal_push module 2 0.350 15360 7.0 0.50 0.50 | sed 's/\t$/\n/' >>"$T/m.tsv"
printf 'backup_push\tbackup-push (lz4)\twale\tpgbr\t`pgbackrest backup`\t≥ 2\n' >"$T/c.tsv"
printf 'wal_push\twal-push x2\twale\tpgbr\tarchive-push async\t≥ 2\n' >>"$T/c.tsv"
printf 'wal_push\tthrough the module\tmodule\tpgbr\tarchive-push async\t≥ 3\n' >>"$T/c.tsv"
echo "- header line" >"$T/h.md"
python3 "$HERE/summarize.py" "$T/m.tsv" "$T/c.tsv" "$T/h.md" "$T/out.md" "$T/out.json"

expect() { grep -qF -- "$1" "$T/out.md" || { cat "$T/out.md" >&2; fail "table lacks: $1"; }; }
expect '- header line'
expect '| backup-push (lz4) | 1.50 s | - | 30 MiB | `pgbackrest backup` | 2.50 s | - | 10 MiB | **2.00** (1.00..3.00) | ≥ 2 | 1.50 → 2.50 |'
expect '| wal-push x2 | 0.60 s | 15.0 ms | 14 MiB | archive-push async | 1.20 s | 40.0 ms | 13 MiB | **2.00** (2.00..2.00) | ≥ 2 | 0.10 → 0.50 |'
expect '| through the module | 0.30 s | 6.0 ms | 20 MiB | archive-push async | 1.20 s | 40.0 ms | 13 MiB | **4.00** (4.00..4.00) | ≥ 3 | 0.10 → 0.50 |'
python3 - "$T/out.json" <<'PY' || fail "JSON summary"
import json, sys
d = json.load(open(sys.argv[1]))
c = d["comparisons"][0]
assert c["ratios"] == [3.0, 1.0], c["ratios"]
assert (c["ratio_median"], c["ratio_min"], c["ratio_max"]) == (2.0, 1.0, 3.0)
assert len(d["runs"]) == 10
m = d["comparisons"][2]
assert (m["wale"]["variant"], m["ratios"]) == ("module", [4.0, 4.0]), m
PY

# run.sh: --help documents the options; bad values are refused with exit 2 before anything runs.
bash "$HERE/run.sh" --help >"$T/help" || fail "--help exited $?"
for o in --reps --s3 --scale --big-table-gb --wale-bin --startup-runs; do grep -q -- "$o" "$T/help" || fail "--help lacks $o"; done
rc=0; bash "$HERE/run.sh" --reps 0 2>"$T/err" || rc=$?
[ $rc = 2 ] && grep -q 'REPS must be a positive integer' "$T/err" || fail "--reps 0: exit $rc"
rc=0; bash "$HERE/run.sh" --scale x 2>"$T/err" || rc=$?
[ $rc = 2 ] || fail "--scale x: exit $rc"
rc=0; bash "$HERE/run.sh" --big-table-gb 1.5 2>"$T/err" || rc=$?
[ $rc = 2 ] && grep -q 'big-table-gb needs a whole number' "$T/err" || fail "--big-table-gb 1.5: exit $rc"
# the big-table row's disk check comes first: a size no disk has is refused in one line, before
# anything is installed, built or created (no scratch directory in --workdir)
rc=0; BENCH_BIG_TABLE_GB=1000000 bash "$HERE/run.sh" --workdir "$T" 2>"$T/err" || rc=$?
[ $rc = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q 'big-table-gb 1000000 needs about .* GiB free in' "$T/err" \
  || { cat "$T/err" >&2; fail "--big-table-gb 1000000: exit $rc"; }
[ -z "$(find "$T" -maxdepth 1 -name 'wale-bench.*')" ] || fail "--big-table-gb 1000000 left a scratch directory"
rc=0; bash "$HERE/run.sh" --no-such-option 2>"$T/err" || rc=$?
[ $rc = 2 ] && grep -q 'unknown option' "$T/err" || fail "unknown option: exit $rc"
echo "bench harness checks passed"
