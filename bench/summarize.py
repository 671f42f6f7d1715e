#!/usr/bin/env python3
"""Summarises bench/run.sh's measurements into a markdown table and a JSON file.

usage: summarize.py MEASUREMENTS.tsv COMPARISONS.tsv HEADER.md OUT.md OUT.json

MEASUREMENTS.tsv (one line per timed run; written by run.sh):
  row variant rep seconds maxrss_kib call_median_ms load_before load_after
COMPARISONS.tsv (one line per table line, in table order):
  row label wale_variant other_variant other_label target
Each rep's ratio is other's seconds / wal-e's seconds of the SAME repetition (the runs of one
repetition are adjacent in time: A B A B ...), so > 1 means wal-e is faster. The table shows
the median of the per-rep ratios and their spread (min..max), the median of each tool's times,
the median of each tool's per-call medians, the largest peak RSS seen, and the load average
(1 min) before the row's first run and after its last.
"""
import json
import statistics
import sys


def median(xs):
    return statistics.median(xs) if xs else None


def fmt_s(x):
    if x is None:
        return "-"
    return f"{x * 1000:.2f} ms" if x < 0.1 else f"{x:.2f} s"


def fmt(x, unit="", nd=2):
    return "-" if x is None else f"{x:.{nd}f}{unit}"


def main():
    meas_path, comp_path, header_path, out_md, out_json = sys.argv[1:6]
    runs = {}  # (row, variant) -> {rep: record}
    loads = {}  # row -> [first load_before, last load_after]
    with open(meas_path) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            row, variant, rep, sec, rss, call, lb, la = line.rstrip("\n").split("\t")
            rec = {"seconds": float(sec), "maxrss_kib": None if rss in ("", "-") else int(rss),
                   "call_median_ms": None if call in ("", "-") else float(call),
                   "load_before": lb, "load_after": la}
            runs.setdefault((row, variant), {})[int(rep)] = rec
            if row not in loads:
                loads[row] = [lb, la]
            loads[row][1] = la

    def stats(row, variant):
        recs = runs.get((row, variant), {})
        secs = [r["seconds"] for r in recs.values()]
        calls = [r["call_median_ms"] for r in recs.values() if r["call_median_ms"] is not None]
        rss = [r["maxrss_kib"] for r in recs.values() if r["maxrss_kib"] is not None]
        return {"reps": len(recs), "seconds_median": median(secs),
                "seconds": [recs[k]["seconds"] for k in sorted(recs)],
                "call_median_ms": median(calls), "peak_rss_mib": max(rss) / 1024 if rss else None}

    lines = []
    summary = []
    with open(comp_path) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            row, label, wv, ov, olabel, target = line.rstrip("\n").split("\t")
            w, o = stats(row, wv), stats(row, ov)
            wr, orr = runs.get((row, wv), {}), runs.get((row, ov), {})
            ratios = [orr[k]["seconds"] / wr[k]["seconds"] for k in sorted(wr) if k in orr and wr[k]["seconds"] > 0]
            r_med = median(ratios)
            spread = f"{min(ratios):.2f}..{max(ratios):.2f}" if ratios else "-"
            lb, la = loads.get(row, ["-", "-"])
            lines.append(
                f"| {label} | {fmt_s(w['seconds_median'])} | {fmt(w['call_median_ms'], ' ms', 1)} | "
                f"{fmt(w['peak_rss_mib'], ' MiB', 0)} | {olabel} | {fmt_s(o['seconds_median'])} | "
                f"{fmt(o['call_median_ms'], ' ms', 1)} | {fmt(o['peak_rss_mib'], ' MiB', 0)} | "
                f"**{fmt(r_med)}** ({spread}) | {target} | {lb} → {la} |")
            summary.append({"row": row, "label": label, "wale": dict(w, variant=wv),
                            "other": dict(o, variant=ov, label=olabel), "ratios": ratios,
                            "ratio_median": r_med, "ratio_min": min(ratios) if ratios else None,
                            "ratio_max": max(ratios) if ratios else None, "target": target,
                            "load_before": lb, "load_after": la})

    with open(header_path) as f:
        header = f.read()
    table = [
        "| row | wal-e time | wal-e median/call | wal-e peak RSS | compared with | its time | its median/call"
        " | its peak RSS | ratio: its time / wal-e time, median (min..max) | target | load (1 min) before → after |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ] + lines
    with open(out_md, "w") as f:
        f.write(header + "\n" + "\n".join(table) + "\n")
    with open(out_json, "w") as f:
        json.dump({"header": header, "comparisons": summary,
                   "runs": [{"row": r, "variant": v, "rep": k, **rec}
                            for (r, v), recs in runs.items() for k, rec in sorted(recs.items())]},
                  f, indent=1)


if __name__ == "__main__":
    main()
