#!/usr/bin/env python3
"""Draw bench/bench.py's results: plot.py DIR (reads DIR/results.json,
writes DIR/insync.png, DIR/scale.png, DIR/calls.png and DIR/monitor.png).
Debian's python3-matplotlib."""

import json
import os
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {"ours": "tab:blue", "peer": "tab:red"}
OP_COLORS = [("GetHostedZone", "tab:green"), ("ListHostedZonesByName", "tab:olive"),
             ("ListResourceRecordSets", "tab:purple"), ("ChangeResourceRecordSets", "tab:orange"),
             ("GetChange", "tab:cyan")]


def insync(res, path):
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=100)
    delays = sorted(set(r["delay"] for r in res["insync"]))
    top = max(delays) + 5
    ax.plot([0, top], [0, top], color="grey", linestyle=":", label="INSYNC (ideal)")
    for key in ("ours", "peer"):
        rows = [r for r in res["insync"] if r["agent"] == key]
        if not rows:
            continue
        ax.scatter([r["delay"] for r in rows], [r["wall"] for r in rows], color=COLORS[key],
                   marker="o" if key == "ours" else "s", alpha=0.7)
        ds, med = [], []
        for d in delays:
            w = sorted(r["wall"] for r in rows if r["delay"] == d)
            if w:
                ds.append(d)
                med.append(w[len(w) // 2])
        ax.plot(ds, med, color=COLORS[key], label="%s (median)" % res["labels"][key])
    ax.set_xlabel("simulator's INSYNC delay (s)")
    ax.set_ylabel("start returned after (s)")
    ax.set_title("Start latency against the INSYNC delay (defaults)")
    ax.set_xticks(delays)
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def scale(res, path):
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=100)
    styles = {"old": "-", "2026": "--"}
    for s in res["storm"]:
        ok = sorted(r["done"] for r in s["runs"] if r["ok"])
        n = len(s["runs"])
        xs, ys = [0.0], [0.0]
        for i, t in enumerate(ok):
            xs += [t, t]
            ys += [100.0 * i / n, 100.0 * (i + 1) / n]
        ax.plot(xs, ys, color=COLORS[s["agent"]], linestyle=styles.get(s["model"], ":"),
                label="%s, %s quota (%d/%d ok)" % (res["labels"][s["agent"]], s["model"],
                                                   len(ok), n))
        if s["agent"] == "ours":
            ax.axvline(s.get("ideal_min", s["ideal"]), color=COLORS["ours"],
                       linestyle=styles.get(s["model"], ":"), alpha=0.35, linewidth=1)
    ax.set_xlabel("time since the starts were launched (s)")
    ax.set_ylabel("starts done and right (%)")
    ax.set_ylim(0, 102)
    ax.set_title("starts at once (%s), INSYNC after %g s (thin lines: ideal)"
                 % (", ".join(sorted("%s: %d" % (s["model"], len(s["runs"]))
                                     for s in res["storm"] if s["agent"] == "ours")),
                    res.get("storm_pending", 5)), fontsize="medium")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small", loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def monitor(res, path):
    """Median CPU of one monitor, each agent's both paths, log scale."""
    rows = [("DNS path", "ours", "monitor (DNS answers)"),
            ("DNS path", "peer", "monitor (dig answers)"),
            ("API path", "ours", "monitor (monitor_method=api)"),
            ("API path", "peer", "monitor (dig fails: API)")]
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=100)
    for i, (where, key, name) in enumerate(rows):
        runs = next((a["runs"] for a in res["actions"].get(key, []) if a["action"] == name), [])
        if not runs:
            continue
        cpu = statistics.median(r["cpu"] * 1000 for r in runs)
        ax.bar(i, cpu, color=COLORS[key])
        ax.text(i, cpu * 1.1, "%.1f ms" % cpu, ha="center", fontsize="small")
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels(["%s\n%s" % (w, res["labels"][k]) for w, k, _ in rows], fontsize="small")
    ax.set_yscale("log")
    ax.set_ylabel("median CPU of one monitor (ms, log)")
    ax.set_title("monitor CPU (user + system, whole process tree)")
    ax.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def calls(res, path):
    """API calls spent per start, by operation, per INSYNC delay and per
    storm model; the throttled part of a storm's calls hatched on top."""
    groups = []     # (label, agent, {op: calls per start}, throttled per start)
    for step in res.get("insync_steps", []):
        for key in ("ours", "peer"):
            n = step["%s_runs" % key]
            if n:
                ops = step["%s_ops" % key]
                groups.append(("INSYNC\n%g s" % step["delay"], key,
                               {op: c / float(n) for op, c in ops.items()}, 0.0))
    for s in res.get("storm", []):
        n = float(len(s["runs"]))
        th = s["throttled"] / n
        # Stack the calls that passed by operation, the throttled on top.
        passed = dict(s["ops"])
        tops = s.get("throttled_ops")
        if tops is not None:
            for op, c in tops.items():
                passed[op] = passed.get(op, 0) - c
            groups.append(("storm\n%s" % s["model"], s["agent"],
                           {op: c / n for op, c in passed.items()}, th))
        else:     # per-operation throttling unknown: all calls, share marked
            groups.append(("storm\n%s" % s["model"], s["agent"],
                           {op: c / n for op, c in passed.items()}, -th))
    if not groups:
        return
    labels = []
    for g in groups:
        if g[0] not in labels:
            labels.append(g[0])
    fig, ax = plt.subplots(figsize=(8.0, 4.4), dpi=100)
    width = 0.38
    seen = set()
    for g in groups:
        x = labels.index(g[0]) + (-width / 2 if g[1] == "ours" else width / 2)
        bottom = 0.0
        for op, color in OP_COLORS:
            v = g[2].get(op, 0.0)
            if v <= 0:
                continue
            ax.bar(x, v, width, bottom=bottom, color=color, edgecolor=COLORS[g[1]],
                   linewidth=1.2, label=op if op not in seen else None)
            seen.add(op)
            bottom += v
        if g[3] > 0:
            ax.bar(x, g[3], width, bottom=bottom, color="white", edgecolor="black",
                   hatch="///", label="throttled" if "throttled" not in seen else None)
            seen.add("throttled")
            bottom += g[3]
        ax.text(x, bottom, "%.1f" % bottom, ha="center", va="bottom", fontsize=7)
        ax.text(x, -0.02, "ours" if g[1] == "ours" else "peer", ha="center", va="top",
                fontsize=6, color=COLORS[g[1]], transform=ax.get_xaxis_transform())
    ax.axhline(4, color="grey", linestyle=":", linewidth=1)
    ax.text(len(labels) - 0.5, 4, "storm goal: 4", fontsize=7, va="bottom", ha="right",
            color="grey")
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, fontsize=8)
    ax.tick_params(axis="x", pad=10)
    ax.set_ylabel("API calls per start")
    ax.set_title("Route 53 calls spent per start (left bar ours, right bar %s)"
                 % res["labels"]["peer"])
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize="small", loc="upper left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main():
    out = sys.argv[1]
    with open(os.path.join(out, "results.json")) as f:
        res = json.load(f)
    if res.get("insync"):
        insync(res, os.path.join(out, "insync.png"))
    if res.get("storm"):
        scale(res, os.path.join(out, "scale.png"))
    if res.get("insync_steps") or res.get("storm"):
        calls(res, os.path.join(out, "calls.png"))
    if res.get("actions"):
        monitor(res, os.path.join(out, "monitor.png"))


if __name__ == "__main__":
    main()
