#!/usr/bin/env bash
# OCF 1.1 and migration in a real cluster (tests/cluster/lib.sh, one node):
# (1) pcs resource describe and crm ra info show the agent cleanly;
# (2) two resources created as aws-vpc-route53's meta-data shows (the
#     block in doc/migration.md), run by the real aws-vpc-route53 and AWS
#     CLI against the simulator, switch type to route53, one with
#     doc/migration.md's crm command and one with its pcs commands, the
#     records sampled every 0.2 s (plus the time a sample takes; no gap
#     over 3 s) throughout;
# (3) ttl changed with crm_resource --set-parameter (doc/migration.md's
#     command): Pacemaker runs reload-agent, not stop and start, Route 53
#     gets no write, and the record never changes.
set -u
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"

cl_require
PEER=/usr/lib/ocf/resource.d/heartbeat/aws-vpc-route53
[ -x "$PEER" ] || skip_test "no $PEER (resource-agents) to migrate from"
[ -x /usr/bin/aws ] || skip_test "no /usr/bin/aws (AWS CLI), which aws-vpc-route53 needs"
command -v dig >/dev/null || skip_test "no dig, which aws-vpc-route53 needs"
SECONDS=0

cl_up 1
echo "# [${SECONDS}s] cluster of 1 up"
cl_in 1 crm_attribute -t rsc_defaults -n migration-threshold -v 3 >/dev/null
LOG=$CL_DIR/n1/log/pacemaker.log
NODE_IP=$(cl_ip 1)
wait_or_dump() { cl_wait_for "$@" || { not_ok "$1"; cl_dump; return 1; }; }

# ---- 1. pcs resource describe, crm ra info ----------------------------------
for cmd in "pcs resource describe ocf:heartbeat:route53" "crm ra info ocf:heartbeat:route53"; do
    out=$(cl_in 1 $cmd 2>"$CL_DIR/describe.err")
    rc=$?
    err=$(cat "$CL_DIR/describe.err")
    printf '%s\n' "$out" | head -n 12 | sed "s/^/# $cmd: /"
    [ "$rc" = 0 ] && [ -z "$err" ] && ok "$cmd: exit 0, nothing on stderr" \
        || not_ok "$cmd: exit 0, nothing on stderr" "exit $rc; stderr: $err"
    grep -q "Points a Route 53 DNS record at the active node" <<<"$out" \
        && ok "$cmd: shows the shortdesc" || not_ok "$cmd: shows the shortdesc"
    missing=
    for p in hostname zone zone_id ip ip_resource interface ttl monitor_api_failure stop_action; do
        grep -qE "(^|[^a-z_])$p([^a-z_]|$)" <<<"$out" || missing="$missing $p"
    done
    [ -z "$missing" ] && ok "$cmd: shows the parameters" || not_ok "$cmd: shows the parameters" "missing:$missing"
    grep -q "reload-agent" <<<"$out" && ok "$cmd: shows the reload-agent action (OCF 1.1)" \
        || not_ok "$cmd: shows the reload-agent action (OCF 1.1)"
    bad=$(grep -iE "^ *(error|warning|traceback)|(error|warning):" <<<"$out")
    [ -z "$bad" ] && ok "$cmd: no error or warning in its output" \
        || not_ok "$cmd: no error or warning in its output" "$bad"
done

# ---- 2. aws-vpc-route53 resources, switched to route53 ------------------------
# aws-vpc-route53's awscli: the real AWS CLI aimed at the simulator, with
# the profile "cluster" its documentation asks for (text output).
mkdir -p "$CL_DIR/aws/home"
cat >"$CL_DIR/aws/config" <<EOF
[profile cluster]
region = us-east-1
output = text
EOF
printf '[cluster]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$SIM_AKID" "$SIM_SECRET" \
    >"$CL_DIR/aws/credentials"
cat >"$CL_DIR/aws/aws-sim" <<EOF
#!/bin/sh
# aws-vpc-route53's awscli in this test: the AWS CLI aimed at the simulator.
export HOME=$CL_DIR/aws/home AWS_CONFIG_FILE=$CL_DIR/aws/config AWS_SHARED_CREDENTIALS_FILE=$CL_DIR/aws/credentials
exec /usr/bin/aws --endpoint-url "$SIM_URL" --ca-bundle "$SIM_CA" "\$@"
EOF
chmod 755 "$CL_DIR/aws" "$CL_DIR/aws/aws-sim"
chmod 644 "$CL_DIR/aws/config" "$CL_DIR/aws/credentials"

