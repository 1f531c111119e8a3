#!/usr/bin/env bash
# Owning the name: the TXT marker at the record's name, ownership=claim,
# require and off against an unowned, an own-marked and a foreign-marked
# name, other TXT values kept through every write and delete, the
# compare-and-swap batch when the name changes between read and write,
# a monitor that sees the name taken over, two "clusters" on one
# name that do not fight, and the owner start wrote kept for monitor and
# stop.  Against the project's simulator.
set -u
. "$(dirname "$0")/../lib.sh"

: "${AGENT:?AGENT must name the built agent}"
www_start
values() { www_values "$1"; }
set_rec() { www_set "$1" "$2"; }
MINE='"\"heritage=route53,cluster=c1,resource=dns\""'
THEIRS='"\"heritage=route53,cluster=c2,resource=web\""'
SPF='"\"v=spf1 -all\""'
changes() { sim_ctl GET /_sim/stats | sim_json_field - requests ChangeResourceRecordSets 2>/dev/null || echo 0; }
reset() { set_rec A '[]'; set_rec TXT '[]'; rm -f "$RUN"/route53-dns.state; sim_ctl POST /_sim/reset-stats >/dev/null; }

# ---- claim (the default) -------------------------------------------------------
reset
run_agent start; expect "claim, no record: start publishes" 0
[ "$(values A)" = '["192.0.2.10"]' ] && [ "$(values TXT)" = "[$MINE]" ] \
    && ok "the record and our marker, written together" || not_ok "A $(values A) TXT $(values TXT)"
[ "$(changes)" = 1 ] && ok "in one batch" || not_ok "changes: $(changes)"
run_agent start; expect "claim, marked ours: start again" 0
[ "$(values TXT)" = "[$MINE]" ] && ok "still one marker, ours" || not_ok "TXT $(values TXT)"
set_rec A '["198.51.100.7"]'; set_rec TXT "[$THEIRS]"
sim_ctl POST /_sim/reset-stats >/dev/null
run_agent start; expect "claim, marked by another owner: refused" 6 "owned by cluster c2, resource web"
[[ "$REASON" == *"stop_action=delete"* ]] && ok "the reason says how to hand it over" || not_ok "$REASON"
[ "$(values A)" = '["198.51.100.7"]' ] && [ "$(values TXT)" = "[$THEIRS]" ] && [ "$(changes)" = 0 ] \
    && ok "a refused start changed nothing, wrote nothing" || not_ok "A $(values A) TXT $(values TXT) changes $(changes)"

# ---- require ----------------------------------------------------------------------
reset
set_rec A '["198.51.100.8"]'
run_agent start OCF_RESKEY_ownership=require; expect "require, a record without a marker: refused" 6 "no route53 marker"
[ "$(values A)" = '["198.51.100.8"]' ] && ok "left as it was" || not_ok "A $(values A)"
set_rec A '[]'
run_agent start OCF_RESKEY_ownership=require; expect "require, no record: start claims it" 0
run_agent start OCF_RESKEY_ownership=require; expect "require, marked ours: start" 0
set_rec TXT "[$THEIRS]"
run_agent start OCF_RESKEY_ownership=require; expect "require, marked by another owner: refused" 6 "cluster c2"

# ---- off ------------------------------------------------------------------------------
reset
set_rec A '["198.51.100.9"]'; set_rec TXT "[$THEIRS]"
run_agent start OCF_RESKEY_ownership=off; expect "off: start writes whatever the name holds" 0
[ "$(values A)" = '["192.0.2.10"]' ] && [ "$(values TXT)" = "[$THEIRS]" ] \
    && ok "the plain UPSERT, no marker written or read" || not_ok "A $(values A) TXT $(values TXT)"

# ---- other TXT values survive every write and delete ------------------------------------
reset
set_rec TXT "[$SPF]"
run_agent start; expect "claim beside an SPF value" 0
"$PYTHON3" -c 'import json,sys; v=json.loads(sys.argv[1]); sys.exit(0 if sorted(v)==sorted(json.loads(sys.argv[2])) else 1)' \
    "$(values TXT)" "[$SPF,$MINE]" && ok "the SPF value is kept beside our marker" || not_ok "TXT $(values TXT)"
run_agent stop OCF_RESKEY_stop_action=delete; expect "stop with delete" 0
[ "$(values A)" = '[]' ] && [ "$(values TXT)" = "[$SPF]" ] \
    && ok "our address and our marker deleted, the SPF value kept" || not_ok "A $(values A) TXT $(values TXT)"
run_agent start; expect "start" 0
set_rec TXT "[$SPF,$THEIRS]"
run_agent stop OCF_RESKEY_stop_action=delete; expect "stop with delete of a name marked by another owner" 0
[ "$(values A)" = '["192.0.2.10"]' ] && ok "not ours any more: left alone" || not_ok "A $(values A)"

# ---- the compare-and-swap ----------------------------------------------------------------
reset
set_rec A '["198.51.100.20"]'
sim_ctl POST /_sim/config '{"faults":[{"op":"ChangeResourceRecordSets","count":1,"kind":"race","record":{"name":"www.example.com.","type":"A","ttl":10,"values":["198.51.100.21"]}}]}' >/dev/null \
    || fail "race fault"
