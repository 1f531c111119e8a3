#!/usr/bin/env bash
# tests/cluster/soak.sh --rounds N --seed S [--plan]: a randomized fault
# soak of the three-node fenced cluster (tests/cluster/lib.sh, moto's EC2,
# the simulator's Route 53 and its DNS), running doc/fencing.md's
# configuration A (crm: aws-vpc-move-ip and route53 ip=local in a group).
# Each round draws one fault kind from the seed (the same seed gives the
# same rounds), injects it, heals it, waits (bounded) until the cluster
# has settled, then audits:
#   - exactly one node runs the group (overlay and dns);
#   - the record holds that node's address, our marker is there, the route
#     targets that node's interface, the overlay IP is on its eth0 alone;
#   - after a fence, no Route 53 or EC2 request from the fenced node
#     (source address, time); fences happened only where the round caused
#     them;
#   - every write changed the record (at most one write per transition that
#     needed one), and each was the writing node's own address;
#   - no route53 process, publisher included, left on any node, no temporary
#     file; the state file only on the active node (elsewhere: stopped);
#   - crm_mon shows no failed action the round did not cause on purpose.
# A crashed or fenced node then comes back as a rebooted one (empty /run,
# corosync and Pacemaker started), failures are cleaned up, and the next
# round starts.  Prints "round K: KIND ..." per round and at the end
# "soak: N rounds, F audit failures, seed S"; exit 1 on any audit failure.
# --plan prints the rounds without running anything.  Not in make check:
# `make soak ROUNDS=N SEED=S` (CI runs 6 rounds with a fresh seed).
set -u

ROUNDS=6
SEED=
PLAN=0
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) ROUNDS=${2:?}; shift ;;
        --seed) SEED=${2:?}; shift ;;
        --plan) PLAN=1 ;;
        *) echo "usage: $0 --rounds N --seed S [--plan]" >&2; exit 2 ;;
    esac
    shift
done
[ -n "$SEED" ] || SEED=$(od -An -N3 -tu4 /dev/urandom | tr -d ' ')
case "$ROUNDS$SEED" in *[!0-9]*) echo "soak: --rounds and --seed take integers" >&2; exit 2 ;; esac

# ---- the plan: drawn from the seed alone --------------------------------------
KINDS=(crash-active crash-passive partition-active move standby brownout api-down dns-fault
    slow-insync cred-expiry drift double)
FAILOVERS=(crash-active partition-active move standby)
SERVICE=(brownout slow-insync cred-expiry dns-fault drift)
RNG=$SEED
# draw N: a number 0..N-1 from the seed's sequence (an LCG, the same in
# every bash).
draw()
{
    RNG=$(((RNG * 1103515245 + 12345) % 2147483648))
    DRAWN=$(((RNG / 65536) % $1))
}
# plan_round K: PLAN_KIND[K] and its parameters, six draws a round.
declare -a PLAN_KIND PLAN_FIRST PLAN_SECOND PLAN_SUB PLAN_SECS PLAN_PICK
plan_round()
{
    local k=$1
    draw "${#KINDS[@]}"; PLAN_KIND[k]=${KINDS[DRAWN]}
    draw "${#FAILOVERS[@]}"; PLAN_FIRST[k]=${FAILOVERS[DRAWN]}
    draw "${#SERVICE[@]}"; PLAN_SECOND[k]=${SERVICE[DRAWN]}
    draw 3; PLAN_SUB[k]=$DRAWN
    draw 3; PLAN_SECS[k]=$((6 + 4 * DRAWN))
    draw 2; PLAN_PICK[k]=$DRAWN
}
# describe KIND K: the fault's parameters in words.
describe()
{
    local k=$2 sub=${PLAN_SUB[$2]} secs=${PLAN_SECS[$2]}
    case "$1" in
        crash-passive) echo "(passive node #$((PLAN_PICK[k] + 1)))" ;;
        move) echo "(crm_resource --move to passive node #$((PLAN_PICK[k] + 1)), then --clear)" ;;
        brownout) echo "($(brownout_kind "$sub") for $secs s, during a move)" ;;
        api-down) echo "($(apidown_kind "$sub") for $secs s: dns restarted in place, confirmed by DNS; then a move)" ;;
        dns-fault) echo "($(dnsfault_kind "$sub") for $secs s)" ;;
        slow-insync) echo "(INSYNC after 30 s, during a move)" ;;
        cred-expiry) echo "(the key in use expires, during a move)" ;;
        drift) echo "(the record set to 192.0.2.99 behind the cluster's back)" ;;
        double) echo "(${PLAN_FIRST[k]}$(describe "${PLAN_FIRST[k]}" "$k" | sed 's/^./ &/'), then before" \
            "it healed: ${PLAN_SECOND[k]}$(describe "${PLAN_SECOND[k]}" "$k" | sed 's/, during a move//; s/^./ &/'))" ;;
    esac
}
brownout_kind() { case "$1" in 0) echo 503 ;; 1) echo throttle ;; *) echo 500 ;; esac; }
apidown_kind() { case "$1" in 0) echo 503 ;; 1) echo reset ;; *) echo html502 ;; esac; }
dnsfault_kind() { case "$1" in 0) echo drop ;; 1) echo servfail ;; *) echo wrong ;; esac; }