# record NAME: the A record's values at the simulator ("" if none).
record()
{
    local out
    out=$(sim_ctl GET "/_sim/record?zone=$CL_ZONE&name=$1&type=A" 2>/dev/null) || { echo ""; return 0; }
    sim_json_field - values <<<"$out" | tr -d '[]" '
}
record_is() { [ "$(record "$1")" = "$2" ] || { echo "$1 is '$(record "$1")'"; return 1; }; }
type_of() { cl_in 1 crm_resource -r "$1" --query-xml 2>/dev/null | sed -n 's/.*<primitive [^>]*type="\([^"]*\)".*/\1/p' | head -n 1; }
running_as() { [ "$(cl_locate "$1")" = node1 ] && [ "$(type_of "$1")" = "$2" ] || { echo "$1: on '$(cl_locate "$1")', type '$(type_of "$1")'"; return 1; }; }
monitor_ok() { [ "$(cl_monitor_rc "$1" node1)" = 0 ] || { echo "monitor rc '$(cl_monitor_rc "$1" node1)'"; return 1; }; }
log_count() { grep -c "$1" "$LOG"; }

# Two resources as the peer's meta-data shows one (doc/migration.md's
# block), for this zone and the node's address (aws-vpc-route53's ip=local
# needs EC2's fixed metadata address, which is not here), the awscli above.
for r in res_route53:www res_route53b:www2; do
    id=${r%%:*} name=${r#*:}
    cl_apply 1 "A resource as aws-vpc-route53's own meta-data shows it, crm:" \
        "s|res_route53 |$id |; s|EX4MPL3EX4MPL3|$CL_ZONE|; s|service\\.cloud\\.example\\.corp\\.|$name.example.com.|; s|profile=cluster|profile=cluster ip=$NODE_IP awscli=$CL_DIR/aws/aws-sim|" \
        || { cl_dump; fail "doc/migration.md's aws-vpc-route53 block failed for $id"; }
done
echo "# [${SECONDS}s] aws-vpc-route53 resources created; its start sleeps 20 s before GetChange"
for r in res_route53:www res_route53b:www2; do
    id=${r%%:*} name=${r#*:}
    wait_or_dump "$id runs as aws-vpc-route53" 120 running_as "$id" aws-vpc-route53 \
        && ok "$id (created as aws-vpc-route53 documents it) runs as aws-vpc-route53"
    wait_or_dump "$id: record $name holds $NODE_IP" 30 record_is "$name.example.com." "$NODE_IP" \
        && ok "$id: aws-vpc-route53 wrote $name.example.com. = $NODE_IP"
done
cl_settle 120
before_changes=$(sim_ctl GET /_sim/stats | "$PYTHON3" -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin)["log"] if e["op"] == "GetHostedZone"))')
same "aws-vpc-route53 never asked GetHostedZone (so a later one is route53's)" 0 "$before_changes"

# Sample both records every 0.2 s until told to stop.
sampler()
{
    while [ ! -e "$CL_DIR/stop-sampling" ]; do
        echo "$(date +%s.%N) $(record www.example.com.) $(record www2.example.com.)"
        sleep 0.2
    done
}
sampler >"$CL_DIR/samples" 2>/dev/null &
SAMPLER=$!
cl_wait_for "the first sample" 10 test -s "$CL_DIR/samples" || fail "the sampler wrote nothing"
t_switch=$SECONDS
stops0=$(log_count "Result of stop operation for res_route53b\? on node1: ok")
starts0=$(log_count "Result of start operation for res_route53b\? on node1: ok")
cl_apply 1 "changes its type with crm:" || { cl_dump; fail "doc/migration.md's crm switch failed"; }
cl_apply 1 "or with pcs, which has no command to change a type (the CIB is edited and pushed back):" \
    "s|res_route53\"|res_route53b\"|; s|cib.xml|$CL_DIR/cib.xml|g; s|cib-before.xml|$CL_DIR/cib-before.xml|g" \
    || { cl_dump; fail "doc/migration.md's pcs switch failed"; }
for id in res_route53 res_route53b; do
    wait_or_dump "$id runs as route53" 60 running_as "$id" route53 \
        && ok "$id switched type: it runs as route53 ($((SECONDS - t_switch)) s after the switch)"
    wait_or_dump "$id: route53's recurring monitor returned 0" 30 monitor_ok "$id" \
        && ok "$id: route53's monitor returns 0 with the old parameter names"
    same "$id: no failure counted" 0 "$(cl_failcount "$id" node1)"
done
cl_settle 60
same "the switch: one stop each (by aws-vpc-route53, which leaves the record)" $((stops0 + 2)) \
    "$(log_count "Result of stop operation for res_route53b\? on node1: ok")"
same "the switch: one start each (by route53, which writes the same value)" $((starts0 + 2)) \
    "$(log_count "Result of start operation for res_route53b\? on node1: ok")"
n=$(sim_ctl GET /_sim/stats | "$PYTHON3" -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin)["log"] if e["op"] == "GetHostedZone" and e["status"] == 200))')
[ "$n" -ge 1 ] && ok "route53 itself asked Route 53 (GetHostedZone for hostedzoneid, $n times: one start looks the zone up, the zone cache serves the other)" \
    || not_ok "route53 itself asked Route 53 (GetHostedZone for hostedzoneid)" "$n requests"
