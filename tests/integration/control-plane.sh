#!/usr/bin/env bash
# Route 53's control plane failing under a start: the API down while its
# name servers still serve the zone (a start the data plane confirms, on
# the same node, another node and a fresh one; one it must not confirm);
# a slow INSYNC (no outage: written once, with fail and defer); a start
# that finds the record ours and served (no write) or still PENDING; a change
# id that GetChange no longer knows (NoSuchChange, after the control plane failed
# over) with the record already ours, and with the change lost (the
# record as it was before: written again); a node whose clock is 10
# minutes behind or ahead (corrected from the answer's Date header, once,
# and kept for the node's next action).  Against the project's simulator.
set -u
. "$(dirname "$0")/../lib.sh"

: "${AGENT:?AGENT must name the built agent}"
www_start OCF_RESKEY_change_try_interval=0.2 OCF_RESKEY_CRM_meta_timeout=20000
values() { www_values "$1"; }
set_rec() { www_set "$1" "$2"; }
count() { sim_requests "$1"; }
refused() { sim_ctl GET /_sim/stats | "$PYTHON3" -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin)["log"] if e["status"] == 403))'; }
reset() {
    set_rec A '[]'; set_rec TXT '[]'; rm -f "$RUN"/route53-dns.state
    sim_ctl POST /_sim/config "{\"faults\": [], \"down\": null, \"clock_skew\": 0, \"pending_seconds\": ${1:-0}}" >/dev/null
    sim_ctl POST /_sim/reset-stats >/dev/null
}
MINE='"\"heritage=route53,cluster=c1,resource=dns\""'

# ---- the API down, DNS up: start confirmed by the data plane ------------------------------
reset
run_agent start; expect "the API up: start publishes" 0
sim_ctl POST /_sim/config '{"down": "503"}' >/dev/null
sim_ctl POST /_sim/reset-stats >/dev/null
run_agent start; expect "the API down (503), the record ours: start again on this node" 0
[ "$(count ChangeResourceRecordSets)" = 0 ] && ok "... with no write" || not_ok "writes: $(count ChangeResourceRecordSets)"
[ "${SECS%%.*}" -lt 10 ] && ok "... in $SECS s of 20" || not_ok "took $SECS s"
grep -q "started with no write" <<<"$OUT" && ok "a notice says DNS confirmed it" || not_ok "no notice" "$OUT"
run_agent monitor OCF_RESKEY_CRM_meta_interval=10000; expect "and a recurring monitor (DNS first) says running" 0
sim_ctl POST /_sim/reset-stats >/dev/null
run_agent start HA_RSCTMP="$TEST_TMP/node2"; expect "another node, no zone cache, dns_servers: start" 0
[ "$(count ChangeResourceRecordSets)" = 0 ] && ok "... with no write" || not_ok "writes: $(count ChangeResourceRecordSets)"
run_agent start HA_RSCTMP="$TEST_TMP/node3" OCF_RESKEY_zone= OCF_RESKEY_zone_id="$ZONE" \
    OCF_RESKEY_hostname=www.example.com
expect "a fresh node with zone_id and a full hostname: start" 0
[ -s "$TEST_TMP/node3/route53-dns.state" ] && ok "... and it keeps its state for the monitor" \
    || not_ok "no state file"
set_rec TXT '["\"heritage=route53,cluster=c2,resource=web\""]'
sim_ctl POST /_sim/reset-stats >/dev/null
run_agent start OCF_RESKEY_CRM_meta_timeout=9000
expect "our address under another owner's marker: DNS confirms nothing, start fails in its timeout" 1 \
    "ServiceUnavailable"
