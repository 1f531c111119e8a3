#!/usr/bin/env bash
# The agent against moto's Route 53, an implementation nobody here wrote:
# start, monitor, stop, and the record as moto holds it (read with the AWS CLI).
set -u
. "$(dirname "$0")/../lib.sh"

: "${AGENT:?AGENT must name the built agent}"
require_moto
AWS=/usr/bin/aws
[ -x "$AWS" ] || skip_test "AWS CLI not installed (Debian: awscli)"

make_ca "$TEST_TMP/tls" || fail "make_ca"
PORT=$("$PYTHON3" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$MOTO_PY" -m moto.server -H 127.0.0.1 -p "$PORT" -c "$TEST_TMP/tls/server.pem" \
    -k "$TEST_TMP/tls/server.key" >"$TEST_TMP/moto.log" 2>&1 &
MOTO_PID=$!
trap 'st=$?; kill $MOTO_PID 2>/dev/null; wait $MOTO_PID 2>/dev/null; (exit "$st"); lib_cleanup' EXIT
URL=https://127.0.0.1:$PORT
for _ in $(seq 100); do
    curl -s --cacert "$TEST_TMP/tls/ca.pem" -o /dev/null "$URL/moto-api/" && break
    sleep 0.1
done

export AWS_ACCESS_KEY_ID=AKIDMOTOTEST AWS_SECRET_ACCESS_KEY=motosecret AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER="" HOME=$TEST_TMP
export AWS_EC2_METADATA_DISABLED=true
aws_() { "$AWS" --endpoint-url "$URL" --ca-bundle "$TEST_TMP/tls/ca.pem" "$@"; }
ZONE=$(aws_ route53 create-hosted-zone --name example.com --caller-reference r53test \
    --query HostedZone.Id --output text) || fail "moto: create-hosted-zone failed"
ok "moto zone $ZONE created with the AWS CLI"
moto_record() {
    aws_ route53 list-resource-record-sets --hosted-zone-id "$ZONE" \
        --query "ResourceRecordSets[?Name=='www.example.com.' && Type=='A'].[TTL, ResourceRecords[0].Value]" \
        --output text
}

agent() {
    env OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=dns HA_RSCTMP="$TEST_TMP/run" \
        OCF_RESKEY_hostname=www OCF_RESKEY_zone=example.com OCF_RESKEY_ip=192.0.2.44 \
        OCF_RESKEY_ttl=30 OCF_RESKEY_monitor_method=api OCF_RESKEY_owner=moto-test OCF_RESKEY_endpoint="$URL" OCF_RESKEY_ca_bundle="$TEST_TMP/tls/ca.pem" \
        "$@" ${AGENT_WRAP[@]+"${AGENT_WRAP[@]}"} "$AGENT" "${ACTION}" >"$TEST_TMP/out" 2>&1
}
run() { ACTION=$1; shift; agent "$@"; echo $?; }

[ "$(run validate-all OCF_CHECK_LEVEL=10)" = 0 ] && ok "validate-all level 10 finds moto's zone" \
    || not_ok "validate-all" "$(cat "$TEST_TMP/out")"
[ "$(run start)" = 0 ] && ok "start against moto" || not_ok "start" "$(cat "$TEST_TMP/out")"
[ "$(moto_record)" = "$(printf '30\t192.0.2.44')" ] && ok "moto holds www A 192.0.2.44 TTL 30" \
    || not_ok "record in moto: $(moto_record)"
[ "$(run monitor OCF_RESKEY_CRM_meta_interval=10000)" = 0 ] && ok "monitor against moto" \
    || not_ok "monitor" "$(cat "$TEST_TMP/out")"
cat >"$TEST_TMP/move.json" <<'J'
{"Changes":[{"Action":"UPSERT","ResourceRecordSet":{"Name":"www.example.com.","Type":"A","TTL":30,"ResourceRecords":[{"Value":"198.51.100.1"}]}}]}
J
aws_ route53 change-resource-record-sets --hosted-zone-id "$ZONE" --change-batch "file://$TEST_TMP/move.json" >/dev/null
[ "$(run monitor OCF_RESKEY_CRM_meta_interval=10000)" = 1 ] && ok "monitor sees the record moved" \
    || not_ok "monitor after move" "$(cat "$TEST_TMP/out")"
# moto bug (5.2.1, moto/route53/models.py, change_resource_record_sets): before
# applying a batch it refuses any CREATE identical to one it was ever sent (its
# journal) while the zone as it was before the batch holds a record at or after
# that name and type: a DELETE of the same set earlier in the batch is not
# counted.  Route 53 applies a batch in order, all or nothing
# (shared/ROUTE53-WIRE.md), so the agent's compare-and-swap, DELETE(A as read)
# + CREATE(A) + DELETE(TXT as read) + CREATE(TXT, our marker), is valid there
# (sim-cas.sh checks it against the simulator); here its CREATEs repeat the
# first start's and moto answers "already exists".  So against moto: that
# start fails, naming moto's answer, with the record as moto had it; and start
# puts the record back through the single UPSERT ownership=off sends.
rc=$(run start)
if [ "$rc" = 0 ] && [ "$(moto_record)" = "$(printf '30\t192.0.2.44')" ]; then
    ok "start puts it back by compare-and-swap (moto has lost the bug above: drop this workaround)"
elif [ "$rc" = 1 ] && grep -q "^ocf-exit-reason:.*but it already exists" "$TEST_TMP/out" \
    && [ "$(moto_record)" = "$(printf '30\t198.51.100.1')" ]; then
    ok "moto bug: start's compare-and-swap refused as 'already exists'; start fails, the record untouched"
else
    not_ok "start's compare-and-swap against moto (exit $rc, record now: $(moto_record))" \
        "$(cat "$TEST_TMP/out")"
fi
[ "$(run start OCF_RESKEY_ownership=off)" = 0 ] && [ "$(moto_record)" = "$(printf '30\t192.0.2.44')" ] \
    && ok "start (ownership=off: one UPSERT) puts it back" || not_ok "restart" "$(cat "$TEST_TMP/out")"
[ "$(run stop OCF_RESKEY_stop_action=delete)" = 0 ] && ok "stop with delete" \
    || not_ok "stop" "$(cat "$TEST_TMP/out")"
[ -z "$(moto_record)" ] && ok "moto no longer has the record" || not_ok "left: $(moto_record)"
[ "$(run monitor OCF_RESKEY_CRM_meta_interval=10000)" = 7 ] && ok "monitor after stop" \
    || not_ok "monitor after stop" "$(cat "$TEST_TMP/out")"

# role_arn: the zone reached through moto's STS AssumeRole (a central DNS
# account), the role's temporary keys kept for the next action.
aws_ iam create-role --role-name dns-writer --assume-role-policy-document '{}' >/dev/null 2>&1
ROLE=(OCF_RESKEY_role_arn=arn:aws:iam::123456789012:role/dns-writer OCF_RESKEY_sts_endpoint="$URL"
    HA_debug=1)
[ "$(run start "${ROLE[@]}")" = 0 ] && [ "$(moto_record)" = "$(printf '30\t192.0.2.44')" ] \
    && ok "start with role_arn publishes through moto's STS" || not_ok "role_arn start" "$(cat "$TEST_TMP/out")"
grep -q "assumed arn:aws:iam::123456789012:role/dns-writer as route53-dns-" "$TEST_TMP/out" \
    && ok "it assumed the role, session named after the resource" || not_ok "no AssumeRole" "$(cat "$TEST_TMP/out")"
grep -q "key ASIA" "$TEST_TMP/out" && ok "and signed with the role's temporary key (ASIA...)" \
    || not_ok "not a temporary key" "$(cat "$TEST_TMP/out")"
CACHE=$(ls "$TEST_TMP/run"/route53-credentials-* 2>/dev/null | head -n 1)
[ -n "$CACHE" ] && [ "$(stat -c %a "$CACHE")" = 600 ] && ok "the role's keys are cached, mode 0600" \
    || not_ok "cache: ${CACHE:-none}"
[ "$(run monitor OCF_RESKEY_CRM_meta_interval=10000 OCF_RESKEY_monitor_method=api "${ROLE[@]}")" = 0 ] \
    && grep -q "cached credentials" "$TEST_TMP/out" && ! grep -q "assumed arn" "$TEST_TMP/out" \
    && ok "a monitor with a warm cache asks STS nothing" || not_ok "warm monitor" "$(cat "$TEST_TMP/out")"
[ "$(run stop "${ROLE[@]}")" = 0 ] && ok "stop" || not_ok "stop" "$(cat "$TEST_TMP/out")"
# Members of record sets shared by a routing policy, beside a member the
# AWS CLI keeps: weighted, then failover with a health check; our marker
# a value of the plain TXT set (moto 5.2.1 deletes by SetIdentifier across
# names, so a marker sharing the member's identifier would be lost).
member_of() {
    aws_ route53 list-resource-record-sets --hosted-zone-id "$ZONE" \
        --query "ResourceRecordSets[?Name=='$1.example.com.' && SetIdentifier=='$2'].[$3, ResourceRecords[0].Value]" \
        --output text
}
txt_of() {
    aws_ route53 list-resource-record-sets --hosted-zone-id "$ZONE" \
        --query "ResourceRecordSets[?Name=='$1.example.com.' && Type=='TXT'].ResourceRecords[].Value" --output text
}
cli_member() { # NAME ID POLICY-JSON VALUE
    printf '{"Changes":[{"Action":"CREATE","ResourceRecordSet":{"Name":"%s.example.com.","Type":"A","SetIdentifier":"%s",%s,"TTL":30,"ResourceRecords":[{"Value":"%s"}]}}]}' \
        "$1" "$2" "$3" "$4" >"$TEST_TMP/member.json"
    aws_ route53 change-resource-record-sets --hosted-zone-id "$ZONE" --change-batch "file://$TEST_TMP/member.json" >/dev/null \
        || not_ok "AWS CLI: member $1 $2"
}
HC=0f1e2d3c-4b5a-6978-8a9b-acbdcedf0011
cli_member w west '"Weight":5' 198.51.100.5
WEIGHTED=(OCF_RESKEY_hostname=w OCF_RESKEY_set_identifier=east OCF_RESKEY_weight=10)
[ "$(run start "${WEIGHTED[@]}")" = 0 ] && ok "moto: start a weighted member beside another" \
    || not_ok "weighted start" "$(cat "$TEST_TMP/out")"
[ "$(member_of w east Weight)" = "$(printf '10\t192.0.2.44')" ] && [ "$(member_of w west Weight)" = "$(printf '5\t198.51.100.5')" ] \
    && ok "moto holds east (weight 10, ours) and west (weight 5) as it was" \
    || not_ok "members: east '$(member_of w east Weight)' west '$(member_of w west Weight)'"
[[ "$(txt_of w)" == *"resource=dns,set=east"* ]] && ok "our member's marker in the TXT set" || not_ok "TXT: $(txt_of w)"
[ "$(run monitor OCF_RESKEY_CRM_meta_interval=10000 "${WEIGHTED[@]}")" = 0 ] && ok "moto: monitor our member" \
    || not_ok "weighted monitor" "$(cat "$TEST_TMP/out")"
[ "$(run stop OCF_RESKEY_stop_action=delete "${WEIGHTED[@]}")" = 0 ] && [ -z "$(member_of w east Weight)" ] \
    && [ "$(member_of w west Weight)" = "$(printf '5\t198.51.100.5')" ] && [ -z "$(txt_of w)" ] \
    && ok "moto: stop with delete removes our member and marker, west kept" \
    || not_ok "weighted stop: east '$(member_of w east Weight)' west '$(member_of w west Weight)' TXT '$(txt_of w)'" "$(cat "$TEST_TMP/out")"
cli_member f west '"Failover":"SECONDARY"' 198.51.100.6
FAILOVER=(OCF_RESKEY_hostname=f OCF_RESKEY_set_identifier=east OCF_RESKEY_failover=PRIMARY OCF_RESKEY_health_check_id=$HC)
[ "$(run start "${FAILOVER[@]}")" = 0 ] && ok "moto: start a PRIMARY failover member with a health check" \
    || not_ok "failover start" "$(cat "$TEST_TMP/out")"
[ "$(member_of f east Failover)" = "$(printf 'PRIMARY\t192.0.2.44')" ] && [ "$(member_of f east HealthCheckId)" = "$(printf '%s\t192.0.2.44' $HC)" ] \
    && [ "$(member_of f west Failover)" = "$(printf 'SECONDARY\t198.51.100.6')" ] \
    && ok "moto holds the PRIMARY with its health check, and the SECONDARY" \
    || not_ok "failover members: east '$(member_of f east Failover)' west '$(member_of f west Failover)'"
[ "$(run monitor OCF_RESKEY_CRM_meta_interval=10000 "${FAILOVER[@]}")" = 0 ] && ok "moto: monitor the PRIMARY" \
    || not_ok "failover monitor" "$(cat "$TEST_TMP/out")"
[ "$(run stop OCF_RESKEY_stop_action=delete "${FAILOVER[@]}")" = 0 ] && [ -z "$(member_of f east Failover)" ] \
    && [ "$(member_of f west Failover)" = "$(printf 'SECONDARY\t198.51.100.6')" ] \
    && ok "moto: stop with delete removes the PRIMARY only" \
    || not_ok "failover stop: east '$(member_of f east Failover)'" "$(cat "$TEST_TMP/out")"
finish