for line in "fullname is deprecated: use hostname" "hostedzoneid is deprecated: use zone_id" \
    "awscli (aws-vpc-route53's parameter) is ignored"; do
    grep -q "$line" "$LOG" && ok "Pacemaker's log has route53's line: $line" \
        || not_ok "Pacemaker's log has route53's line: $line"
done

# ---- 3. ttl changed: reload-agent, no restart, no write ------------------------
sim_ctl POST /_sim/reset-stats >/dev/null
stops=$(log_count "Result of stop operation for res_route53 on")
starts=$(log_count "Result of start operation for res_route53 on")
reloads=$(log_count "Result of reload-agent operation for res_route53 on node1: ok")
cl_apply 1 "without a restart:" "s|-r dns |-r res_route53 |" || { cl_dump; fail "crm_resource --set-parameter failed"; }
got_reload() { [ "$(log_count "Result of reload-agent operation for res_route53 on node1: ok")" -gt "$reloads" ] || { echo "no reload-agent yet"; return 1; }; }
wait_or_dump "Pacemaker ran reload-agent for res_route53" 30 got_reload \
    && ok "ttl=60: Pacemaker's log shows reload-agent for res_route53, ok"
cl_settle 60
sleep 4    # a recurring monitor or two more (route53 keeps the peer's 300 s; Pacemaker re-runs it after the reload)
same "ttl=60: no stop of res_route53" "$stops" "$(log_count "Result of stop operation for res_route53 on")"
same "ttl=60: no start of res_route53" "$starts" "$(log_count "Result of start operation for res_route53 on")"
same "ttl=60: the CIB holds ttl=60" 60 "$(cl_in 1 crm_resource -r res_route53 --get-parameter ttl 2>/dev/null)"
writes=$(sim_ctl GET /_sim/stats | "$PYTHON3" -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin)["log"] if e["op"] == "ChangeResourceRecordSets"))')
same "ttl=60: reload-agent wrote nothing to Route 53" 0 "$writes"
same "ttl=60: res_route53 still runs, as route53" route53 "$(type_of res_route53)"
same "ttl=60: no failure counted" 0 "$(cl_failcount res_route53 node1)"

# The records, sampled all along (from before the switch to now, never
# more than 3 s apart): never anything but this node's address.
touch "$CL_DIR/stop-sampling"
wait "$SAMPLER" 2>/dev/null
samples=$(wc -l <"$CL_DIR/samples")
gap=$(awk 'NR > 1 && $1 - t > g { g = $1 - t } { t = $1 } END { printf "%.1f", g }' "$CL_DIR/samples")
wrong=$(awk -v ip="$NODE_IP" '$2 != ip || $3 != ip' "$CL_DIR/samples")
[ "$samples" -ge 5 ] && awk -v g="$gap" 'BEGIN { exit !(g < 3) }' \
    && ok "the records were sampled $samples times over $((SECONDS - t_switch)) s, at most $gap s apart" \
    || not_ok "the records were sampled throughout, at most 3 s apart" "$samples samples, largest gap $gap s"
[ -z "$wrong" ] && ok "both records held $NODE_IP in every sample: no flap through the switch and the reload" \
    || not_ok "both records held $NODE_IP in every sample" "$(head -n 5 <<<"$wrong")"

# ---- a second cluster's configuration claiming the same name --------------------
# res_route53 marked www as cluster r53test's (the CIB's cluster-name); a
# resource that says it belongs to another cluster must be refused, and
# the name stay with the first.
cl_in 1 crm configure primitive res_rival ocf:heartbeat:route53 params hostname=www \
    zone_id="$CL_ZONE" ip=10.0.1.99 owner=rival-cluster op monitor interval=3s \
    || { cl_dump; fail "cannot create res_rival"; }
refused() { [ "$(log_count "Result of start operation for res_rival on node1: not configured")" -ge 1 ] || { echo "no refused start yet"; return 1; }; }
wait_or_dump "a rival cluster's resource on the same name: start refused (not configured)" 60 refused \
    && ok "a rival cluster's resource on the same name: start refused (not configured)"
grep -q "owned by cluster r53test" "$LOG" && ok "the reason names the owner (cluster r53test)" \
    || not_ok "the reason names the owner" "$(grep res_rival "$LOG" | tail -n 5)"
same "the first cluster keeps the name" "$NODE_IP" "$(record www.example.com.)"
same "res_route53 still runs" node1 "$(cl_locate res_route53)"
cl_in 1 crm resource stop res_rival >/dev/null 2>&1
cl_in 1 crm configure delete res_rival >/dev/null 2>&1

echo "# reload-migrate suite took ${SECONDS}s"
[ "$TESTS_FAILED" = 0 ] || cl_dump
finish
