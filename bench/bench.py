#!/usr/bin/env python3
"""route53 against resource-agents' aws-vpc-route53, on one simulator.

A benchmark, not a test: it measures and reports, and asserts nothing.
Run it through bench/run, which builds the agent, installs the peer,
starts tests/sim/r53sim.py and passes its address here.

Three parts, each run on the same simulator, one after the other:
  actions  start, monitor, probe, stop of each agent, one at a time:
           median/p95 wall, CPU (user+sys of the whole process tree),
           peak RSS (largest process of the tree), Route 53 API calls
  insync   start against the simulator's INSYNC delay (0, 5, 30 s)
  scale    N agents (distinct records) starting at once against the
           simulator limited to Route 53's 5 requests/s

Results go to OUT/results.json and OUT/latest.md; bench/plot.py draws
the PNGs from results.json.
"""

import argparse
import json
import os
import platform
import shutil
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ZONE = "example.com"
ZONE_ID = "ZBENCH0000001"
OURS_IP = "192.0.2.10"
PEER_IP = "192.0.2.20"
ELSEWHERE = "198.51.100.99"     # where a record points before a start
PEER = "/usr/lib/ocf/resource.d/heartbeat/aws-vpc-route53"
START_TIMEOUT_S = 180           # the peer's own advertised start timeout


# ---- simulator control ---------------------------------------------------

class Sim:
    def __init__(self, url, ca):
        self.url, self.ctx = url, ssl.create_default_context(cafile=ca)

    def ctl(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, context=self.ctx, timeout=10) as resp:
            return json.load(resp)

    def config(self, **cfg):
        return self.ctl("POST", "/_sim/config", cfg)

    def reset_stats(self):
        self.ctl("POST", "/_sim/reset-stats")

    def stats(self):
        """(API calls, throttled): every Route 53 request, IMDS apart."""
        s = self.ctl("GET", "/_sim/stats")
        calls = sum(n for op, n in s["requests"].items() if op != "imds")
        return calls, s.get("throttled", 0)

    def set_record(self, name, value):
        self.ctl("POST", "/_sim/record", {"zone": ZONE_ID, "name": name, "type": "A",
                                          "ttl": 10, "values": [value] if value else []})

    def record(self, name):
        try:
            return self.ctl("GET", "/_sim/record?zone=%s&name=%s&type=A" % (ZONE_ID, name))["values"]
        except urllib.error.HTTPError:
            return []


# ---- the two agents --------------------------------------------------------

class Agent:
    """How to run one agent for record number i."""

    def __init__(self, key, label, path, ip):
        self.key, self.label, self.path, self.ip = key, label, path, ip

    def record(self, i):
        return "%s%d.%s." % (self.key, i, ZONE)


