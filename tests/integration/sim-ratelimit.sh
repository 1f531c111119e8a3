#!/bin/bash
# The simulator's account rate limit (a token bucket, Route 53's own
# Throttling error), checked with the real AWS CLI as the client: the CLI
# must read the refusal as Route 53's Throttling, and the simulator must
# count exactly the requests it refused.  Then the 2026 quota model
# (account bucket, one bucket per operation, a record-change bucket):
# buckets that barely refill, so exact counts need no clock.
#
# Exit 0 pass, 1 fail, 77 skip.  Every wait is bounded; runs in ~25 s.

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

# ==== the 2026 model ==============================================================

# qstat EXPR: a Python expression over /_sim/stats "quota" (as q).
qstat()
{
    sim_ctl GET /_sim/stats | "$PYTHON3" -c '
import json, sys
q = json.load(sys.stdin)["quota"]
print(eval(sys.argv[1]))' "$1"
}

# curl_burst N PATH: N unsigned requests on one connection; prints
# "let-through throttled" (a request let through is refused as unsigned,
# 403; one over a bucket gets Throttling, 400).
curl_burst()
{
    local codes
    codes=$(curl -sS --max-time 30 --cacert "$SIM_CA" -w '%{http_code}\n' -o /dev/null \
        "$SIM_URL$2?n=[1-$1]")
    echo "$(grep -c '^403$' <<<"$codes") $(grep -c '^400$' <<<"$codes")"
}

# ---- the published figures ----------------------------------------------------------
sim_ctl POST /_sim/config '{"quota": "2026"}' >/dev/null || fail "quota 2026"
check "quota 2026: account 50/10, every operation 50/10, changes 100/20" \
    test "$(sim_ctl GET /_sim/config | "$PYTHON3" -c '
import json, sys
q = json.load(sys.stdin)["quota"]
print(q["account"], q["operations"], q["changes"])')" = \
    "{'burst': 50.0, 'rate': 10.0} {'*': {'burst': 50.0, 'rate': 10.0}} {'burst': 100.0, 'rate': 20.0}"
sim_ctl POST /_sim/reset-stats >/dev/null
t0=$(date +%s.%N)
read -r p t <<<"$(curl_burst 70 /2013-04-01/hostedzonesbyname)"
elapsed=$(echo "$(date +%s.%N) - $t0" | bc)
most=$(echo "50 + 10 * $elapsed + 1" | bc | cut -d. -f1)
[ "$((p + t))" = 70 ] && [ "$p" -ge 50 ] && [ "$p" -le "$most" ] \
    && ok "70 requests in a row: the burst of 50 plus 10/s let through ($p in ${elapsed}s)" \
    || not_ok "let through $p, throttled $t in ${elapsed}s (want 50..$most of 70)"
[ "$(qstat 'q["throttled"].get("ListHostedZonesByName", 0)')" = "$t" ] \
    && ok "quota stats count the $t throttled, per operation" \
    || not_ok "quota stats: $(qstat 'q')"
[ "$(throttled_stat)" = 0 ] && ok "the old model's counter stays 0" \
    || not_ok "old throttled counter: $(throttled_stat)"

# ---- the account bucket: exactly its size passes ----------------------------------
sim_ctl POST /_sim/reset-stats >/dev/null
sim_ctl POST /_sim/config '{"quota": {"account": {"burst": 5, "rate": 0.001}}}' >/dev/null \
    || fail "quota"
expect_burst()
{
    local desc=$1 want=$2 got
    got=$(curl_burst "$3" "$4")
    [ "$got" = "$want" ] && ok "$desc" || not_ok "$desc: got $got (let through, throttled), want $want"
}
expect_burst "account bucket 5: 5 of 8 let through, 3 throttled" "5 3" 8 /2013-04-01/hostedzonesbyname
[ "$(qstat 'q["throttled_by"]["account"]')" = 3 ] && ok "... counted as the account's" \
    || not_ok "throttled_by: $(qstat 'q["throttled_by"]')"
burst 2
[ "$PASSED/$THROTTLED" = 0/2 ] && ok "the AWS CLI reads it as Throttling 'Rate exceeded'" \
    || not_ok "CLI against an empty account bucket: $PASSED passed, $THROTTLED throttled" "$OTHER"