for k in $(seq "$ROUNDS"); do plan_round "$k"; done
if [ "$PLAN" = 1 ]; then
    echo "soak plan: $ROUNDS rounds, seed $SEED"
    for k in $(seq "$ROUNDS"); do echo "round $k: ${PLAN_KIND[k]}$(describe "${PLAN_KIND[k]}" "$k" | sed 's/^./ &/')"; done
    exit 0
fi

# ---- the cluster -----------------------------------------------------------------
. "$(dirname "$0")/../lib.sh"
CL_AWS=1
. "$(dirname "$0")/lib.sh"
cl_require
SECONDS=0
echo "# soak: $ROUNDS rounds, seed $SEED (replay: make soak ROUNDS=$ROUNDS SEED=$SEED)"

cl_up 3
cl_in 1 crm_attribute -t rsc_defaults -n migration-threshold -v 3 >/dev/null
cl_in 1 crm_attribute -t rsc_defaults -n resource-stickiness -v 100 >/dev/null
cl_in 1 crm_attribute -t crm_config -n no-quorum-policy -v stop >/dev/null
# The majority fences a lost node 3 s after it lost it: time for a
# minority to stop what it ran (doc/fencing.md, three nodes).
cl_in 1 crm_resource -r fence-ns --set-parameter pcmk_delay_base --parameter-value 3s >/dev/null 2>&1
cl_apply 1 "Configuration A, crm:" "$(cl_aws_sed)" >/dev/null \
    || { cl_dump; fail "doc/fencing.md's configuration A (crm) failed"; }
cl_settle 90
cl_wait_for "fence device registered" 30 cl_fence_ready >/dev/null
echo "# [${SECONDS}s] cluster of 3 up, configuration A applied"

FAILURES=0
FENCES_WANT=0
declare -A SETTLE_MAX KIND_COUNT
R_FAILED=0

on_cluster() { cl_in "$(cl_any_node)" "$@"; }
ip_of() { cl_ip "${1#node}"; }
now() { date +%s.%N; }
at_plus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", a + b }'; }
up_nodes() { local i; for i in 1 2 3; do [ -n "${CL_HOLDER[$i]:-}" ] && echo "node$i"; done; }
# passive PICK: the PICK-th (0 or 1) node that does not run the group.
passive()
{
    local p
    p=$(up_nodes | grep -vx "$ACTIVE" | sed -n "$(($1 + 1))p")
    [ -n "$p" ] || p=$(up_nodes | grep -vx "$ACTIVE" | head -n 1)
    echo "$p"
}
sim_config() { sim_ctl POST /_sim/config "$1" >/dev/null || echo "# soak: /_sim/config $1 refused" >&2; }