run_agent start; expect "the name changed between read and write: start reads again" 0
[[ "$OUT" == *"changed while it was written"* ]] && ok "the first batch was refused (InvalidChangeBatch)" \
    || not_ok "no retry seen" "$OUT"
[ "$(changes)" = 2 ] && ok "two batches: the refused one and the right one" || not_ok "changes $(changes)"
[ "$(values A)" = '["192.0.2.10"]' ] && [ "$(values TXT)" = "[$MINE]" ] && ok "and the result is right" \
    || not_ok "A $(values A) TXT $(values TXT)"

# ---- monitor: taken over ---------------------------------------------------------------
MON=(OCF_RESKEY_CRM_meta_interval=10000)
run_agent monitor "${MON[@]}"; expect "monitor, DNS answers ours" 0
set_rec A '["198.51.100.30"]'; set_rec TXT "[$THEIRS]"
run_agent monitor "${MON[@]}" OCF_RESKEY_monitor_method=api
expect "monitor_method=api: taken over by another owner" 1 "taken over by cluster c2, resource web"
run_agent monitor "${MON[@]}"; expect "DNS-first: the API decides, in the same words" 1 "taken over by cluster c2"
run_agent monitor "${MON[@]}" OCF_CHECK_LEVEL=10; expect "level 10 too" 1 "taken over"
run_agent start; expect "start after a takeover refuses to fight back" 6 "cluster c2"
[ "$(values A)" = '["198.51.100.30"]' ] && ok "the other owner keeps the name" || not_ok "A $(values A)"
run_agent stop; expect "stop" 0

# ---- two clusters on one name --------------------------------------------------------------
reset
C2=(OCF_RESKEY_owner=c2 OCF_RESKEY_ip=192.0.2.99 HA_RSCTMP="$TEST_TMP/run2")
run_agent start; expect "cluster c1 starts" 0
for i in 1 2 3; do
    run_agent start "${C2[@]}"; expect "cluster c2 starts on the same name, round $i: refused" 6 "cluster c1"
    run_agent monitor "${MON[@]}" OCF_RESKEY_monitor_method=api; expect "c1's monitor still sees its record, round $i" 0
done
[ "$(values A)" = '["192.0.2.10"]' ] && ok "the record never left c1" || not_ok "A $(values A)"
[ "$(changes)" = 1 ] && ok "one write in all (c1's): the name never alternated" || not_ok "changes $(changes)"

# ---- the owner start wrote serves monitor and stop ----------------------------------------
# Without the owner parameter the cluster's name comes from the CIB
# (crm_attribute, here a stand-in that counts its calls).  Start asks it
# once and keeps the answer in the state file; monitor and stop use that,
# so a renamed cluster neither fails the monitor nor strands the record.
fake=$TEST_TMP/fakebin
mkdir -p "$fake"
echo c7 >"$TEST_TMP/cluster-name"
printf '#!/bin/sh\necho "$*" >>"%s"\ncat "%s"\n' "$TEST_TMP/crm_attribute.calls" \
    "$TEST_TMP/cluster-name" >"$fake/crm_attribute"
chmod +x "$fake/crm_attribute"
calls() { cat "$TEST_TMP/crm_attribute.calls" 2>/dev/null | wc -l; }
saved_env=("${base_env[@]}")
base_env=()
for v in "${saved_env[@]}"; do
    case "$v" in OCF_RESKEY_owner=* | PATH=*) ;; *) base_env+=("$v") ;; esac
done
base_env+=(PATH="$fake:$PATH")
reset
run_agent start; expect "no owner parameter: start publishes" 0
[ "$(values TXT)" = '["\"heritage=route53,cluster=c7,resource=dns\""]' ] \
    && ok "the marker names the CIB's cluster-name" || not_ok "TXT $(values TXT)"
[ "$(calls)" = 1 ] && ok "start asked crm_attribute once" || not_ok "crm_attribute calls: $(calls)"
echo c8 >"$TEST_TMP/cluster-name"    # the cluster renamed while dns runs
run_agent monitor "${MON[@]}" OCF_RESKEY_monitor_method=api
expect "API monitor after a rename: the name is still ours, as start marked it" 0
run_agent stop OCF_RESKEY_stop_action=delete; expect "stop_action=delete after a rename" 0
[ "$(values A)" = '[]' ] && [ "$(values TXT)" = '[]' ] \
    && ok "stop deleted the record and the marker start wrote" || not_ok "A $(values A) TXT $(values TXT)"
[ "$(calls)" = 1 ] && ok "monitor and stop asked crm_attribute nothing" || not_ok "crm_attribute calls: $(calls)"
# A cluster name that makes the marker longer than one TXT string (255):
# validate-all cannot know it (it reads no CIB); start refuses it.
printf 'c%.0s' {1..230} >"$TEST_TMP/cluster-name"
reset
run_agent validate-all; expect "a long cluster-name: validate-all does not read the CIB" 0
run_agent start; expect "a long cluster-name: start refuses it" 6 "more than the 255 of one TXT string: shorten the cluster name"
[ "$(values A)" = '[]' ] && [ "$(changes)" = 0 ] && ok "nothing written" || not_ok "A $(values A) changes $(changes)"
base_env=("${saved_env[@]}")
finish
