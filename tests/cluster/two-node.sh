#!/usr/bin/env bash
# The agent in a real two-node corosync + Pacemaker cluster (network
# namespaces, tests/cluster/lib.sh), configured by the README's own pcs
# block and doc/migration.md's crm group, credentials from the simulator's
# IMDS role.  Scenarios: start, switchover, drift (no fencing), Route 53
# brownout (the API down: the name servers confirm, 0; DNS down too: 190)
# (pcs block: virtual IP, ip_resource, order + colocation);
# start, node failure (fenced, timed), switchback "automatic" and
# "intelligent" (crm group: interface).
# Fencing is on (fence_r53ns, see lib.sh).
set -u
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"

cl_require
SECONDS=0

other_of() { [ "$1" = node1 ] && echo node2 || echo node1; }
ip_of() { cl_ip "${1#node}"; }
last_upsert_peer() { cl_peers ChangeResourceRecordSets | tail -n 1; }
record_is() { [ "$(cl_record)" = "$1" ] || { echo "record is '$(cl_record)'"; return 1; }; }
located() { [ "$(cl_locate "$1")" = "$2" ] || { echo "$1 on '$(cl_locate "$1")'"; return 1; }; }
monitor_rc_has() { cl_monitor_rc "$1" "$2" | grep -qx "$3" || { echo "rc '$(cl_monitor_rc "$1" "$2")'"; return 1; }; }
# monitor_result_is N RESULT: the last monitor result change for dns that
# node N's controller logged.
monitor_result_is()
{
    local last
    last=$(grep "Result of monitor operation for dns on $1: " "$CL_DIR/n${1#node}/log/pacemaker.log" \
        | tail -n 1)
    grep -q "for dns on $1: $2\b" <<<"$last" || { echo "$last"; return 1; }
}
read_ok_from()
{
    sim_ctl GET /_sim/stats | "$PYTHON3" -c '
import json, sys
sys.exit(0 if any(e["op"] == "ListResourceRecordSets" and e["status"] == 200
                  and e.get("peer") == sys.argv[1]
                  for e in json.load(sys.stdin)["log"]) else 1)' "$1"
}
monitor_rc_is() { [ "$(cl_monitor_rc "$1" "$2")" = "$3" ] || { echo "rc '$(cl_monitor_rc "$1" "$2")'"; return 1; }; }
test_defaults() { cl_in 1 crm_attribute -t rsc_defaults -n migration-threshold -v 3 >/dev/null; }
wait_or_dump() { cl_wait_for "$@" || { not_ok "$1"; cl_dump; return 1; }; }

cl_up 2
echo "# cluster of 2 up after ${SECONDS}s"
test_defaults

VIP=10.0.1.50

# ---- the README's pcs block: virtual IP, ip_resource, order + colocation ----
cl_apply 1 "pcs:" "$CL_FAST_MONITOR" || { cl_dump; fail "the README's pcs block failed"; }
check "crm_verify accepts the pcs block's configuration" cl_in 1 crm_verify -L
cl_settle 60

