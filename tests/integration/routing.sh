#!/usr/bin/env bash
# One member of a record set that several share by a routing policy
# (weighted, failover with a health check, latency, multivalue), kept
# beside a member someone else keeps: validate-all's refusals, start,
# monitor (API and DNS first) when another member changes and when ours
# moves, a takeover from the other node, stop_action=delete, the
# weighted TTL rule, two owners on one name with an SPF TXT (one after
# the other and both at once), a plain configuration on a set, the
# conversion of our own plain record, and a set that spans listing
# pages.  Against the project's simulator.
set -u
. "$(dirname "$0")/../lib.sh"

: "${AGENT:?AGENT must name the built agent}"
www_start
W=www.example.com.
HC=0f1e2d3c-4b5a-6978-8a9b-acbdcedf0011
SPF='"v=spf1 -all"'
marker() { printf '"heritage=route53,cluster=%s,resource=%s%s"' "$1" "$2" "${3:+,set=$3}"; }
MINE=$(marker c1 dns east)
THEIRS=$(marker c2 web west)
EAST=(OCF_RESKEY_set_identifier=east OCF_RESKEY_weight=10)
# A recurring monitor (a probe answers from the state file alone).
mon() { run_agent monitor OCF_RESKEY_CRM_meta_interval=10000 "$@"; }

# member ID [FIELD]: our view of member ID of www A ("{}" for none),
# or one field of it.
member()
{
    sim_ctl GET "/_sim/record?zone=$ZONE&name=$W&type=A&set_identifier=$1" 2>/dev/null \
        | "$PYTHON3" -c 'import json,sys; d=json.load(sys.stdin); d={} if "error" in d else d; f=sys.argv[1]; print(json.dumps(d.get(f) if f else d, sort_keys=True))' "${2:-}" \
        || echo '{}'
}
# set_member ID FIELDS VALUES: a member behind the agent's back ("[]" removes it).
set_member()
{
    sim_ctl POST /_sim/record "{\"zone\":\"$ZONE\",\"name\":\"$W\",\"type\":\"A\",\"ttl\":${TTL:-10},\"set_identifier\":\"$1\",$2,\"values\":$3}" >/dev/null \
        || not_ok "set member $1 $2"
}
# txt_is JSON: the TXT set holds exactly these values, in any order.
txt_is()
{
    "$PYTHON3" -c 'import json,sys; sys.exit(0 if sorted(json.loads(sys.argv[1])) == sorted(json.loads(sys.argv[2])) else 1)' \
        "$(www_values TXT)" "$1"
}
js() { "$PYTHON3" -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }
changes() { sim_requests ChangeResourceRecordSets; }
ids() { sim_ctl GET "/_sim/record?zone=$ZONE&name=$W&type=A&set_identifier=*" | "$PYTHON3" -c 'import json,sys; print(" ".join(str(s["set_identifier"]) for s in json.load(sys.stdin)["sets"]))'; }
reset()
{
    for id in $(ids 2>/dev/null); do
        if [ "$id" = None ]; then www_set A '[]'; else set_member "$id" '"weight":1' '[]'; fi
    done
    www_set TXT '[]'
    rm -rf "$RUN" "$TEST_TMP/run2"
    sim_ctl POST /_sim/config '{"health":{},"dns_weighted_seed":null}' >/dev/null
    sim_ctl POST /_sim/reset-stats >/dev/null
}
# The other cluster's member west (weight 5) and its marker, beside an SPF value.
theirs() { set_member west '"weight":5' '["198.51.100.5"]'; www_set TXT "[$(js "$SPF"),$(js "$THEIRS")]"; }