[ "${SECS%%.*}" -lt 9 ] && ok "... in $SECS s of 9" || not_ok "took $SECS s"
grep -q "another owner's marker" <<<"$OUT" && ok "the log says why DNS did not confirm" || not_ok "why" "$OUT"
set_rec TXT '[]'
run_agent start OCF_RESKEY_CRM_meta_timeout=9000 OCF_RESKEY_ownership=require
expect "no marker at all where ownership needs one: start fails" 1 "ServiceUnavailable"
run_agent start OCF_RESKEY_ownership=off; expect "ownership=off: the address alone confirms it" 0
set_rec A '["198.51.100.9"]'
run_agent start OCF_RESKEY_CRM_meta_timeout=9000 OCF_RESKEY_ownership=off
expect "the record elsewhere and the API down: start fails in its timeout" 1 "ServiceUnavailable"
sim_ctl POST /_sim/config '{"down": "denied"}' >/dev/null
set_rec A '["192.0.2.10"]'
sim_ctl POST /_sim/reset-stats >/dev/null
run_agent start OCF_RESKEY_ownership=off; expect "AccessDenied is never taken for an outage: start fails at once" 4 "AccessDenied"
[ "${SECS%%.*}" -lt 3 ] && ok "... in $SECS s" || not_ok "took $SECS s"
sim_ctl POST /_sim/config '{"down": null}' >/dev/null

# ---- a slow INSYNC is no outage: the API took the change, start waits for it -------------
# (The zone cached, so start gives the API a first 5 s before asking DNS;
# DNS serves the change only once INSYNC, 8 s later.)
for mode in fail defer; do
    reset
    run_agent start; expect "$mode: the zone cached by a first start" 0
    reset 8
    set_rec A '["198.51.100.9"]'
    run_agent start OCF_RESKEY_start_api_failure=$mode
    expect "$mode: the record elsewhere, INSYNC after 8 s: start" 0
    [ "$(count ChangeResourceRecordSets)" = 1 ] && ok "... writes once" \
        || not_ok "writes: $(count ChangeResourceRecordSets)" "$OUT"
    [ "${SECS%%.*}" -ge 8 ] && ok "... returning once INSYNC ($SECS s)" || not_ok "took $SECS s"
    ! grep -q "unavailable" <<<"$OUT" && [ -z "$(sed -n 's/^pending_since=//p' "$RUN"/route53-dns.state)" ] \
        && ok "... never calling the API unavailable, nothing pending" || not_ok "unavailable" "$OUT"
    run_agent stop; expect "$mode: stop" 0
done

# ---- a start that finds the record ours and served writes nothing -------------------------
reset
run_agent start; expect "a first start" 0
sim_ctl POST /_sim/reset-stats >/dev/null
run_agent start; expect "a start again on this node (a restart in place)" 0
[ "$(count ChangeResourceRecordSets)" = 0 ] && grep -q "nothing to write" <<<"$OUT" \
    && ok "... writes nothing: the record ours, under our marker, served" \
    || not_ok "writes: $(count ChangeResourceRecordSets)" "$OUT"
reset 3
run_agent start OCF_RESKEY_wait_insync=false; expect "a start that leaves its change PENDING" 0
sim_ctl POST /_sim/reset-stats >/dev/null
run_agent start; expect "a start again while that change is PENDING" 0
[ "$(count ChangeResourceRecordSets)" = 1 ] && [ "$(count GetChange)" -ge 1 ] \
    && ok "... writes again and waits for INSYNC (the name servers do not serve it yet)" \
    || not_ok "writes: $(count ChangeResourceRecordSets), GetChange $(count GetChange)" "$OUT"
run_agent stop; expect "stop" 0

# ---- NoSuchChange: the record is ours already ----------------------------------------
reset 1
sim_ctl POST /_sim/config '{"faults": [{"op": "GetChange", "count": 1, "kind": "nosuchchange"}]}' >/dev/null
run_agent start; expect "GetChange answers NoSuchChange, the record ours: start" 0
[ "$(values A)" = '["192.0.2.10"]' ] && [ "$(values TXT)" = "[$MINE]" ] \
    && ok "the record and our marker" || not_ok "A $(values A) TXT $(values TXT)"
[ "$(count ChangeResourceRecordSets)" = 1 ] && ok "written once: read again, not written again" \
    || not_ok "ChangeResourceRecordSets: $(count ChangeResourceRecordSets)"
grep -q "no longer knows change" <<<"$OUT" && ok "a notice says Route 53 lost the change" \
    || not_ok "no notice" "$OUT"
grep -q "its name servers serve it" <<<"$OUT" && ok "and that the name servers serve it" \
    || not_ok "no DNS confirmation" "$OUT"

