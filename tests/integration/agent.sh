#!/usr/bin/env bash
# Every action and exit code of the agent, against the project's Route 53
# simulator (HTTPS with a test CA, every signature checked).
set -u
. "$(dirname "$0")/../lib.sh"

: "${AGENT:?AGENT must name the built agent}"
[ -x "$AGENT" ] || fail "agent $AGENT not built"

# DNS on two addresses, one port: two name servers to tell apart.
sim_start "$TEST_TMP/sim" --pending-seconds 1 --dns-port 0 --dns-host 127.0.0.1 --dns-host 127.0.0.2
ZONE=$(sim_ctl POST /_sim/zone '{"name":"example.com"}' | sim_json_field - id) \
    || fail "cannot create zone"
ZONE=${ZONE#/hostedzone/}
RUN=$TEST_TMP/run
ALL_OUTPUT=$TEST_TMP/all-output.txt
: >"$ALL_OUTPUT"

# The environment Pacemaker would give, plus the simulator's endpoint.
base_env=(
    OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=dns HA_RSCTMP="$RUN"
    OCF_RESKEY_hostname=www OCF_RESKEY_zone=example.com OCF_RESKEY_ip=192.0.2.10
    OCF_RESKEY_endpoint="$SIM_URL" OCF_RESKEY_ca_bundle="$SIM_CA"
    OCF_RESKEY_dns_servers="127.0.0.1:$SIM_DNS_PORT" OCF_RESKEY_owner=test-cluster
    OCF_RESKEY_change_try_interval=0.2 OCF_RESKEY_change_try_count=50
    AWS_ACCESS_KEY_ID="$SIM_AKID" AWS_SECRET_ACCESS_KEY="$SIM_SECRET"
    AWS_EC2_METADATA_DISABLED=true HOME="$TEST_TMP" PATH="$PATH"
    AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_CONFIG_FILE=/nonexistent
    ${AGENT_ENV[@]+"${AGENT_ENV[@]}"}
)

record() { sim_ctl GET "/_sim/record?zone=$ZONE&name=${1:-www.example.com.}&type=${2:-A}"; }
record_values() { record "$@" | sim_json_field - values; }
set_record() {
    sim_ctl POST /_sim/record "{\"zone\":\"$ZONE\",\"name\":\"$1\",\"type\":\"$2\",\"ttl\":10,\"values\":$3}" >/dev/null
}
api_calls() {
    sim_ctl GET /_sim/stats | "$PYTHON3" -c '
import json, sys
r = json.load(sys.stdin)["requests"]
print(sum(n for op, n in r.items() if op != "imds"))'
}
dns_stat() { sim_ctl GET /_sim/stats | sim_json_field - dns "$1"; }
dns_fault() { sim_ctl POST /_sim/config "{\"dns_down\":$1}" >/dev/null; }
op_calls() { sim_ctl GET /_sim/stats | sim_json_field - requests "$1" 2>/dev/null || echo 0; }
reset_stats() { sim_ctl POST /_sim/reset-stats >/dev/null; }

MON=(OCF_RESKEY_CRM_meta_interval=10000)

# ---- actions that need nothing --------------------------------------------
run_agent meta-data; expect "meta-data exits 0" 0
run_agent usage; expect "usage exits 0" 0
run_agent migrate_to; expect "unknown action exits 3" 3
run_agent reload; expect "OCF 1.0's reload (route53 has reload-agent) exits 3" 3
run_agent validate-all; expect "validate-all with good parameters" 0

# ---- probes and monitors before start make no call -------------------------
reset_stats
run_agent monitor; expect "probe before start is not running" 7
run_agent monitor "${MON[@]}"; expect "monitor before start is not running" 7
[ "$(api_calls)" = 0 ] && ok "no Route 53 call before start" || not_ok "calls before start: $(api_calls)"

# ---- start publishes and waits for INSYNC ----------------------------------
reset_stats
run_agent start; expect "start publishes" 0
[ "$(record_values)" = '["192.0.2.10"]' ] && ok "record holds 192.0.2.10" \
    || not_ok "record after start: $(record)"
[ "$(record | sim_json_field - ttl)" = 10 ] && ok "default TTL 10" || not_ok "ttl: $(record)"
[ "$(op_calls GetChange)" -ge 1 ] && ok "start polled GetChange ($(op_calls GetChange)x)" \
    || not_ok "start did not poll GetChange"
[ "$(echo "$SECS >= 1.0" | bc)" = 1 ] && ok "start returned after the 1 s pending time (${SECS}s)" \
    || not_ok "start returned before INSYNC (${SECS}s)"
[ -f "$RUN/route53-dns.state" ] && ok "state file written" || not_ok "no state file"
run_agent start; expect "second start is a success" 0

# ---- the default schedule: GetChange once the name servers serve the value ---
run_agent stop; expect "stop before a start on the default schedule" 0
set_record www.example.com. A '["192.0.2.99"]'
sim_ctl POST /_sim/config '{"pending_seconds":3}' >/dev/null
reset_stats
run_agent start OCF_RESKEY_change_try_interval=; expect "start on the default GetChange schedule" 0
[ "$(op_calls GetChange)" = 1 ] \
    && ok "one GetChange, asked once the name servers served 192.0.2.10 (the schedule: 3 by 3 s)" \
    || not_ok "GetChange asked $(op_calls GetChange) times while pending 3 s"
[ "$(echo "$SECS >= 3.0" | bc)" = 1 ] && ok "start returned after INSYNC (${SECS}s)" \
    || not_ok "start returned before INSYNC (${SECS}s)"
sim_ctl POST /_sim/config '{"pending_seconds":1}' >/dev/null

# ---- monitor ----------------------------------------------------------------
reset_stats
API=(OCF_RESKEY_monitor_method=api)
run_agent monitor "${MON[@]}" "${API[@]}"; expect "monitor_method=api when the record is ours" 0
[ "$(api_calls)" = 1 ] && ok "monitor_method=api makes exactly one call" \
    || not_ok "monitor calls: $(api_calls)"
[ "$(dns_stat queries)" = 0 ] && ok "monitor_method=api asks no DNS" || not_ok "DNS: $(dns_stat queries)"
reset_stats
run_agent monitor; expect "probe after start answers running from local state" 0
[ "$(api_calls)" = 0 ] && ok "probe makes no call" || not_ok "probe calls: $(api_calls)"

set_record www.example.com. A '["198.51.100.7"]'
run_agent monitor "${MON[@]}"; expect "monitor when the record moved" 1 "198.51.100.7"
[[ "$REASON" == *192.0.2.10* ]] && ok "reason names both values" || not_ok "reason: $REASON"
set_record www.example.com. A '[]'
run_agent monitor "${MON[@]}"; expect "monitor when the record is gone" 1 "gone"
run_agent start; expect "start republishes" 0
[ "$(record_values)" = '["192.0.2.10"]' ] && ok "record republished" || not_ok "$(record)"

# ---- monitor asks DNS first -----------------------------------------------------
reset_stats
run_agent monitor "${MON[@]}"; expect "DNS answers our address: monitor succeeds" 0
[ "$(api_calls)" = 0 ] && ok "DNS confirmed it: no API call" || not_ok "API calls: $(api_calls)"
[ "$(dns_stat udp)" -ge 1 ] && ok "it asked DNS over UDP" || not_ok "DNS: $(dns_stat queries)"
dns_fault '{"kind":"wrong"}'
reset_stats
run_agent monitor "${MON[@]}"; expect "a wrong DNS answer, the API holding ours: the API decides" 0
[ "$(api_calls)" = 1 ] && ok "one API read decided" || not_ok "API calls: $(api_calls)"
dns_fault '{"kind":"servfail"}'
reset_stats
run_agent monitor "${MON[@]}"; expect "DNS SERVFAIL: the API decides" 0
[ "$(api_calls)" = 1 ] && ok "one API read after SERVFAIL" || not_ok "API calls: $(api_calls)"
dns_fault '{"kind":"drop"}'
reset_stats
run_agent monitor "${MON[@]}" OCF_RESKEY_dns_timeout=0.5
expect "DNS silent: the API decides" 0
[ "$(api_calls)" = 1 ] && ok "one API read after DNS silence" || not_ok "API calls: $(api_calls)"
[ "$(echo "$SECS >= 0.5 && $SECS < 0.5 + 10" | bc)" = 1 ] \
    && ok "DNS silence cost dns_timeout (${SECS}s), not more than the API's own bound" \
    || not_ok "monitor with DNS silent took ${SECS}s"
[ "$(dns_stat dropped)" -ge 1 ] && ok "the simulator dropped the query" || not_ok "dropped: $(dns_stat dropped)"
dns_fault '{"kind":"truncate"}'
reset_stats
run_agent monitor "${MON[@]}"; expect "truncated UDP answer: monitor succeeds over TCP" 0
[ "$(api_calls)" = 0 ] && ok "TCP answer confirmed it: no API call" || not_ok "API calls: $(api_calls)"
[ "$(dns_stat tcp)" -ge 1 ] && [ "$(dns_stat truncated)" -ge 1 ] && ok "UDP was truncated, TCP asked" \
    || not_ok "udp $(dns_stat udp) tcp $(dns_stat tcp) truncated $(dns_stat truncated)"
dns_fault null
sim_ctl POST /_sim/config '{"down":"503"}' >/dev/null
reset_stats
run_agent monitor "${MON[@]}"; expect "Route 53 API down, DNS answers ours: running" 0
[ "$(api_calls)" = 0 ] && ok "an API brownout costs a DNS-confirmed monitor nothing" \
    || not_ok "API calls: $(api_calls)"
sim_ctl POST /_sim/config '{"down":null}' >/dev/null

# ---- OCF_CHECK_LEVEL=10: the API and every name server -------------------------
BOTH=(OCF_RESKEY_dns_servers="127.0.0.1:$SIM_DNS_PORT,127.0.0.2:$SIM_DNS_PORT")
reset_stats
run_agent monitor "${MON[@]}" "${BOTH[@]}" OCF_CHECK_LEVEL=10; expect "level 10: API and both servers agree" 0
[ "$(api_calls)" = 1 ] && ok "level 10 reads the API even when DNS agrees" || not_ok "API calls: $(api_calls)"
[ "$(dns_stat queries)" = 2 ] && ok "level 10 asked both name servers" || not_ok "DNS: $(dns_stat queries)"
run_agent monitor "${MON[@]}" "${BOTH[@]}" OCF_RESKEY_OCF_CHECK_LEVEL=10
expect "level 10 from an older Pacemaker (OCF_RESKEY_OCF_CHECK_LEVEL)" 0
sim_ctl POST /_sim/config '{"dns_down":{"kind":"wrong","server":"127.0.0.2"}}' >/dev/null
run_agent monitor "${MON[@]}" "${BOTH[@]}" OCF_CHECK_LEVEL=10
expect "level 10: a name server serving another address is degraded" 190 "127.0.0.2:$SIM_DNS_PORT answers 192.0.2.254"
run_agent monitor "${MON[@]}" "${BOTH[@]}"
expect "level 0 with that server second: the first answers ours" 0
run_agent monitor "${MON[@]}" "${BOTH[@]}" OCF_RESKEY_OCF_CHECK_LEVEL=10 OCF_CHECK_LEVEL=0
expect "OCF_CHECK_LEVEL wins over the older parameter form" 0
dns_fault null
set_record www.example.com. A '["198.51.100.8"]'
run_agent monitor "${MON[@]}" "${BOTH[@]}" OCF_CHECK_LEVEL=10
expect "level 10: the API holding another address fails" 1 "198.51.100.8"
run_agent start; expect "start republishes" 0

# ---- Route 53 unreadable (monitor_method=api) ------------------------------------
sim_ctl POST /_sim/config '{"down":"503"}' >/dev/null
reset_stats
run_agent monitor "${MON[@]}" "${API[@]}" OCF_RESKEY_monitor_retries=2 OCF_RESKEY_monitor_retry_interval=0.1
expect "monitor with Route 53 down is degraded" 190 "gave up after 3 tries"
[ "$(api_calls)" = 3 ] && ok "monitor read 1 + 2 retries" || not_ok "reads: $(api_calls)"
run_agent monitor "${MON[@]}" "${API[@]}" OCF_RESKEY_monitor_retries=0 OCF_RESKEY_monitor_api_failure=fail
expect "monitor_api_failure=fail turns degraded into failure" 1 "ServiceUnavailable"
dns_fault '{"kind":"drop"}'
run_agent monitor "${MON[@]}" OCF_RESKEY_monitor_retries=0 OCF_RESKEY_dns_timeout=0.2
expect "DNS silent and Route 53 down: degraded" 190 "ServiceUnavailable"
dns_fault null
sim_ctl POST /_sim/config '{"down":"reset"}' >/dev/null
run_agent monitor "${MON[@]}" "${API[@]}" OCF_RESKEY_monitor_retries=1 OCF_RESKEY_monitor_retry_interval=0
expect "monitor with connections reset is degraded" 190
# A short start timeout: the retries end at the deadline, whatever its length.
# No name server answers, so the data plane cannot confirm the start
# (control-plane.sh has the starts it confirms).
NO_DNS=(OCF_RESKEY_dns_servers=127.0.0.1:1 OCF_RESKEY_dns_timeout=0.2)
run_agent start OCF_RESKEY_CRM_meta_timeout=8000 "${NO_DNS[@]}"; expect "start with Route 53 down fails" 1
sim_ctl POST /_sim/config '{"down":null}' >/dev/null
run_agent monitor "${MON[@]}"; expect "monitor recovers by itself" 0

# ---- stop keeps, stop deletes -----------------------------------------------
run_agent stop; expect "stop" 0
[ ! -e "$RUN/route53-dns.state" ] && ok "stop removed the state file" || not_ok "state left"
[ "$(record_values)" = '["192.0.2.10"]' ] && ok "stop_action=keep keeps the record" || not_ok "$(record)"
run_agent monitor; expect "probe after stop is not running" 7
run_agent monitor "${MON[@]}"; expect "monitor after stop is not running" 7
run_agent stop; expect "second stop is a success" 0

run_agent start; expect "start (for delete)" 0
run_agent stop OCF_RESKEY_stop_action=delete; expect "stop with delete" 0
record >/dev/null 2>&1 && not_ok "record still there after delete" || ok "stop_action=delete deleted it"
run_agent start; expect "start (for guarded delete)" 0
set_record www.example.com. A '["198.51.100.9"]'
run_agent stop OCF_RESKEY_stop_action=delete; expect "stop with delete of a moved record" 0
[ "$(record_values)" = '["198.51.100.9"]' ] && ok "a record that moved on is left alone" \
    || not_ok "$(record)"
run_agent start; expect "start" 0
sim_ctl POST /_sim/config '{"down":"503"}' >/dev/null
run_agent stop OCF_RESKEY_stop_action=delete OCF_RESKEY_CRM_meta_timeout=5000
expect "stop with delete while Route 53 is down still succeeds" 0
sim_ctl POST /_sim/config '{"down":null}' >/dev/null

# ---- addresses: IPv6, instance metadata, IP resource, interface -------------
run_agent start OCF_RESKEY_ip=2001:DB8::0:10; expect "start with IPv6" 0
[ "$(record_values www.example.com. AAAA)" = '["2001:db8::10"]' ] && ok "AAAA record published" \
    || not_ok "$(record www.example.com. AAAA)"
run_agent monitor "${MON[@]}" OCF_RESKEY_ip=2001:db8::10; expect "IPv6 monitor, any spelling" 0
run_agent stop OCF_RESKEY_ip=2001:db8::10; expect "stop" 0

sim_ctl POST /_sim/config '{"local_ipv4":"10.1.2.3","public_ipv4":"203.0.113.5","role":"ha-dns"}' >/dev/null
imds_env=(OCF_RESKEY_imds_endpoint="$SIM_IMDS_URL" AWS_EC2_METADATA_DISABLED=false
          AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY=)
reset_stats
run_agent start OCF_RESKEY_ip=local "${imds_env[@]}"
expect "ip=local with instance-role credentials over IMDSv2" 0
[ "$(record_values)" = '["10.1.2.3"]' ] && ok "record holds the instance's local IPv4" \
    || not_ok "$(record)"
[ "$(op_calls imds)" -ge 3 ] && ok "IMDS answered token, role and address" || not_ok "imds: $(op_calls imds)"
run_agent monitor "${MON[@]}" OCF_RESKEY_ip=local "${imds_env[@]}"; expect "monitor ip=local" 0
run_agent start OCF_RESKEY_ip=public "${imds_env[@]}"; expect "ip=public" 0
[ "$(record_values)" = '["203.0.113.5"]' ] && ok "record holds the public IPv4" || not_ok "$(record)"
run_agent stop; expect "stop" 0
# A named profile without keys (aws-vpc-route53's "cluster", region and
# output only) falls back to the instance role, as the AWS CLI does.
printf '[profile cluster]\nregion = us-east-1\noutput = text\n' >"$TEST_TMP/config-nokeys"
run_agent start OCF_RESKEY_profile=cluster AWS_CONFIG_FILE="$TEST_TMP/config-nokeys" "${imds_env[@]}"
expect "a named profile without keys falls back to the instance role" 0
run_agent start OCF_RESKEY_profile=cluster AWS_CONFIG_FILE="$TEST_TMP/config-nokeys" \
    AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY=
expect "a named profile without keys, no instance metadata" 5 "profile 'cluster' has no keys"
run_agent stop; expect "stop" 0

# ---- aws-vpc-route53's parameters, as that agent's users have them --------------
ZONE_BARE=${ZONE#/hostedzone/}
peer=(OCF_RESKEY_hostname= OCF_RESKEY_zone= OCF_RESKEY_ip= OCF_RESKEY_fullname=peer.example.com.
      OCF_RESKEY_hostedzoneid="$ZONE_BARE" OCF_RESKEY_awscli=/usr/bin/aws OCF_RESKEY_curl_retries=3
      OCF_RESKEY_profile=cluster AWS_CONFIG_FILE="$TEST_TMP/config-nokeys" "${imds_env[@]}")
run_agent start "${peer[@]}"
expect "start with aws-vpc-route53's names (fullname, hostedzoneid, no ip: local)" 0
[ "$(record_values peer.example.com.)" = '["10.1.2.3"]' ] \
    && ok "peer-named resource: the record holds the instance's local IPv4, as aws-vpc-route53's default" \
    || not_ok "peer-named resource record" "$(record peer.example.com.)"
for line in "fullname is deprecated: use hostname" "hostedzoneid is deprecated: use zone_id" \
    "awscli (aws-vpc-route53's parameter) is ignored" "curl_retries (aws-vpc-route53's parameter) is ignored" \
    "no ip, ip_resource or interface: ip=local"; do
    [ "$(grep -cF "$line" <<<"$OUT")" = 1 ] && ok "one log line: $line" || not_ok "one log line: $line" "$OUT"
done
run_agent monitor "${MON[@]}" "${peer[@]}"; expect "monitor with aws-vpc-route53's names" 0
run_agent validate-all "${peer[@]}" OCF_RESKEY_hostname=other; expect "hostname and fullname disagree" 6 \
    "deprecated alias fullname='peer.example.com.' disagree"
run_agent stop "${peer[@]}"; expect "stop" 0

# ---- reload-agent: the new values checked, nothing asked ---------------------------
reset_stats
run_agent reload-agent OCF_RESKEY_ttl=60; expect "reload-agent with a new ttl" 0
same_n() { [ "$2" = "$3" ] && ok "$1" || not_ok "$1" "expected $2, got $3"; }
same_n "reload-agent makes no API call" 0 "$(api_calls)"
run_agent reload-agent OCF_RESKEY_ttl=-1; expect "reload-agent with a bad ttl" 6 "ttl='-1' is not a whole number"
run_agent reload-agent OCF_RESKEY_interface=nosuch0 OCF_RESKEY_ip=; expect "reload-agent: host check" 2 "nosuch0"
same_n "still no API call" 0 "$(api_calls)"

if command -v crm_resource >/dev/null || [ -x /usr/sbin/crm_resource ]; then
    cat >"$TEST_TMP/cib.xml" <<'EOF'
<cib crm_feature_set="3.16.2" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config/><nodes/><resources>
    <primitive id="vip" class="ocf" provider="heartbeat" type="IPaddr2">
      <instance_attributes id="vip-ia"><nvpair id="vip-ip" name="ip" value="192.0.2.77"/></instance_attributes>
    </primitive>
  </resources><constraints/></configuration><status/>
</cib>
EOF
    rsc_env=(OCF_RESKEY_ip= OCF_RESKEY_ip_resource=vip CIB_file="$TEST_TMP/cib.xml")
    run_agent validate-all "${rsc_env[@]}"; expect "validate-all with ip_resource" 0
    run_agent start "${rsc_env[@]}"; expect "start with ip_resource" 0
    [ "$(record_values)" = '["192.0.2.77"]' ] && ok "record holds the IP resource's ip" \
        || not_ok "$(record)"
    run_agent monitor "${MON[@]}" "${rsc_env[@]}"; expect "monitor with ip_resource" 0
    run_agent start OCF_RESKEY_ip= OCF_RESKEY_ip_resource=novip CIB_file="$TEST_TMP/cib.xml"
    expect "ip_resource naming no resource" 6 "novip"
    run_agent stop; expect "stop" 0
    # crm_resource hidden (in a private mount namespace) -> not installed.
    crm=$(command -v crm_resource || echo /usr/sbin/crm_resource)
    if unshare --mount --propagation private true 2>/dev/null; then
        OUT=$(unshare --mount --propagation private sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' \
              sh "$crm" env -i "${base_env[@]}" "${rsc_env[@]}" ${AGENT_WRAP[@]+"${AGENT_WRAP[@]}"} "$AGENT" validate-all 2>&1)
        RC=$?
        REASON=$(printf '%s\n' "$OUT" | sed -n 's/^ocf-exit-reason://p')
        expect "ip_resource without crm_resource" 5 "crm_resource"
    else
        echo "SKIP: cannot unshare a mount namespace here; missing crm_resource not tested" >&2
    fi
else
    echo "SKIP: crm_resource not installed; ip_resource cases not run" >&2
fi

run_agent start OCF_RESKEY_ip= OCF_RESKEY_interface=lo; expect "start with interface=lo" 0
[ "$(record_values)" = '["127.0.0.1"]' ] && ok "record holds lo's address" || not_ok "$(record)"
run_agent stop; expect "stop" 0

# ---- zones and names ----------------------------------------------------------
run_agent start OCF_RESKEY_zone= OCF_RESKEY_zone_id="/hostedzone/$ZONE" OCF_RESKEY_hostname=app
expect "zone_id with /hostedzone/ and a single label" 0
[ "$(record_values app.example.com.)" = '["192.0.2.10"]' ] && ok "app.example.com. published" \
    || not_ok "$(record app.example.com.)"
run_agent stop; expect "stop" 0
run_agent start OCF_RESKEY_hostname=db.Example.COM.; expect "FQDN hostname, any case" 0
[ "$(record_values db.example.com.)" = '["192.0.2.10"]' ] && ok "db.example.com. published" \
    || not_ok "$(record db.example.com.)"
run_agent stop; expect "stop" 0
run_agent start OCF_RESKEY_hostname=www.example.org; expect "hostname outside the zone" 6 "not inside zone"
run_agent start OCF_RESKEY_zone=nowhere.example; expect "unknown zone" 6 "nowhere.example"
run_agent validate-all OCF_CHECK_LEVEL=10 OCF_RESKEY_zone=nowhere.example
expect "validate-all level 10 finds the unknown zone" 6 "nowhere.example"
run_agent validate-all OCF_CHECK_LEVEL=10; expect "validate-all level 10 with good credentials" 0
run_agent start OCF_RESKEY_zone= OCF_RESKEY_zone_id=ZNOSUCHZONE; expect "unknown zone id" 6 "NoSuchHostedZone"
sim_ctl POST /_sim/zone '{"name":"twin.example","private":false}' >/dev/null
sim_ctl POST /_sim/zone '{"name":"twin.example","private":true}' >/dev/null
run_agent start OCF_RESKEY_zone=twin.example; expect "public and private zone of one name" 6 "zone_id"

# ---- waiting for INSYNC, within limits ------------------------------------------
sim_ctl POST /_sim/config '{"pending_seconds":30}' >/dev/null
reset_stats
run_agent start OCF_RESKEY_wait_insync=false; expect "wait_insync=false returns at once" 0
[ "$(op_calls GetChange)" = 0 ] && ok "no GetChange with wait_insync=false" || not_ok "polled"
[ "$(echo "$SECS < 5 * $TIME_FACTOR" | bc)" = 1 ] && ok "returned in ${SECS}s" || not_ok "took ${SECS}s"
run_agent start OCF_RESKEY_change_try_count=2
expect "still PENDING after change_try_count polls" 1 "raise change_try_count"
budget=$((3 * TIME_FACTOR))
overhead=0
if [ "${#AGENT_WRAP[@]}" -gt 0 ]; then
    # A wrapper's own start and exit (valgrind: loading, the leak check)
    # happen outside the agent's clock: measure them on a run that fails at
    # once, and allow them (printed) on top of the budget.
    run_agent validate-all OCF_RESKEY_hostname=
    overhead=$SECS
    echo "# wrapper start+exit cost, measured: ${overhead}s"
fi
# Enough polls that the timeout, not change_try_count, is what ends it.
run_agent start OCF_RESKEY_CRM_meta_timeout=$((budget * 1000)) OCF_RESKEY_change_try_count=1000
expect "start gives up before its timeout" 1 "timeout"
[ "$(echo "$SECS < $budget + $overhead" | bc)" = 1 ] \
    && ok "start ended inside its $budget s timeout (${SECS}s, wrapper allowance ${overhead}s)" \
    || not_ok "start overran its $budget s timeout (${SECS}s, wrapper allowance ${overhead}s)"
sim_ctl POST /_sim/config '{"pending_seconds":0}' >/dev/null
run_agent stop; expect "stop" 0

# ---- bad parameters ------------------------------------------------------------
run_agent validate-all OCF_RESKEY_hostname=; expect "missing hostname" 6 "hostname"
run_agent validate-all OCF_RESKEY_ip=192.0.2.300; expect "malformed ip" 6 "192.0.2.300"
run_agent validate-all OCF_RESKEY_ttl=10s; expect "non-numeric ttl" 6 "ttl"
run_agent validate-all OCF_RESKEY_interface=eth0; expect "two IP sources" 6 "exactly one of ip"
run_agent validate-all OCF_RESKEY_ip= OCF_RESKEY_interface=nosuch0; expect "missing interface" 2 "nosuch0"
run_agent validate-all OCF_RESKEY_endpoint=http://127.0.0.1:1; expect "plain http endpoint" 6 "https"
run_agent start OCF_RESKEY_hostname=; expect "start with bad parameters" 6 "hostname"
run_agent monitor OCF_RESKEY_hostname=; expect "probe never answers 6" 7

# ---- credentials and TLS --------------------------------------------------------
run_agent start AWS_SECRET_ACCESS_KEY=wrongwrongwrong; expect "wrong secret key" 4 "SignatureDoesNotMatch"
run_agent start AWS_ACCESS_KEY_ID=AKIDUNKNOWN; expect "unknown access key" 4 "InvalidClientTokenId"
run_agent start AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY=; expect "no credentials anywhere" 5 "no credentials"
printf '[ha]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$SIM_AKID" "$SIM_SECRET" \
    >"$TEST_TMP/credentials"
chmod 600 "$TEST_TMP/credentials"
run_agent start AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY= OCF_RESKEY_profile=ha \
    AWS_SHARED_CREDENTIALS_FILE="$TEST_TMP/credentials"
expect "credentials from a profile in the shared credentials file" 0
[[ "$OUT" != *"chmod 600"* ]] && ok "a mode 600 credentials file gets no warning" \
    || not_ok "warning for a private credentials file" "$OUT"
chmod 640 "$TEST_TMP/credentials"
run_agent monitor "${MON[@]}" "${API[@]}" AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY= OCF_RESKEY_profile=ha \
    AWS_SHARED_CREDENTIALS_FILE="$TEST_TMP/credentials"
expect "a group-readable credentials file still works" 0
[[ "$OUT" == *"readable by its group (mode 0640); chmod 600"* ]] \
    && ok "a group-readable credentials file gets a warning" || not_ok "no warning for mode 640" "$OUT"
run_agent stop; expect "stop" 0
make_ca "$TEST_TMP/otherca" || fail "make_ca"
run_agent start OCF_RESKEY_ca_bundle="$TEST_TMP/otherca/ca.pem"; expect "wrong CA is refused" 1 "certificate"
run_agent start OCF_RESKEY_ca_bundle=; expect "system store does not trust the test CA" 1 "certificate"

# ---- proxy -----------------------------------------------------------------------
"$PYTHON3" "$LIB_DIR/sim/proxy.py" --ready-file "$TEST_TMP/proxy.json" --log "$TEST_TMP/proxy.log" &
PROXY_PID=$!
for _ in $(seq 100); do [ -s "$TEST_TMP/proxy.json" ] && break; sleep 0.1; done
PROXY_URL=http://127.0.0.1:$(sim_json_field "$TEST_TMP/proxy.json" port) || fail "proxy did not start"
run_agent start OCF_RESKEY_proxy="$PROXY_URL"; expect "start through the proxy parameter" 0
grep -q "CONNECT 127.0.0.1:$SIM_PORT" "$TEST_TMP/proxy.log" && ok "requests went through the proxy" \
    || not_ok "the proxy saw no tunnel"
: >"$TEST_TMP/proxy.log"
run_agent monitor "${MON[@]}" https_proxy="$PROXY_URL" HTTPS_PROXY="$PROXY_URL" ALL_PROXY="$PROXY_URL"
expect "monitor with proxy variables in the environment" 0
[ ! -s "$TEST_TMP/proxy.log" ] && ok "environment proxies are ignored" || not_ok "went through an env proxy"
run_agent start OCF_RESKEY_proxy=http://127.0.0.1:1 OCF_RESKEY_CRM_meta_timeout=8000 "${NO_DNS[@]}"
expect "unreachable proxy" 1 "cannot reach"
kill "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null
run_agent stop; expect "stop" 0

# ---- no secret in any output, even at debug level --------------------------------
run_agent start HA_debug=1; expect "start at debug level" 0
run_agent monitor "${MON[@]}" HA_debug=1; expect "monitor at debug level" 0
run_agent start HA_debug=1 OCF_RESKEY_ip=local "${imds_env[@]}"; expect "start with role credentials at debug level" 0
run_agent stop HA_debug=1 OCF_RESKEY_stop_action=delete; expect "stop at debug level" 0
issued=$(sim_ctl GET /_sim/issued | "$PYTHON3" -c '
import json, sys
d = json.load(sys.stdin)
for k in d["secrets"] + d["tokens"]: print(k)')
[ "$(printf '%s\n' "$issued" | grep -c .)" -ge 2 ] && ok "the simulator issued role credentials to check for" \
    || not_ok "no issued credentials to look for"
leaked=0
for s in "$SIM_SECRET" $issued; do
    [ -n "$s" ] && grep -qF -- "$s" "$ALL_OUTPUT" && leaked=1
done
grep -qi "Signature=" "$ALL_OUTPUT" && leaked=1
[ "$leaked" = 0 ] && ok "no secret key, token or signature in $(wc -l <"$ALL_OUTPUT") lines of output" \
    || not_ok "a secret appeared in the agent's output"
grep -q ": debug: " "$ALL_OUTPUT" && ok "HA_debug=1 adds debug lines" || not_ok "no debug output"

finish