# ---- validate-all ------------------------------------------------------------------------
v() { run_agent validate-all "$@"; }
v "${EAST[@]}"; expect "validate-all: set_identifier with weight" 0
v OCF_RESKEY_weight=10; expect "validate-all: a policy without set_identifier" 6 "weight needs set_identifier"
v OCF_RESKEY_set_identifier=east; expect "validate-all: set_identifier without a policy" 6 "without a routing policy"
v "${EAST[@]}" OCF_RESKEY_failover=PRIMARY; expect "validate-all: two policies" 6 "weight and failover are both set"
v OCF_RESKEY_set_identifier=east OCF_RESKEY_weight=256; expect "validate-all: weight out of range" 6 "out of range (0 to 255)"
v OCF_RESKEY_set_identifier=east OCF_RESKEY_failover=primary; expect "validate-all: bad failover" 6 "must be 'PRIMARY' or 'SECONDARY'"
v OCF_RESKEY_set_identifier=east OCF_RESKEY_latency_region=Europe; expect "validate-all: bad region" 6 "not an AWS region name"
v "${EAST[@]}" OCF_RESKEY_health_check_id=hc-1; expect "validate-all: bad health check id" 6 "not a health check id"
v OCF_RESKEY_health_check_id=$HC; expect "validate-all: a health check without a member" 6 "health_check_id is set without a routing policy"
v OCF_RESKEY_set_identifier=east OCF_RESKEY_latency_region=us-gov-west-1; expect "validate-all: latency_region us-gov-west-1" 0
v OCF_RESKEY_set_identifier=east OCF_RESKEY_multivalue=true; expect "validate-all: multivalue=true" 0
# The member's marker is one TXT string: 255 characters at most.
v OCF_RESKEY_set_identifier="$(printf 'e%.0s' {1..128})" OCF_RESKEY_weight=1
expect "validate-all: a set_identifier of 128 letters (a marker of 173)" 0
BANG=(OCF_RESKEY_set_identifier="$(printf '!%.0s' {1..90})" OCF_RESKEY_weight=1)
v "${BANG[@]}"; expect "validate-all: 90 punctuation marks (270 in the marker)" 6 "more than the 255 of one TXT string: shorten set_identifier"
v "${EAST[@]}" OCF_RESOURCE_INSTANCE="$(printf 'r%.0s' {1..230})"
expect "validate-all: a resource name of 230" 6 "shorten the resource's name"
[ "$(grep -c '^ocf-exit-reason:' <<<"$OUT")" = 1 ] && ok "one exit reason" || not_ok "$OUT"
sim_ctl POST /_sim/reset-stats >/dev/null
run_agent start "${BANG[@]}"; expect "start refuses it too" 6 "more than the 255"
[ "$(changes)" = 0 ] && [ "$(ids)" = "" ] && ok "nothing written" || not_ok "changes $(changes), sets $(ids)"

# ---- weighted, beside another cluster's member -----------------------------------------------------
reset; theirs
run_agent start "${EAST[@]}"; expect "weighted: start beside another cluster's member" 0
[ "$(member east values)" = '["192.0.2.10"]' ] && [ "$(member east weight)" = 10 ] \
    && ok "our member east: our address, weight 10" || not_ok "east $(member east)"
[ "$(member west values)" = '["198.51.100.5"]' ] && [ "$(member west weight)" = 5 ] \
    && ok "their member west untouched" || not_ok "west $(member west)"
txt_is "[$(js "$SPF"),$(js "$THEIRS"),$(js "$MINE")]" && ok "TXT: SPF, their marker, our member's marker" \
    || not_ok "TXT $(www_values TXT)"
[ "$(changes)" = 1 ] && ok "in one batch" || not_ok "changes $(changes)"
mon "${EAST[@]}"; expect "monitor (DNS first: the servers answer east, marked ours)" 0
[[ "$OUT" == *"no API call"* ]] && ok "DNS confirmed it" || not_ok "DNS did not confirm" "$OUT"
mon "${EAST[@]}" OCF_RESKEY_monitor_method=api; expect "monitor through the API" 0 ""
set_member west '"weight":200' '["198.51.100.6"]'
sim_ctl POST /_sim/reset-stats >/dev/null
mon "${EAST[@]}"; expect "another member changed (DNS now answers it): monitor still 0" 0
[ "$(sim_requests ListResourceRecordSets)" -ge 1 ] && ok "DNS could not confirm: the API decided" \
    || not_ok "no API read" "$OUT"
mon "${EAST[@]}" OCF_RESKEY_monitor_method=api; expect "another member changed: API monitor 0" 0
run_agent start "${EAST[@]}"; expect "start again (a second cluster's member stands)" 0
[ "$(member west values)" = '["198.51.100.6"]' ] && ok "their member still as they left it" || not_ok "west $(member west)"
set_member east '"weight":10' '["198.51.100.99"]'
mon "${EAST[@]}"; expect "our member moved: monitor fails" 1 "member 'east' points to 198.51.100.99"
set_member east '"weight":10' '[]'
mon "${EAST[@]}"; expect "our member gone: monitor fails" 1 "member 'east' is gone"
run_agent start "${EAST[@]}"; expect "start writes it again" 0

# ---- a takeover from the other node ----------------------------------------------------------------
run_agent start "${EAST[@]}" HA_RSCTMP="$TEST_TMP/run2" OCF_RESKEY_CRM_meta_on_node=node2 OCF_RESKEY_ip=192.0.2.11
expect "node2 takes the member over" 0
[ "$(member east values)" = '["192.0.2.11"]' ] && [ "$(member west values)" = '["198.51.100.6"]' ] \
    && ok "our member moved to node2's address, theirs untouched" || not_ok "east $(member east) west $(member west)"