# ---- NoSuchChange: the change was lost (the record as it was before) -------------------
reset 1
set_rec A '["198.51.100.9"]'; set_rec TXT "[$MINE]"
sim_ctl POST /_sim/reset-stats >/dev/null
sim_ctl POST /_sim/config "{\"faults\": [{\"op\": \"GetChange\", \"count\": 1, \"kind\": \"lostchange\",
    \"record\": {\"name\": \"www.example.com.\", \"type\": \"A\", \"ttl\": 10, \"values\": [\"198.51.100.9\"]}}]}" \
    >/dev/null || fail "lostchange fault"
run_agent start; expect "the change lost in a control-plane failover: start" 0
[ "$(values A)" = '["192.0.2.10"]' ] && [ "$(values TXT)" = "[$MINE]" ] \
    && ok "the record ours again" || not_ok "A $(values A) TXT $(values TXT)"
[ "$(count ChangeResourceRecordSets)" = 2 ] && ok "written again, once" \
    || not_ok "ChangeResourceRecordSets: $(count ChangeResourceRecordSets)"
grep -q "writing it again" <<<"$OUT" && ok "a notice says it is written again" || not_ok "no notice" "$OUT"

# ---- NoSuchChange every time: start fails inside its timeout, naming it -----------------
reset 1
sim_ctl POST /_sim/config '{"faults": [{"op": "GetChange", "count": 99, "kind": "nosuchchange"}]}' >/dev/null
set_rec A '[]'
run_agent start OCF_RESKEY_dns_servers=127.0.0.1:1 OCF_RESKEY_dns_timeout=0.2 OCF_RESKEY_CRM_meta_timeout=8000
expect "NoSuchChange, the record ours but no name server answering: fails inside its timeout" 1 \
    "name servers did not serve"
[ "${SECS%%.*}" -lt 8 ] && ok "... in $SECS s of 8" || not_ok "took $SECS s"
[ "$(count ChangeResourceRecordSets)" -le 3 ] && ok "written at most three times" \
    || not_ok "ChangeResourceRecordSets: $(count ChangeResourceRecordSets)"

# ---- clock skew ---------------------------------------------------------------------------
for skew in 600 -600; do
    reset
    rm -f "$RUN/route53-clock-offset"
    sim_ctl POST /_sim/config "{\"clock_skew\": $skew}" >/dev/null
    run_agent start; expect "Route 53's clock $skew s off this node's: start" 0
    [ "$(values A)" = '["192.0.2.10"]' ] && ok "the record written" || not_ok "A $(values A)"
    [ "$(refused)" = 1 ] && ok "one request refused for its time, then signed with Route 53's" \
        || not_ok "refused: $(refused)"
    [ "$(grep -c 'fix NTP' <<<"$OUT")" = 1 ] && ok "one warning names NTP" || not_ok "warnings" "$OUT"
    kept=$(cat "$RUN/route53-clock-offset" 2>/dev/null)
    [ -n "$kept" ] && [ "${kept#-}" -ge $((${skew#-} - 5)) ] && [ "${kept#-}" -le $((${skew#-} + 5)) ] \
        && ok "the node keeps the offset ($kept s)" || not_ok "kept offset: '$kept'"
    sim_ctl POST /_sim/reset-stats >/dev/null
    run_agent monitor OCF_RESKEY_monitor_method=api OCF_RESKEY_CRM_meta_interval=10000
    expect "the next action (a monitor) with the clock still off" 0
    [ "$(refused)" = 0 ] && ok "signs right at once: nothing refused" || not_ok "refused: $(refused)"
done
# NTP fixed: the kept offset is now wrong; corrected again from the answer.
sim_ctl POST /_sim/config '{"clock_skew": 0}' >/dev/null
sim_ctl POST /_sim/reset-stats >/dev/null
run_agent monitor OCF_RESKEY_monitor_method=api OCF_RESKEY_CRM_meta_interval=10000
expect "NTP fixed after the offset was kept: monitor" 0
[ "$(refused)" = 1 ] && [ "$(cat "$RUN/route53-clock-offset")" -ge -5 ] && [ "$(cat "$RUN/route53-clock-offset")" -le 5 ] \
    && ok "one refusal, and the offset kept is back near 0" || not_ok "refused $(refused), kept $(cat "$RUN/route53-clock-offset")"

finish
