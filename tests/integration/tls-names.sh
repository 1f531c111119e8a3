#!/usr/bin/env bash
# The agent's own HTTPS (src/http_tls.c) checks the name it was given
# against the server's certificate: a host name against the certificate's
# DNS names (mbedTLS), an address against its IP addresses (mbedTLS 2.28
# does not, so http_tls.c does).  Two simulators, each with a certificate
# for one of the two ways to write the endpoint; each way must work
# against its own certificate and be refused, before anything is
# written, against the other.  (A CA the agent does not trust: agent.sh
# and faults.sh.)
set -u
. "$(dirname "$0")/../lib.sh"

: "${AGENT:?AGENT must name the built agent}"
[ -x "$AGENT" ] || fail "agent $AGENT not built"
getent hosts localhost >/dev/null || skip_test "localhost does not resolve on this machine"

# changes: ChangeResourceRecordSets the simulator answered since its last reset.
changes() { sim_requests ChangeResourceRecordSets; }

# one_server SAN HOST: the simulator on HOST with a certificate for SAN
# alone (the tests' own calls of it go to HOST too).
one_server()
{
    sim_stop
    rm -rf "$TEST_TMP/sim"
    MAKE_CA_SAN=$1 make_ca "$TEST_TMP/sim" || fail "make_ca $1"
    SIM_HOST=$2 www_start
    www_set A '["192.0.2.99"]'
}

# names SAN HOST GOOD BAD REASON: against a certificate for SAN alone
# (the simulator on HOST), endpoint https://GOOD starts and writes, and
# https://BAD is refused with REASON in its reason, nothing written.
names()
{
    local san=$1 host=$2 good=$3 bad=$4 reason=$5
    one_server "$san" "$host"
    run_agent start OCF_RESKEY_endpoint="https://$good:$SIM_PORT"
    expect "certificate for $san, endpoint https://$good: start" 0
    [ "$(www_values A)" = '["192.0.2.10"]' ] && ok "the record was written" || not_ok "record: $(www_values A)"
    run_agent stop; www_set A '["192.0.2.99"]'; sim_ctl POST /_sim/reset-stats >/dev/null
    run_agent start OCF_RESKEY_endpoint="https://$bad:$SIM_PORT"
    expect "certificate for $san, endpoint https://$bad: refused" 1 "$reason"
    [[ "$REASON" == *"certificate"*"not trusted"* ]] && ok "the reason: the certificate is not trusted" \
        || not_ok "reason: $REASON"
    [ "$(changes)" = 0 ] && [ "$(www_values A)" = '["192.0.2.99"]' ] && ok "nothing was written" \
        || not_ok "$(changes) changes, record $(www_values A)"
}

names DNS:localhost localhost localhost 127.0.0.1 "does not name 127.0.0.1"
names IP:127.0.0.1 127.0.0.1 127.0.0.1 localhost "certificate"

# A CA file with no certificate in it: refused, with the file named.
printf 'not a certificate\n' >"$TEST_TMP/empty-ca.pem"
run_agent start OCF_RESKEY_ca_bundle="$TEST_TMP/empty-ca.pem"
expect "a ca_bundle with no certificate: refused" 1 "no readable certificate"
[[ "$REASON" == *"$TEST_TMP/empty-ca.pem"* ]] && ok "the reason names the file" || not_ok "reason: $REASON"

finish
