#!/usr/bin/env python3
"""Draw bench/bench.py's results: plot.py DIR (reads DIR/results.json,
writes DIR/insync.png and DIR/scale.png).  Debian's python3-matplotlib."""

import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {"ours": "tab:blue", "peer": "tab:red"}


def insync(res, path):
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=100)
    delays = sorted(set(r["delay"] for r in res["insync"]))
    top = max(delays) + 1
    ax.plot([0, top], [0, top], color="grey", linestyle=":", label="INSYNC (ideal)")
    for key in ("ours", "peer"):
        rows = [r for r in res["insync"] if r["agent"] == key]
        if not rows:
            continue
        ax.scatter([r["delay"] for r in rows], [r["wall"] for r in rows], color=COLORS[key],
                   marker="o" if key == "ours" else "s", alpha=0.7)
        med = []
        for d in delays:
            w = sorted(r["wall"] for r in rows if r["delay"] == d)
            med.append(w[len(w) // 2])
        ax.plot(delays, med, color=COLORS[key], label="%s (median)" % res["labels"][key])
    ax.set_xlabel("simulator's INSYNC delay (s)")
    ax.set_ylabel("start returned after (s)")
    ax.set_title("Start latency against the INSYNC delay")
    ax.set_xticks(delays)
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def scale(res, path):
    sc = res["scale_conf"]
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=100)
    styles = ["-", "--", ":", "-."]
    sizes = sorted(set(s["n"] for s in res["scale"]))
    for s in res["scale"]:
        ok = sorted(r["done"] for r in s["runs"] if r["ok"])
        n = len(s["runs"])
        xs, ys = [0.0], [0.0]
        for i, t in enumerate(ok):
            xs += [t, t]
            ys += [100.0 * i / n, 100.0 * (i + 1) / n]
        ax.plot(xs, ys, color=COLORS[s["agent"]], linestyle=styles[sizes.index(s["n"]) % 4],
                label="%s, %d at once (%d ok)" % (res["labels"][s["agent"]], n, len(ok)))
    ax.set_xlabel("time since the starts were launched (s)")
    ax.set_ylabel("starts done and right (%)")
    ax.set_ylim(0, 102)
    ax.set_title("Starts at once, %g requests/s limit, INSYNC after %g s"
                 % (sc["rate"], sc["pending"]))
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small", loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main():
    out = sys.argv[1]
    with open(os.path.join(out, "results.json")) as f:
        res = json.load(f)
    if res["insync"]:
        insync(res, os.path.join(out, "insync.png"))
    if res["scale"]:
        scale(res, os.path.join(out, "scale.png"))


if __name__ == "__main__":
    main()
