#!/usr/bin/env bash
# tests/cluster/node.sh DIR NAME AGENT: make this (fresh, private) mount and
# UTS namespace look like cluster node NAME, then hold it open.  Run by
# cl_node_start as: ip netns exec NS unshare --mount --uts
# --propagation private node.sh ...; nothing here reaches the host's mounts.
set -eu
dir=$1 name=$2 agent=$3
hostname "$name"
# Per-node state, as a separate machine would have it.
mount --bind "$dir/etc-corosync" /etc/corosync
mount --bind "$dir/var-lib-corosync" /var/lib/corosync
mount --bind "$dir/var-lib-pacemaker" /var/lib/pacemaker
mount --bind "$dir/run" /run
mkdir -p /run/crm
chown hacluster:haclient /run/crm
# The build's agent appears at its installed path only in this namespace:
# a read-only overlay adds an empty route53 file, the binary is bound on it.
hb=/usr/lib/ocf/resource.d/heartbeat
mount -t overlay r53test-ocf -o "lowerdir=$dir/ocf-extra:$hb" "$hb"
mount --bind "$agent" "$hb/route53"
touch "$dir/ready"
exec sleep infinity
