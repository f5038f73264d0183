#!/usr/bin/python3
"""A PNG chart of a comparison run: one panel per workload (metric), Postamt
and the incumbent side by side, the bar at the median of the rounds and an
error bar from min to max, the ratio in the panel title.

    bench/compare/chart.py bench/results/compare-<time>.json [-o out.png]

Without -o the PNG goes next to the JSON (compare-<time>.png). compare.py
calls draw() itself after every run. Needs Debian's python3-matplotlib
(scripts/install-deps.sh and the runner's own install put it there).
"""
import argparse
import json
import math
import pathlib

SIDES = (("postamt", "Postamt", "#1f77b4"), ("incumbent", "Postfix+Dovecot", "#ff7f0e"))


def draw(data, out_path):
    import matplotlib
    matplotlib.use("Agg")  # no display
    import matplotlib.pyplot as plt

    rows = [r for r in data["summary"] if r.get("postamt") or r.get("incumbent")]
    if not rows:
        raise ValueError("no metric with figures in this result")
    cols = 3 if len(rows) > 4 else len(rows)
    nrows = math.ceil(len(rows) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(4.2 * cols, 3.3 * nrows), squeeze=False)
    for ax, r in zip(axes.flat, rows):
        labels, meds, lo, hi, colors = [], [], [], [], []
        for key, label, color in SIDES:
            c = r.get(key)
            if not c:
                continue
            labels.append(label)
            meds.append(c["median"])
            lo.append(c["median"] - c["min"])
            hi.append(c["max"] - c["median"])
            colors.append(color)
        xs = range(len(labels))
        ax.bar(xs, meds, color=colors, yerr=[lo, hi], capsize=6, width=0.6)
        ax.set_xticks(list(xs), labels, fontsize=8)
        # Idle memory spans 12 KiB to 2 MiB: a log scale keeps both visible.
        if min(meds) > 0 and max(meds) / min(meds) > 50:
            ax.set_yscale("log")
        for x, m in zip(xs, meds):
            # Beside the error bar, not on it.
            ax.annotate(f"{m:.0f}" if m >= 100 else f"{m:.3g}", (x + 0.05, m), textcoords="offset points",
                        xytext=(3, 3), ha="left", fontsize=8)
        better = "higher is better" if r.get("higher_is_better") else "lower is better"
        ratio = f", Postamt {r['ratio']:.3g}x" if r.get("ratio") is not None else ""
        ax.set_title(f"{r['metric']}{ratio}", fontsize=8.5)
        ax.set_ylabel(f"{r['unit']} ({better})", fontsize=8)
        ax.tick_params(axis="y", labelsize=7)
    for ax in list(axes.flat)[len(rows):]:
        ax.axis("off")
    meta = data.get("meta", {})
    fig.suptitle(f"Postamt vs Postfix + Dovecot, {meta.get('date', '')}: {meta.get('cores', '?')} cores, "
                 f"{meta.get('rounds', '?')} round(s), median and min-max; postamt {meta.get('postamt', '?')}",
                 fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    fig.savefig(out_path, dpi=110)
    plt.close(fig)
    return out_path


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("json")
    ap.add_argument("-o", "--out")
    a = ap.parse_args()
    src = pathlib.Path(a.json)
    out = pathlib.Path(a.out) if a.out else src.with_suffix(".png")
    draw(json.loads(src.read_text()), out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