# ---- one bucket per operation, and the account over them ---------------------------
# GetChange's bucket holds 3, the account 10: 3 GetChange pass and 2 are
# refused by their own bucket, taking no account token; then 7 more calls
# of another operation empty the account, and the 8th is the account's.
sim_ctl POST /_sim/reset-stats >/dev/null
sim_ctl POST /_sim/config '{"quota": {"account": {"burst": 10, "rate": 0.001},
    "operations": {"*": {"burst": 50, "rate": 0.001}, "GetChange": {"burst": 3, "rate": 0.001}}}}' \
    >/dev/null || fail "quota"
expect_burst "GetChange's own bucket of 3: 3 of 5 let through" "3 2" 5 /2013-04-01/change/C1
expect_burst "another operation is not held by GetChange's bucket: 7 of 8 let through" "7 1" 8 \
    /2013-04-01/hostedzonesbyname
[ "$(qstat 'q["throttled_by"]["operation"], q["throttled_by"]["account"]')" = "(2, 1)" ] \
    && ok "2 refused by the operation's bucket, 1 by the account's (refused requests take no token)" \
    || not_ok "throttled_by: $(qstat 'q["throttled_by"]')"
[ "$(qstat 'q["throttled"]')" = "{'GetChange': 2, 'ListHostedZonesByName': 1}" ] \
    && ok "throttled per operation" || not_ok "throttled: $(qstat 'q["throttled"]')"

# ---- record changes: a bucket of their own --------------------------------------------
sim_ctl POST /_sim/reset-stats >/dev/null
sim_ctl POST /_sim/config '{"quota": {"changes": {"burst": 3, "rate": 0.001}}}' >/dev/null \
    || fail "quota"
change_a()
{
    AWS_ACCESS_KEY_ID="$SIM_AKID" AWS_SECRET_ACCESS_KEY="$SIM_SECRET" \
        timeout 30 "$AWS" --endpoint-url "$SIM_URL" --ca-bundle "$SIM_CA" \
        route53 change-resource-record-sets --hosted-zone-id ZRATE --output text --change-batch \
        "{\"Changes\": [{\"Action\": \"$1\", \"ResourceRecordSet\": {\"Name\": \"$2.example.com\",
          \"Type\": \"A\", \"TTL\": 60, \"ResourceRecords\": [{\"Value\": \"$3\"}]}}]}" 2>&1
}
out=$(change_a UPSERT a 192.0.2.1) && ok "an UPSERT (2 changes) passes a change bucket of 3" \
    || not_ok "first UPSERT" "$out"
out=$(change_a UPSERT a 192.0.2.2)
grep -qF "An error occurred (Throttling)" <<<"$out" && grep -qF "Rate exceeded" <<<"$out" \
    && ok "a second UPSERT (2 more, 1 left): Throttling 'Rate exceeded'" \
    || not_ok "second UPSERT" "$out"
check "... and it was not applied" \
    test "$(sim_ctl GET '/_sim/record?zone=ZRATE&name=a.example.com&type=A' | sim_json_field - values 0)" = 192.0.2.1
out=$(change_a CREATE b 192.0.2.3) && ok "a CREATE (1 change) takes the last token" \
    || not_ok "CREATE" "$out"
[ "$(qstat 'q["throttled_by"]["changes"], q["throttled"], q["passed"]["ChangeResourceRecordSets"]')" \
    = "(1, {'ChangeResourceRecordSets': 1}, 3)" ] \
    && ok "counted as the change bucket's; all 3 requests took a request token" \
    || not_ok "quota stats: $(qstat 'q')"
check "the request log names the change bucket" \
    test "$(sim_ctl GET /_sim/stats | "$PYTHON3" -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin)["log"] if e["fault"] == "quota:changes" and e["status"] == 400))')" = 1

# ---- off, and nonsense ----------------------------------------------------------------
sim_ctl POST /_sim/config '{"quota": null}' >/dev/null || fail "quota null"
expect_burst "quota null turns it off" "8 0" 8 /2013-04-01/hostedzonesbyname
for bad in '"2025"' '{"account": {"burst": 0, "rate": 1}}' '{"acount": {}}' \
    '{"changes": {"burst": 5}, "x": 1}' '{"account": {"burst": 5, "rate": 1, "extra": 2}}'; do
    if sim_ctl POST /_sim/config "{\"quota\": $bad}" >/dev/null; then
        not_ok "quota $bad refused"
    else
        ok "quota $bad refused"
    fi
done

finish
