# tests/cluster/lib.sh: a real corosync + Pacemaker cluster on this machine
# (bash; source it after tests/lib.sh).
#
# Every node is a network namespace r53cl-<pid>-nI with eth0 = 10.0.1.1I/24,
# plugged into bridge br0 of namespace r53cl-<pid>-hub (10.0.1.1), where the
# Route 53 + IMDS simulator listens, and serves the zones over DNS on port
# 53 as their name servers and as every node's resolver.  Inside a node's
# network namespace a holder process keeps a private mount + UTS namespace
# with the node's own /etc/corosync, /var/lib/corosync, /var/lib/pacemaker,
# /etc/resolv.conf and /run, and the
# build's agent at /usr/lib/ocf/resource.d/heartbeat/route53, and the
# project's fence agent at /usr/sbin/fence_r53ns.  No address, mount or
# process outside these namespaces is touched.
#
# Fencing is on (stonith-enabled=true): cl_up adds the device fence-ns
# (fence_r53ns, which "powers off" a node by taking its links down and
# killing every process in its namespace), so a lost node is fenced before
# its resources start elsewhere.
#
# With CL_AWS=1, cl_up also starts moto's EC2 in the hub (10.0.1.1:5000;
# a VPC, one instance and network interface per node, a route table with
# $CL_OVERLAY/32, tests/cluster/ec2-setup.py) and gives every node its own
# instance metadata at 169.254.169.254:80 inside its namespace (the
# simulator's per-node IMDS: instance-id, mac, interface-id, local-ipv4,
# role credentials); eth0 carries the instance's MAC.  The agents then
# use their default metadata address, and aws-vpc-move-ip's `awscli` is
# $CL_AWSCLI, a wrapper adding --endpoint-url for moto.
#
#   cl_require              skip (77) unless root with netns + the tools
#   cl_up N                 N nodes + hub + simulator; wait for a DC
#   cl_down                 stop everything (also on exit)
#   cl_in I CMD...          run CMD on node I
#   cl_apply I LABEL [SED]  run the documented block after line LABEL on node I
#                           (in the README or doc/*.md: the one file holding LABEL)
#   cl_kill I / cl_boot I   crash node I (all its processes, link down) / reboot it
#   cl_cut I / cl_heal I    cut node I off the other nodes (it keeps the hub) / undo
#   cl_fenced_at I SECS     wait until node I has no process left; print when (epoch)
#   cl_fence_history        the fencer's history (what was fenced, by whom)
#   cl_since T0 [T1]        seconds from epoch T0 to T1 (default: now), one decimal
#   cl_aws_sed              the sed that fits doc/fencing.md's aws-vpc-move-ip blocks to the test
#   cl_wait_for DESC SECS CMD...   poll CMD until it succeeds (bounded)
#   cl_settle [SECS]        wait until the cluster has no pending actions
#   cl_wipe                 remove all resources, constraints, defaults, the record
#   cl_record / cl_peers OP what the simulator says (values; client of each OP)
#   cl_locate R / cl_monitor_rc R N / cl_failcount R N   what the cluster says
#   cl_route                the network interface moto routes $CL_OVERLAY/32 to
#   cl_dump                 crm_mon + logs, on failure
#   cl_active_nodes R / cl_failed_actions   what crm_mon shows (R's nodes; failures)
#   cl_rsctmp I / cl_procs I NAME / cl_lingering NAME SECS I...   a node's
#                           $HA_RSCTMP; its processes; those still there SECS later
#   cl_a_history_since T / cl_last_requests [N] / cl_sim_counter KEY...
#                           the record's changes; the last requests; a stats figure