txt_is "[$(js "$SPF"),$(js "$THEIRS"),$(js "$MINE")]" && ok "still one marker of ours" || not_ok "TXT $(www_values TXT)"
mon "${EAST[@]}" OCF_RESKEY_monitor_method=api; expect "node1's monitor: the member is elsewhere" 1 "points to 192.0.2.11"
run_agent stop "${EAST[@]}" OCF_RESKEY_stop_action=delete; expect "node1's stop with delete" 0
[ "$(member east values)" = '["192.0.2.11"]' ] && ok "node2's member left alone" || not_ok "east $(member east)"

# ---- stop_action=delete ----------------------------------------------------------------------------------
run_agent stop "${EAST[@]}" HA_RSCTMP="$TEST_TMP/run2" OCF_RESKEY_ip=192.0.2.11 OCF_RESKEY_stop_action=delete
expect "node2's stop with delete" 0
[ "$(member east)" = '{}' ] && [ "$(member west values)" = '["198.51.100.6"]' ] \
    && ok "our member deleted, theirs kept" || not_ok "east $(member east) west $(member west)"
txt_is "[$(js "$SPF"),$(js "$THEIRS")]" && ok "our marker deleted; SPF and their marker kept" \
    || not_ok "TXT $(www_values TXT)"

# ---- the weighted TTL rule: join the set's -----------------------------------------------------------------
reset; TTL=30 theirs
run_agent start "${EAST[@]}" OCF_RESKEY_ttl=10; expect "ttl=10 in a set whose TTL is 30: start" 0
[ "$(member east ttl)" = 30 ] && ok "our member joined the set's TTL 30" || not_ok "east $(member east)"
[[ "$OUT" == *"joins the set's TTL 30, not ttl=10"* ]] && ok "a warning names both TTLs" || not_ok "no warning" "$OUT"

# ---- failover with a health check, latency, multivalue ---------------------------------------------------------
reset
set_member west '"failover":"SECONDARY"' '["198.51.100.5"]'; www_set TXT "[$(js "$THEIRS")]"
FO=(OCF_RESKEY_set_identifier=east OCF_RESKEY_failover=PRIMARY OCF_RESKEY_health_check_id=$HC)
run_agent start "${FO[@]}"; expect "failover: PRIMARY with a health check beside their SECONDARY" 0
[ "$(member east failover)" = '"PRIMARY"' ] && [ "$(member east health_check_id)" = "\"$HC\"" ] \
    && [ "$(member west failover)" = '"SECONDARY"' ] && ok "PRIMARY with its health check; SECONDARY kept" \
    || not_ok "east $(member east) west $(member west)"
sim_ctl POST /_sim/config "{\"health\":{\"$HC\":false}}" >/dev/null
mon "${FO[@]}"; expect "health check failing (DNS answers the secondary): monitor 0 from the API" 0
run_agent stop "${FO[@]}" OCF_RESKEY_stop_action=delete; expect "stop with delete" 0
[ "$(member east)" = '{}' ] && [ "$(member west failover)" = '"SECONDARY"' ] && txt_is "[$(js "$THEIRS")]" \
    && ok "PRIMARY and its marker deleted, SECONDARY kept" || not_ok "east $(member east) TXT $(www_values TXT)"
run_agent start OCF_RESKEY_set_identifier=east OCF_RESKEY_failover=SECONDARY
expect "a second SECONDARY: refused" 6 "a failover set has one PRIMARY and one SECONDARY"
run_agent start "${EAST[@]}"; expect "a weighted member on a failover set: refused" 6 "use one routing policy"
[ "$(member east)" = '{}' ] && ok "nothing written" || not_ok "east $(member east)"

reset
set_member west '"region":"us-east-1"' '["198.51.100.5"]'
run_agent start OCF_RESKEY_set_identifier=east OCF_RESKEY_latency_region=eu-west-1; expect "latency member" 0
[ "$(member east region)" = '"eu-west-1"' ] && [ "$(member west region)" = '"us-east-1"' ] \
    && ok "eu-west-1 member beside us-east-1" || not_ok "east $(member east)"
mon OCF_RESKEY_set_identifier=east OCF_RESKEY_latency_region=eu-west-1; expect "latency: monitor" 0

reset
set_member west '"multivalue_answer":true' '["198.51.100.5"]'
MV=(OCF_RESKEY_set_identifier=east OCF_RESKEY_multivalue=true)
run_agent start "${MV[@]}"; expect "multivalue member" 0
[ "$(member east multivalue_answer)" = true ] && [ "$(member west values)" = '["198.51.100.5"]' ] \
    && ok "multivalue member beside theirs" || not_ok "east $(member east)"
