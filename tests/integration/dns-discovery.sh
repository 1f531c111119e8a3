#!/usr/bin/env bash
# The DNS-first monitor with no dns_servers, as on AWS: start learns the
# zone's name servers from GetHostedZone, resolves them through this node's
# resolvers and keeps their addresses in the state file; a monitor then
# asks them with no API call and no resolver; a monitor that finds none
# kept learns them from the node's zone cache.  A private zone's monitor
# asks the resolvers of /etc/resolv.conf.  Name servers listen on port 53,
# so this runs in a private network and mount namespace (root), where the
# simulator is the name servers (127.0.0.1, 127.0.0.2) and the resolver
# (/etc/resolv.conf, bind-mounted there only, says 127.0.0.1).
set -u
if [ -z "${R53_IN_NETNS:-}" ]; then
    if [ "$(id -u)" != 0 ] || ! unshare --net --mount true 2>/dev/null; then
        echo "SKIP: dns-discovery.sh needs root and network namespaces (unshare --net --mount)" >&2
        exit 77
    fi
    exec unshare --net --mount --propagation private env R53_IN_NETNS=1 bash "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"

: "${AGENT:?AGENT must name the built agent}"
ip link set lo up || fail "cannot bring up lo in the test namespace"
printf 'nameserver 127.0.0.1\n' >"$TEST_TMP/resolv.conf"
mount --bind "$TEST_TMP/resolv.conf" /etc/resolv.conf || fail "cannot bind-mount resolv.conf"

sim_start "$TEST_TMP/sim" --pending-seconds 0.2 --dns-port 53 --dns-host 127.0.0.1 --dns-host 127.0.0.2
[ "$SIM_DNS_PORT" = 53 ] || fail "the simulator's DNS is not on port 53 ($SIM_DNS_PORT)"
PUB=$(sim_ctl POST /_sim/zone '{"name":"example.com"}' | sim_json_field - id) || fail "zone"
PRIV=$(sim_ctl POST /_sim/zone '{"name":"corp.internal","private":true}' | sim_json_field - id) \
    || fail "private zone"