# 1. Cluster start.
echo "# [${SECONDS}s] 1. Cluster start."
active=$(cl_locate dns)
case "$active" in node1 | node2) ok "1 start: dns runs on $active" ;; *) not_ok "1 start: dns runs" "on '$active'"; cl_dump ;; esac
same "1 start: vip runs with dns" "$active" "$(cl_locate vip)"
same "1 start: record holds the virtual IP" "$VIP" "$(cl_record)"
same "1 start: the record written once" 1 "$(cl_peers ChangeResourceRecordSets | grep -c .)"
check "1 start: $VIP is on $active's eth0" \
    sh -c "ip -n $(cl_ns "${active#node}") -4 addr show dev eth0 | grep -q ' $VIP/'"
wait_or_dump "1 start: recurring monitor returned 0" 20 monitor_rc_is dns "$active" 0 \
    && ok "1 start: recurring monitor returned 0"

# 2. Switchover.
echo "# [${SECONDS}s] 2. Switchover."
target=$(other_of "$active")
cl_in 1 crm_resource --move -r vip -N "$target" >/dev/null 2>&1
wait_or_dump "2 switchover: dns on $target" 60 located dns "$target" \
    && ok "2 switchover: crm_resource --move vip: dns follows to $target"
cl_settle 60
same "2 switchover: vip on $target" "$target" "$(cl_locate vip)"
same "2 switchover: record still holds the virtual IP" "$VIP" "$(cl_record)"
# (The record holds the virtual IP on every node: served, it is not written again.)
same "2 switchover: no second write, the record held the virtual IP" 1 \
    "$(cl_peers ChangeResourceRecordSets | grep -c .)"
cl_in 1 crm_resource --clear -r vip >/dev/null 2>&1
cl_settle 60
active=$(cl_locate dns)    # without stickiness it may stay or go back; either is fine

# 4. Drift: the record changed behind the cluster's back.
echo "# [${SECONDS}s] 4. Drift"
fenced_before=$(cl_fence_events)
sim_ctl POST /_sim/record "{\"zone\": \"$CL_ZONE\", \"name\": \"$CL_RECORD\", \"type\": \"A\", \"ttl\": 10, \"values\": [\"192.0.2.99\"]}" >/dev/null
same "4 drift: record now wrong" "192.0.2.99" "$(cl_record)"
wait_or_dump "4 drift: record repaired" 30 record_is "$VIP" \
    && ok "4 drift: the monitor failed and Pacemaker's recovery rewrote the record"
cl_settle 60
same "4 drift: fail count of dns on $active is 1" 1 "$(cl_failcount dns "$active")"
same "4 drift: dns stayed on $active" "$active" "$(cl_locate dns)"
same "4 drift: the restart fenced nobody (stop succeeded)" "$fenced_before" "$(cl_fence_events)"
cl_in 1 crm_resource --cleanup -r dns >/dev/null 2>&1
cl_settle 60

# 5. Brownout: Route 53's API answers 503 to everything for a while.
# While its name servers answer, the DNS-first monitor confirms the record
# without the API and says 0; once DNS fails too, the monitor reads the
# API and says 190 (degraded), never 1.
echo "# [${SECONDS}s] 5. Brownout"
t_down=$(date +%s.%N)
sim_ctl POST /_sim/config '{"down": "503"}' >/dev/null
sleep $((3 * ${CL_MONITOR_INTERVAL%s})) # three monitors
same "5 brownout, DNS up: the monitor still says 0" 0 "$(cl_monitor_rc dns "$active")"
same "5 brownout, DNS up: no Route 53 request from $active (the name servers confirmed)" 0 \
    "$(cl_requests_since "$(ip_of "$active")" "$t_down")"
sim_ctl POST /_sim/config '{"dns_down": "servfail"}' >/dev/null
if wait_or_dump "5 brownout: monitor returned 190 (degraded)" 60 monitor_rc_has dns "$active" 190; then
    ok "5 brownout: the CIB records the monitor's 190 (OCF_DEGRADED)"
fi
mon=$(cl_in 1 crm_mon -1 -r 2>&1)
if grep -q "dns .*monitor on $active returned 'OCF_DEGRADED'" <<<"$mon"; then
    ok "5 brownout: crm_mon shows dns's monitor OCF_DEGRADED"
else
    not_ok "5 brownout: crm_mon shows dns's monitor OCF_DEGRADED" "$mon"
fi
same "5 brownout: no failover, dns still on $active" "$active" "$(cl_locate dns)"
same "5 brownout: fail count stays 0" 0 "$(cl_failcount dns "$active")"
sim_ctl POST /_sim/reset-stats >/dev/null
sim_ctl POST /_sim/config '{"down": null}' >/dev/null
wait_or_dump "5 brownout: monitor back to ok" 60 monitor_result_is "$active" ok \
    && ok "5 brownout: Pacemaker logs the monitor ok again once the API answers (DNS still down)"
wait_or_dump "5 brownout: a read answered 200 to $active" 30 read_ok_from "$(ip_of "$active")" \
    && ok "5 brownout: $active's monitor read the record again"
sim_ctl POST /_sim/config '{"dns_down": null}' >/dev/null
same "5 brownout: dns still on $active" "$active" "$(cl_locate dns)"
same "5 brownout: fail count still 0" 0 "$(cl_failcount dns "$active")"
same "5 brownout: record unchanged" "$VIP" "$(cl_record)"

# ---- doc/migration.md's crm group: each node's own address (interface) ----
echo "# [${SECONDS}s] ---- doc/migration.md's crm group"
cl_wipe
test_defaults
cl_apply 1 "same in a group, crm:" "$CL_FAST_MONITOR" \
    || { cl_dump; fail "doc/migration.md's crm group block failed"; }
cl_apply 1 'Switchback "automatic" (the service returns to node1 when node1 returns), crm:' \
    || { cl_dump; fail "doc/migration.md's switchback block failed"; }
check "crm_verify accepts the crm group configuration" cl_in 1 crm_verify -L
cl_settle 60
same "1 start (group, interface): dns on node1, its preferred node" node1 "$(cl_locate dns)"
same "1 start (group, interface): record holds node1's own address" "$(cl_ip 1)" "$(cl_record)"

# 3. Node failure, timed: kill → record INSYNC with the survivor's address.
echo "# [${SECONDS}s] 3. Node failure, timed"
fenced_before=$(cl_fence_events)
t0=$(date +%s.%N)
cl_kill 1
if cl_wait_for "record holds node2's address" 60 record_is "$(cl_ip 2)"; then
    t=$(cl_since "$t0")
    ok "3 node failure: record follows to node2"
    printf '# FAILOVER: node1 killed -> record INSYNC on node2 in %.1f s\n' "$t"
else
    not_ok "3 node failure: record follows to node2"
    cl_dump
fi
wait_or_dump "3 node failure: dns started on node2" 60 located dns node2 \
    && ok "3 node failure: crm_resource --locate: dns on node2"
same "3 node failure: the UPSERT came from node2" "$(cl_ip 2)" "$(last_upsert_peer)"
same "3 node failure: node2 fenced node1 first" "$((fenced_before + 1))" "$(cl_fence_events)"
cl_fence_history | grep -q "reboot of node1 successful: delegate=node2" \
    && ok "3 node failure: the fencer's history: reboot of node1 by node2" \
    || not_ok "3 node failure: the fencer's history: reboot of node1 by node2" "$(cl_fence_history)"

# 6a. Switchback "automatic": node1 returns, the group moves back.
echo "# [${SECONDS}s] 6a. Switchback automatic"
cl_boot 1
wait_or_dump "6 node1 back online" 60 cl_all_online && ok "6 node1 rejoined"
wait_or_dump "6 automatic: record back on node1" 60 record_is "$(cl_ip 1)" \
    && ok "6 automatic (stickiness 0, location node1=50): record back to node1"
cl_settle 60
same "6 automatic: dns on node1" node1 "$(cl_locate dns)"

# 6b. Switchback "intelligent": with stickiness it stays on the survivor.
echo "# [${SECONDS}s] 6b. Switchback intelligent"
cl_apply 1 'Switchback "intelligent" (it stays where it runs; stickiness above the location score), crm:' \
    || { cl_dump; fail "doc/migration.md's stickiness block failed"; }
cl_settle 60
cl_kill 1
wait_or_dump "6 intelligent: record on node2" 60 record_is "$(cl_ip 2)" \
    && ok "6 intelligent: node1 killed again, record on node2"
cl_boot 1
wait_or_dump "6 node1 back online" 60 cl_all_online && ok "6 node1 rejoined again"
cl_settle 60
same "6 intelligent (stickiness 100): dns stays on node2" node2 "$(cl_locate dns)"
same "6 intelligent: record stays on node2" "$(cl_ip 2)" "$(cl_record)"
same "6 no resource is running twice" 1 \
    "$(cl_in 1 crm_resource --locate -r dns 2>/dev/null | grep -c 'is running on')"

echo "# two-node cluster suite took ${SECONDS}s"
[ "$TESTS_FAILED" = 0 ] || cl_dump
finish