mon "${MV[@]}"; expect "multivalue: DNS answers both, the API confirms ours" 0
[[ "$OUT" != *"no API call"* ]] && ok "not from DNS alone" || not_ok "DNS confirmed a multivalue answer" "$OUT"

# ---- two owners on one weighted name, with an SPF TXT ---------------------------------------------------------
TWO=(OCF_RESOURCE_INSTANCE=web OCF_RESKEY_owner=c2 OCF_RESKEY_set_identifier=west OCF_RESKEY_weight=5
    OCF_RESKEY_ip=198.51.100.5 HA_RSCTMP="$TEST_TMP/run2")
two_owners()
{
    [ "$(member east values)" = '["192.0.2.10"]' ] && [ "$(member west values)" = '["198.51.100.5"]' ] \
        && txt_is "[$(js "$SPF"),$(js "$THEIRS"),$(js "$MINE")]" \
        && ok "$1: both members, both markers, the SPF value" \
        || not_ok "$1: east $(member east) west $(member west) TXT $(www_values TXT)"
}
reset; www_set TXT "[$(js "$SPF")]"
run_agent start "${EAST[@]}"; expect "owner c1 starts east" 0
run_agent start "${TWO[@]}"; expect "owner c2 starts west" 0
two_owners "one after the other"
run_agent stop "${TWO[@]}" OCF_RESKEY_stop_action=delete; expect "c2 stops west with delete" 0
[ "$(member west)" = '{}' ] && [ "$(member east values)" = '["192.0.2.10"]' ] \
    && txt_is "[$(js "$SPF"),$(js "$MINE")]" && ok "c1's member and marker kept" || not_ok "TXT $(www_values TXT)"
for round in 1 2 3; do
    reset; www_set TXT "[$(js "$SPF")]"
    env -i "${base_env[@]}" "${EAST[@]}" "$AGENT" start >"$TEST_TMP/a.out" 2>&1 &
    a=$!
    env -i "${base_env[@]}" "${TWO[@]}" "$AGENT" start >"$TEST_TMP/b.out" 2>&1 &
    b=$!
    wait $a; ra=$?
    wait $b; rb=$?
    [ $ra = 0 ] && [ $rb = 0 ] && ok "both at once ($round): both started" \
        || not_ok "both at once ($round): exits $ra $rb" "$(cat "$TEST_TMP/a.out" "$TEST_TMP/b.out")"
    two_owners "both at once ($round)"
done

# ---- identifiers that differ in punctuation alone: a marker each --------------------------------------------
reset
U1=(OCF_RESKEY_set_identifier=east_1 OCF_RESKEY_weight=1)
S1=(OCF_RESKEY_set_identifier="east 1" OCF_RESKEY_weight=1 HA_RSCTMP="$TEST_TMP/run2" OCF_RESKEY_ip=192.0.2.11)
run_agent start "${U1[@]}"; expect "member 'east_1'" 0
run_agent start "${S1[@]}"; expect "member 'east 1' (same cluster and resource name)" 0
txt_is "[$(js "$(marker c1 dns east_1)"),$(js "$(marker c1 dns east%201)")]" \
    && ok "two markers: set=east_1 and set=east%201" || not_ok "TXT $(www_values TXT)"
run_agent stop "${S1[@]}" OCF_RESKEY_stop_action=delete; expect "stop 'east 1' with delete" 0
[ "$(ids)" = east_1 ] && [ "$(member east_1 values)" = '["192.0.2.10"]' ] \
    && txt_is "[$(js "$(marker c1 dns east_1)")]" && ok "member 'east_1' and its marker kept" \
    || not_ok "east_1 $(member east_1) TXT $(www_values TXT)"

# ---- a plain configuration on a set ---------------------------------------------------------------------------
reset; theirs
sim_ctl POST /_sim/reset-stats >/dev/null
run_agent start; expect "plain configuration on a weighted set: refused" 6 "set set_identifier and weight"
[[ "$REASON" == *"1 weighted member(s) ('west')"* ]] && ok "the reason names the set" || not_ok "$REASON"
[ "$(changes)" = 0 ] && [ "$(member west values)" = '["198.51.100.5"]' ] && ok "nothing written" \
    || not_ok "changes $(changes)"
run_agent start OCF_RESKEY_ownership=off; expect "the same with ownership=off: refused" 6 "set set_identifier and weight"
[ "$(www_values A)" = '[]' ] && [ "$(member west values)" = '["198.51.100.5"]' ] && ok "nothing written" \
    || not_ok "A $(www_values A)"
