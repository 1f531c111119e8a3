#!/usr/bin/env bash
# bench/cluster.sh OUT [--agents ours,peer] [--timeout SECS]   (root)
# Issue 20's cluster figure: 20 route53 resources, each in a group after
# its own IPaddr2, fail over with their node in the two-node fenced
# cluster of tests/cluster/lib.sh; timed from the crash of the active node
# (cl_kill: kill -9 of every process, link down) until every record holds
# the survivor's address at the simulator.  Once with ours
# (heartbeat/route53), once with resource-agents' aws-vpc-route53, each on
# a fresh cluster, under the old quota (5 requests/s, burst 5) and INSYNC
# after 5 s, with Pacemaker's default node-action-limit.  Writes
# OUT/cluster.json (bench/bench.py reports it).  Takes the cluster lock
# /tmp/r53-cluster.lock itself (waits for it): do not wrap it in flock.
set -u
cd "$(dirname "$0")/.." || exit 1
TOP=$(pwd)
LOCK=/tmp/r53-cluster.lock
N=20                 # groups (IPaddr2 + route53 each)
PENDING=5            # the simulator's INSYNC delay, seconds
SETUP_S=600          # the bound on the first start of all 40 resources on node1

# ---- one agent on one fresh cluster: bench/cluster.sh --one AGENT JSON TIMEOUT -------
one()
{
    local agent=$1 json=$2 timeout=$3 i nn rsc="" t0 wrapper settled
    PYTHON3=/usr/bin/python3
    CL_AWS=1 # each node its own instance metadata: both agents publish ip=local
    . "$TOP/tests/lib.sh"
    . "$TOP/tests/cluster/lib.sh"
    cl_require
    if [ "$agent" = peer ]; then
        [ -x /usr/lib/ocf/resource.d/heartbeat/aws-vpc-route53 ] \
            || skip_test "no aws-vpc-route53 (resource-agents)"
        command -v dig >/dev/null || skip_test "no dig, which aws-vpc-route53 needs"
    fi
    cl_up 2
    # aws-vpc-route53's awscli: the AWS CLI aimed at the simulator, profile
    # "cluster" (its documented default) with the region only, so the
    # credentials come from the node's instance role as ours do.
    wrapper=$CL_DIR/aws-r53
    mkdir -p "$CL_DIR/aws-home"
    printf '[profile cluster]\nregion = us-east-1\noutput = text\n' >"$CL_DIR/aws-r53-config"
    printf '%s\n' '#!/bin/sh' \
        "HOME=$CL_DIR/aws-home AWS_CONFIG_FILE=$CL_DIR/aws-r53-config AWS_SHARED_CREDENTIALS_FILE=/dev/null" \
        'export HOME AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE' \
        "exec /usr/bin/aws --endpoint-url $SIM_URL --ca-bundle $SIM_CA \"\$@\"" >"$wrapper"
    chmod 755 "$wrapper"
    for i in $(seq "$N"); do
        nn=$(printf '%02d' "$i")
        rsc="$rsc$(group_xml "$agent" "$nn" "$wrapper")"
    done
    sim_ctl POST /_sim/config '{"pending_seconds": 0, "rate_limit": null, "quota": null}' >/dev/null
    cl_in 1 cibadmin --replace -o resources --xml-text "<resources>$CL_FENCE_XML$rsc</resources>" \
        >/dev/null || fail "cannot add the resources"
    # All on node1 at first; nothing keeps them there once it is gone.
    cl_in 1 cibadmin --replace -o constraints --xml-text \
        '<constraints><rsc_location id="on-node1" rsc-pattern="^g[0-9]+$" node="node1" score="100"/></constraints>' \
        >/dev/null || fail "cannot add the location constraint"
    cl_wait_for "all $N route53 resources on node1, every record $(cl_ip 1)" "$SETUP_S" \
        all_right_slow node1 || { cl_dump; fail "the $N groups did not start on node1"; }
    cl_settle 120
    sim_ctl POST /_sim/config \
        "{\"rate_limit\": 5, \"burst\": 5, \"quota\": null, \"pending_seconds\": $PENDING}" >/dev/null
    sim_ctl POST /_sim/reset-stats >/dev/null
    echo "# $agent: $N groups on node1; killing node1" >&2
    t0=$(date +%s.%N)
    cl_kill 1
    ip netns exec "$CL_ID-hub" "$PYTHON3" "$TOP/bench/clusterpoll.py" "$SIM_URL" "$SIM_CA" \
        "$CL_ZONE" "$N" "$(cl_ip 2)" "$t0" "$timeout" >"$CL_DIR/poll.json" \
        || fail "the poller failed"
    # The starts still running (the peer's wait for INSYNC), bounded.
    settled=
    cl_in 2 crm_resource --wait --timeout=120s >/dev/null 2>&1 && settled=$(cl_since "$t0")
    sim_ctl GET /_sim/stats >"$CL_DIR/stats.json"
    cl_in 2 crm_mon -1 --output-as=xml >"$CL_DIR/mon.xml" 2>/dev/null
    "$PYTHON3" - "$CL_DIR/poll.json" "$settled" "$agent" "$(cl_fence_events)" \
        "$CL_DIR/stats.json" "$CL_DIR/mon.xml" >"$json" <<'EOF' || fail "cannot write $json"
import json, sys, xml.etree.ElementTree as ET
poll = json.load(open(sys.argv[1]))
st = json.load(open(sys.argv[5]))
try:
    mon = ET.parse(sys.argv[6]).getroot()
except ET.ParseError:
    mon = None
running = failed = 0
if mon is not None:
    for r in mon.iter("resource"):
        if r.get("id", "").startswith("dns") and r.get("active") == "true" \
                and any(n.get("name") == "node2" for n in r.iter("node")):
            running += 1
    failed = sum(1 for _ in mon.iter("failure"))
poll.update(agent=sys.argv[3], settled=float(sys.argv[2]) if sys.argv[2] else None, fenced=int(sys.argv[4]),
            running=running, failed_actions=failed,
            ops={op: n for op, n in st["requests"].items() if op != "imds"},
            throttled=st.get("throttled", 0))
poll["calls"] = sum(poll["ops"].values())
json.dump(poll, sys.stdout, indent=1)
EOF
}