CL_PREFIX=r53cl
CL_ID=$CL_PREFIX-$$
CL_NET=10.0.1
CL_HUB_IP=$CL_NET.1
CL_ZONE_NAME=example.com
CL_RECORD=www.example.com.
CL_N=0
CL_DIR=$TEST_TMP/cluster
CL_HOLDER=()
CL_KILLED_PIDS=()
: "${CL_AWS:=0}"
CL_OVERLAY=192.168.10.50
CL_MOTO_PORT=5000
CL_MOTO_URL=http://$CL_HUB_IP:$CL_MOTO_PORT
CL_MOTO_PID=
CL_ENI=()
CL_FENCE_XML=
: "${CL_MONITOR_INTERVAL:=3s}"
CL_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CL_NODE_SH=$CL_LIB_DIR/node.sh
CL_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# Where the blocks that cl_apply runs are documented: the README's front
# door and the reference in doc/.
CL_DOCS=("$CL_SRCDIR/README" "$CL_SRCDIR"/doc/*.md)

cl_ns() { echo "$CL_ID-n$1"; }
cl_ip() { echo "$CL_NET.1$1"; }

cl_require()
{
    local c
    [ "${CLUSTER_TESTS_ENABLED:-yes}" != no ] || skip_test "cluster tests are off in this build" \
        "(./configure --disable-cluster-tests; make distcheck sets it, as make check ran them)"
    [ "$(id -u)" = 0 ] || skip_test "the cluster test needs root (network namespaces, mounts)"
    for c in ip unshare nsenter corosync pacemakerd crm_mon crm_resource cibadmin crm_verify \
        pcs crm; do
        command -v "$c" >/dev/null 2>&1 || skip_test "the cluster test needs $c (see .ci/packages)"
    done
    [ -f /usr/lib/ocf/resource.d/heartbeat/IPaddr2 ] || skip_test "no IPaddr2 (resource-agents)"
    [ -x /usr/lib/pacemaker/pacemaker-fenced ] || skip_test "no pacemaker-fenced (pacemaker)"
    if [ "$CL_AWS" = 1 ]; then
        [ -f /usr/lib/ocf/resource.d/heartbeat/aws-vpc-move-ip ] \
            || skip_test "no aws-vpc-move-ip (resource-agents)"
        require_aws_cli
        require_moto
    fi
    ip netns add "$CL_ID-probe" 2>/dev/null \
        || skip_test "cannot create a network namespace here (container without CAP_SYS_ADMIN?)"
    ip netns del "$CL_ID-probe"
    unshare --mount --propagation private true 2>/dev/null \
        || skip_test "cannot create a mount namespace here"
}

# cl_preclean: remove what a crashed earlier run left behind: namespaces
# named r53cl-<pid>-* whose <pid> no longer runs, and their processes.
cl_preclean()
{
    local ns owner p
    for ns in $(ip netns list | awk '{print $1}' | grep "^$CL_PREFIX-[0-9]*-"); do
        owner=${ns#"$CL_PREFIX"-}
        owner=${owner%%-*}
        kill -0 "$owner" 2>/dev/null && continue
        echo "# pre-clean: removing $ns left by dead run $owner" >&2
        for p in $(ip netns pids "$ns" 2>/dev/null); do
            kill -9 "$p" 2>/dev/null && rm -rf /dev/shm/qb-"$p"-* /dev/shm/qb-*-"$p"-*
        done
        ip netns del "$ns" 2>/dev/null
    done
}

# cl_in I CMD...: run CMD as on node I (its network, mounts and hostname).
cl_in()
{
    local i=$1
    shift
    nsenter -t "${CL_HOLDER[$i]}" -m -u -n -- "$@"
}

# cl_wait_for DESC SECS CMD...: poll CMD every 0.2 s for at most SECS;
# on timeout print what CMD last said, and return 1.
cl_wait_for()
{
    local desc=$1 secs=$2 out end
    shift 2
    end=$(($(date +%s) + secs))
    while :; do
        out=$("$@" 2>&1) && return 0
        if [ "$(date +%s)" -ge "$end" ]; then
            echo "# timed out after ${secs}s waiting for: $desc; last seen:" >&2
            printf '%s\n' "$out" | tail -n 20 | sed 's/^/#   /' >&2
            return 1
        fi
        sleep 0.2
    done
}

cl_write_corosync_conf()
{
    local dir=$1 i quorum=""
    [ "$CL_N" = 2 ] && quorum="two_node: 1"
    {
        cat <<EOF
totem {
    version: 2
    cluster_name: r53test
    transport: knet
    crypto_cipher: none
    crypto_hash: none
    # Short timeouts so a lost node is noticed in about 2 s.
    token: 1000
    consensus: 1500
    join: 50
}
quorum {
    provider: corosync_votequorum
    $quorum
}
logging {
    to_syslog: no
    to_stderr: no
    to_logfile: yes
    logfile: $dir/log/corosync.log
    timestamp: on
}
nodelist {
EOF
        for i in $(seq "$CL_N"); do
            printf '    node {\n        ring0_addr: %s\n        name: node%s\n        nodeid: %s\n    }\n' \
                "$(cl_ip "$i")" "$i" "$i"
        done
        echo "}"
    } >"$dir/etc-corosync/corosync.conf"
}

# The first CIB every node boots with: fencing on, as in production (the
# device is added once the nodes are up), and short election/recheck
# timers so start-up takes seconds, not dc-deadtime's 20 s.
cl_write_cib()
{
    local cib=$1/var-lib-pacemaker/cib/cib.xml
    cibadmin --empty >"$cib" || return 1
    local prop
    for prop in stonith-enabled=true stonith-timeout=30s dc-deadtime=2s cluster-recheck-interval=30s \
        election-timeout=5s; do
        CIB_file=$cib crm_attribute -t crm_config -n "${prop%%=*}" -v "${prop#*=}" \
            >/dev/null || return 1
    done
    chown hacluster:haclient "$cib"
    chmod 600 "$cib"
}

# cl_node_prepare I: the node's directories (fresh unless it already has them).
cl_node_prepare()
{
    local i=$1 dir=$CL_DIR/n$1 d
    mkdir -p "$dir"/{etc-corosync,var-lib-corosync,run,log,ocf-extra,sbin-extra} \
        "$dir"/var-lib-pacemaker/{cib,pengine,blackbox,cores}
    chown -R hacluster:haclient "$dir/var-lib-pacemaker"
    chmod 750 "$dir"/var-lib-pacemaker/*
    chmod 755 "$dir" "$dir/log"
    : >"$dir/ocf-extra/route53"
    printf 'nameserver %s\n' "$CL_HUB_IP" >"$dir/resolv.conf"
    install -m 755 "$CL_LIB_DIR/fence_r53ns" "$dir/sbin-extra/fence_r53ns"
    cl_write_corosync_conf "$dir"
    [ -f "$dir/var-lib-pacemaker/cib/cib.xml" ] || cl_write_cib "$dir"
}

# cl_node_start I: the holder namespace, then corosync and pacemakerd in it.
cl_node_start()
{
    local i=$1 dir=$CL_DIR/n$1 _
    rm -f "$dir/ready"
    ip netns exec "$(cl_ns "$i")" unshare --mount --uts --propagation private \
        bash "$CL_NODE_SH" "$dir" "node$i" "$AGENT" "$CL_ID" >"$dir/log/node.log" 2>&1 &
    CL_HOLDER[$i]=$!
    disown $!    # killed on purpose later: no "Killed" job report from bash
    for _ in $(seq 50); do
        [ -f "$dir/ready" ] && break
        kill -0 "${CL_HOLDER[$i]}" 2>/dev/null || break
        sleep 0.1
    done
    [ -f "$dir/ready" ] || { cat "$dir/log/node.log" >&2; fail "node$i: namespace setup failed"; }
    cl_in "$i" corosync -f >>"$dir/log/corosync.out" 2>&1 &
    disown $!
    # The agent's AWS settings come from pacemakerd's environment, as from
    # /etc/default/pacemaker on a real node.  With per-node metadata
    # (CL_AWS=1) the agents use its default address, 169.254.169.254.
    local imds=(AWS_EC2_METADATA_SERVICE_ENDPOINT="$SIM_IMDS_URL")
    [ "$CL_AWS" = 1 ] && imds=()
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin PCMK_logfile="$dir/log/pacemaker.log" \
        AWS_ENDPOINT_URL_ROUTE_53="$SIM_URL" AWS_CA_BUNDLE="$SIM_CA" ${imds[@]+"${imds[@]}"} \
        nsenter -t "${CL_HOLDER[$i]}" -m -u -n -- pacemakerd >>"$dir/log/pacemaker.out" 2>&1 &
    disown $!
}

# cl_up N: hub with bridge and simulator, N nodes, cluster formed.
cl_up()
{
    local i hub=$CL_ID-hub
    CL_N=$1
    trap cl_exit EXIT
    cl_preclean
    mkdir -p "$CL_DIR"
    chmod 755 "$TEST_TMP" "$CL_DIR"
    ip netns add "$hub" || fail "cannot add netns $hub"
    ip -n "$hub" link set lo up
    ip -n "$hub" link add br0 type bridge
    ip -n "$hub" addr add "$CL_HUB_IP/24" dev br0
    ip -n "$hub" link set br0 up
    for i in $(seq "$CL_N"); do
        ip netns add "$(cl_ns "$i")" || fail "cannot add netns $(cl_ns "$i")"
        ip -n "$hub" link add "vn$i" type veth peer name eth0 netns "$(cl_ns "$i")" \
            || fail "cannot create veth for node$i"
        ip -n "$hub" link set "vn$i" master br0 up
        ip -n "$(cl_ns "$i")" link set lo up
        ip -n "$(cl_ns "$i")" addr add "$(cl_ip "$i")/24" dev eth0
        ip -n "$(cl_ns "$i")" link set eth0 up
    done
    # The simulator is also the zone's name servers, on port 53 of the
    # hub, and every node's resolver (cl_node_prepare): ns-*.awsdns-*
    # resolve to the hub, as AWS's resolve for a real node.
    SIM_NETNS=$hub SIM_HOST=$CL_HUB_IP sim_start "$TEST_TMP/sim" --dns-port 53 --dns-host "$CL_HUB_IP"
    SIM_NETNS=$hub
    CL_ZONE=$(sim_ctl POST /_sim/zone "{\"name\": \"$CL_ZONE_NAME\"}" | sim_json_field - id) \
        || fail "cannot create the zone"
    [ "$CL_AWS" = 1 ] && cl_aws_up
    for i in $(seq "$CL_N"); do
        cl_node_prepare "$i"
        cl_node_start "$i"
    done
    cl_wait_for "all $CL_N nodes online with a DC" 60 cl_all_online \
        || { cl_dump; fail "cluster did not form"; }
    cl_fence_device
}

# cl_fence_device: the fence device every test runs with: fence_r53ns,
# one plug (network namespace) per node, run by Pacemaker's fencer (no
# delay; cl_partition sets one).
cl_fence_device()
{
    local i map=""
    for i in $(seq "$CL_N"); do map="$map${map:+;}node$i:$(cl_ns "$i")"; done
    CL_FENCE_XML="<primitive id=\"fence-ns\" class=\"stonith\" type=\"fence_r53ns\">\
<instance_attributes id=\"fence-ns-ia\">\
<nvpair id=\"fence-ns-map\" name=\"pcmk_host_map\" value=\"$map\"/></instance_attributes>\
<operations><op id=\"fence-ns-monitor\" name=\"monitor\" interval=\"60s\"/></operations></primitive>"
    cl_in 1 cibadmin --create -o resources --xml-text "$CL_FENCE_XML" >/dev/null \
        || fail "cannot add the fence device"
    cl_wait_for "fence device fence-ns started" 60 cl_fence_ready \
        || { cl_dump; fail "the fence device did not start"; }
}

cl_fence_ready()
{
    local n
    n=$(cl_any_node) || return 1
    [ -n "$(cl_locate fence-ns)" ] || { echo "fence-ns not running"; return 1; }
    cl_in "$n" stonith_admin --list-registered 2>&1 | grep -q 'fence-ns' \
        || { cl_in "$n" stonith_admin --list-registered 2>&1; return 1; }
}

# cl_aws_up: moto's EC2 in the hub, one instance + interface per node, the
# route table, and each node's own metadata at 169.254.169.254:80.
cl_aws_up()
{
    local hub=$CL_ID-hub i node
    ip netns exec "$hub" "$MOTO_PY" -m moto.server -H "$CL_HUB_IP" -p "$CL_MOTO_PORT" \
        >"$CL_DIR/moto.log" 2>&1 &
    CL_MOTO_PID=$!
    cl_wait_for "moto server up" 30 ip netns exec "$hub" \
        curl -sf -o /dev/null "$CL_MOTO_URL/moto-api/" \
        || fail "moto did not start: $(tail -n 5 "$CL_DIR/moto.log")"
    # shellcheck disable=SC2046
    ip netns exec "$hub" "$MOTO_PY" "$CL_LIB_DIR/ec2-setup.py" "$CL_MOTO_URL" \
        "$CL_OVERLAY" $(for i in $(seq "$CL_N"); do cl_ip "$i"; done) >"$CL_DIR/ec2.json" \
        || fail "cannot set up moto's EC2"
    CL_RTB=$(sim_json_field "$CL_DIR/ec2.json" route_table)
    for i in $(seq "$CL_N"); do
        node=$(sim_json_field "$CL_DIR/ec2.json" nodes $((i - 1)))
        CL_ENI[$i]=$(sim_json_field - interface_id <<<"$node")
        ip -n "$(cl_ns "$i")" link set eth0 address "$(sim_json_field - mac <<<"$node")"
        ip -n "$(cl_ns "$i")" addr add 169.254.169.254/32 dev lo
        sim_ctl POST /_sim/imds-node "$("$PYTHON3" -c '
import json, sys
d = json.loads(sys.argv[1]); d.update(name=sys.argv[2], netns=sys.argv[3])
print(json.dumps(d))' "$node" "node$i" "/run/netns/$(cl_ns "$i")")" >/dev/null \
            || fail "cannot start node$i's instance metadata"
    done
    # aws-vpc-move-ip's awscli: the real CLI, pointed at moto, with a
    # config file of its own holding the profile aws-vpc-move-ip names
    # (--profile default), as ~/.aws/config on an instance; credentials
    # come from the node's instance role, as on EC2.
    CL_AWSCLI=$CL_DIR/aws-moto
    printf '[default]\nregion = us-east-1\n' >"$CL_DIR/aws-config"
    printf '%s\n' '#!/bin/sh' \
        "AWS_CONFIG_FILE=$CL_DIR/aws-config AWS_SHARED_CREDENTIALS_FILE=/dev/null" \
        'export AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE' \
        "exec /usr/bin/aws --endpoint-url $CL_MOTO_URL \"\$@\"" >"$CL_AWSCLI"
    chmod 755 "$CL_AWSCLI"
}

# cl_route: the network interface moto's route table sends $CL_OVERLAY/32
# to ("" if none), asked with DescribeRouteTables (moto checks no signature).
cl_route()
{
    ip netns exec "$CL_ID-hub" curl -s --max-time 5 "$CL_MOTO_URL/" \
        -H 'Authorization: AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0' \
        -d "Action=DescribeRouteTables&Version=2016-11-15&RouteTableId.1=$CL_RTB" \
        | "$PYTHON3" -c '
import re, sys
doc = sys.stdin.read()
for item in re.findall(r"<item>(.*?)</item>", doc, re.S):
    if "<destinationCidrBlock>%s/32<" % sys.argv[1] in item:
        m = re.search(r"<networkInterfaceId>([^<]*)<", item)
        print(m.group(1) if m else "")
' "$CL_OVERLAY"
}

# cl_right NODE VALUE: dns runs on NODE, moto routes the overlay IP to
# NODE's interface, and the record holds VALUE.
cl_right()
{
    local route rec want=${CL_ENI[${1#node}]}
    route=$(cl_route) rec=$(cl_record)
    [ "$route" = "$want" ] && [ "$rec" = "$2" ] && [ "$(cl_locate dns)" = "$1" ] \
        || { echo "route -> '$route' (want $want), record '$rec' (want $2), dns on '$(cl_locate dns)'"; return 1; }
}

# cl_changes_since T: the client of every successful
# ChangeResourceRecordSets the simulator saw after T (epoch), one a line.
cl_changes_since()
{
    sim_ctl GET /_sim/stats | "$PYTHON3" -c '
import json, sys
for e in json.load(sys.stdin)["log"]:
    if e["op"] == "ChangeResourceRecordSets" and e["status"] == 200 and e["t"] > float(sys.argv[1]):
        print(e.get("peer", ""))' "$1"
}

# cl_requests_since IP T: how many Route 53 requests came from IP after T.
cl_requests_since()
{
    sim_ctl GET /_sim/stats | "$PYTHON3" -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin)["log"]
          if e.get("peer") == sys.argv[1] and e["t"] > float(sys.argv[2])))' "$1" "$2"
}

# cl_moto_lines: how many lines moto has logged (a mark for cl_moto_since).
cl_moto_lines() { wc -l <"$CL_DIR/moto.log"; }

# cl_moto_since MARK IP: how many requests moto logged from IP after MARK.
cl_moto_since() { tail -n +"$(($1 + 1))" "$CL_DIR/moto.log" | grep -c "^$2 "; }

# cl_fence_events: how many fencing actions succeeded so far.
cl_fence_events() { cl_fence_history | grep -c 'successful'; }

# cl_partition NODE DELAY: with configuration A running on NODE, cut NODE
# off the other nodes (it stays up and still reaches AWS); DELAY is the
# fence device's pcmk_delay_base meanwhile.  Checks: NODE is fenced (by a
# node of the others), the group then runs on a survivor, route and record
# right there, the record written once after the cut (by the survivor), no
# Route 53 or EC2 request from NODE after the fence, nothing moves back.
# With 3 nodes, NODE (the minority) stopped dns and overlay before it was
# fenced.  Prints the times from the cut.
cl_partition()
{
    local active=$1 delay=$2 i=${1#node} survivor="" before t0 tf mark logmark n r line
    cl_in "$(cl_any_node)" crm_resource -r fence-ns --set-parameter pcmk_delay_base \
        --parameter-value "$delay" >/dev/null 2>&1
    cl_settle 60
    cl_wait_for "fence device registered again" 30 cl_fence_ready >/dev/null
    before=$(cl_fence_events)
    logmark=$(wc -l <"$CL_DIR/n$i/log/pacemaker.log")
    t0=$(date +%s.%N)
    cl_cut "$i"
    if tf=$(cl_fenced_at "$i" 90); then
        CL_HOLDER[$i]=      # (cl_fenced_at ran in a subshell)
        ok "partition ($CL_N nodes): $active was fenced"
        printf '# PARTITION (%s nodes): %s cut off -> fenced after %.1f s\n' "$CL_N" "$active" \
            "$(cl_since "$t0" "$tf")"
    else
        not_ok "partition ($CL_N nodes): $active was fenced"
        cl_dump
        tf=$(date +%s.%3N)
    fi
    mark=$(cl_moto_lines)
    for n in $(seq "$CL_N"); do
        [ "$n" != "$i" ] && ! cl_no_process "$n" >/dev/null && survivor="$survivor node$n"
    done
    same "partition ($CL_N nodes): the others stay up" "$((CL_N - 1))" "$(wc -w <<<"$survivor")"
    if cl_wait_for "dns started on one of:$survivor" 90 cl_dns_on_one_of $survivor; then
        survivor=$(cl_locate dns)
    else
        not_ok "partition ($CL_N nodes): dns started on a survivor"
        cl_dump
        return 1
    fi
    if cl_wait_for "route and record right on $survivor" 90 cl_right "$survivor" "$(cl_ip "${survivor#node}")"; then
        ok "partition ($CL_N nodes): $survivor runs the group: route and record on $survivor"
        printf '# PARTITION (%s nodes): %s cut off -> route and record right on %s in %.1f s\n' \
            "$CL_N" "$active" "$survivor" "$(cl_since "$t0")"
    else
        not_ok "partition ($CL_N nodes): route and record on $survivor"
        cl_dump
    fi
    cl_settle 60
    same "partition ($CL_N nodes): one fencing action" $((before + 1)) "$(cl_fence_events)"
    if cl_fence_history | grep -q "reboot of $active successful: delegate=node"; then
        ok "partition ($CL_N nodes): the fencer's history: reboot of $active by another node"
    else
        not_ok "partition ($CL_N nodes): the fencer's history: reboot of $active by another node" \
            "$(cl_fence_history)"
    fi
    same "partition ($CL_N nodes): the record written once after the cut, by $survivor" \
        "$(cl_ip "${survivor#node}")" "$(cl_changes_since "$t0" | tr '\n' ' ' | sed 's/ $//')"
    same "partition ($CL_N nodes): no Route 53 request from $active after the fence" 0 \
        "$(cl_requests_since "$(cl_ip "$i")" "$tf")"
    same "partition ($CL_N nodes): no EC2 request from $active after the fence" 0 \
        "$(cl_moto_since "$mark" "$(cl_ip "$i")")"
    if [ "$CL_N" -ge 3 ]; then
        tail -n +"$((logmark + 1))" "$CL_DIR/n$i/log/pacemaker.log" >"$CL_DIR/minority.log"
        for r in dns overlay; do
            line=$(grep "Result of stop operation for $r on $active: ok" "$CL_DIR/minority.log")
            if [ -n "$line" ]; then
                ok "partition ($CL_N nodes): the minority $active stopped $r before it was fenced"
                printf '# PARTITION (%s nodes): the minority stopped %s %.1f s after the cut\n' "$CL_N" "$r" \
                    "$(cl_since "$t0" "$(date -d "$(cut -c1-19 <<<"$line")" +%s.%3N)")"
            else
                not_ok "partition ($CL_N nodes): the minority $active stopped $r before it was fenced" \
                    "$(grep -E 'quorum|stop operation' "$CL_DIR/minority.log" | tail -n 5)"
            fi
        done
    fi
    sleep 4    # a few more monitors: nothing moves back
    same "partition ($CL_N nodes): still right on $survivor a few monitors later" "" \
        "$(cl_right "$survivor" "$(cl_ip "${survivor#node}")")"
    same "partition ($CL_N nodes): and the record still written once" 1 "$(cl_changes_since "$t0" | wc -l)"
}

# cl_dns_on_one_of NODE...: dns runs on one of NODE.
cl_dns_on_one_of()
{
    local at
    at=$(cl_locate dns)
    [ -n "$at" ] && grep -qw "$at" <<<"$*" || { echo "dns on '$at'"; return 1; }
}

# cl_all_online: every node up that is not crashed, and a DC elected.
cl_all_online()
{
    local xml i
    xml=$(cl_in "$(cl_any_node)" crm_mon -1 --output-as=xml) || { echo "$xml"; return 1; }
    grep -q '<current_dc present="true"' <<<"$xml" || { echo "no DC yet"; return 1; }
    for i in $(seq "$CL_N"); do
        [ -n "${CL_HOLDER[$i]:-}" ] || continue
        grep -q "<node name=\"node$i\".* online=\"true\"" <<<"$xml" \
            || { echo "node$i not online"; return 1; }
    done
}

# cl_any_node: a node that is running (for CLI tools).
cl_any_node()
{
    local i
    for i in $(seq "$CL_N"); do
        [ -n "${CL_HOLDER[$i]:-}" ] && { echo "$i"; return 0; }
    done
    return 1
}

# cl_settle [SECS]: wait until the cluster has no pending actions.
cl_settle()
{
    cl_in "$(cl_any_node)" crm_resource --wait --timeout="${1:-60}s" >/dev/null 2>&1 \
        || { echo "# cluster did not settle within ${1:-60}s" >&2; return 1; }
}

# cl_kill I: node I crashes: its link goes down and every process in its
# network namespace (corosync, Pacemaker, the holder) dies at once.
cl_kill()
{
    local i=$1 p
    ip -n "$(cl_ns "$i")" link set eth0 down
    for p in $(ip netns pids "$(cl_ns "$i")"); do
        kill -9 "$p" 2>/dev/null && CL_KILLED_PIDS+=("$p")
    done
    CL_HOLDER[$i]=
}

# cl_cut I: node I loses the other nodes (unicast to them dropped, both
# ways) but keeps the hub: it still reaches Route 53, EC2 and its metadata,
# as a node cut off by a failed switch between the nodes would.
cl_cut()
{
    local i=$1 j
    for j in $(seq "$CL_N"); do
        [ "$j" = "$i" ] && continue
        ip -n "$(cl_ns "$i")" route add blackhole "$(cl_ip "$j")/32"
        ip -n "$(cl_ns "$j")" route add blackhole "$(cl_ip "$i")/32"
    done
}

# cl_heal I: undo cl_cut I.
cl_heal()
{
    local i=$1 j
    for j in $(seq "$CL_N"); do
        [ "$j" = "$i" ] && continue
        ip -n "$(cl_ns "$i")" route del blackhole "$(cl_ip "$j")/32" 2>/dev/null
        ip -n "$(cl_ns "$j")" route del blackhole "$(cl_ip "$i")/32" 2>/dev/null
    done
    return 0
}

# cl_no_process I: node I's namespace has no process left.
cl_no_process()
{
    local p
    p=$(ip netns pids "$(cl_ns "$1")")
    [ -z "$p" ] || { echo "node$1 still runs: $(tr '\n' ' ' <<<"$p")"; return 1; }
}

# cl_fenced_at I SECS: wait (at most SECS) until node I has no process
# left, polling every 0.05 s; print the time (epoch, ms) first seen so.
# Run as $(...), the caller then clears CL_HOLDER[I] itself.
cl_fenced_at()
{
    local i=$1 end=$(($(date +%s) + $2))
    while ! cl_no_process "$i" >/dev/null; do
        if [ "$(date +%s)" -ge "$end" ]; then
            cl_no_process "$i" >&2
            return 1
        fi
        sleep 0.05
    done
    date +%s.%3N
}

# cl_fence_history: every fencing action the cluster's fencer knows of.
cl_fence_history() { cl_in "$(cl_any_node)" stonith_admin --history='*' --verbose 2>&1; }

# cl_boot I: node I comes back as after a reboot: empty /run, no virtual IP
# left on eth0, link up, daemons started.
cl_boot()
{
    local i=$1 dir=$CL_DIR/n$1
    rm -rf "${dir:?}/run" && mkdir -p "$dir/run"
    cl_heal "$i"
    ip -n "$(cl_ns "$i")" addr flush dev eth0
    ip -n "$(cl_ns "$i")" addr add "$(cl_ip "$i")/24" dev eth0
    ip -n "$(cl_ns "$i")" link set eth0 up
    cl_node_start "$i"
}

cl_exit()
{
    local rc=$?
    cl_down
    (exit "$rc")
    lib_cleanup
}

# cl_down: kill every process in our namespaces (by pid: the namespaces'
# own lists), remove the namespaces.  Resources need no stop: their
# addresses vanish with the namespaces.
cl_down()
{
    local ns p
    sim_stop
    if [ -n "$CL_MOTO_PID" ]; then
        kill "$CL_MOTO_PID" 2>/dev/null
        wait "$CL_MOTO_PID" 2>/dev/null
        CL_MOTO_PID=
    fi
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$CL_ID-"); do
        for p in $(ip netns pids "$ns" 2>/dev/null); do
            kill -9 "$p" 2>/dev/null && CL_KILLED_PIDS+=("$p")
        done
        ip netns del "$ns" 2>/dev/null
    done
    # libqb's shared-memory files of the processes killed above.
    for p in "${CL_KILLED_PIDS[@]}"; do
        rm -rf /dev/shm/qb-"$p"-* /dev/shm/qb-*-"$p"-* 2>/dev/null
    done
    CL_N=0
}

# cl_doc_file LABEL: the one file of CL_DOCS with a line that is exactly
# LABEL; fails when none has it, or more than one (a label that names two
# blocks would run whichever came first).
cl_doc_file()
{
    local f found=()
    for f in "${CL_DOCS[@]}"; do
        grep -qxF -- "$1" "$f" && found+=("$f")
    done
    [ "${#found[@]}" = 1 ] || { echo "line '$1' found in ${#found[@]} of: ${CL_DOCS[*]#"$CL_SRCDIR"/}" >&2; return 1; }
    echo "${found[0]}"
}

# cl_readme_block LABEL: the indented block that follows the line LABEL
# (in the README or in doc/, cl_doc_file), de-indented: exactly what a user
# copies.
cl_readme_block()
{
    local file
    file=$(cl_doc_file "$1") || return 1
    awk -v label="$1" '
        !found { if ($0 == label) found = 1; next }
        found == 1 && /^$/ && !n { next }
        found == 1 && /^    / { sub(/^    /, ""); print; n++; next }
        found == 1 && /^$/ { print; next }
        found == 1 { exit }
    ' "$file"
}

# cl_apply I LABEL [SED]: run the documented block LABEL on node I with
# bash -e; SED (a sed expression, e.g. the test's shorter monitor interval)
# must change the text, so a documentation edit cannot make it silently do
# nothing.
cl_apply()
{
    local i=$1 label=$2 sed_expr=${3:-} text edited
    text=$(cl_readme_block "$label")
    [ -n "$text" ] || fail "no block after the line '$label' in the README or doc/"
    edited=$text
    if [ -n "$sed_expr" ]; then
        edited=$(sed "$sed_expr" <<<"$text")
        [ "$edited" != "$text" ] || fail "'$sed_expr' changed nothing in the block '$label'"
    fi
    printf '%s\n' "$edited" >"$CL_DIR/applied.sh"
    echo "# applying the block '$label' on node$i:"
    sed 's/^/#   /' "$CL_DIR/applied.sh"
    cl_in "$i" bash -e "$CL_DIR/applied.sh" >"$CL_DIR/applied.log" 2>&1 \
        || { cat "$CL_DIR/applied.log" >&2; return 1; }
}

# The monitor interval the tests use instead of the documented 30 s.
CL_FAST_MONITOR="s/monitor interval=30s/monitor interval=$CL_MONITOR_INTERVAL/"
# cl_aws_sed: the 3 s monitor, moto's route table and the awscli wrapper
# in doc/fencing.md's aws-vpc-move-ip blocks (after cl_up with CL_AWS=1).
cl_aws_sed() { echo "$CL_FAST_MONITOR; s/rtb-0123456789abcdef0/$CL_RTB/; s|awscli=/usr/bin/aws|awscli=$CL_AWSCLI|"; }

# cl_since T0 [T1]: seconds from T0 to T1 (epoch, fractions allowed; T1
# defaults to now), with one decimal.
cl_since() { awk -v a="$1" -v b="${2:-$(date +%s.%N)}" 'BEGIN { printf "%.1f", b - a }'; }

# cl_record: the record's values at the simulator, comma-separated ("" if none).
cl_record()
{
    local out
    out=$(sim_ctl GET "/_sim/record?zone=$CL_ZONE&name=$CL_RECORD&type=A" 2>/dev/null) \
        || { echo ""; return 0; }
    sim_json_field - values <<<"$out" | tr -d '[]" ' 
}

# cl_locate R: the node R runs on ("" if stopped).
cl_locate()
{
    cl_in "$(cl_any_node)" crm_resource --locate -r "$1" 2>/dev/null \
        | sed -n 's/.*is running on: \([^ ]*\).*/\1/p' | head -n 1
}