# audit DESC CMD...: an audit; on failure say what CMD said.
audit()
{
    local desc=$1 out
    shift
    out=$("$@" 2>&1) && return 0
    R_FAILED=$((R_FAILED + 1))
    echo "AUDIT FAILED (round $ROUND, $RKIND): $desc"
    [ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/#   /'
    return 0
}

# ---- the fault kinds ----------------------------------------------------------------
# A failover's trigger; its heal runs after the service faults' heals.
# FENCED: nodes fenced on purpose (FENCE_T, FENCE_MARK: when, moto's log
# line then); ALLOW: failed actions allowed ("rsc op" regexes).
fence_now()
{
    local i=${1#node}
    FENCED+=("$1")
    FENCE_T[$i]=$2
    FENCE_MARK[$i]=$(cl_moto_lines)
    CL_HOLDER[$i]=
    FENCES_WANT=$((FENCES_WANT + 1))
}

trigger()
{
    local t
    case "$1" in
        crash-active)
            cl_kill "${ACTIVE#node}"
            fence_now "$ACTIVE" "$(now)" ;;
        crash-passive)
            t=$(passive "${PLAN_PICK[ROUND]}")
            cl_kill "${t#node}"
            fence_now "$t" "$(now)" ;;
        partition-active)
            cl_cut "${ACTIVE#node}"
            if t=$(cl_fenced_at "${ACTIVE#node}" 90); then
                fence_now "$ACTIVE" "$t"
            else
                audit "the cut-off $ACTIVE was fenced within 90 s" false
                cl_kill "${ACTIVE#node}"
                fence_now "$ACTIVE" "$(now)"
            fi ;;
        move)
            TARGET=$(passive "${PLAN_PICK[ROUND]}")
            on_cluster crm_resource --move -r svc -N "$TARGET" >/dev/null 2>&1 ;;
        standby)
            on_cluster crm_attribute -N "$ACTIVE" -n standby -v on >/dev/null ;;
    esac
}

heal_failover()
{
    case "$1" in
        move)
            cl_wait_for "svc on $TARGET" 120 group_on "$TARGET" >/dev/null
            on_cluster crm_resource --clear -r svc >/dev/null 2>&1 ;;
        standby)
            cl_wait_for "svc off $ACTIVE" 120 group_off "$ACTIVE" >/dev/null
            on_cluster crm_attribute -N "$ACTIVE" -n standby -v off >/dev/null ;;
    esac
}

group_on() { [ "$(cl_locate dns)" = "$1" ] && [ "$(cl_locate overlay)" = "$1" ]; }
group_off() { local at; at=$(cl_locate dns); [ -n "$at" ] && [ "$at" != "$1" ]; }

# arm KIND: a service fault; heal_service KIND undoes it.
arm()
{
    local sub=${PLAN_SUB[ROUND]}
    case "$1" in
        brownout)
            sim_config "{\"down\": \"$(brownout_kind "$sub")\"}"
            ALLOW+=("dns start")
            HEAL_AT=$(at_plus "$T0" "${PLAN_SECS[ROUND]}") ;;
        api-down)
            sim_config "{\"down\": \"$(apidown_kind "$sub")\"}"
            ALLOW+=("dns start")
            HEAL_AT=$(at_plus "$T0" "${PLAN_SECS[ROUND]}") ;;
        dns-fault)
            EFFECT=(dns by_fault "$(dnsfault_kind "$sub")")
            EFFECT0=$(cl_sim_counter "${EFFECT[@]}")
            sim_config "{\"dns_down\": {\"kind\": \"$(dnsfault_kind "$sub")\"}}"
            HEAL_AT=$(at_plus "$T0" "${PLAN_SECS[ROUND]}") ;;
        slow-insync)
            sim_config '{"pending_seconds": 30}'
            SLOW=1 ;;
        cred-expiry)
            EFFECT=(by_fault expired)
            EFFECT0=$(cl_sim_counter "${EFFECT[@]}")
            sim_config '{"faults": [{"op": "*", "count": 1, "kind": "expired"}]}' ;;
        drift)
            sim_ctl POST /_sim/record "{\"zone\": \"$CL_ZONE\", \"name\": \"$CL_RECORD\", \"type\": \"A\", \"ttl\": 10, \"values\": [\"192.0.2.99\"]}" >/dev/null
            ALLOW+=("dns monitor") ;;
    esac
}

heal_service()
{
    case "$1" in
        brownout | api-down | dns-fault)
            sleep "$(awk -v a="$HEAL_AT" -v b="$(now)" 'BEGIN { d = a - b; printf "%.3f\n", (d > 0 ? d : 0) }')"
            sim_config '{"down": null, "dns_down": null}' ;;
        slow-insync)
            # INSYNC only once a start has waited for it, then back to at once.
            cl_wait_for "a start of dns done" 120 dns_started >/dev/null
            sim_config '{"pending_seconds": 0}' ;;
    esac
}

# dns_started: a start of dns succeeded since the round began (any node's log).
dns_started()
{
    local i
    for i in 1 2 3; do
        tail -n +"$((LOGMARK[i] + 1))" "$CL_DIR/n$i/log/pacemaker.log" 2>/dev/null \
            | grep -q "Result of start operation for dns on node[0-9]*: ok" && return 0
    done
    echo "no successful start of dns yet"
    return 1
}