# group_xml AGENT NN WRAPPER: group gNN, IPaddr2 vipNN (10.0.1.(50+NN)/24,
# monitor every 10 s as pcs creates it) then dnsNN publishing the node's own
# address (ip=local) in rNN.example.com with each agent's documented
# operations (ours: the README's pcs block; the peer: its meta-data's
# example, whose monitor interval is 300 s).
group_xml()
{
    local agent=$1 nn=$2 wrapper=$3 p=dns$2 params ops
    if [ "$agent" = ours ]; then
        params="$(nv "$p" hostname "r$nn")$(nv "$p" zone "$CL_ZONE_NAME")$(nv "$p" ip local)$(nv "$p" ttl 10)"
        ops="<op id=\"$p-start\" name=\"start\" interval=\"0\" timeout=\"120s\"/>\
<op id=\"$p-monitor\" name=\"monitor\" interval=\"30s\" timeout=\"30s\"/>"
    else
        params="$(nv "$p" hostedzoneid "$CL_ZONE")$(nv "$p" fullname "r$nn.$CL_ZONE_NAME.")\
$(nv "$p" ip local)$(nv "$p" ttl 10)$(nv "$p" profile cluster)$(nv "$p" awscli "$wrapper")"
        ops="<op id=\"$p-start\" name=\"start\" interval=\"0\" timeout=\"180s\"/>\
<op id=\"$p-stop\" name=\"stop\" interval=\"0\" timeout=\"180s\"/>\
<op id=\"$p-monitor\" name=\"monitor\" interval=\"300s\" timeout=\"180s\"/>"
    fi
    local type=route53
    [ "$agent" = peer ] && type=aws-vpc-route53
    printf '<group id="g%s"><primitive id="vip%s" class="ocf" provider="heartbeat" type="IPaddr2">' "$nn" "$nn"
    printf '<instance_attributes id="vip%s-ia">%s%s</instance_attributes>' "$nn" \
        "$(nv "vip$nn" ip "$CL_NET.$((50 + 10#$nn))")" "$(nv "vip$nn" cidr_netmask 24)"
    printf '<operations><op id="vip%s-monitor" name="monitor" interval="10s"/></operations></primitive>' "$nn"
    printf '<primitive id="%s" class="ocf" provider="heartbeat" type="%s">' "$p" "$type"
    printf '<instance_attributes id="%s-ia">%s</instance_attributes><operations>%s</operations>' \
        "$p" "$params" "$ops"
    printf '</primitive></group>'
}

# all_right_slow NODE: all_right, asked every 2 s (not to slow the starts it waits for).
all_right_slow() { all_right "$1" || { sleep 2; return 1; }; }

nv() { printf '<nvpair id="%s-%s" name="%s" value="%s"/>' "$1" "$2" "$2" "$3"; }

# all_right NODE: every dnsNN runs on NODE and every record holds NODE's address.
all_right()
{
    local want xml bad
    want=$(cl_ip "${1#node}")
    xml=$(cl_in "$(cl_any_node)" crm_mon -1 --output-as=xml 2>/dev/null)
    bad=$("$PYTHON3" -c '
import sys, xml.etree.ElementTree as ET
n, node = int(sys.argv[1]), sys.argv[2]
on = {r.get("id") for r in ET.fromstring(sys.stdin.read()).iter("resource")
      if r.get("active") == "true" and any(x.get("name") == node for x in r.iter("node"))}
print(" ".join("dns%02d" % i for i in range(1, n + 1) if "dns%02d" % i not in on))' \
        "$N" "$1" <<<"$xml")
    [ -z "$bad" ] || { echo "not running on $1: $bad"; return 1; }
    for i in $(seq "$N"); do
        bad=$(sim_ctl GET "/_sim/record?zone=$CL_ZONE&name=r$(printf %02d "$i").$CL_ZONE_NAME.&type=A" \
            2>/dev/null | sim_json_field - values 2>/dev/null | tr -d '[]" ')
        [ "$bad" = "$want" ] || { echo "r$(printf %02d "$i") holds '$bad'"; return 1; }
    done
}

if [ "${1:-}" = --one ]; then
    one "$2" "$3" "$4"
    exit
fi

# ---- both agents, one after the other, under the lock -------------------------------
out=${1:?usage: bench/cluster.sh OUT [--agents ours,peer] [--timeout SECS]}
shift
agents=ours,peer timeout=600
while [ $# -gt 0 ]; do
    case $1 in
        --agents) agents=${2:?}; shift ;;
        --timeout) timeout=${2:?}; shift ;;
        *) echo "bench/cluster.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
if [ -z "${R53_CLUSTER_LOCKED:-}" ]; then
    echo "bench/cluster.sh: waiting for $LOCK (another cluster run may hold it)" >&2
    export R53_CLUSTER_LOCKED=1
    exec flock -w 3600 "$LOCK" "$TOP/bench/cluster.sh" "$out" --agents "$agents" --timeout "$timeout"
fi
[ "$(id -u)" = 0 ] || { echo "bench/cluster.sh: needs root (network namespaces)" >&2; exit 77; }
mkdir -p "$out" || exit 1
[ -x heartbeat/route53 ] || { echo "bench/cluster.sh: build heartbeat/route53 first" >&2; exit 1; }
t_start=$(date +%s)
files=()
for a in ${agents//,/ }; do
    echo "bench/cluster.sh: $a: 2 nodes, $N groups, crash of node1" >&2
    # A bound on the whole run (cluster set-up, the first starts, the
    # failover): TERM runs its cleanup trap.
    AGENT=$TOP/heartbeat/route53 timeout -s TERM $((SETUP_S + timeout + 600)) \
        bash "$TOP/bench/cluster.sh" --one "$a" "$out/cluster-$a.json" "$timeout"
    rc=$?
    [ "$rc" = 0 ] || echo "bench/cluster.sh: $a: exit $rc (see above); no figure" >&2
    [ "$rc" = 0 ] && files+=("$out/cluster-$a.json")
done
/usr/bin/python3 - "$out/cluster.json" "$N" "$PENDING" "$timeout" "$(($(date +%s) - t_start))" \
    "$agents" ${files[@]+"${files[@]}"} <<'EOF'
import json, sys, time
runs = []
for p in sys.argv[7:]:
    with open(p) as f:
        runs.append(json.load(f))
json.dump({"n": int(sys.argv[2]), "pending": int(sys.argv[3]), "timeout": int(sys.argv[4]),
           "quota": "old (5 req/s, burst 5)", "elapsed": int(sys.argv[5]),
           "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           "agents": sys.argv[6].split(","), "runs": runs},
          open(sys.argv[1], "w"), indent=1)
EOF
rm -f ${files[@]+"${files[@]}"}
echo "bench/cluster.sh: $out/cluster.json" >&2