def common_env(work, i, key, timeout_s):
    rsc = os.path.join(work, "rsc", "%s%d" % (key, i))
    os.makedirs(rsc, exist_ok=True)
    return {
        "PATH": os.path.join(work, "bin") + ":/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": work, "LANG": "C.UTF-8",
        "OCF_ROOT": "/usr/lib/ocf", "OCF_RESOURCE_INSTANCE": "%s%d" % (key, i),
        "HA_RSCTMP": rsc,
        "OCF_RESKEY_CRM_meta_timeout": str(timeout_s * 1000),
        "AWS_CONFIG_FILE": os.path.join(work, "aws", "config"),
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(work, "aws", "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true", "AWS_PAGER": "",
    }


def ours_env(agent, work, sim, i, timeout_s=START_TIMEOUT_S):
    env = common_env(work, i, agent.key, timeout_s)
    env.update({
        "OCF_RESKEY_hostname": agent.record(i), "OCF_RESKEY_zone_id": ZONE_ID,
        "OCF_RESKEY_ip": agent.ip, "OCF_RESKEY_profile": "bench",
        "OCF_RESKEY_endpoint": sim.url, "OCF_RESKEY_ca_bundle": sim.ca,
        # README's advice for real AWS: enough polls for a slow INSYNC.
        "OCF_RESKEY_change_try_count": "90",
    })
    return env


def peer_env(agent, work, sim, i, timeout_s=START_TIMEOUT_S):
    env = common_env(work, i, agent.key, timeout_s)
    env.update({
        "OCF_RESKEY_awscli": os.path.join(work, "bin", "aws-sim"),
        "OCF_RESKEY_profile": "bench", "OCF_RESKEY_hostedzoneid": ZONE_ID,
        "OCF_RESKEY_fullname": agent.record(i), "OCF_RESKEY_ip": agent.ip,
        "OCF_RESKEY_ttl": "10",
    })
    return env


def prepare_work(work, sim, akid, secret):
    """The peer's AWS CLI wrapper, a dig that finds nothing, and one
    shared credentials profile both agents read."""
    os.makedirs(os.path.join(work, "bin"), exist_ok=True)
    os.makedirs(os.path.join(work, "aws"), exist_ok=True)
    wrapper = os.path.join(work, "bin", "aws-sim")
    with open(wrapper, "w") as f:
        f.write("#!/bin/sh\n# aws-vpc-route53's awscli: the AWS CLI aimed at the simulator\n"
                'exec /usr/bin/aws --endpoint-url "%s" --ca-bundle "%s" "$@"\n'
                % (sim.url, sim.ca))
    # The peer's recurring monitor asks dig first.  No real resolver may be
    # asked here, so this one answers BENCH_DIG_ANSWER or, unset, fails at
    # once as dig does when no server answers (the peer then reads the API).
    dig = os.path.join(work, "bin", "dig")
    with open(dig, "w") as f:
        f.write('#!/bin/sh\nif [ -n "${BENCH_DIG_ANSWER:-}" ]; then echo "$BENCH_DIG_ANSWER"; exit 0; fi\n'
                'echo ";; connection timed out; no servers could be reached"\nexit 9\n')
    for p in (wrapper, dig):
        os.chmod(p, 0o755)
    with open(os.path.join(work, "aws", "config"), "w") as f:
        f.write("[profile bench]\nregion = us-east-1\noutput = text\n")
    old = os.umask(0o077)
    try:
        with open(os.path.join(work, "aws", "credentials"), "w") as f:
            f.write("[bench]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                    % (akid, secret))
    finally:
        os.umask(old)


# ---- running one agent -------------------------------------------------------

class Run:
    """One agent process under /usr/bin/time, killed (as Pacemaker would)
    at its timeout.  Wall from launch to exit; CPU is user+sys of the whole
    tree; RSS is the largest process of the tree (GNU time's %M)."""

    def __init__(self, path, action, env, scratch, timeout_s, cwd):
        self.scratch = scratch
        self.timeout_s = timeout_s
        self.t0 = time.monotonic()
        with open(scratch + ".err", "wb") as err:
            self.proc = subprocess.Popen(
                ["/usr/bin/time", "-f", "%x %M", "-o", scratch, path, action],
                env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err,
                start_new_session=True)
        self.timed_out = False
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._wait, daemon=True)
        self.thread.start()

    def _wait(self):
        timer = threading.Timer(self.timeout_s, self._kill)
        timer.start()
        _, status, usage = os.wait4(self.proc.pid, 0)
        self.t1 = time.monotonic()
        timer.cancel()
        self.wall = self.t1 - self.t0
        self.cpu = usage.ru_utime + usage.ru_stime
        self.code, self.rss_kb = None, 0
        try:
            with open(self.scratch) as f:
                words = f.read().split()
            self.code, self.rss_kb = int(words[-2]), int(words[-1])
        except (OSError, ValueError, IndexError):
            pass
        if self.code is None:       # killed: time itself wrote no result
            self.code = -1
        self.reason = ""            # the last ocf-exit-reason, if any
        try:
            with open(self.scratch + ".err", errors="replace") as f:
                for line in f:
                    if line.startswith("ocf-exit-reason:"):
                        self.reason = line.split(":", 1)[1].strip()
        except OSError:
            pass
        self.done.set()

    def _kill(self):
        self.timed_out = True
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def wait(self):
        self.done.wait()
        return self


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


# ---- part 1: per action ---------------------------------------------------------

def bench_actions(ctx, agent, runs):
    """Each action in the state it normally meets; start always has to move
    the record (a failover), so both agents write and wait."""
    sim, work = ctx["sim"], ctx["work"]
    envf = ctx["envf"][agent.key]
    env = envf(agent, work, sim, 0)
    monitor_env = dict(env, OCF_RESKEY_CRM_meta_interval="30000")
    plan = [("start", env, "start", runs["start"]),
            ("monitor", monitor_env, "monitor", runs["other"]),
            ("probe", env, "monitor", runs["other"]),
            ("stop", env, "stop", runs["other"])]
    if agent.key == "peer":
        # The peer's recurring monitor asks DNS first and reads the API only
        # when dig finds nothing; measure both of its paths.
        plan.insert(2, ("monitor (dig answers)",
                        dict(monitor_env, BENCH_DIG_ANSWER=agent.ip), "monitor", runs["other"]))
    out = []
    for name, action_env, action, n in plan:
        rows = []
        for k in range(n):
            if name == "start":
                sim.set_record(agent.record(0), ELSEWHERE)
            elif name == "stop":
                Run(agent.path, "start", env, ctx["scratch"](), START_TIMEOUT_S, work).wait()
            sim.reset_stats()
            r = Run(agent.path, action, action_env, ctx["scratch"](), START_TIMEOUT_S, work).wait()
            calls, throttled = sim.stats()
            ok = r.code == 0 and (name != "start" or sim.record(agent.record(0)) == [agent.ip])
            rows.append({"wall": r.wall, "cpu": r.cpu, "rss_kb": r.rss_kb, "code": r.code,
                         "ok": ok, "calls": calls})
            log("  %s %s %d/%d: exit %d, %.3f s, %d calls" % (agent.key, name, k + 1, n, r.code,
                                                             r.wall, calls))
        out.append({"action": name, "runs": rows})
    return out


# ---- part 2: start against the INSYNC delay ---------------------------------------

def bench_insync(ctx, agents, delays, reps):
    """For each delay, reps starts of each agent at once (records of their
    own, launches 1 s apart so the CLI's start-up does not pile up).  Start
    wall minus the delay bounds how long start returned after INSYNC."""
    sim, work = ctx["sim"], ctx["work"]
    out = []
    for j, d in enumerate(delays):
        sim.config(pending_seconds=d, rate_limit=None)
        runs = []
        base = 100 + 10 * j          # fresh records and state for each delay
        for agent in agents:
            for k in range(reps):
                sim.set_record(agent.record(base + k), ELSEWHERE)
        for k in range(reps):
            for agent in agents:
                env = ctx["envf"][agent.key](agent, work, sim, base + k)
                runs.append((agent, k, Run(agent.path, "start", env, ctx["scratch"](),
                                           START_TIMEOUT_S, work)))
            time.sleep(1.0)
        for agent, k, r in runs:
            r.wait()
            ok = r.code == 0 and sim.record(agent.record(base + k)) == [agent.ip]
            out.append({"agent": agent.key, "delay": d, "wall": r.wall, "code": r.code,
                        "ok": ok})
            log("  insync %s delay %g: exit %d, %.2f s" % (agent.key, d, r.code, r.wall))
    sim.config(pending_seconds=0)
    return out


# ---- part 3: many starts at once under the rate limit --------------------------------

def bench_scale(ctx, agent, n, pending, rate, burst):
    sim, work = ctx["sim"], ctx["work"]
    sim.config(pending_seconds=0, rate_limit=None)
    for i in range(n):
        sim.set_record(agent.record(1000 + i), ELSEWHERE)
    sim.config(pending_seconds=pending, rate_limit=rate, burst=burst)
    sim.reset_stats()
    envs = [ctx["envf"][agent.key](agent, work, sim, 1000 + i) for i in range(n)]
    t0 = time.monotonic()
    runs = [Run(agent.path, "start", e, ctx["scratch"](), START_TIMEOUT_S, work) for e in envs]
    for r in runs:
        r.wait()
    calls, throttled = sim.stats()
    sim.config(rate_limit=None, pending_seconds=0)
    rows = []
    for i, r in enumerate(runs):
        right = sim.record(agent.record(1000 + i)) == [agent.ip]
        rows.append({"done": r.t1 - t0, "code": r.code, "timed_out": r.timed_out,
                     "reason": r.reason,
                     "record_right": right, "ok": r.code == 0 and right,
                     "cpu": r.cpu, "rss_kb": r.rss_kb})
    res = {"agent": agent.key, "n": n, "calls": calls, "throttled": throttled, "runs": rows}
    log("  scale %s n=%d: %d ok, %d calls, %d throttled, last done %.1f s"
        % (agent.key, n, sum(x["ok"] for x in rows), calls, throttled,
           max(x["done"] for x in rows)))
    return res


# ---- report ------------------------------------------------------------------

def ms(s):
    return "%.0f ms" % (s * 1000) if s < 10 else "%.1f s" % s


def secs(s):
    return "%.2f s" % s


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open("/etc/debian_version") as f:
            deb = f.read().strip()
    except OSError:
        deb = "?"
    return "%d CPUs (%s), Debian %s, kernel %s" % (os.cpu_count(), model, deb, platform.release())


def report(res):
    L = []
    L.append("Command: `%s`, %s, %.0f s in all.  Machine: %s.  Peer: Debian resource-agents %s "
             "with AWS CLI %s." % (res["command"], res["date"], res["elapsed"], res["machine"],
                                   res["versions"]["resource-agents"], res["versions"]["awscli"]))
    L.append("")
    L.append("### Per action (one at a time; start moves the record from elsewhere, INSYNC at once)")
    L.append("")
    L.append("| action | agent | runs | ok | median wall | p95 wall | median CPU | peak RSS | API calls |")
    L.append("|---|---|---|---|---|---|---|---|---|")
    for key in ("ours", "peer"):
        for a in res["actions"].get(key, []):
            rows = a["runs"]
            walls = [r["wall"] for r in rows]
            calls = sorted(set(r["calls"] for r in rows))
            L.append("| %s | %s | %d | %d | %s | %s | %s | %.1f MB | %s |" % (
                a["action"], res["labels"][key], len(rows), sum(r["ok"] for r in rows),
                ms(statistics.median(walls)), ms(pct(walls, 95)),
                ms(statistics.median(r["cpu"] for r in rows)),
                max(r["rss_kb"] for r in rows) / 1024.0, "/".join(map(str, calls))))
    L.append("")
    L.append("### Start against the INSYNC delay (`change_try_count=90`, default 1 s interval)")
    L.append("")
    L.append("| INSYNC delay | agent | runs | ok | median start | max start | max start − delay |")
    L.append("|---|---|---|---|---|---|---|")
    delays = sorted(set(r["delay"] for r in res["insync"]))
    for d in delays:
        for key in ("ours", "peer"):
            rows = [r for r in res["insync"] if r["delay"] == d and r["agent"] == key]
            if not rows:
                continue
            walls = [r["wall"] for r in rows]
            L.append("| %g s | %s | %d | %d | %s | %s | %s |" % (
                d, res["labels"][key], len(rows), sum(r["ok"] for r in rows),
                secs(statistics.median(walls)), secs(max(walls)), secs(max(walls) - d)))
    L.append("")
    sc = res["scale_conf"]
    L.append("### Scale: N starts at once, simulator limited to %g requests/s (burst %g), "
             "INSYNC after %g s, start timeout %d s" % (sc["rate"], sc["burst"], sc["pending"],
                                                      START_TIMEOUT_S))
    L.append("")
    L.append("| N | agent | ok | exit 0 but record wrong | failed / timed out | p50 done | "
             "p99 done | API calls per start | throttled | peak RSS | CPU per start |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for s in res["scale"]:
        rows = s["runs"]
        done = [r["done"] for r in rows]
        L.append("| %d | %s | %d/%d | %d | %d / %d | %s | %s | %.1f | %d | %.1f MB | %s |" % (
            s["n"], res["labels"][s["agent"]], sum(r["ok"] for r in rows), len(rows),
            sum(1 for r in rows if r["code"] == 0 and not r["record_right"]),
            sum(1 for r in rows if r["code"] != 0), sum(r["timed_out"] for r in rows),
            secs(pct(done, 50)), secs(pct(done, 99)), s["calls"] / float(len(rows)),
            s["throttled"], max(r["rss_kb"] for r in rows) / 1024.0,
            ms(statistics.mean(r["cpu"] for r in rows))))
    L.append("")
    L.append("### Goals")
    L.append("")
    L.extend(goals(res))
    return "\n".join(L) + "\n"


def goals(res):
    def action(key, name):
        for a in res["actions"].get(key, []):
            if a["action"] == name:
                return a["runs"]
        return []
    out = []
    ours_mon = [r["wall"] for r in action("ours", "monitor")]
    for name in ("monitor", "monitor (dig answers)"):
        peer = action("peer", name)
        if peer and ours_mon:
            ours_mon = statistics.median(ours_mon) if isinstance(ours_mon, list) else ours_mon
            x = statistics.median(r["wall"] for r in peer) / ours_mon
            out.append("- monitor ≥ 50x faster than the peer's %s: %.0fx (%s)"
                       % (name, x, "met" if x >= 50 else "MISSED"))
    rss = [r["rss_kb"] for a in res["actions"].get("ours", []) for r in a["runs"]]
    if rss:
        rss = max(rss) / 1024.0
        out.append("- peak RSS ≤ 15 MB: %.1f MB (%s)" % (rss, "met" if rss <= 15 else "MISSED"))
    late = [r["wall"] - r["delay"] for r in res["insync"] if r["agent"] == "ours"]
    if late:
        out.append("- start within 1.5 s of INSYNC: at most %.2f s after the delay (%s)"
                   % (max(late), "met" if max(late) <= 1.5 else "MISSED"))
    bad = [(s["n"], sum(1 for r in s["runs"] if not r["ok"]))
           for s in res["scale"] if s["agent"] == "ours"]
    if bad:
        total = sum(b for _, b in bad)
        out.append("- no false failure at scale: %s (%s)" % (
            ", ".join("%d of %d failed" % (b, n) for n, b in bad),
            "met" if total == 0 else "MISSED"))
    return out


def log(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def version(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--agent", required=True)
    ap.add_argument("--sim-url", required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--creds", required=True, help="file: AKID and secret, one a line")
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--command", default="bench/run")
    ap.add_argument("--parts", default="actions,insync,scale",
                    help="comma-separated subset of actions,insync,scale")
    ap.add_argument("--agents", default="ours,peer", help="ours, peer or both")
    ap.add_argument("--sizes", help="scale: comma-separated agent counts")
    args = ap.parse_args()

    t_start = time.monotonic()
    sim = Sim(args.sim_url, args.ca)
    sim.ca = args.ca
    with open(args.creds) as f:
        akid, secret = f.read().split()
    work = tempfile.mkdtemp(prefix="r53bench.")
    prepare_work(work, sim, akid, secret)
    del secret
    sim.ctl("POST", "/_sim/zone", {"name": ZONE, "id": ZONE_ID})
    counter = [0]

    def scratch():
        counter[0] += 1
        return os.path.join(work, "time.%d" % counter[0])

    ours = Agent("ours", "route53", args.agent, OURS_IP)
    peer = Agent("peer", "aws-vpc-route53", PEER, PEER_IP)
    ctx = {"sim": sim, "work": work, "scratch": scratch,
           "envf": {"ours": ours_env, "peer": peer_env}}
    if args.quick:
        runs = {"ours": {"start": 10, "other": 10}, "peer": {"start": 1, "other": 3}}
        delays, reps, sizes = [0, 5], 1, [10]
    else:
        runs = {"ours": {"start": 30, "other": 30}, "peer": {"start": 3, "other": 10}}
        delays, reps, sizes = [0, 5, 30], 2, [10, 50, 100]
    if args.sizes:
        sizes = [int(x) for x in args.sizes.split(",")]
    parts = args.parts.split(",")
    agents = [a for a in (ours, peer) if a.key in args.agents.split(",")]
    scale_conf = {"rate": 5, "burst": 5, "pending": 5}

    res = {"command": args.command, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           "machine": machine(), "labels": {"ours": ours.label, "peer": peer.label},
           "versions": {"awscli": version(["/usr/bin/aws", "--version"]).split(" ")[0],
                        "resource-agents": version(["dpkg-query", "-W", "-f=${Version}",
                                                    "resource-agents"])},
           "scale_conf": scale_conf, "actions": {}, "insync": [], "scale": []}
    try:
        for agent in agents if "actions" in parts else []:
            log("actions: %s" % agent.label)
            res["actions"][agent.key] = bench_actions(ctx, agent, runs[agent.key])
        if "insync" in parts:
            log("start against the INSYNC delay")
            res["insync"] = bench_insync(ctx, agents, delays, reps)
        for n in sizes if "scale" in parts else []:
            for agent in agents:
                log("scale: %d x %s" % (n, agent.label))
                res["scale"].append(bench_scale(ctx, agent, n, scale_conf["pending"],
                                                scale_conf["rate"], scale_conf["burst"]))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    res["elapsed"] = time.monotonic() - t_start
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(res, f, indent=1)
    md = report(res)
    with open(os.path.join(args.out, "latest.md"), "w") as f:
        f.write(md)
    print(md)


if __name__ == "__main__":
    main()
