#!/usr/bin/env bash
# role_arn: a zone in another account, reached through STS AssumeRole
# against the project's simulator (SigV4 for sts checked, temporary keys
# accepted by its Route 53 only with their session token): the record
# published, external id enforced, refusals with their codes, the cache
# of temporary keys (warm monitor: no STS call; shared by two resources;
# renewed after ExpiredToken), STS down, and no secret in any output.
set -u
. "$(dirname "$0")/../lib.sh"

: "${AGENT:?AGENT must name the built agent}"
sim_start "$TEST_TMP/sim" --pending-seconds 0 --dns-port 0
sim_ctl POST /_sim/zone '{"name":"example.com"}' >/dev/null || fail "zone"
ROLE=arn:aws:iam::111122223333:role/dns-writer
sim_ctl POST /_sim/role "{\"arn\":\"$ROLE\",\"trust\":[\"$SIM_AKID\"],\"external_id\":\"prod-7\"}" \
    >/dev/null || fail "role"
OTHER=arn:aws:iam::111122223333:role/nobody
sim_ctl POST /_sim/role "{\"arn\":\"$OTHER\",\"trust\":[\"AKIDSOMEONEELSE\"]}" >/dev/null || fail "role"
RUN=$TEST_TMP/run
ALL_OUTPUT=$TEST_TMP/all-output.txt
: >"$ALL_OUTPUT"
base_env=(
    OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=dns HA_RSCTMP="$RUN" HA_debug=1
    OCF_RESKEY_hostname=www OCF_RESKEY_zone=example.com OCF_RESKEY_ip=192.0.2.10
    OCF_RESKEY_endpoint="$SIM_URL" OCF_RESKEY_ca_bundle="$SIM_CA" OCF_RESKEY_owner=c1
    OCF_RESKEY_dns_servers="127.0.0.1:$SIM_DNS_PORT" OCF_RESKEY_monitor_method=api
    OCF_RESKEY_role_arn="$ROLE" OCF_RESKEY_external_id=prod-7 OCF_RESKEY_sts_endpoint="$SIM_URL"
    AWS_ACCESS_KEY_ID="$SIM_AKID" AWS_SECRET_ACCESS_KEY="$SIM_SECRET"
    AWS_EC2_METADATA_DISABLED=true HOME="$TEST_TMP" PATH="$PATH"
    AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_CONFIG_FILE=/nonexistent
    ${AGENT_ENV[@]+"${AGENT_ENV[@]}"}
)
op() { sim_ctl GET /_sim/stats | sim_json_field - requests "$1" 2>/dev/null || echo 0; }
reset_stats() { sim_ctl POST /_sim/reset-stats >/dev/null; }
MON=(OCF_RESKEY_CRM_meta_interval=10000)

# ---- the role publishes the record -----------------------------------------------
reset_stats
run_agent start; expect "start with role_arn" 0
[ "$(op AssumeRole)" = 1 ] && ok "one AssumeRole" || not_ok "AssumeRole: $(op AssumeRole)"
sim_ctl GET /_sim/stats | "$PYTHON3" -c '
import json, sys
log = json.load(sys.stdin)["log"]
ch = [e for e in log if e["op"] == "ChangeResourceRecordSets" and e["status"] == 200]
sys.exit(0 if ch and all(e["akid"].startswith("ASIA") for e in ch) else 1)' \
    && ok "the change was signed with the role's temporary key" || not_ok "not signed by the role"
[[ "$OUT" == *"as route53-dns-"* ]] && ok "the session is named route53-<resource>-<node>" \
    || not_ok "session name" "$OUT"
CACHE=$(ls "$RUN"/route53-credentials-* 2>/dev/null)
[ "$(echo "$CACHE" | wc -w)" = 1 ] && [ "$(stat -c %a "$CACHE")" = 600 ] \
    && ok "one cache entry, mode 0600" || not_ok "cache: ${CACHE:-none}"

# ---- the cache ----------------------------------------------------------------------------
reset_stats
run_agent monitor "${MON[@]}"; expect "monitor (API) with a warm cache" 0
[ "$(op AssumeRole)" = 0 ] && ok "a warm monitor makes no STS call" || not_ok "AssumeRole: $(op AssumeRole)"
run_agent start OCF_RESOURCE_INSTANCE=dns2 OCF_RESKEY_hostname=www2
expect "a second resource with the same role" 0
[ "$(op AssumeRole)" = 0 ] && ok "two resources share one cache entry" || not_ok "AssumeRole: $(op AssumeRole)"
sim_ctl POST /_sim/config '{"sts_expire":true}' >/dev/null
reset_stats
run_agent monitor "${MON[@]}"; expect "monitor after the role's keys expired (ExpiredToken)" 0
[ "$(op AssumeRole)" = 1 ] && ok "the entry was dropped and the role assumed once more" \
    || not_ok "AssumeRole: $(op AssumeRole)"
reset_stats
run_agent monitor "${MON[@]}"; expect "the next monitor" 0
[ "$(op AssumeRole)" = 0 ] && ok "uses the renewed entry" || not_ok "AssumeRole: $(op AssumeRole)"

# ---- refusals ---------------------------------------------------------------------------------
rm -f "$RUN"/route53-credentials-*
run_agent start OCF_RESKEY_external_id=wrong-1; expect "wrong external id: AccessDenied" 4 "AccessDenied"
run_agent start OCF_RESKEY_external_id=; expect "missing external id: AccessDenied" 4 "AccessDenied"
run_agent start OCF_RESKEY_role_arn="$OTHER"; expect "a role that does not trust us" 4 "AccessDenied"
run_agent validate-all OCF_RESKEY_role_arn=dns-writer; expect "a malformed role ARN" 6 "is not a role ARN"
run_agent validate-all OCF_RESKEY_sts_endpoint=http://sts.amazonaws.com; expect "sts_endpoint not https" 6 "https"
sim_ctl POST /_sim/config '{"sts_down":"503"}' >/dev/null
run_agent start OCF_RESKEY_CRM_meta_timeout=4000; expect "STS unreachable: start gives up" 1 "AssumeRole"
run_agent monitor "${MON[@]}" OCF_RESKEY_CRM_meta_timeout=4000; expect "STS unreachable: monitor is degraded" 190
sim_ctl POST /_sim/config '{"sts_down":null}' >/dev/null
run_agent stop; expect "stop" 0

# ---- secrets ---------------------------------------------------------------------------------------
sim_ctl GET /_sim/issued >"$TEST_TMP/issued.json"
leaks=$("$PYTHON3" - "$TEST_TMP/issued.json" "$ALL_OUTPUT" "$SIM_SECRET" <<'P'
import json, sys
issued = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
secrets = [sys.argv[3]] + issued.get("secrets", []) + issued.get("tokens", [])
print(sum(1 for s in secrets if s and s in text))
P
)
[ "$leaks" = 0 ] && ok "no secret key or session token STS issued appears in any output" \
    || not_ok "$leaks secrets in the output"
finish
