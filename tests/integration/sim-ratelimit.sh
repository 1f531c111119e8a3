#!/bin/bash
# The simulator's account rate limit (a token bucket, Route 53's own
# Throttling error), checked with the real AWS CLI as the client: the CLI
# must read the refusal as Route 53's Throttling, and the simulator must
# count exactly the requests it refused.
#
# Exit 0 pass, 1 fail, 77 skip.  Every wait is bounded; runs in ~15 s.

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

require_aws_cli

aws_cli_clean_env   # AWS_MAX_ATTEMPTS=1: every Throttling is seen here

sim_start "$TEST_TMP/sim"
sim_ctl POST /_sim/zone '{"name": "example.com", "id": "ZRATE"}' >/dev/null || fail "zone"

# list_zones: one signed Route 53 request with the test key; prints the
# CLI's output, fails as the CLI does.
list_zones()
{
    AWS_ACCESS_KEY_ID="$SIM_AKID" AWS_SECRET_ACCESS_KEY="$SIM_SECRET" \
        timeout 30 "$AWS" --endpoint-url "$SIM_URL" --ca-bundle "$SIM_CA" \
        route53 list-hosted-zones-by-name --output text 2>&1
}

# burst N: N requests; sets PASSED and THROTTLED (and OTHER for anything else).
burst()
{
    local i out
    PASSED=0 THROTTLED=0 OTHER=""
    for i in $(seq "$1"); do
        if out=$(list_zones); then
            PASSED=$((PASSED + 1))
        elif grep -qF "An error occurred (Throttling)" <<<"$out" \
            && grep -qF "Rate exceeded" <<<"$out"; then
            THROTTLED=$((THROTTLED + 1))
        else
            OTHER="$OTHER$out"$'\n'
        fi
    done
}

throttled_stat() { sim_ctl GET /_sim/stats | sim_json_field - throttled; }

# ---- off by default -----------------------------------------------------------
burst 3
[ "$PASSED" = 3 ] && ok "no rate limit by default: 3 of 3 pass" \
    || not_ok "without a limit: $PASSED passed, $THROTTLED throttled" "$OTHER"

# ---- a bucket of 3 that barely refills: exactly 3 pass ------------------------
sim_ctl POST /_sim/reset-stats >/dev/null
sim_ctl POST /_sim/config '{"rate_limit": 0.001, "burst": 3}' >/dev/null || fail "config"
burst 7
[ "$PASSED/$THROTTLED" = 3/4 ] && ok "burst 3: 3 of 7 pass, 4 get Throttling 'Rate exceeded'" \
    || not_ok "burst 3: $PASSED passed, $THROTTLED throttled (want 3/4)" "$OTHER"
[ "$(throttled_stat)" = 4 ] && ok "stats count the 4 throttled requests" \
    || not_ok "stats throttled: $(throttled_stat)"
check "throttled requests are not executed nor logged as faults of another kind" \
    test "$(sim_ctl GET /_sim/stats | "$PYTHON3" -c '
import json, sys
log = json.load(sys.stdin)["log"]
print(sum(1 for e in log if e["fault"] == "rate_limit" and e["status"] == 400))')" = 4
check "GET /_sim/config shows the limit" \
    test "$(sim_ctl GET /_sim/config | sim_json_field - burst)" = 3.0

# ---- Route 53's real limit, 5/s, against 20 requests in a row ----------------
# curl, one process, one connection: far quicker than 5/s.  The bucket
# comes before the signature check, so a request let through is refused
# as unsigned (403) and one over the limit gets Throttling (400).
sim_ctl POST /_sim/reset-stats >/dev/null
sim_ctl POST /_sim/config '{"rate_limit": 5, "burst": 5}' >/dev/null || fail "config"
t0=$(date +%s.%N)
codes=$(curl -sS --max-time 30 --cacert "$SIM_CA" -w '%{http_code}\n' \
    -o "$TEST_TMP/body#1" "$SIM_URL/2013-04-01/hostedzonesbyname?n=[1-20]")
elapsed=$(echo "$(date +%s.%N) - $t0" | bc)
p=$(grep -c '^403$' <<<"$codes")
t=$(grep -c '^400$' <<<"$codes")
[ "$((p + t))" = 20 ] && ok "20 requests in a row: each let through or throttled ($p/$t)" \
    || not_ok "20 requests: $p let through, $t throttled" "$codes"
# However slow this machine: the burst, plus 5 per second elapsed, no more.
most=$(echo "5 + 5 * $elapsed + 1" | bc | cut -d. -f1)
[ "$p" -ge 5 ] && [ "$p" -le "$most" ] && ok "5 + 5/s let through ($p in ${elapsed}s)" \
    || not_ok "let through $p in ${elapsed}s (want 5..$most)"
[ "$(throttled_stat)" = "$t" ] && ok "stats agree with the client ($t throttled)" \
    || not_ok "stats throttled $(throttled_stat), client saw $t"
if [ "$t" -gt 0 ]; then
    throttled_body=$(grep -l '<Code>Throttling</Code>' "$TEST_TMP"/body* | head -n 1)
    grep -q '<Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>' \
        "${throttled_body:-/dev/null}" && ok "the answer is Route 53's ErrorResponse" \
        || not_ok "no throttled body has Route 53's ErrorResponse"
fi

# ---- off again ----------------------------------------------------------------
sim_ctl POST /_sim/config '{"rate_limit": null}' >/dev/null || fail "config"
burst 3
[ "$PASSED" = 3 ] && ok "rate_limit null turns it off" \
    || not_ok "after turning off: $PASSED passed" "$OTHER"
if sim_ctl POST /_sim/config '{"rate_limit": 5, "burst": 0}' >/dev/null; then
    not_ok "burst 0 refused"
else
    ok "burst 0 refused"
fi

finish
