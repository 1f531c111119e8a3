#!/usr/bin/env python3
"""route53 against resource-agents' aws-vpc-route53, on one simulator.

A benchmark, not a test: it measures and reports, and asserts nothing.
Run it through bench/run, which builds the agent, installs the peer,
starts tests/sim/r53sim.py (API and DNS) and passes its addresses here.

Our agent runs with its defaults throughout (no change_try_count or
change_try_interval; monitor_method=dns with dns_servers aimed at the
simulator's DNS; api_rate_limit 10/s), and its advertised start timeout
(OCF_RESKEY_CRM_meta_timeout=120000) except where a row says otherwise.

Five parts, each run on the same simulator, one after the other:
  actions  start, monitor, probe, stop of each agent, one at a time:
           median/p95 wall, CPU (user+sys of the whole process tree),
           peak RSS (largest process of the tree), Route 53 API calls
  insync   start against the simulator's INSYNC delay (0, 5, 30, 60,
           120 s): time, GetChange calls and API calls per start
  storm    starts of distinct records at once, INSYNC after 5 s: 50
           under the old quota (5 requests/s, burst 5), 100 under the
           2026 one (account bucket burst 50 refill 10/s, per-operation
           buckets, record-change bucket); all our agents share one
           HA_RSCTMP, so one node's request budget
  steady   100 resources, each monitored 10 times (recurring monitor)
           while DNS answers: API calls spent, monitor wall and CPU

Our agents in insync and storm run with HA_debug=1: their debug log says
which requests each one sent (and the answer's HTTP status), so calls are
counted per start; the simulator's own counts check the sum.

Results go to OUT/results.json and OUT/latest.md; bench/plot.py draws
the PNGs from results.json.
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import ssl
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ZONE = "example.com"
ZONE_ID = "ZBENCH0000001"
OURS_IP = "192.0.2.10"
PEER_IP = "192.0.2.20"
ELSEWHERE = "198.51.100.99"     # where a record points before a start
PEER = "/usr/lib/ocf/resource.d/heartbeat/aws-vpc-route53"
OURS_START_TIMEOUT_S = 120      # our advertised start timeout (meta-data)
LONG_START_TIMEOUT_S = 180      # for the 120 s INSYNC row: 120 s cannot fit in 120 s
PEER_START_TIMEOUT_S = 180      # the peer's own advertised start timeout
OTHER_TIMEOUT_S = 30            # monitor, probe, stop (both agents advertise 30 s... or more)
STORM_PENDING_S = 5
STORM_SIZES = {"old": 50, "2026": 100}   # issue 20's table: starts per storm, by quota model
MODELS = {
    # the old model: 5 requests/s for the whole account, burst 5
    "old": {"label": "old quota (5 req/s, burst 5)",
            "config": {"rate_limit": 5, "burst": 5, "quota": None}},
    # the 2026 model: the simulator's "2026" defaults
    "2026": {"label": "2026 quota (account burst 50, refill 10/s; per-op buckets)",
             "config": {"rate_limit": None, "quota": "2026"}},
}
OPS = ("ListHostedZonesByName", "GetHostedZone", "ListResourceRecordSets",
       "ChangeResourceRecordSets", "GetChange")
# route53.c's line per request: "OPERATION /path -> HTTP status" (http.c's
# own line, "GET https://... -> HTTP status, n bytes", is not counted).
DEBUG_REQ = re.compile(r": debug: ([A-Z][A-Za-z]+) /\S* -> HTTP (\d+)")
DEBUG_USED = re.compile(r"start used (\d+) Route 53 requests")


# ---- simulator control ---------------------------------------------------

class Sim:
    def __init__(self, url, ca):
        self.url, self.ca = url, ca
        self.ctx = ssl.create_default_context(cafile=ca)

    def ctl(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, context=self.ctx, timeout=30) as resp:
            return json.load(resp)

    def config(self, **cfg):
        return self.ctl("POST", "/_sim/config", cfg)

    def reset_stats(self):
        self.ctl("POST", "/_sim/reset-stats")

    def full_stats(self):
        return self.ctl("GET", "/_sim/stats")

    def stats(self):
        """(API calls, throttled): every Route 53 request, IMDS apart;
        throttled by either quota model."""
        return calls_throttled(self.full_stats())

    def set_record(self, name, value):
        self.ctl("POST", "/_sim/record", {"zone": ZONE_ID, "name": name, "type": "A",
                                          "ttl": 10, "values": [value] if value else []})

    def record(self, name):
        try:
            return self.ctl("GET", "/_sim/record?zone=%s&name=%s&type=A" % (ZONE_ID, name))["values"]
        except urllib.error.HTTPError:
            return []


def calls_throttled(s):
    calls = sum(n for op, n in s["requests"].items() if op != "imds")
    throttled = s.get("throttled", 0) + sum((s.get("quota") or {}).get("throttled", {}).values())
    return calls, throttled


def api_ops(s):
    return {op: n for op, n in s["requests"].items() if op != "imds"}


# ---- the two agents --------------------------------------------------------

class Agent:
    """How to run one agent for record number i."""

    def __init__(self, key, label, path, ip):
        self.key, self.label, self.path, self.ip = key, label, path, ip

    def record(self, i):
        return "%s%d.%s." % (self.key, i, ZONE)


def common_env(work, i, key, timeout_s, node):
    """node: the HA_RSCTMP directory, one per simulated cluster node (all
    our agents of a node share its request budget); None: one per resource."""
    rsc = node or os.path.join(work, "rsc", "%s%d" % (key, i))
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


def ours_env(agent, ctx, i, timeout_s=None, node=None, debug=False):
    sim = ctx["sim"]
    env = common_env(ctx["work"], i, agent.key, timeout_s or OURS_START_TIMEOUT_S,
                     node or ctx["node"])
    env.update({
        "OCF_RESKEY_hostname": agent.record(i), "OCF_RESKEY_zone_id": ZONE_ID,
        "OCF_RESKEY_ip": agent.ip, "OCF_RESKEY_profile": "bench",
        "OCF_RESKEY_endpoint": sim.url, "OCF_RESKEY_ca_bundle": sim.ca,
        # Defaults otherwise; the DNS-first monitor asks the simulator's
        # name server (loopback only: no real resolver may be asked here).
        "OCF_RESKEY_dns_servers": ctx["dns"], "OCF_RESKEY_owner": "bench",
    })
    if debug:
        env["HA_debug"] = "1"
    return env


def peer_env(agent, ctx, i, timeout_s=None, node=None, debug=False):
    env = common_env(ctx["work"], i, agent.key, timeout_s or PEER_START_TIMEOUT_S, None)
    env.update({
        "OCF_RESKEY_awscli": os.path.join(ctx["work"], "bin", "aws-sim"),
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
        # With HA_debug=1, our agent's requests: per operation, sent and
        # answered 4xx (in a storm: Throttling), and its own total.
        self.sent, self.http4xx, self.used = {}, {}, None
        try:
            with open(self.scratch + ".err", errors="replace") as f:
                for line in f:
                    if line.startswith("ocf-exit-reason:"):
                        self.reason = line.split(":", 1)[1].strip()
                    m = DEBUG_REQ.search(line)
                    if m:
                        self.sent[m.group(1)] = self.sent.get(m.group(1), 0) + 1
                        if m.group(2).startswith("4"):
                            self.http4xx[m.group(1)] = self.http4xx.get(m.group(1), 0) + 1
                    m = DEBUG_USED.search(line)
                    if m:
                        self.used = int(m.group(1))
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

    def calls(self):
        """Requests this start sent (its own count, else the log's)."""
        return self.used if self.used is not None else sum(self.sent.values())


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


# ---- load average, sampled through the run -----------------------------------

class LoadSampler:
    def __init__(self, every=5.0):
        self.samples, self.stop = [], threading.Event()
        self.every = every
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            try:
                with open("/proc/loadavg") as f:
                    self.samples.append(float(f.read().split()[0]))
            except (OSError, ValueError, IndexError):
                pass
            self.stop.wait(self.every)

    def summary(self):
        self.stop.set()
        s = self.samples or [0.0]
        return {"min": min(s), "median": statistics.median(s), "max": max(s), "n": len(s)}


# ---- part 1: per action ---------------------------------------------------------

def refill_pause(agent, calls):
    """Ours: wait until the node's request budget (10/s) has refilled
    the tokens the last run took, so each action meets a full budget, as
    an action alone on its node would (back to back, 30 starts would be
    paced at 5 per second by the budget: that is the storm's business)."""
    if agent.key == "ours" and calls > 0:
        time.sleep(0.05 + calls / 10.0)


def bench_harness(ctx, n=20):
    """The CPU the harness itself adds to every figure: /usr/bin/time
    running /bin/true (time's own CPU, and an empty process's exec)."""
    return statistics.median(
        Run("/bin/true", "monitor", {}, ctx["scratch"](), 10, ctx["work"]).wait().cpu
        for _ in range(n))


def bench_actions(ctx, agent, runs):
    """Each action in the state it normally meets; start always has to move
    the record (a failover), so both agents write and wait."""
    sim, work = ctx["sim"], ctx["work"]
    envf = ctx["envf"][agent.key]
    env = envf(agent, ctx, 0)
    timeout_s = int(env["OCF_RESKEY_CRM_meta_timeout"]) // 1000
    monitor_env = dict(env, OCF_RESKEY_CRM_meta_interval="30000",
                       OCF_RESKEY_CRM_meta_timeout=str(OTHER_TIMEOUT_S * 1000))
    if agent.key == "ours":
        # The default monitor asks DNS (it answers ours: no API call);
        # monitor_method=api is the one before DNS-first, for comparison.
        plan = [("start", env, "start", runs["start"]),
                ("monitor (DNS answers)", monitor_env, "monitor", runs["other"]),
                ("monitor (monitor_method=api)",
                 dict(monitor_env, OCF_RESKEY_monitor_method="api"), "monitor", runs["other"]),
                ("probe", env, "monitor", runs["other"]),
                ("stop", env, "stop", runs["other"])]
    else:
        # The peer's recurring monitor asks DNS first and reads the API only
        # when dig finds nothing; measure both of its paths.
        plan = [("start", env, "start", runs["start"]),
                ("monitor (dig fails: API)", monitor_env, "monitor", runs["other"]),
                ("monitor (dig answers)",
                 dict(monitor_env, BENCH_DIG_ANSWER=agent.ip), "monitor", runs["other"]),
                ("probe", env, "monitor", runs["other"]),
                ("stop", env, "stop", runs["other"])]
    out = []
    for name, action_env, action, n in plan:
        rows = []
        for k in range(n):
            if name == "start":
                sim.set_record(agent.record(0), ELSEWHERE)
            elif name == "stop" and agent.key == "ours":
                # Our stop reads the state start wrote; the peer's stop
                # is stateless (no API call, nothing to remove).
                Run(agent.path, "start", env, ctx["scratch"](), timeout_s, work).wait()
                refill_pause(agent, 2)
            sim.reset_stats()
            r = Run(agent.path, action, action_env, ctx["scratch"](),
                    timeout_s if action == "start" else OTHER_TIMEOUT_S * 2, work).wait()
            calls, throttled = sim.stats()
            refill_pause(agent, calls)
            ok = r.code == 0 and (name != "start" or sim.record(agent.record(0)) == [agent.ip])
            rows.append({"wall": r.wall, "cpu": r.cpu, "rss_kb": r.rss_kb, "code": r.code,
                         "ok": ok, "calls": calls})
            log("  %s %s %d/%d: exit %d, %.3f s, %d calls" % (agent.key, name, k + 1, n, r.code,
                                                             r.wall, calls))
        out.append({"action": name, "runs": rows})
    return out


# ---- part 2: start against the INSYNC delay ---------------------------------------

def bench_insync(ctx, agents, delays, peer_delays, reps):
    """For each delay, reps starts of each agent at once (records of their
    own, launches 1 s apart so the CLI's start-up does not pile up).  Start
    wall minus the delay bounds how long start returned after INSYNC.  Ours
    runs with its advertised 120 s start timeout, except for delays that
    cannot fit in it (the 120 s row: 180 s)."""
    sim, work = ctx["sim"], ctx["work"]
    out, steps = [], []
    for j, d in enumerate(delays):
        sim.config(pending_seconds=d, rate_limit=None, quota=None)
        here = [a for a in agents if a.key == "ours" or d in peer_delays]
        if not here:
            continue
        runs = []
        base = 100 + 10 * j          # fresh records and state for each delay
        for agent in here:
            for k in range(reps):
                sim.set_record(agent.record(base + k), ELSEWHERE)
        sim.reset_stats()
        t_step = time.monotonic()
        for k in range(reps):
            for agent in here:
                if agent.key == "ours":
                    timeout_s = OURS_START_TIMEOUT_S if d < OURS_START_TIMEOUT_S - 20 \
                        else LONG_START_TIMEOUT_S
                    env = ours_env(agent, ctx, base + k, timeout_s=timeout_s, debug=True)
                else:
                    timeout_s = PEER_START_TIMEOUT_S
                    env = peer_env(agent, ctx, base + k)
                runs.append((agent, k, timeout_s, Run(agent.path, "start", env, ctx["scratch"](),
                                                      timeout_s, work)))
            time.sleep(1.0)
        ours_ops = {}
        for agent, k, timeout_s, r in runs:
            r.wait()
            ok = r.code == 0 and sim.record(agent.record(base + k)) == [agent.ip]
            row = {"agent": agent.key, "delay": d, "wall": r.wall, "code": r.code, "ok": ok,
                   "timeout_s": timeout_s, "reason": r.reason}
            if agent.key == "ours":
                row.update({"calls": r.calls(), "getchange": r.sent.get("GetChange", 0),
                            "ops": dict(r.sent)})
                for op, n in r.sent.items():
                    ours_ops[op] = ours_ops.get(op, 0) + n
            out.append(row)
            log("  insync %s delay %g: exit %d, %.2f s%s" % (
                agent.key, d, r.code, r.wall,
                ", %d calls, %d GetChange" % (row["calls"], row["getchange"])
                if agent.key == "ours" else ""))
        sim_ops = api_ops(sim.full_stats())
        # The peer's calls: the simulator's count less ours (ours from
        # their debug logs); per start, the mean over its runs.
        peer_ops = {op: n - ours_ops.get(op, 0) for op, n in sim_ops.items()
                    if n - ours_ops.get(op, 0) > 0}
        steps.append({"delay": d, "sim_ops": sim_ops, "ours_ops": ours_ops, "peer_ops": peer_ops,
                      "ours_runs": sum(1 for a, _, _, _ in runs if a.key == "ours"),
                      "peer_runs": sum(1 for a, _, _, _ in runs if a.key == "peer"),
                      "elapsed": time.monotonic() - t_step})
        n_peer = steps[-1]["peer_runs"]
        for row in out:
            if row["agent"] == "peer" and row["delay"] == d and n_peer:
                row["calls_mean"] = sum(peer_ops.values()) / float(n_peer)
                row["getchange_mean"] = peer_ops.get("GetChange", 0) / float(n_peer)
    sim.config(pending_seconds=0)
    return out, steps


# ---- part 3: the storm: many starts at once under a quota ----------------------------

def read_budget(path):
    """The node's shared budget record (src/ratelimit.c's struct rec)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
        (magic, version, stamp, tokens, w_max, fail_ms, granted,
         throttles, refused) = struct.unpack("=IIqddqQQQ", data[:64])
        return {"granted": granted, "throttles": throttles, "refused": refused,
                "w_max": w_max, "tokens": tokens}
    except (OSError, struct.error):
        return None


def ideal_time(model, n_calls, n_upserts, per_op, pending):
    """How soon the last of n_calls requests can be answered under the
    model, had they been sent exactly as fast as it allows: a bucket of
    burst B refilled at R/s serves C requests by (C - B) / R.  The 2026
    model: the account bucket, each operation's bucket and the record-
    change bucket (UPSERT counts two) each give a bound; the largest wins.
    Never less than the INSYNC delay (the last start needs a GetChange
    after it)."""
    if model == "old":
        bounds = {"account": max(0.0, (n_calls - 5) / 5.0)}
    else:
        bounds = {"account": max(0.0, (n_calls - 50) / 10.0),
                  "operation": max([0.0] + [(n - 50) / 10.0 for n in per_op.values()]),
                  "changes": max(0.0, (2 * n_upserts - 100) / 20.0)}
    bounds["INSYNC"] = float(pending)
    return max(bounds.values()), bounds


def bench_storm(ctx, agent, n, model, pending):
    sim, work = ctx["sim"], ctx["work"]
    sim.config(pending_seconds=0, rate_limit=None, quota=None)
    base = {"old": 1000, "2026": 3000}[model] + (0 if agent.key == "ours" else 500)
    for i in range(n):
        sim.set_record(agent.record(base + i), ELSEWHERE)
    # One node: every agent of this storm shares one fresh HA_RSCTMP, so
    # one request budget (distinct instances keep their state apart).
    node = os.path.join(work, "node-%s-%s" % (model, agent.key))
    if agent.key == "ours":
        envs = [ours_env(agent, ctx, base + i, node=node, debug=True) for i in range(n)]
        timeout_s = OURS_START_TIMEOUT_S
    else:
        envs = [peer_env(agent, ctx, base + i) for i in range(n)]
        timeout_s = PEER_START_TIMEOUT_S
    cfg = dict(MODELS[model]["config"], pending_seconds=pending)
    sim.config(**cfg)
    sim.reset_stats()
    t0 = time.monotonic()
    runs = [Run(agent.path, "start", e, ctx["scratch"](), timeout_s, work) for e in envs]
    for r in runs:
        r.wait()
    st = sim.full_stats()
    calls, throttled = calls_throttled(st)
    sim.config(rate_limit=None, quota=None, pending_seconds=0)
    rows = []
    for i, r in enumerate(runs):
        right = sim.record(agent.record(base + i)) == [agent.ip]
        row = {"done": r.t1 - t0, "code": r.code, "timed_out": r.timed_out,
               "reason": r.reason, "record_right": right, "ok": r.code == 0 and right,
               "cpu": r.cpu, "rss_kb": r.rss_kb}
        if agent.key == "ours":
            row.update({"calls": r.calls(), "ops": dict(r.sent), "http4xx": dict(r.http4xx)})
        rows.append(row)
    ops = api_ops(st)
    quota = st.get("quota") or {}
    if model == "old":
        passed = {op: c for op, c in ops.items()}
        for e in st.get("log", []):          # the last 1000 requests
            if e.get("fault") == "rate_limit" and e["op"] in passed:
                passed[e["op"]] -= 1
        throttled_ops = None if len(st.get("log", [])) >= 1000 else \
            {op: ops[op] - passed[op] for op in ops if ops[op] - passed[op]}
    else:
        throttled_ops = dict(quota.get("throttled", {}))
    good = calls - throttled
    upserts = ops.get("ChangeResourceRecordSets", 0) - \
        (throttled_ops or {}).get("ChangeResourceRecordSets", 0)
    per_op_good = {op: c - (throttled_ops or {}).get(op, 0) for op, c in ops.items()}
    ideal, bounds = ideal_time(model, good, upserts, per_op_good, pending)
    # The least this agent's starts can need: ListResourceRecordSets, UPSERT and
    # one GetChange after INSYNC each (the peer: its list, UPSERT, one
    # get-change); no throttling.
    minimum = 3 * n
    ideal_min, _ = ideal_time(model, minimum, n, {"ListResourceRecordSets": n, "GetChange": n,
                                                  "ChangeResourceRecordSets": n}, pending)
    last = max(x["done"] for x in rows)
    res = {"agent": agent.key, "model": model, "n": n, "pending": pending,
           "calls": calls, "throttled": throttled, "ops": ops, "throttled_ops": throttled_ops,
           "throttled_by": quota.get("throttled_by"), "good_calls": good,
           "ideal": ideal, "ideal_bounds": bounds, "ideal_min": ideal_min,
           "min_calls": minimum, "last": last, "runs": rows,
           "budget": read_budget(os.path.join(node, "route53.budget"))
           if agent.key == "ours" else None}
    if agent.key == "ours":
        own = sum(x["calls"] for x in rows)
        res["ours_counted"] = own    # the agents' own count, against the simulator's
    log("  storm %s %s n=%d: %d ok, %d calls (%.1f per start), %d throttled (%.0f %%), "
        "last done %.1f s, ideal %.1f s (ratio %.2f)"
        % (agent.key, model, n, sum(x["ok"] for x in rows), calls, calls / float(n), throttled,
           100.0 * throttled / max(1, calls), last, ideal, last / ideal))
    return res


# ---- part 4: steady state -------------------------------------------------------------

def bench_steady(ctx, agent, n, rounds, peer=None, peer_every=50):
    """n resources started (INSYNC at once), then each monitored `rounds`
    times, one monitor at a time, as recurring monitors (interval 30 s)
    while DNS answers our address.  With peer: after every peer_every of
    ours, one of the peer's recurring monitors with its dig answering, so
    both are timed under the same load."""
    sim, work = ctx["sim"], ctx["work"]
    sim.config(pending_seconds=0, rate_limit=None, quota=None)
    base = 5000
    node = os.path.join(work, "node-steady")
    for i in range(n):
        sim.set_record(agent.record(base + i), ELSEWHERE)
    started = 0
    for lo in range(0, n, 10):
        batch = [Run(agent.path, "start", ours_env(agent, ctx, base + i, node=node),
                     ctx["scratch"](), OURS_START_TIMEOUT_S, work) for i in range(lo, min(n, lo + 10))]
        started += sum(1 for r in batch if r.wait().code == 0)
    sim.reset_stats()
    rows, peer_rows = [], []
    for k in range(rounds):
        for i in range(n):
            env = ours_env(agent, ctx, base + i, node=node)
            env.update(OCF_RESKEY_CRM_meta_interval="30000",
                       OCF_RESKEY_CRM_meta_timeout=str(OTHER_TIMEOUT_S * 1000))
            r = Run(agent.path, "monitor", env, ctx["scratch"](), OTHER_TIMEOUT_S * 2, work).wait()
            rows.append({"wall": r.wall, "cpu": r.cpu, "code": r.code, "rss_kb": r.rss_kb})
            if peer is not None and len(rows) % peer_every == 0:
                penv = dict(peer_env(peer, ctx, 0), OCF_RESKEY_CRM_meta_interval="30000",
                            OCF_RESKEY_CRM_meta_timeout=str(OTHER_TIMEOUT_S * 1000),
                            BENCH_DIG_ANSWER=peer.ip)
                pr = Run(peer.path, "monitor", penv, ctx["scratch"](), OTHER_TIMEOUT_S * 2,
                         work).wait()
                peer_rows.append({"wall": pr.wall, "cpu": pr.cpu, "code": pr.code})
        log("  steady round %d/%d: %d monitors, %d exit 0" % (
            k + 1, rounds, n, sum(1 for x in rows[-n:] if x["code"] == 0)))
    st = sim.full_stats()
    calls, throttled = calls_throttled(st)
    dns = st.get("dns") or {}
    walls = [x["wall"] for x in rows]
    cpus = [x["cpu"] for x in rows]
    res = {"n": n, "rounds": rounds, "started": started, "monitors": len(rows),
           "ok": sum(1 for x in rows if x["code"] == 0), "calls": calls, "ops": api_ops(st),
           "dns_queries": dns.get("queries", 0), "dns_answered": dns.get("answered", 0),
           "median_wall": statistics.median(walls), "p95_wall": pct(walls, 95),
           "median_cpu": statistics.median(cpus), "p95_cpu": pct(cpus, 95),
           "peak_rss_kb": max(x["rss_kb"] for x in rows)}
    if peer_rows:
        res["peer_dig"] = {"runs": len(peer_rows), "ok": sum(1 for x in peer_rows if x["code"] == 0),
                           "median_wall": statistics.median(x["wall"] for x in peer_rows),
                           "median_cpu": statistics.median(x["cpu"] for x in peer_rows)}
    log("  steady: %d monitors, %d ok, %d API calls, %d DNS queries, median %.1f ms wall, "
        "%.1f ms CPU" % (len(rows), res["ok"], calls, res["dns_queries"],
                         res["median_wall"] * 1000, res["median_cpu"] * 1000))
    return res


# ---- report ------------------------------------------------------------------

def ms(s):
    return "%.0f ms" % (s * 1000) if s < 10 else "%.1f s" % s


def ms1(s):
    return "%.1f ms" % (s * 1000)


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


def met(ok):
    return "met" if ok else "MISSED"


def insync_goal_slack(d):
    return max(1.0, 0.1 * d)


def report(res):
    L = []
    ld = res.get("load") or {}
    L.append("Command: `%s`, %s, %.0f s in all.  Machine: %s; load average (1 min) during the "
             "run: median %.1f, min %.1f, max %.1f.  Peer: Debian resource-agents %s with AWS "
             "CLI %s." % (res["command"], res["date"], res["elapsed"], res["machine"],
                          ld.get("median", 0), ld.get("min", 0), ld.get("max", 0),
                          res["versions"]["resource-agents"], res["versions"]["awscli"]))
    L.append("")
    L.append("Ours runs with its defaults (no `change_try_count`/`change_try_interval`, "
             "`monitor_method=dns` with `dns_servers` at the simulator's DNS, "
             "`api_rate_limit` 10/s) and its advertised start timeout, "
             "`OCF_RESKEY_CRM_meta_timeout=120000`, except the 120 s INSYNC row (180000); "
             "the peer gets its advertised 180000.")
    if res["actions"]:
        L.append("")
        L.append("### Per action (one at a time; start moves the record from elsewhere, "
                 "INSYNC at once)")
        L.append("")
        L.append("| action | agent | runs | ok | median wall | p95 wall | median CPU | peak RSS "
                 "| API calls |")
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
    if res["insync"]:
        L.append("")
        L.append("### Start against the INSYNC delay (defaults: GetChange at 1, 2, 3, 4, 5, 7, "
                 "10, 15, 20, 30, 45, 60 s after acceptance, then every 15 s)")
        L.append("")
        L.append("One row per start.  Our calls are counted per start (its debug log); the "
                 "peer's are the simulator's count for the delay, less ours, per peer start.")
        L.append("")
        L.append("| INSYNC delay | agent | start timeout | ok | start | start − delay | "
                 "GetChange calls | API calls |")
        L.append("|---|---|---|---|---|---|---|---|")
        for d in sorted(set(r["delay"] for r in res["insync"])):
            for key in ("ours", "peer"):
                for r in [r for r in res["insync"] if r["delay"] == d and r["agent"] == key]:
                    if key == "ours":
                        gc, calls = "%d" % r["getchange"], "%d" % r["calls"]
                    else:
                        gc = "%.1f (mean)" % r.get("getchange_mean", 0)
                        calls = "%.1f (mean)" % r.get("calls_mean", 0)
                    L.append("| %g s | %s | %d s | %s | %s | %s | %s | %s |" % (
                        d, res["labels"][key], r["timeout_s"], "yes" if r["ok"] else
                        "NO (exit %d%s)" % (r["code"], ": " + r["reason"] if r["reason"] else ""),
                        secs(r["wall"]), secs(r["wall"] - d), gc, calls))
    if res["storm"]:
        L.append("")
        L.append("### Storm: starts of distinct records at once (50 under the old quota, 100 "
                 "under the 2026 one), INSYNC after %d s, one node (all our agents share one "
                 "HA_RSCTMP, so one request budget)" % STORM_PENDING_S)
        L.append("")
        L.append("| quota model | starts | agent | ok (record right) | failed / timed out | API calls per "
                 "start | throttled | p50 done | p99 done | last done | ideal | last ÷ ideal "
                 "| ideal (3 calls/start) | CPU per start | peak RSS |")
        L.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        notes = []
        for s in res["storm"]:
            rows = s["runs"]
            done = [r["done"] for r in rows]
            L.append("| %s | %d | %s | %d/%d | %d / %d | %.2f | %d of %d (%.1f %%) | %s | %s | %s | "
                     "%s | %.2f | %s (%.2f) | %s | %.1f MB |" % (
                         s["model"], len(rows), res["labels"][s["agent"]],
                         sum(r["ok"] for r in rows),
                         len(rows), sum(1 for r in rows if r["code"] != 0),
                         sum(r["timed_out"] for r in rows), s["calls"] / float(len(rows)),
                         s["throttled"], s["calls"], 100.0 * s["throttled"] / max(1, s["calls"]),
                         secs(pct(done, 50)), secs(pct(done, 99)), secs(s["last"]),
                         secs(s["ideal"]), s["last"] / s["ideal"], secs(s["ideal_min"]),
                         s["last"] / s["ideal_min"],
                         ms(statistics.mean(r["cpu"] for r in rows)),
                         max(r["rss_kb"] for r in rows) / 1024.0))
            if any(r["timed_out"] for r in rows):
                notes.append("%s under the %s model: %d of %d starts killed at their %d s "
                             "timeout, %d of them with the record right by then (a killed "
                             "start's CPU and RSS are counted only in part)" % (
                                 res["labels"][s["agent"]], s["model"],
                                 sum(r["timed_out"] for r in rows), len(rows),
                                 PEER_START_TIMEOUT_S if s["agent"] == "peer"
                                 else OURS_START_TIMEOUT_S,
                                 sum(1 for r in rows if r["timed_out"] and r["record_right"])))
        for x in notes:
            L.append("")
            L.append(x + ".")
        L.append("")
        L.append("Ideal: the time the model needs to serve the storm's non-throttled calls C "
                 "had they come exactly as fast as it allows, a bucket of burst B refilled at "
                 "R/s serving C calls by (C − B) ÷ R: old model (C − 5) ÷ 5; 2026 model the "
                 "largest of the account bucket's (C − 50) ÷ 10, each operation's bucket "
                 "(C_op − 50) ÷ 10 and the record-change bucket's (2 × UPSERTs − 100) ÷ 20; "
                 "never less than the INSYNC delay.  \"ideal (3 calls/start)\" is the same with "
                 "C = 3 × starts, the least our starts can send (ListResourceRecordSets for the "
                 "compare-and-swap, UPSERT, one GetChange each): issue 20's ideal, against "
                 "which the goals below are judged.")
        L.append("")
        L.append("Calls by operation (all, throttled in brackets where the simulator says):")
        L.append("")
        for s in res["storm"]:
            th = s.get("throttled_ops") or {}
            L.append("- %s, %s: %s%s" % (
                s["model"], res["labels"][s["agent"]],
                ", ".join("%s %d%s" % (op, n, " (%d)" % th[op] if th.get(op) else "")
                          for op, n in sorted(s["ops"].items())),
                "; node budget: %d tokens granted, %d rate decreases"
                % (s["budget"]["granted"], s["budget"]["throttles"]) if s.get("budget") else ""))
    if res["steady"]:
        s = res["steady"]
        L.append("")
        L.append("### Steady state: %d resources, each monitored %d times (recurring monitor, "
                 "one at a time), DNS answering" % (s["n"], s["rounds"]))
        L.append("")
        L.append("| monitors | exit 0 | API calls | DNS queries | median wall | p95 wall | "
                 "median CPU | p95 CPU | peak RSS |")
        L.append("|---|---|---|---|---|---|---|---|---|")
        L.append("| %d | %d | %d | %d | %s | %s | %s | %s | %.1f MB |" % (
            s["monitors"], s["ok"], s["calls"], s["dns_queries"], ms1(s["median_wall"]),
            ms1(s["p95_wall"]), ms1(s["median_cpu"]), ms1(s["p95_cpu"]),
            s["peak_rss_kb"] / 1024.0))
        peer = action(res, "peer", "monitor (dig answers)")
        if peer:
            pw = statistics.median(r["wall"] for r in peer)
            pc = statistics.median(r["cpu"] for r in peer)
            L.append("")
            L.append("Against the peer's \"monitor (dig answers)\" row above (median wall %s, "
                     "CPU %s): %.0f× faster by wall, %.0f× by CPU." % (
                         ms(pw), ms(pc), pw / s["median_wall"], pc / s["median_cpu"]))
        pd = s.get("peer_dig")
        if pd:
            L.append("")
            L.append("Against %d of the peer's recurring monitors with `dig` answering, run "
                     "among ours (one after every %d of ours, so under the same load; %d exit "
                     "0; median wall %s, CPU %s): %.0f× faster by wall, %.0f× by CPU." % (
                         pd["runs"], s["monitors"] // max(1, pd["runs"]), pd["ok"],
                         ms(pd["median_wall"]), ms(pd["median_cpu"]),
                         pd["median_wall"] / s["median_wall"], pd["median_cpu"] / s["median_cpu"]))
    if res.get("cluster"):
        L.extend(cluster_report(res))
    L.append("")
    L.append("### Goals")
    L.append("")
    L.extend(goals(res))
    return "\n".join(L) + "\n"


def cluster_report(res):
    """bench/cluster.sh's figure: one row per agent."""
    c = res["cluster"]
    L = ["", "### Cluster failover: %d groups (IPaddr2, then the agent publishing the node's "
         "own address) in the two-node cluster, fencing on; node1 crashed (every process "
         "killed, link down); %s quota, INSYNC after %d s, Pacemaker's default "
         "node-action-limit (bench/cluster.sh, %d s in all, %s)" % (
             c["n"], c["quota"], c["pending"], c["elapsed"], c["date"]), "",
         "Times from the crash, to each record's change to node2's address at the simulator "
         "(its history).  Settled: the cluster had no action left (every start returned).", "",
         "| agent | records right | first right | median right | all right | settled | "
         "API calls | throttled | failed actions | route53 resources running on node2 |",
         "|---|---|---|---|---|---|---|---|---|---|"]
    for r in c["runs"]:
        t = r["times"]
        L.append("| %s | %d of %d | %s | %s | %s | %s | %d | %d (%.1f %%) | %d | %d of %d |" % (
            res["labels"][r["agent"]], r["right"], r["n"],
            secs(r["first_right"]) if t else "—", secs(statistics.median(t)) if t else "—",
            secs(r["all_right"]) if r["all_right"] is not None
            else "**not within %d s**" % c["timeout"],
            secs(r["settled"]) if r.get("settled") is not None else "not within 120 s more",
            r["calls"], r["throttled"], 100.0 * r["throttled"] / max(1, r["calls"]),
            r["failed_actions"], r["running"], r["n"]))
        if r["wrong"]:
            L.append("")
            L.append("%s: wrong at the end: %s." % (res["labels"][r["agent"]], ", ".join(
                "%s %s" % (k, ",".join(v) or "(none)") for k, v in sorted(r["wrong"].items()))))
    missing = [k for k in c["agents"] if k not in [r["agent"] for r in c["runs"]]]
    if missing:
        L.append("")
        L.append("No figure for %s (bench/cluster.sh's log says why)." % " and ".join(
            res["labels"][k] for k in missing))
    L.append("")
    L.append("Calls by operation: " + "; ".join(
        "%s: %s" % (res["labels"][r["agent"]], ", ".join(
            "%s %d" % (op, n) for op, n in sorted(r["ops"].items()))) for r in c["runs"]))
    return L


def action(res, key, name):
    for a in res["actions"].get(key, []):
        if a["action"] == name:
            return a["runs"]
    return []


def monitor_goals(res):
    """Issue 20's monitor rows: the peer's median CPU over ours, ours
    also net of the harness (bench_harness), goal 100x by the net."""
    out = []
    h = res.get("harness_cpu", 0.0)
    for path, mine, theirs in (("DNS", "monitor (DNS answers)", "monitor (dig answers)"),
                               ("API", "monitor (monitor_method=api)",
                                "monitor (dig fails: API)")):
        a, b = action(res, "ours", mine), action(res, "peer", theirs)
        if not a or not b:
            continue
        ours = statistics.median(r["cpu"] for r in a)
        peer = statistics.median(r["cpu"] for r in b)
        net = max(ours - h, 1e-4)
        out.append("- monitor, %s path: ours %s of CPU (%s net of the harness's %s), the peer's "
                   "\"%s\" %s: %.0f× (net %.0f×), goal ≥ 100× net (%s)" % (
                       path, ms1(ours), ms1(net), ms1(h), theirs, ms(peer), peer / ours,
                       (peer - h) / net, met((peer - h) / net >= 100)))
    return out


def goals(res):
    out = []
    ours = [r for r in res["insync"] if r["agent"] == "ours"]
    if ours:
        bad = [r for r in ours if not r["ok"]]
        out.append("- INSYNC: every start succeeds: %d of %d (%s)" % (
            len(ours) - len(bad), len(ours), met(not bad)))
        late = [(r["wall"] - r["delay"], insync_goal_slack(r["delay"]), r["delay"]) for r in ours]
        worst = max(late, key=lambda x: x[0] / x[1])
        out.append("- INSYNC: start returns within max(1 s, 10 %%) of INSYNC: worst %.2f s after "
                   "a %g s INSYNC (allowed %.1f s) (%s)" % (
                       worst[0], worst[2], worst[1], met(all(x[0] <= x[1] for x in late))))
        at60 = [r["getchange"] for r in ours if r["delay"] == 60]
        if at60:
            out.append("- INSYNC: ≤ 12 GetChange calls for a 60 s INSYNC: %s (%s)" % (
                "/".join(map(str, sorted(set(at60)))), met(max(at60) <= 12)))
    out.extend(monitor_goals(res))
    for s in [s for s in res["storm"] if s["agent"] == "ours"]:
        n = len(s["runs"])
        ok = sum(r["ok"] for r in s["runs"])
        per = s["calls"] / float(n)
        share = 100.0 * s["throttled"] / max(1, s["calls"])
        ratio = s["last"] / s["ideal_min"]
        out.append("- storm, %s quota, %d starts: %d/%d right (%s); %.2f calls per start, goal "
                   "≤ 3.3 (%s); %.1f %% throttled, goal ≤ 5 %% (%s); last done %.1f s = %.2f × "
                   "ideal %.1f s (3 calls a start), goal ≤ 1.2 (%s)" % (
                       s["model"], n, ok, n, met(ok == n), per, met(per <= 3.3), share,
                       met(share <= 5), s["last"], ratio, s["ideal_min"], met(ratio <= 1.2)))
    if res["steady"]:
        s = res["steady"]
        out.append("- steady state: API calls while DNS answers: %d, goal 0 (%s)" % (
            s["calls"], met(s["calls"] == 0)))
        peer = action(res, "peer", "monitor (dig answers)")
        if peer:
            xw = statistics.median(r["wall"] for r in peer) / s["median_wall"]
            xc = statistics.median(r["cpu"] for r in peer) / s["median_cpu"]
            out.append("- monitor with DNS answering ≥ 100× faster than the peer's `dig`-answers "
                       "monitor (its row above): %.0f× by wall (%s), %.0f× by CPU (%s)" % (
                           xw, met(xw >= 100), xc, met(xc >= 100)))
        pd = s.get("peer_dig")
        if pd:
            xw, xc = pd["median_wall"] / s["median_wall"], pd["median_cpu"] / s["median_cpu"]
            out.append("- monitor with DNS answering ≥ 100× faster than the peer's `dig`-answers "
                       "monitors run among ours (same load): %.0f× by wall (%s), %.0f× by CPU (%s)" % (
                           xw, met(xw >= 100), xc, met(xc >= 100)))
    rss = [r["rss_kb"] for a in res["actions"].get("ours", []) for r in a["runs"]]
    if rss:
        rss = max(rss) / 1024.0
        out.append("- peak RSS ≤ 15 MB: %.1f MB (%s)" % (rss, met(rss <= 15)))
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
    ap.add_argument("--dns", required=True, help="the simulator's DNS, ADDR:PORT")
    ap.add_argument("--ca", required=True)
    ap.add_argument("--creds", required=True, help="file: AKID and secret, one a line")
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--command", default="bench/run")
    ap.add_argument("--parts", default="actions,insync,storm,steady",
                    help="comma-separated subset of actions,insync,storm,steady")
    ap.add_argument("--agents", default="ours,peer", help="ours, peer or both")
    ap.add_argument("--cluster", help="bench/cluster.sh's cluster.json, to report")
    ap.add_argument("--sizes", help="storm: starts per storm, N for every model or "
                    "MODEL:N,... (default old:50,2026:100)")
    ap.add_argument("--models", default="old,2026", help="storm: quota models for ours")
    ap.add_argument("--peer-models", default="old",
                    help="storm: quota models for the peer (its 100 starts are CPU-bound: "
                    "each takes minutes of the 2 CPUs whatever the quota); none: skip")
    args = ap.parse_args()

    t_start = time.monotonic()
    load = LoadSampler()
    sim = Sim(args.sim_url, args.ca)
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
    ctx = {"sim": sim, "work": work, "scratch": scratch, "dns": args.dns,
           "node": os.path.join(work, "node"),
           "envf": {"ours": ours_env, "peer": peer_env}}
    if args.quick:
        runs = {"ours": {"start": 10, "other": 10}, "peer": {"start": 1, "other": 3}}
        delays, peer_delays, reps = [0, 5, 30], [5], 1
        storm_peer, steady, steady_peer_every = False, (20, 3), 20
    else:
        runs = {"ours": {"start": 30, "other": 30}, "peer": {"start": 3, "other": 10}}
        # The peer sleeps 20 s before each get-change: 60 s INSYNC costs it
        # about 85 s; it is left out of the 120 s row.
        delays, peer_delays, reps = [0, 5, 30, 60, 120], [0, 5, 30, 60], 2
        storm_peer, steady, steady_peer_every = True, (100, 10), 50
    sizes = dict(STORM_SIZES)
    for x in (args.sizes or "").split(","):
        if x:
            m, _, n = x.rpartition(":")
            sizes.update({k: int(n) for k in ([m] if m else MODELS)})
    parts = args.parts.replace("scale", "storm").split(",")
    agents = [a for a in (ours, peer) if a.key in args.agents.split(",")]
    models = args.models.split(",")
    peer_models = [m for m in args.peer_models.split(",") if m in MODELS] if storm_peer else []

    res = {"command": args.command, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           "machine": machine(), "labels": {"ours": ours.label, "peer": peer.label},
           "versions": {"awscli": version(["/usr/bin/aws", "--version"]).split(" ")[0],
                        "resource-agents": version(["dpkg-query", "-W", "-f=${Version}",
                                                    "resource-agents"])},
           "models": {m: MODELS[m]["label"] for m in models}, "peer_models": peer_models, "storm_pending": STORM_PENDING_S,
           "actions": {}, "insync": [], "insync_steps": [], "storm": [], "steady": None}
    try:
        if "actions" in parts:
            res["harness_cpu"] = bench_harness(ctx)
        for agent in agents if "actions" in parts else []:
            log("actions: %s" % agent.label)
            res["actions"][agent.key] = bench_actions(ctx, agent, runs[agent.key])
        if "insync" in parts:
            log("start against the INSYNC delay")
            res["insync"], res["insync_steps"] = bench_insync(ctx, agents, delays, peer_delays,
                                                              reps)
        # Ours first, then steady state, then the peer's storm: 100 AWS
        # CLIs take both CPUs for minutes, which would slow whatever ran
        # after them.
        storms = [(sizes[m], m, a) for a in (agents if "storm" in parts else [])
                  for m in (models if a.key == "ours" else peer_models)]
        for n, model, agent in [x for x in storms if x[2].key == "ours"]:
            log("storm: %d x %s, %s" % (n, agent.label, MODELS[model]["label"]))
            res["storm"].append(bench_storm(ctx, agent, n, model, STORM_PENDING_S))
        if "steady" in parts and ours in agents:
            log("steady state: %d resources x %d monitors" % steady)
            res["steady"] = bench_steady(ctx, ours, *steady,
                                         peer=peer if peer in agents else None,
                                         peer_every=steady_peer_every)
        for n, model, agent in [x for x in storms if x[2].key == "peer"]:
            log("storm: %d x %s, %s" % (n, agent.label, MODELS[model]["label"]))
            res["storm"].append(bench_storm(ctx, agent, n, model, STORM_PENDING_S))
        order = {("ours", "old"): 0, ("peer", "old"): 1, ("ours", "2026"): 2, ("peer", "2026"): 3}
        res["storm"].sort(key=lambda s: order.get((s["agent"], s["model"]), 9))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.cluster:
        with open(args.cluster) as f:
            res["cluster"] = json.load(f)
    res["elapsed"] = time.monotonic() - t_start
    res["load"] = load.summary()
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(res, f, indent=1)
    md = report(res)
    with open(os.path.join(args.out, "latest.md"), "w") as f:
        f.write(md)
    print(md)


if __name__ == "__main__":
    main()