# api-down's first part: dns stopped and started again on the active node
# while the API is down: the start is confirmed by DNS, with no write.
restart_in_place()
{
    local t log=$CL_DIR/n${ACTIVE#node}/log/pacemaker.log mark
    t=$(now)
    on_cluster crm_resource -r dns --meta -p target-role -v Stopped >/dev/null 2>&1
    cl_wait_for "dns stopped" 60 dns_stopped >/dev/null
    mark=$(wc -l <"$log")
    on_cluster crm_resource -r dns --meta -p target-role -v Started >/dev/null 2>&1
    if cl_wait_for "dns's start on $ACTIVE done" 60 \
        sh -c "tail -n +$((mark + 1)) $log | grep -q 'Result of start operation for dns on $ACTIVE'"; then
        audit "api down: dns's start on $ACTIVE succeeded" \
            sh -c "tail -n +$((mark + 1)) $log | grep 'Result of start operation for dns on $ACTIVE: ok'"
        audit "api down: dns's start on $ACTIVE confirmed by DNS, with no write" \
            same_text "" "$(cl_changes_since "$t")"
    else
        audit "api down: dns started again on $ACTIVE while the API was down" false
    fi
    # The move comes now, with the API down for the round's seconds more.
    HEAL_AT=$(at_plus "$(now)" "${PLAN_SECS[ROUND]}")
}
dns_stopped() { [ -z "$(cl_locate dns)" ] || { echo "dns on $(cl_locate dns)"; return 1; }; }

# clean_failures: keep the failed actions crm_mon shows (for the audit),
# then clear them so that Pacemaker tries again.
clean_failures()
{
    local f
    f=$(cl_failed_actions)
    [ -n "$f" ] || return 0
    FAILED_BEFORE_CLEANUP=$(printf '%s\n%s' "$FAILED_BEFORE_CLEANUP" "$f")
    on_cluster crm_resource --cleanup >/dev/null 2>&1
}
same_text() { [ "$1" = "$2" ] || { echo "expected '$1', got '$2'"; return 1; }; }

# ---- settling and audits -------------------------------------------------------------
fences_done()
{
    local f
    f=$(cl_fence_events)
    [ "$f" -ge "$FENCES_WANT" ] || { echo "$f fences of $FENCES_WANT"; return 1; }
}

# settled: no pending action, the group on one node, route and record right.
settled()
{
    local at
    fences_done || return 1     # a lost node is fenced before anything else
    cl_settle 5 2>/dev/null || { echo "actions pending"; return 1; }
    at=$(cl_active_nodes dns)
    [ "$(wc -w <<<"$at")" = 1 ] || { echo "dns active on: '$at'"; return 1; }
    cl_right "$at" "$(ip_of "$at")"
}

audits()
{
    local at i n addr f want lines t
    at=$(cl_active_nodes dns)
    audit "exactly one node runs dns" same_text 1 "$(wc -w <<<"$at")"
    audit "overlay runs with dns, on one node" same_text "$at" "$(cl_active_nodes overlay)"
    at=$(head -n 1 <<<"$at")
    [ -n "$at" ] || return 0
    ACTIVE=$at
    addr=$(ip_of "$at")
    audit "the record holds $at's address" same_text "$addr" "$(cl_record)"
    audit "our marker stands beside the record" marker_there
    audit "the route targets $at's interface" same_text "${CL_ENI[${at#node}]}" "$(cl_route)"
    for i in 1 2 3; do
        [ -n "${CL_HOLDER[$i]:-}" ] || continue
        want=0
        [ "node$i" = "$at" ] && want=1
        audit "the overlay IP on node$i's eth0: $want" same_text "$want" \
            "$(ip -n "$(cl_ns "$i")" -4 addr show dev eth0 | grep -c " $CL_OVERLAY/32")"
        audit "node$i's state file says $([ "$want" = 1 ] && echo active || echo stopped)" state_says "$i" "$want"
        audit "no temporary file on node$i" no_temp_files "$i"
    done
    # shellcheck disable=SC2046  # one node number a word
    audit "no route53 process (agent or publisher) left on any node" \
        same_text "" "$(cl_lingering route53 2 $(up_nodes | sed 's/^node//'))"
    # Fencing: only on purpose, and nothing from a fenced node afterwards.
    audit "fences this round: ${#FENCED[@]} (${FENCED[*]:-none})" \
        same_text "$((FENCES0 + ${#FENCED[@]}))" "$(cl_fence_events)"
    for n in ${FENCED[@]+"${FENCED[@]}"}; do
        i=${n#node}
        audit "no Route 53 request from the fenced $n after its fence" \
            same_text 0 "$(cl_requests_since "$(cl_ip "$i")" "${FENCE_T[$i]}")"
        audit "no EC2 request from the fenced $n after its fence" \
            same_text 0 "$(cl_moto_since "${FENCE_MARK[$i]}" "$(cl_ip "$i")")"
    done
    # Writes: each changed the record, to the writer's own address.
    lines=$(cl_a_history_since "$T0" | grep -v '^_sim ')
    audit "every write this round changed the record (writes $(cl_changes_since "$T0" | wc -l), changes $(grep -c . <<<"$lines"))" \
        same_text "$(grep -c . <<<"$lines")" "$(cl_changes_since "$T0" | wc -l)"
    while read -r n t; do
        [ -n "$n" ] && audit "the write by $n holds its own address" same_text "$n" "$t"
    done <<<"$lines"
    # Failed actions: only those the round caused on purpose.
    f=$( (printf '%s\n' "$FAILED_BEFORE_CLEANUP"; cl_failed_actions) | grep . | sort -u)
    for t in ${ALLOW[@]+"${ALLOW[@]}"}; do f=$(grep -v "^$t " <<<"$f"); done
    audit "no failed action the round did not cause (allowed: ${ALLOW[*]:-none})" same_text "" "$f"
    if [ "${#EFFECT[@]}" -gt 0 ]; then
        audit "the fault took effect (${EFFECT[*]} grew from $EFFECT0)" \
            test "$(cl_sim_counter "${EFFECT[@]}")" -gt "$EFFECT0"
    fi
}

marker_there()
{
    sim_ctl GET "/_sim/record?zone=$CL_ZONE&name=$CL_RECORD&type=TXT" | grep -q 'heritage=route53,' \
        || { echo "no route53 marker at $CL_RECORD"; return 1; }
}

# state_says I WANT: node I's state file exists holding its address (1),
# or does not exist (0: stopped; the probe answers 7 from that alone).
state_says()
{
    local f
    f=$(cl_rsctmp "$1")/route53-dns.state
    if [ "$2" = 1 ]; then
        grep -qx "value=$(cl_ip "$1")" "$f" 2>/dev/null || { echo "$f: $(cat "$f" 2>&1)"; return 1; }
    else
        [ ! -e "$f" ] || { echo "$f: $(cat "$f")"; return 1; }
    fi
}

# no_temp_files I: nothing in node I's $HA_RSCTMP but the agent's own files.
no_temp_files()
{
    local d
    d=$(cl_rsctmp "$1")
    [ -d "$d" ] || return 0
    ! find "$d" -mindepth 1 | grep -vE '/(route53-dns\.state|route53\.budget|route53-zone-[^/.]*|route53-cred[^/.]*|aws-vpc-move-ip[^/]*)$'
}

# round_dump: what a failed round saw.
round_dump()
{
    echo "--- round $ROUND ($RKIND) failed $R_FAILED audits; what it saw:"
    cl_dump 2>&1 | sed -n '/^--- crm_mon/,/^--- node1 pacemaker/p' | sed '$d'
    echo "--- record: A $(cl_record); TXT $(sim_ctl GET "/_sim/record?zone=$CL_ZONE&name=$CL_RECORD&type=TXT" 2>&1)"
    echo "--- history since the round began: $(cl_a_history_since "$T0" | tr '\n' ';')"
    echo "--- route for $CL_OVERLAY/32: $(cl_route) (interfaces: ${CL_ENI[*]})"
    echo "--- last Route 53 requests:"
    cl_last_requests 20
    echo "--- last EC2 requests (moto):"
    tail -n 8 "$CL_DIR/moto.log"
    for i in 1 2 3; do
        echo "--- node$i: route53 and errors in pacemaker.log since the round began:"
        tail -n +"$((LOGMARK[i] + 1))" "$CL_DIR/n$i/log/pacemaker.log" 2>/dev/null \
            | grep -E 'route53|dns|error' | tail -n 15
    done
}

# back_to_normal: rebooted nodes back, faults off, failures cleaned up.
back_to_normal()
{
    local n
    sim_config '{"down": null, "faults": [], "dns_down": null, "dns_faults": [], "pending_seconds": 0}'
    # A node boots only once its fence is over (else the fence kills it again).
    cl_wait_for "the round's fences" 60 fences_done >/dev/null
    for n in ${FENCED[@]+"${FENCED[@]}"}; do
        cl_wait_for "$n powered off" 60 cl_no_process "${n#node}" >/dev/null
        cl_boot "${n#node}"
    done
    cl_wait_for "all 3 nodes online" 90 cl_all_online >/dev/null \
        || { cl_dump; fail "a node did not come back after round $ROUND"; }
    on_cluster crm_resource --clear -r svc >/dev/null 2>&1
    for n in 1 2 3; do on_cluster crm_attribute -N "node$n" -n standby -v off >/dev/null 2>&1; done
    on_cluster crm_resource -r dns --meta -d target-role >/dev/null 2>&1
    on_cluster crm_resource --cleanup >/dev/null 2>&1
    cl_wait_for "settled after round $ROUND" 120 settled >/dev/null \
        || { cl_dump; fail "the cluster did not settle after round $ROUND"; }
    ACTIVE=$(cl_locate dns)
}

# ---- the rounds ------------------------------------------------------------------------
cl_wait_for "settled at start" 120 settled >/dev/null || { cl_dump; fail "configuration A did not settle"; }
ACTIVE=$(cl_locate dns)
for ROUND in $(seq "$ROUNDS"); do
    RKIND=${PLAN_KIND[ROUND]}
    FENCED=() FENCE_T=() FENCE_MARK=() ALLOW=() EFFECT=() EFFECT0=0 SLOW=0 HEAL_AT=0
    TARGET=$ACTIVE R_FAILED=0 FAILED_BEFORE_CLEANUP=
    for i in 1 2 3; do LOGMARK[i]=$(wc -l <"$CL_DIR/n$i/log/pacemaker.log"); done
    FENCES0=$(cl_fence_events)
    FENCES_WANT=$FENCES0
    echo "round $ROUND: $RKIND$(describe "$RKIND" "$ROUND" | sed 's/^./ &/') [active $ACTIVE, at ${SECONDS}s]"
    T0=$(now)
    first=$RKIND second=
    case "$RKIND" in
        double) first=${PLAN_FIRST[ROUND]} second=${PLAN_SECOND[ROUND]} ;;
        brownout | slow-insync | cred-expiry) first=move second=$RKIND ;;
        api-down)
            arm api-down
            restart_in_place
            first=move ;;
        dns-fault | drift) first='' second=$RKIND ;;
    esac
    if [ "$RKIND" != double ] && [ -n "$second" ]; then
        arm "$second"   # the fault is there before the failover starts
        [ -n "$first" ] && trigger "$first"
    else
        [ -n "$first" ] && trigger "$first"
        [ -n "$second" ] && { sleep 1; arm "$second"; }
    fi
    [ "$RKIND" = api-down ] && second=api-down
    [ -n "$second" ] && heal_service "$second" && clean_failures
    [ -n "$first" ] && heal_failover "$first"
    clean_failures
    if cl_wait_for "settled" 180 settled >/dev/null; then
        t=$(cl_since "$T0")
    else
        t=$(cl_since "$T0")
        audit "the cluster settled within 180 s" settled
    fi
    [ "$SLOW" = 1 ] && audit "slow INSYNC: the failover waited for it (settled after $t s, not before 30)" \
        awk -v t="$t" 'BEGIN { exit !(t >= 30) }'
    audits
    KIND_COUNT[$RKIND]=$((${KIND_COUNT[$RKIND]:-0} + 1))
    awk -v t="$t" -v m="${SETTLE_MAX[$RKIND]:-0}" 'BEGIN { exit !(t > m) }' && SETTLE_MAX[$RKIND]=$t
    if [ "$R_FAILED" = 0 ]; then
        echo "round $ROUND: $RKIND settled in $t s on $ACTIVE; audits passed"
    else
        FAILURES=$((FAILURES + R_FAILED))
        round_dump
        echo "round $ROUND: $RKIND settled in $t s; $R_FAILED audit failures"
    fi
    back_to_normal
done

echo "# soak summary, by kind: rounds, slowest settle (fault to audited):"
for k in "${KINDS[@]}"; do
    [ -n "${KIND_COUNT[$k]:-}" ] && printf '#   %-17s %3d  %6.1f s\n' "$k" "${KIND_COUNT[$k]}" "${SETTLE_MAX[$k]}"
done
echo "# took ${SECONDS}s"
echo "soak: $ROUNDS rounds, $FAILURES audit failures, seed $SEED"
[ "$FAILURES" = 0 ]