# same DESC EXPECTED ACTUAL: ok if equal.
same()
{
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected '$2', got '$3'"; fi
}

# cl_peers OP: the client address of every OP request the simulator saw.
cl_peers()
{
    sim_ctl GET /_sim/stats | "$PYTHON3" -c '
import json, sys
for e in json.load(sys.stdin)["log"]:
    if e["op"] == sys.argv[1]:
        print(e.get("peer", ""))
' "$1"
}

# cl_dump: what a person needs to see why a cluster check failed.
cl_dump()
{
    local i n
    n=$(cl_any_node) && { echo "--- crm_mon -1 -r -f (node$n):"; cl_in "$n" crm_mon -1 -r -f 2>&1; }
    for i in $(seq "$CL_N"); do
        echo "--- node$i pacemaker.log (last 40 lines, agent and errors):"
        grep -E 'route53|error|warning|dns|vip|fence' "$CL_DIR/n$i/log/pacemaker.log" 2>/dev/null | tail -n 40
    done
    echo "--- fencing history:"
    [ -n "$n" ] && cl_in "$n" stonith_admin --history='*' 2>&1 | tail -n 10
    echo "--- simulator log (last 20 lines):"
    tail -n 20 "$SIM_DIR/sim.log" 2>/dev/null
    if [ "$CL_AWS" = 1 ]; then
        echo "--- moto's route for $CL_OVERLAY/32: $(cl_route); moto log (last 10 lines):"
        tail -n 10 "$CL_DIR/moto.log" 2>/dev/null
        for i in $(seq "$CL_N"); do
            echo "--- node$i pacemaker.log, aws-vpc-move-ip (last 15 lines):"
            grep -E 'aws-vpc-move-ip|overlay' "$CL_DIR/n$i/log/pacemaker.log" 2>/dev/null | tail -n 15
        done
    fi
} >&2

