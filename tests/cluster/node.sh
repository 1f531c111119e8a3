#!/usr/bin/env bash
# tests/cluster/node.sh DIR NAME AGENT RUN: make this (fresh, private) mount and
# UTS namespace look like cluster node NAME, then hold it open.  Run by
# cl_node_start as: ip netns exec NS unshare --mount --uts
# --propagation private node.sh ...; nothing here reaches the host's mounts.
set -eu
dir=$1 name=$2 agent=$3 run=$4
hostname "$name"
# Per-node state, as a separate machine would have it.
mount --bind "$dir/etc-corosync" /etc/corosync
mount --bind "$dir/var-lib-corosync" /var/lib/corosync
mount --bind "$dir/var-lib-pacemaker" /var/lib/pacemaker
# Its resolver: the hub (cl_node_prepare).
mount --bind "$dir/resolv.conf" /etc/resolv.conf
# The fence agent reaches the other nodes (as a fence device reaches their
# power) through their network namespaces: this run's (RUN-*) entries of
# the host's /run/netns, and only those, appear in the node's own /run.
mkdir -p "$dir/run/netns"
for ns in /run/netns/"$run"-*; do
    touch "$dir/run/netns/${ns##*/}"
    mount --bind "$ns" "$dir/run/netns/${ns##*/}"
done
mount --rbind "$dir/run" /run
mkdir -p /run/crm
chown hacluster:haclient /run/crm
# The build's agent appears at its installed path only in this namespace:
# a read-only overlay adds an empty route53 file, the binary is bound on it.
hb=/usr/lib/ocf/resource.d/heartbeat
mount -t overlay r53test-ocf -o "lowerdir=$dir/ocf-extra:$hb" "$hb"
mount --bind "$agent" "$hb/route53"
# The project's fence agent, where the fencer looks for agents.
mount -t overlay r53test-sbin -o "lowerdir=$dir/sbin-extra:/usr/sbin" /usr/sbin
touch "$dir/ready"
exec sleep infinity
