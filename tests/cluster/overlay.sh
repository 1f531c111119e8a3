#!/usr/bin/env bash
# route53 with Debian's aws-vpc-move-ip in a real two-node cluster, fencing
# on: moto's EC2 holds the route table, every node has its own instance
# metadata at 169.254.169.254 (tests/cluster/lib.sh, CL_AWS=1).  The
# configurations of doc/fencing.md are applied as printed:
#   B (crm: the record holds the overlay IP, order + colocation):
#     start, switchover (crm resource move), crash of the active node (timed),
#     switchback; then its pcs form: start;
#   A (pcs: a group, the record holds the active node's own address):
#     the same four, then drift under fencing (the monitor's 1 restarts dns,
#     nobody is fenced), then a partition: the active node is cut off from
#     the other while both stay up and reach AWS; the survivor fences it,
#     then runs the group (timed).
# After each: moto's route targets the active node's interface, and the
# record is right.
set -u
. "$(dirname "$0")/../lib.sh"
CL_AWS=1
. "$(dirname "$0")/lib.sh"

cl_require
SECONDS=0

other_of() { [ "$1" = node1 ] && echo node2 || echo node1; }
ip_of() { cl_ip "${1#node}"; }
wait_or_dump() { cl_wait_for "$@" || { not_ok "$1"; cl_dump; return 1; }; }
test_defaults()
{
    cl_in 1 crm_attribute -t rsc_defaults -n migration-threshold -v 3 >/dev/null
    cl_in 1 crm_attribute -t rsc_defaults -n resource-stickiness -v 100 >/dev/null
}

# value_on NODE: what the record must hold with dns on NODE.
value_on() { if [ "$CONFIG" = A ]; then ip_of "$1"; else echo "$CL_OVERLAY"; fi; }

