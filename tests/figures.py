#!/usr/bin/env python3
"""Per-action cost of the agent against the project's Route 53 simulator.

A measurement, not a test: it prints figures and asserts nothing about
them.  Usage (from the build tree, after make):

    tests/figures.sh [RUNS]

For each action it runs the agent RUNS times (default 30) and reports the
median and 95th percentile wall time, CPU time (user + system), peak RSS
(from /usr/bin/time) and the Route 53 API calls the simulator counted.
"""

import json
import os
import ssl
import statistics
import subprocess
import sys
import time
import urllib.request


def control(base, ca, method, path, body=None):
    ctx = ssl.create_default_context(cafile=ca)
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, context=ctx, timeout=10) as resp:
        return json.load(resp)


def api_calls(base, ca):
    requests = control(base, ca, "GET", "/_sim/stats")["requests"]
    return sum(n for op, n in requests.items() if op != "imds")


def run_once(agent, action, env, scratch):
    """Exit code, wall seconds, CPU seconds and peak RSS (KB) of one run.
    /usr/bin/time execs the agent from a small process: wait4() on a
    child forked from this Python would report Python's own size."""
    t0 = time.monotonic()
    proc = subprocess.Popen(["/usr/bin/time", "-f", "%x %M", "-o", scratch, agent, action],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)  # CPU of time + the agent, microseconds
    wall = time.monotonic() - t0
    with open(scratch) as f:
        code, maxrss = f.read().split()[-2:]
    return int(code), wall, usage.ru_utime + usage.ru_stime, int(maxrss)


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    agent, base, ca, akid, secret, state_dir = sys.argv[1:7]
    scratch = os.path.join(state_dir, "time.out")
    os.makedirs(state_dir, exist_ok=True)
    runs = int(sys.argv[7]) if len(sys.argv) > 7 else 30
    control(base, ca, "POST", "/_sim/zone", {"name": "example.com"})
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "OCF_ROOT": "/usr/lib/ocf", "OCF_RESOURCE_INSTANCE": "dns",
        "HA_RSCTMP": state_dir, "OCF_RESKEY_hostname": "www",
        "OCF_RESKEY_zone": "example.com", "OCF_RESKEY_ip": "192.0.2.10",
        "OCF_RESKEY_endpoint": base, "OCF_RESKEY_ca_bundle": ca,
        "OCF_RESKEY_change_try_interval": "0.1",
        "AWS_ACCESS_KEY_ID": akid, "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        "AWS_CONFIG_FILE": "/nonexistent",
    }
    monitor = dict(env, OCF_RESKEY_CRM_meta_interval="30000")
    probe = dict(env)
    # Each action is measured in the state it normally meets.
    plan = [("start", env, "start"), ("monitor", monitor, "monitor"),
            ("probe", probe, "monitor"), ("stop", env, "stop")]
    print("| action | runs | median wall | p95 wall | median CPU | peak RSS | API calls |")
    print("|---|---|---|---|---|---|---|")
    for name, action_env, action in plan:
        walls, cpus, rss, calls = [], [], [], []
        for _ in range(runs):
            if name == "stop":
                run_once(agent, "start", env, scratch)
            control(base, ca, "POST", "/_sim/reset-stats")
            code, wall, cpu, maxrss = run_once(agent, action, action_env, scratch)
            if code != 0:
                sys.exit("%s exited %d" % (name, code))
            walls.append(wall)
            cpus.append(cpu)
            rss.append(maxrss)
            calls.append(api_calls(base, ca))
        print("| %s | %d | %.1f ms | %.1f ms | %.1f ms | %.1f MB | %s |" % (
            name, runs, statistics.median(walls) * 1000, pct(walls, 95) * 1000,
            statistics.median(cpus) * 1000, max(rss) / 1024.0,
            "/".join(str(c) for c in sorted(set(calls)))))


if __name__ == "__main__":
    main()