# cl_monitor_rc R N: rc-code of R's last recurring monitor on node N, from
# the CIB status section ("" if none yet).
cl_monitor_rc()
{
    cl_in "$(cl_any_node)" cibadmin -Q -o status 2>/dev/null | "$PYTHON3" -c '
import sys, xml.etree.ElementTree as ET
rsc, node = sys.argv[1], sys.argv[2]
for st in ET.parse(sys.stdin).getroot().iter("node_state"):
    if st.get("uname") != node:
        continue
    for r in st.iter("lrm_resource"):
        if r.get("id") != rsc:
            continue
        for op in r.iter("lrm_rsc_op"):
            if op.get("operation") == "monitor" and op.get("interval", "0") != "0":
                print(op.get("rc-code"))
' "$1" "$2"
}

# cl_failcount R N: R's fail count on node N (0 if none).
cl_failcount()
{
    local v
    v=$(cl_in "$(cl_any_node)" crm_failcount -G -q -r "$1" -N "$2" 2>/dev/null)
    echo "${v:-0}"
}

# cl_wipe: remove every resource but the fence device, and every
# constraint (Pacemaker stops them), reset resource defaults, and remove
# the record.
cl_wipe()
{
    local n
    n=$(cl_any_node)
    cl_in "$n" cibadmin --replace -o constraints --xml-text '<constraints/>' >/dev/null
    cl_in "$n" cibadmin --replace -o resources --xml-text "<resources>$CL_FENCE_XML</resources>" >/dev/null
    cl_in "$n" cibadmin --replace -o rsc_defaults --xml-text '<rsc_defaults/>' >/dev/null 2>&1
    cl_settle 60
    cl_in "$n" crm_resource --cleanup >/dev/null 2>&1
    sim_ctl POST /_sim/record "{\"zone\": \"$CL_ZONE\", \"name\": \"$CL_RECORD\", \"type\": \"A\", \"ttl\": 10, \"values\": []}" >/dev/null
}