# scenarios MOVE: start, switchover (crm resource move MOVE), crash of the
# active node (timed), switchback; for the configuration applied.
scenarios()
{
    local move=$1 active target t0
    cl_settle 90
    # Start.
    echo "# [${SECONDS}s] $CONFIG start"
    active=$(cl_locate dns)
    case "$active" in node1 | node2) ok "$CONFIG start: dns runs on $active" ;;
        *) not_ok "$CONFIG start: dns runs" "on '$active'"; cl_dump; return 1 ;; esac
    wait_or_dump "$CONFIG start: route and record right on $active" 30 cl_right "$active" "$(value_on "$active")" \
        && ok "$CONFIG start: moto routes $CL_OVERLAY to $active's interface, record holds $(value_on "$active")"
    same "$CONFIG start: overlay runs with dns" "$active" "$(cl_locate overlay)"
    check "$CONFIG start: $CL_OVERLAY is on $active's eth0" \
        sh -c "ip -n $(cl_ns "${active#node}") -4 addr show dev eth0 | grep -q ' $CL_OVERLAY/32'"

    # Switchover.
    echo "# [${SECONDS}s] $CONFIG switchover"
    target=$(other_of "$active")
    cl_in 1 crm resource move "$move" "$target" >/dev/null 2>&1
    wait_or_dump "$CONFIG switchover: route and record right on $target" 90 cl_right "$target" "$(value_on "$target")" \
        && ok "$CONFIG switchover: crm resource move $move $target: route and record follow"
    check "$CONFIG switchover: $CL_OVERLAY left $active's eth0" \
        sh -c "! ip -n $(cl_ns "${active#node}") -4 addr show dev eth0 | grep -q ' $CL_OVERLAY/32'"
    cl_in 1 crm resource clear "$move" >/dev/null 2>&1
    cl_settle 90
    active=$target

    # Crash of the active node: the survivor fences it, then takes over.
    echo "# [${SECONDS}s] $CONFIG crash of $active"
    target=$(other_of "$active")
    local fenced_before
    fenced_before=$(cl_fence_events)
    t0=$(date +%s.%N)
    cl_kill "${active#node}"
    if cl_wait_for "route and record right on $target" 120 cl_right "$target" "$(value_on "$target")"; then
        ok "$CONFIG crash: route and record follow to $target"
        echo "# CRASH ($CONFIG): $active killed -> route and record right on $target in $(cl_since "$t0") s"
    else
        not_ok "$CONFIG crash: route and record follow to $target"
        cl_dump
    fi
    same "$CONFIG crash: $target fenced $active once" $((fenced_before + 1)) "$(cl_fence_events)"
    cl_fence_history | grep -q "reboot of $active successful.*delegate=$target" \
        && ok "$CONFIG crash: the fencer's history: reboot of $active by $target" \
        || not_ok "$CONFIG crash: the fencer's history: reboot of $active by $target" "$(cl_fence_history)"
    if [ "$CONFIG" = A ]; then
        same "A crash: the record written once since, by $target" "$(ip_of "$target")" \
            "$(cl_changes_since "$t0")"
    else # the overlay IP on every node: served, not written again
        same "B crash: no write since: the record held $CL_OVERLAY" "" "$(cl_changes_since "$t0")"
    fi

    # Switchback: the node returns; the service is moved back to it.
    echo "# [${SECONDS}s] $CONFIG switchback to $active"
    cl_boot "${active#node}"
    wait_or_dump "$CONFIG switchback: $active back online" 60 cl_all_online \
        && ok "$CONFIG switchback: $active rejoined"
    cl_settle 90
    same "$CONFIG switchback: stickiness kept dns on $target" "$target" "$(cl_locate dns)"
    cl_in 1 crm resource move "$move" "$active" >/dev/null 2>&1
    wait_or_dump "$CONFIG switchback: route and record right on $active" 90 cl_right "$active" "$(value_on "$active")" \
        && ok "$CONFIG switchback: crm resource move $move $active: route and record back"
    cl_in 1 crm resource clear "$move" >/dev/null 2>&1
    cl_settle 90
    ACTIVE=$active
}

# api_down_crash: Route 53's API answers 503 from before the active node
# ($ACTIVE) crashes until the service runs on the other one.  Sets TARGET
# (the survivor), ACTIVE_BEFORE and T0 (the crash); leaves the API down.
api_down_crash()
{
    ACTIVE_BEFORE=$ACTIVE TARGET=$(other_of "$ACTIVE")
    STARTS0=$(dns_starts "$TARGET")
    sim_ctl POST /_sim/config '{"down": "503"}' >/dev/null
    T0=$(date +%s.%N)
    cl_kill "${ACTIVE#node}"
    wait_or_dump "$CONFIG API down: the service moved to $TARGET" 120 service_on "$TARGET" \
        && ok "$CONFIG API down: $ACTIVE crashed, overlay and dns run on $TARGET, $CL_OVERLAY routed to it" \
        && echo "# CRASH ($CONFIG, Route 53's API down): service on $TARGET in $(cl_since "$T0") s"
}

# dns_starts NODE: how many starts of dns succeeded on NODE so far.
dns_starts() { grep -c "Result of start operation for dns on $1: ok" "$CL_DIR/n${1#node}/log/pacemaker.log"; }

# service_on NODE: overlay and dns run on NODE, dns's start since STARTS0
# done, and moto routes the overlay IP there.
service_on()
{
    [ "$(cl_locate overlay)" = "$1" ] && [ "$(cl_locate dns)" = "$1" ] \
        && [ "$(dns_starts "$1")" -gt "$STARTS0" ] && [ "$(cl_route)" = "${CL_ENI[${1#node}]}" ] \
        || { echo "overlay on '$(cl_locate overlay)', dns on '$(cl_locate dns)' (started: $(dns_starts "$1") > $STARTS0?), route '$(cl_route)'"; return 1; }
}

# api_back_reboot: the API answers again; the crashed node boots and rejoins.
api_back_reboot()
{
    sim_ctl POST /_sim/config '{"down": null}' >/dev/null
    cl_boot "${ACTIVE_BEFORE#node}"
    wait_or_dump "$CONFIG: $ACTIVE_BEFORE back online" 60 cl_all_online
    cl_settle 90
    ACTIVE=$TARGET
}

# agent_said NODE TEXT: the route53 agent logged TEXT on NODE.
agent_said() { grep -qF "$2" "$CL_DIR/n${1#node}/log/pacemaker.log"; }

cl_up 2
echo "# cluster of 2 up after ${SECONDS}s (moto EC2, route table $CL_RTB, interfaces ${CL_ENI[*]})"
test_defaults

# The fence agent by itself, as the fencer calls it (options, and key=value
# on stdin); the fencing itself is checked in the scenarios below.
check "fence_r53ns -o metadata is well-formed XML" \
    sh -c "nsenter -t ${CL_HOLDER[1]} -m -u -n fence_r53ns -o metadata | $XMLLINT --noout -"
same "fence_r53ns -o status -n (node2's namespace): ON" "Status: ON 0" \
    "$(cl_in 1 fence_r53ns -o status -n "$(cl_ns 2)" | tr -d '\n'; echo " ${PIPESTATUS[0]}")"
same "fence_r53ns with action=status, port= on stdin: ON" "Status: ON 0" \
    "$(printf 'action=status\nport=%s\nnodename=node2\n' "$(cl_ns 2)" | cl_in 1 fence_r53ns | tr -d '\n'; echo " ${PIPESTATUS[1]}")"
same "fence_r53ns -o monitor: 0" 0 "$(cl_in 1 fence_r53ns -o monitor >/dev/null 2>&1; echo $?)"
same "fence_r53ns refuses a namespace not of the test's (exit 1)" 1 \
    "$(cl_in 1 fence_r53ns -o off -n "$CL_ID-hub" >/dev/null 2>&1; echo $?)"
DOC_SED=$(cl_aws_sed)

# ---- Configuration B (crm): the overlay IP in the record --------------------
CONFIG=B
cl_apply 1 "Configuration B, crm:" "$DOC_SED" || { cl_dump; fail "doc/fencing.md's configuration B (crm) failed"; }
check "crm_verify accepts configuration B" cl_in 1 crm_verify -L
scenarios overlay

# Route 53's API down for the whole of a crash (issue 18): the record holds
# the overlay IP on every node, so the survivor's start is confirmed by the
# name servers, returns 0 at once, and writes nothing, even once the API is back.
echo "# [${SECONDS}s] B crash of $ACTIVE with Route 53's API down"
api_down_crash
same "B API down: dns's start on $TARGET succeeded (fail count 0)" 0 "$(cl_failcount dns "$TARGET")"
agent_said "$TARGET" "Route 53's API is unavailable (" \
    && agent_said "$TARGET" "but its name servers serve $CL_RECORD A $CL_OVERLAY under our marker: started with no write" \
    && ok "B API down: $TARGET's start says the name servers confirmed the record" \
    || not_ok "B API down: the agent's notice on $TARGET" "$(grep route53 "$CL_DIR/n${TARGET#node}/log/pacemaker.log" | tail -n 10)"
same "B API down: the record still holds $CL_OVERLAY" "$CL_OVERLAY" "$(cl_record)"
api_back_reboot
sleep $((2 * ${CL_MONITOR_INTERVAL%s})) # two monitors of dns with the API back
same "B API down: no ChangeResourceRecordSets from the crash on, the API back included" "" \
    "$(cl_changes_since "$T0")"
same "B API down: dns stayed on $TARGET, never failed" "$TARGET 0" "$(cl_locate dns) $(cl_failcount dns "$TARGET")"

# ---- Configuration B (pcs): the same, from the pcs form; start only -------
echo "# [${SECONDS}s] ---- configuration B, pcs form"
cl_wipe
test_defaults
cl_apply 1 "Configuration B, pcs:" "$DOC_SED" || { cl_dump; fail "doc/fencing.md's configuration B (pcs) failed"; }
check "crm_verify accepts configuration B (pcs)" cl_in 1 crm_verify -L
cl_settle 90
active=$(cl_locate dns)
wait_or_dump "B (pcs) start: route and record right on '$active'" 60 cl_right "$active" "$CL_OVERLAY" \
    && ok "B (pcs) start: moto routes $CL_OVERLAY to $active's interface, record holds $CL_OVERLAY"

# ---- Configuration A (pcs): the node's own address, in a group ---------------
echo "# [${SECONDS}s] ---- configuration A"
cl_wipe
test_defaults
CONFIG=A
cl_apply 1 "Configuration A, pcs:" "$DOC_SED" || { cl_dump; fail "doc/fencing.md's configuration A (pcs) failed"; }
check "crm_verify accepts configuration A" cl_in 1 crm_verify -L
scenarios svc
active=$ACTIVE

# Drift under fencing: the record changed behind the cluster's back; the
# monitor's 1 restarts dns, which republishes; stop succeeds, nobody is fenced.
echo "# [${SECONDS}s] A drift under fencing"
fenced_before=$(cl_fence_events)
sim_ctl POST /_sim/record "{\"zone\": \"$CL_ZONE\", \"name\": \"$CL_RECORD\", \"type\": \"A\", \"ttl\": 10, \"values\": [\"192.0.2.99\"]}" >/dev/null
same "A drift: record now wrong" "192.0.2.99" "$(cl_record)"
wait_or_dump "A drift: record repaired" 30 cl_right "$active" "$(ip_of "$active")" \
    && ok "A drift: the monitor failed, Pacemaker restarted dns, the record is right again"
cl_settle 60
same "A drift: fail count of dns on $active is 1" 1 "$(cl_failcount dns "$active")"
same "A drift: overlay was not touched (fail count 0)" 0 "$(cl_failcount overlay "$active")"
same "A drift: nobody was fenced" "$fenced_before" "$(cl_fence_events)"
grep -q "Result of stop operation for dns on $active: ok" "$CL_DIR/n${active#node}/log/pacemaker.log" \
    && ok "A drift: dns's stop succeeded" || not_ok "A drift: dns's stop succeeded"
cl_in 1 crm_resource --cleanup -r dns >/dev/null 2>&1
cl_settle 60

# start_api_failure=defer, and Route 53's API down for the whole of a crash
# (issue 18): the record must change to the survivor's own address.  The
# group moves and overlay runs; dns starts, its monitor says 190 (crm_mon:
# degraded); the record follows by itself once the API is back.
echo "# [${SECONDS}s] A crash of $active with Route 53's API down, start_api_failure=defer"
cl_in 1 crm_resource -r dns --set-parameter start_api_failure --parameter-value defer >/dev/null 2>&1
cl_settle 60
ACTIVE=$active
wait_or_dump "A defer: dns runs with defer on $ACTIVE, all right" 30 cl_right "$ACTIVE" "$(ip_of "$ACTIVE")"
api_down_crash
# (cl_monitor_rc lists the recurring monitor and, once it was not 0, its last failure.)
monitor_degraded() { cl_monitor_rc dns "$TARGET" | grep -qx 190; }
wait_or_dump "A defer: dns's recurring monitor on $TARGET says 190" 60 monitor_degraded \
    && ok "A defer: dns's recurring monitor on $TARGET says 190 (degraded)"
cl_in "${TARGET#node}" crm_mon -1 2>&1 | grep -q "dns .*monitor on $TARGET returned 'OCF_DEGRADED' (publishing $CL_RECORD A $(ip_of "$TARGET") is pending since" \
    && ok "A defer: crm_mon shows dns degraded on $TARGET" \
    || not_ok "A defer: crm_mon shows dns degraded on $TARGET" "$(cl_in "${TARGET#node}" crm_mon -1 2>&1)"
same "A defer: nothing written while the API is down: the record holds $ACTIVE_BEFORE's address" \
    "$(ip_of "$ACTIVE_BEFORE")" "$(cl_record)"
t1=$(date +%s.%N)
sim_ctl POST /_sim/config '{"down": null}' >/dev/null
wait_or_dump "A defer: the record follows to $TARGET once the API is back" 60 cl_right "$TARGET" "$(ip_of "$TARGET")" \
    && ok "A defer: the API back, the record follows to $TARGET in $(cl_since "$t1") s, with no action"
same "A defer: written once, by $TARGET" "$(ip_of "$TARGET")" "$(cl_changes_since "$T0")"
monitor_ok() { cl_monitor_rc dns "$TARGET" | grep -qx 0; }
wait_or_dump "A defer: then dns's monitor says 0" 30 monitor_ok && ok "A defer: then dns's monitor says 0"
same "A defer: dns never failed on $TARGET (fail count 0)" 0 "$(cl_failcount dns "$TARGET")"
api_back_reboot
cl_in 1 crm_resource --cleanup -r dns >/dev/null 2>&1
cl_settle 60
active=$ACTIVE

# Partition: the active node loses the other node; both stay up and both
# still reach Route 53 and EC2.  Both halves keep quorum (two_node), so both
# try to fence; a delay on fencing the passive node decides the race, as
# doc/fencing.md advises for two nodes.
echo "# [${SECONDS}s] A partition (2 nodes): cut $active off"
cl_partition "$active" "$(other_of "$active"):5s"

echo "# overlay-IP suite took ${SECONDS}s"
[ "$TESTS_FAILED" = 0 ] || cl_dump
finish