[ "$(changes)" = 0 ] && ok "found in a read: no change request sent" || not_ok "changes $(changes)"

# ---- converting our own plain record ----------------------------------------------------------------------------
reset; www_set TXT "[$(js "$SPF")]"
run_agent start; expect "a plain record of ours" 0
sim_ctl POST /_sim/reset-stats >/dev/null
run_agent start "${EAST[@]}"; expect "the same resource as member east: converted" 0
[ "$(www_values A)" = '[]' ] && [ "$(member east values)" = '["192.0.2.10"]' ] \
    && txt_is "[$(js "$SPF"),$(js "$MINE")]" && ok "plain record and its marker gone; the member and its marker" \
    || not_ok "A $(www_values A) east $(member east) TXT $(www_values TXT)"
[ "$(changes)" = 1 ] && ok "in one batch" || not_ok "changes $(changes)"
reset
www_set A '["198.51.100.7"]'; www_set TXT "[$(js "$(marker c2 web)")]"
run_agent start "${EAST[@]}"; expect "someone else's plain record: not converted" 6 "plain record owned by cluster c2"
www_set TXT '[]'
run_agent start "${EAST[@]}" OCF_RESKEY_ownership=require; expect "an unmarked plain record, ownership=require: refused" 6 "ownership=require"
[ "$(www_values A)" = '["198.51.100.7"]' ] && [ "$(member east)" = '{}' ] && ok "left as it was" \
    || not_ok "A $(www_values A)"

# ---- a set that spans listing pages (NextRecordIdentifier) ---------------------------------------------------------
reset
for i in 1 2 3 4 5 6 7 8 9; do set_member "m$i" '"weight":1' "[\"198.51.100.$i\"]"; done
SET5=(OCF_RESKEY_set_identifier=m5x OCF_RESKEY_weight=1)
run_agent start "${SET5[@]}"; expect "a member in a set of ten (more than one page)" 0
sim_ctl POST /_sim/reset-stats >/dev/null
mon "${SET5[@]}" OCF_RESKEY_monitor_method=api; expect "monitor finds it across pages" 0
[ "$(sim_requests ListResourceRecordSets)" -ge 2 ] && ok "read in more than one page" \
    || not_ok "pages: $(sim_requests ListResourceRecordSets)"
run_agent start "${SET5[@]}"; expect "start again: the member read from its page is swapped" 0
run_agent stop "${SET5[@]}" OCF_RESKEY_stop_action=delete; expect "stop with delete" 0
[ "$(member m5x)" = '{}' ] && [ "$(member m9 values)" = '["198.51.100.9"]' ] && ok "ours deleted, the others kept" \
    || not_ok "m5x $(member m5x)"

# ---- more record sets than the agent keeps (16), then than it pages through (8 x 8) -------------------------------
reset; www_set TXT "[$(js "$SPF")]"
for i in $(seq 10 29); do set_member "m$i" '"weight":1' "[\"198.51.100.$i\"]"; done
ZZ=(OCF_RESKEY_set_identifier=zz OCF_RESKEY_weight=1)
run_agent start "${ZZ[@]}"; expect "member 'zz' after 20 others and before the TXT set (22 record sets)" 0
run_agent start "${ZZ[@]}"; expect "start again: 'zz' and the TXT set read as they are, not created twice" 0
txt_is "[$(js "$SPF"),$(js "$(marker c1 dns zz)")]" && ok "the SPF value and our marker" || not_ok "TXT $(www_values TXT)"
mon "${ZZ[@]}" OCF_RESKEY_monitor_method=api; expect "the API monitor finds 'zz'" 0
for i in $(seq 30 79); do set_member "m$i" '"weight":1' "[\"198.51.100.$i\"]"; done
sim_ctl POST /_sim/reset-stats >/dev/null
run_agent start "${ZZ[@]}"; expect "72 record sets, more than 8 pages: start again" 0
[ "$(changes)" = 1 ] && ok "one batch, accepted" || not_ok "changes $(changes)"
mon "${ZZ[@]}" OCF_RESKEY_monitor_method=api; expect "the API monitor finds 'zz' past the pages" 0
run_agent stop "${ZZ[@]}" OCF_RESKEY_stop_action=delete; expect "stop with delete" 0
[ "$(member zz)" = '{}' ] && [ "$(member m79 values)" = '["198.51.100.79"]' ] && txt_is "[$(js "$SPF")]" \
    && ok "'zz' and its marker deleted; the others and the SPF value kept" || not_ok "zz $(member zz) TXT $(www_values TXT)"
finish