PRIV=${PRIV#/hostedzone/}

RUN=$TEST_TMP/run
base_env=(
    OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=dns HA_RSCTMP="$RUN" HA_debug=1
    OCF_RESKEY_hostname=www OCF_RESKEY_zone=example.com OCF_RESKEY_ip=192.0.2.10
    OCF_RESKEY_endpoint="$SIM_URL" OCF_RESKEY_ca_bundle="$SIM_CA" OCF_RESKEY_owner=test-cluster
    AWS_ACCESS_KEY_ID="$SIM_AKID" AWS_SECRET_ACCESS_KEY="$SIM_SECRET"
    AWS_EC2_METADATA_DISABLED=true HOME="$TEST_TMP" PATH="$PATH"
    AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_CONFIG_FILE=/nonexistent
    ${AGENT_ENV[@]+"${AGENT_ENV[@]}"}
)
MON=(OCF_RESKEY_CRM_meta_interval=10000)
stat() { sim_ctl GET /_sim/stats | "$PYTHON3" -c "import json,sys; print(eval(sys.argv[1], {'s': json.load(sys.stdin)}))" "$1"; }
api_calls() { stat 'sum(n for op, n in s["requests"].items() if op != "imds")'; }
reset_stats() { sim_ctl POST /_sim/reset-stats >/dev/null; }

# ---- a public zone: its own name servers -------------------------------------------
reset_stats
run_agent start; expect "start with no dns_servers" 0
[ "$(stat 's["requests"].get("GetHostedZone", 0)')" = 1 ] \
    && ok "start read the delegation set (one GetHostedZone)" || not_ok "$(stat 's["requests"]')"
STATE=$(cat "$RUN/route53-dns.state")
[[ "$STATE" == *"name_servers=127.0.0.1:53,127.0.0.2:53"* ]] \
    && ok "the name servers' addresses are kept in the state file" || not_ok "state" "$STATE"
# From here on the resolver must not be needed: make it refuse everything.
printf 'nameserver 127.0.0.9\n' >"$TEST_TMP/resolv.conf"
reset_stats
run_agent monitor "${MON[@]}"; expect "monitor asks the learnt name servers" 0
[ "$(api_calls)" = 0 ] && ok "no API call" || not_ok "API calls: $(api_calls)"
[ "$(stat 's["dns"]["by_server"].get("127.0.0.1", 0)')" -ge 1 ] \
    && ok "the first name server (127.0.0.1) answered it" || not_ok "DNS: $(stat 's["dns"]')"
sim_ctl POST /_sim/config '{"dns_down":{"kind":"drop","server":"127.0.0.1"}}' >/dev/null
reset_stats
run_agent monitor "${MON[@]}"; expect "first name server silent: the next one answers" 0
[ "$(api_calls)" = 0 ] && [ "$(stat 's["dns"]["by_server"].get("127.0.0.2", 0)')" -ge 1 ] \
    && ok "127.0.0.2 answered, no API call" || not_ok "API $(api_calls), DNS $(stat 's["dns"]')"
sim_ctl POST /_sim/config '{"dns_down":null}' >/dev/null
run_agent stop; expect "stop" 0

# A state file without name servers (an older agent's): the monitor
# learns them from this node's zone cache, with no API call, and keeps them.
printf 'nameserver 127.0.0.1\n' >"$TEST_TMP/resolv.conf"
run_agent start; expect "start again" 0
sed -i 's/^name_servers=.*/name_servers=/' "$RUN/route53-dns.state"
reset_stats
run_agent monitor "${MON[@]}"; expect "no name servers kept: the monitor learns them" 0
[ "$(api_calls)" = 0 ] && ok "no API call" || not_ok "API calls: $(api_calls)"
grep -q '^name_servers=127.0.0.1:53,127.0.0.2:53$' "$RUN/route53-dns.state" \
    && ok "the learnt name servers are kept in the state file" \
    || not_ok "state" "$(cat "$RUN/route53-dns.state")"
run_agent stop; expect "stop" 0
# The resolver cannot resolve the name servers at start: noted; monitors
# read the API while it stays down, and learn the name servers once it is
# back, for good.
printf 'nameserver 127.0.0.9\n' >"$TEST_TMP/resolv.conf"
reset_stats
run_agent start; expect "start while the resolver is down" 0
grep -q '^name_servers=$' "$RUN/route53-dns.state" && ok "no name server kept" \
    || not_ok "state" "$(cat "$RUN/route53-dns.state")"
[[ "$OUT" == *"monitor will read the API"* ]] && ok "start says monitor will read the API" \
    || not_ok "no warning" "$OUT"
reset_stats
run_agent monitor "${MON[@]}"; expect "resolver still down: monitor reads the API" 0
[ "$(api_calls)" = 1 ] && ok "one API read" || not_ok "API calls: $(api_calls)"
printf 'nameserver 127.0.0.1\n' >"$TEST_TMP/resolv.conf"
reset_stats
run_agent monitor "${MON[@]}"; expect "resolver back: monitor learns the name servers" 0
[ "$(api_calls)" = 0 ] && ok "no API call" || not_ok "API calls: $(api_calls)"
printf 'nameserver 127.0.0.9\n' >"$TEST_TMP/resolv.conf"
reset_stats
run_agent monitor "${MON[@]}"; expect "and keeps them: the resolver is not needed again" 0
[ "$(api_calls)" = 0 ] && ok "no API call" || not_ok "API calls: $(api_calls)"
run_agent stop; expect "stop" 0
printf 'nameserver 127.0.0.1\n' >"$TEST_TMP/resolv.conf"

# ---- a private zone: this node's resolvers ---------------------------------------------
sim_ctl POST /_sim/config '{"dns_view":"vpc"}' >/dev/null
P=(OCF_RESKEY_zone= OCF_RESKEY_zone_id="$PRIV" OCF_RESKEY_hostname=db)
reset_stats
run_agent start "${P[@]}"; expect "start in a private zone" 0
[ "$(stat 's["requests"].get("GetHostedZone", 0)')" = 1 ] \
    && ok "zone_id: the one GetHostedZone serves both" || not_ok "$(stat 's["requests"]')"
grep -q '^private=1$' "$RUN/route53-dns.state" && ok "the state notes a private zone" \
    || not_ok "state" "$(cat "$RUN/route53-dns.state")"
reset_stats
run_agent monitor "${MON[@]}" "${P[@]}"; expect "private zone: the resolver answers ours" 0
[ "$(api_calls)" = 0 ] && [ "$(stat 's["dns"]["by_server"].get("127.0.0.1", 0)')" -ge 1 ] \
    && ok "asked resolv.conf's 127.0.0.1, no API call" || not_ok "API $(api_calls), DNS $(stat 's["dns"]')"
run_agent stop "${P[@]}"; expect "stop" 0
finish
