#!/usr/bin/env bash
# make demo: a two-node Pacemaker cluster and a local Route 53 on this
# machine (network namespaces, as root), fencing on, doc/migration.md's crm
# group with each node's own address; the active node is killed and the DNS
# record follows.
# make demo-partition (demo.sh --partition): the active node is cut off
# from the other instead, both stay up and both still reach Route 53; the
# survivor fences it, then takes the group, and the record changes once.
# Everything is removed at the end.  No AWS account, no network beyond the
# namespaces it creates.
set -u
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"

PARTITION=0
[ "${1:-}" = --partition ] && PARTITION=1

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
show_record() { echo "    www.example.com.  A  $(cl_record)   (at the local Route 53)"; }

cl_require
step "Starting a 2-node corosync + Pacemaker cluster, fencing on, and a local Route 53 (about 15 s)"
cl_up 2
cl_apply 1 "same in a group, crm:" || { cl_dump; fail "applying doc/migration.md's crm group block failed"; }
cl_apply 1 'Switchback "automatic" (the service returns to node1 when node1 returns), crm:' \
    || { cl_dump; fail "applying doc/migration.md's location block failed"; }
cl_settle 60
step "crm_mon -1"
cl_in 1 crm_mon -1
active=$(cl_locate dns)
step "The record points at $active ($(cl_ip "${active#node}"))"
show_record

[ -n "$active" ] || fail "dns is not running"
survivor=node1
[ "$active" = node1 ] && survivor=node2
if [ "$PARTITION" = 1 ]; then
    # Both halves keep quorum (two_node) and both can fence: the delay on
    # fencing the survivor decides who wins (see doc/fencing.md).
    cl_in 1 crm_resource -r fence-ns --set-parameter pcmk_delay_base \
        --parameter-value "$survivor:5s" >/dev/null 2>&1
    cl_settle 60
    cl_wait_for "fence device registered again" 30 cl_fence_ready >/dev/null
    step "Cutting $active off from $survivor (both stay up, both still reach Route 53)"
    t0=$(date +%s.%N)
    cl_cut "${active#node}"
else
    step "Killing $active (corosync, Pacemaker, everything on it; its link goes down)"
    t0=$(date +%s.%N)
    cl_kill "${active#node}"
fi
want=$(cl_ip "${survivor#node}")
last=
fenced=0
while :; do
    now=$(cl_record)
    t=$(cl_since "$t0")
    if [ "$now" != "$last" ]; then
        printf '    %5.1f s  www.example.com.  A  %s\n' "$t" "$now"
        last=$now
    fi
    if [ "$PARTITION" = 1 ] && [ "$fenced" = 0 ] && cl_no_process "${active#node}" >/dev/null; then
        printf '    %5.1f s  %s fenced by %s (all its processes gone, links down)\n' "$t" "$active" "$survivor"
        fenced=1
        CL_HOLDER[${active#node}]=
    fi
    [ "$now" = "$want" ] && break
    if [ "$(printf '%.0f' "$t")" -ge 60 ]; then
        cl_dump
        fail "the record did not follow within 60 s"
    fi
    sleep 0.1
done
step "DNS failover done: $active $([ "$PARTITION" = 1 ] && echo "cut off" || echo killed) -> record INSYNC on $survivor in $(printf '%.1f' "$t") s"
cl_settle 60
step "crm_mon -1 (on $survivor)"
cl_in "${survivor#node}" crm_mon -1
step "Fencing history (stonith_admin --history)"
cl_fence_history
if [ "$PARTITION" = 1 ]; then
    step "Writes to the record since the cut (the simulator's log, by source address)"
    cl_changes_since "${t0%.*}" | sed 's/^/    ChangeResourceRecordSets from /'
fi
step "Cleaning up (processes, namespaces, mounts)"
