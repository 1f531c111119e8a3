#!/usr/bin/env python3
"""bench/cluster.sh's poller: clusterpoll.py URL CA ZONE N WANT T0 TIMEOUT.

Polls the simulator's control API (every 0.5 s, for at most TIMEOUT
seconds after T0, epoch) until each of the N records r01..rNN of ZONE
holds WANT alone, then reads each record's history for the time it
first did after T0 (the simulator's clock: no polling granularity).
Prints JSON: "times" (seconds after T0, sorted; one per record right),
"right" (how many), "first_right", "all_right" (null unless all N),
"wrong" (what the others hold at the end)."""

import json
import ssl
import sys
import time
import urllib.error
import urllib.request


def main():
    url, ca, zone, n, want, t0, timeout = sys.argv[1:8]
    n, t0, timeout = int(n), float(t0), float(timeout)
    ctx = ssl.create_default_context(cafile=ca)
    names = ["r%02d.example.com." % i for i in range(1, n + 1)]

    def get(path):
        try:
            with urllib.request.urlopen(url + path, context=ctx, timeout=10) as resp:
                return json.load(resp)
        except (urllib.error.URLError, OSError, ValueError):
            return None

    def values(name):
        r = get("/_sim/record?zone=%s&name=%s&type=A" % (zone, name))
        return (r or {}).get("values", [])

    left = list(names)
    while left and time.time() < t0 + timeout:
        left = [x for x in left if values(x) != [want]]
        if left:
            time.sleep(0.5)
    times, wrong = [], {}
    for x in names:
        hist = get("/_sim/history?zone=%s&name=%s&type=A" % (zone, x)) or []
        at = [h["t"] for h in hist if h["t"] > t0 and h.get("values") == [want]]
        if at and x not in left:
            times.append(round(at[0] - t0, 2))
        else:
            wrong[x] = values(x)
    times.sort()
    json.dump({"n": n, "want": want, "times": times, "right": len(times),
               "first_right": times[0] if times else None,
               "all_right": times[-1] if len(times) == n else None,
               "wrong": wrong}, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