# ---- audits of a settled cluster (tests/cluster/soak.sh) ----------------------

# cl_active_nodes R: the nodes crm_mon shows R active on, one a line.
cl_active_nodes()
{
    cl_in "$(cl_any_node)" crm_mon -1 --output-as=xml 2>/dev/null | "$PYTHON3" -c '
import sys, xml.etree.ElementTree as ET
for r in ET.parse(sys.stdin).getroot().iter("resource"):
    if r.get("id") == sys.argv[1] and r.get("active") == "true":
        for n in r.iter("node"):
            print(n.get("name"))' "$1"
}

# cl_failed_actions: every failed action crm_mon shows, "RSC OP NODE EXIT" a line.
cl_failed_actions()
{
    cl_in "$(cl_any_node)" crm_mon -1 --output-as=xml 2>/dev/null | "$PYTHON3" -c '
import sys, xml.etree.ElementTree as ET
for f in ET.parse(sys.stdin).getroot().iter("failure"):
    op = f.get("task") or f.get("op_key", "?")
    rsc = f.get("op_key", "?").rsplit("_" + op, 1)[0]
    print(rsc, op, f.get("node"), f.get("exitstatus", "").replace(" ", "-"))'
}

# cl_rsctmp I: node I's $HA_RSCTMP (/run/resource-agents there), seen from here.
cl_rsctmp() { echo "$CL_DIR/n$1/run/resource-agents"; }

