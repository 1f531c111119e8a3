#!/usr/bin/env bash
# make demo: a two-node Pacemaker cluster and a local Route 53 on this
# machine (network namespaces, as root), the README's crm group with each
# node's own address; the active node is killed and the DNS record follows.
# Everything is removed at the end.  No AWS account, no network beyond the
# namespaces it creates.
set -u
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
show_record() { echo "    www.example.com.  A  $(cl_record)   (at the local Route 53)"; }

cl_require
step "Starting a 2-node corosync + Pacemaker cluster and a local Route 53 (about 10 s)"
cl_up 2
cl_apply 1 "same in a group, crm:" || { cl_dump; fail "applying the README's crm block failed"; }
cl_apply 1 'Switchback "automatic" (the service returns to node1 when node1 returns), crm:' \
    || { cl_dump; fail "applying the README's location block failed"; }
cl_settle 60
step "crm_mon -1"
cl_in 1 crm_mon -1
active=$(cl_locate dns)
step "The record points at $active ($(cl_ip "${active#node}"))"
show_record

[ -n "$active" ] || fail "dns is not running"
survivor=node1
[ "$active" = node1 ] && survivor=node2
step "Killing $active (corosync, Pacemaker, everything on it; its link goes down)"
t0=$(date +%s.%N)
cl_kill "${active#node}"
want=$(cl_ip "${survivor#node}")
last=
while :; do
    now=$(cl_record)
    t=$(echo "$(date +%s.%N) - $t0" | bc)
    if [ "$now" != "$last" ]; then
        printf '    %5.1f s  www.example.com.  A  %s\n' "$t" "$now"
        last=$now
    fi
    [ "$now" = "$want" ] && break
    if [ "$(printf '%.0f' "$t")" -ge 60 ]; then
        cl_dump
        fail "the record did not follow within 60 s"
    fi
    sleep 0.1
done
step "DNS failover done: $active killed -> record INSYNC on $survivor in $(printf '%.1f' "$t") s"
cl_settle 60
step "crm_mon -1 (on $survivor)"
cl_in "${survivor#node}" crm_mon -1
step "Cleaning up (processes, namespaces, mounts)"