# cl_procs I NAME: pids of the processes called NAME on node I.
cl_procs()
{
    local p
    for p in $(ip netns pids "$(cl_ns "$1")" 2>/dev/null); do
        [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$2" ] && echo "$p"
    done
}

# cl_lingering NAME SECS I...: the processes called NAME on nodes I... that
# are still there SECS later ("nodeI:PID" a line): a monitor that happens
# to run then is not counted.
cl_lingering()
{
    local name=$1 secs=$2 before="" i p
    shift 2
    for i in "$@"; do
        for p in $(cl_procs "$i" "$name"); do before="$before node$i:$p"; done
    done
    [ -n "$before" ] || return 0
    sleep "$secs"
    for i in "$@"; do
        for p in $(cl_procs "$i" "$name"); do
            grep -qw "node$i:$p" <<<"$before" && echo "node$i:$p"
        done
    done
    return 0
}

# cl_a_history_since T: each change of the record (type A) after T (epoch)
# as "BY VALUES" ("BY": the writer's address, or _sim behind the cluster's back).
cl_a_history_since()
{
    sim_ctl GET "/_sim/history?zone=$CL_ZONE&name=$CL_RECORD&type=A" | "$PYTHON3" -c '
import json, sys
for h in json.load(sys.stdin):
    if h["t"] > float(sys.argv[1]):
        print(h["by"], ",".join(h["values"]) or "-")' "$1"
}

# cl_last_requests [N]: the simulator's last N (default 15) Route 53
# requests (instance metadata left out): time, client, operation, status, fault.
cl_last_requests()
{
    sim_ctl GET /_sim/stats | "$PYTHON3" -c '
import json, sys, time
for e in [e for e in json.load(sys.stdin)["log"] if e["op"] != "imds"][-int(sys.argv[1]):]:
    print(time.strftime("%H:%M:%S", time.localtime(e["t"])) + ("%.2f" % (e["t"] % 1))[1:],
          e.get("peer", "-"), e["op"], e["status"], e.get("fault") or "")' "${1:-15}"
}

# cl_sim_counter KEY...: a number in the simulator's /_sim/stats, by its
# path (e.g. dns by_fault servfail); 0 if absent.
cl_sim_counter()
{
    sim_ctl GET /_sim/stats | "$PYTHON3" -c '
import json, sys
d = json.load(sys.stdin)
for k in sys.argv[1:]:
    d = d.get(k, {}) if isinstance(d, dict) else {}
print(d if isinstance(d, int) else 0)' "$@"
}
