#!/usr/bin/env bash
# start_api_failure=defer (issue 18): Route 53's API down while the record
# must change.  start returns 0 at once and leaves one detached publisher;
# a recurring monitor says 190, "pending since"; once the API is back the
# record follows with no action from anyone, and the monitor says 0.  Stop
# during a pending publish leaves no process and nothing written after it;
# a second start replaces the first publisher; AccessDenied is never
# deferred; a deferred publish that meets another owner's marker writes
# nothing and the monitor says 1 naming that owner; defer_max ends it; a
# publisher that vanished is a failure; `fail` (the default) still fails
# inside the timeout.  Against the project's simulator.
set -u
. "$(dirname "$0")/../lib.sh"

: "${AGENT:?AGENT must name the built agent}"
LOG=$TEST_TMP/agent.log
www_start HA_LOGFILE="$LOG" OCF_RESKEY_change_try_interval=0.2 OCF_RESKEY_start_api_failure=defer \
    OCF_RESKEY_CRM_meta_timeout=20000
STATE=$RUN/route53-dns.state
values() { www_values "$1"; }
set_rec() { www_set "$1" "$2"; }
count() { sim_requests "$1"; }
# Requests (of op, or any) the simulator logged after time T (seconds since the epoch).
after() { sim_ctl GET /_sim/stats | "$PYTHON3" -c '
import json, sys
t, op = float(sys.argv[1]), sys.argv[2]
print(sum(1 for e in json.load(sys.stdin)["log"] if e["t"] > t and op in ("", e["op"])))' "$1" "${2:-}"; }
down() { sim_ctl POST /_sim/config "{\"down\": $1}" >/dev/null; }
reset() {
    stop_all
    set_rec A '["198.51.100.9"]'; set_rec TXT '[]'; rm -f "$STATE"
    sim_ctl POST /_sim/config '{"faults": [], "down": null, "clock_skew": 0, "pending_seconds": 0}' >/dev/null
    sim_ctl POST /_sim/reset-stats >/dev/null
}
field() { sed -n "s/^$1=//p" "$STATE" 2>/dev/null; }
pub_pid() { local p; p=$(field publisher); echo "${p%%:*}"; }
# Whether process $1 runs (exited and unreaped counts as gone).
alive() { [ -n "$1" ] && [ "$1" != 0 ] && [ -r "/proc/$1/stat" ] \
    && ! sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | grep -q '^[ZX]'; }
# This test's publishers: processes of the agent's binary with our HA_RSCTMP.
publishers() {
    local p n=0
    for p in $(pgrep -f -- "$AGENT" 2>/dev/null); do
        alive "$p" && tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "HA_RSCTMP=$RUN" \
            && n=$((n + 1))
    done
    echo "$n"
}
# wait_until SECONDS COMMAND...: poll every 0.2 s; 0 when COMMAND succeeded in time.
wait_until() {
    local end=$(($(date +%s%N) + $1 * 1000000000))
    shift
    until "$@"; do
        [ "$(date +%s%N)" -lt "$end" ] || return 1
        sleep 0.2
    done
}
not_pending() { [ -z "$(field pending_since)" ] && [ -s "$STATE" ]; }
record_ours() { [ "$(values A)" = '["192.0.2.10"]' ]; }
gone() { ! alive "$1"; }
stop_all() { [ -s "$STATE" ] && run_agent stop; rm -f "$STATE"; }
trap 'rc=$?; stop_all >/dev/null 2>&1; (exit $rc); lib_cleanup' EXIT
MINE='"\"heritage=route53,cluster=c1,resource=dns\""'

# ---- defer: start returns 0, the monitor 190, the record follows the API's return ---------
reset
down '"503"'
run_agent start; expect "the record elsewhere, the API down (503), defer: start" 0
[ "${SECS%%.*}" -lt 12 ] && ok "... in $SECS s (about 10 s at most)" || not_ok "took $SECS s"
[ "$(count ChangeResourceRecordSets)" = 0 ] && [ "$(values A)" = '["198.51.100.9"]' ] \
    && ok "... nothing written: the record still points elsewhere" || not_ok "A $(values A)"
since=$(field pending_since)
[[ "$since" =~ ^20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z$ ]] \
    && ok "the state says publishing is pending since $since" || not_ok "pending_since '$since'" "$(cat "$STATE")"
pid=$(pub_pid); start_ticks=$(field publisher); start_ticks=${start_ticks#*:}
alive "$pid" && ok "one publisher runs (pid $pid)" || not_ok "no publisher" "$(cat "$STATE")"
[ "$start_ticks" = "$(sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f20)" ] \
    && ok "the state keeps its start time ($start_ticks, /proc/$pid/stat field 22)" \
    || not_ok "start time '$start_ticks'"
[ "$(publishers)" = 1 ] && ok "exactly one publisher process" || not_ok "publishers: $(publishers)"
# Its descriptors (below 1000: a checker such as valgrind keeps its own at
# the top of the range).  During a try it also holds its own sockets, the
# budget and the zone cache; between tries nothing but 0-2 and its log, so
# a descriptor inherited from the agent would show in every sample.
fds() { for f in /proc/"$pid"/fd/*; do [ "${f##*/}" -lt 1000 ] && readlink "$f"; done | sort | uniq -c | tr -s ' '; }
only_null_and_log() {
    [ "$(readlink /proc/"$pid"/fd/0)$(readlink /proc/"$pid"/fd/1)$(readlink /proc/"$pid"/fd/2)" \
        = /dev/null/dev/null/dev/null ] && ! fds | grep -qv -e /dev/null -e "$LOG"
}
wait_until 10 only_null_and_log \
    && ok "its stdin, stdout, stderr are /dev/null, no other descriptor but its log between tries" \
    || not_ok "descriptors" "$(fds)"
[ "$(ps -o sid= -p "$pid" | tr -d ' ')" != "$(ps -o sid= -p $$ | tr -d ' ')" ] \
    && [ "$(ps -o pgid= -p "$pid" | tr -d ' ')" != "$(ps -o pgid= -p $$ | tr -d ' ')" ] \
    && ok "in a session and process group of its own" || not_ok "sid/pgid" "$(ps -o pid,ppid,pgid,sid -p "$pid")"
grep -q "publishing www.example.com. A 192.0.2.10 pending" <<<"$OUT" \
    && ok "a warning says the publish is deferred" || not_ok "no warning" "$OUT"
run_agent monitor OCF_RESKEY_CRM_meta_interval=10000
expect "a recurring monitor while pending: degraded" 190 \
    "publishing www.example.com. A 192.0.2.10 is pending since $since: Route 53's API is unavailable"
run_agent monitor; expect "a probe reports from the state: running" 0
down null
t0=$(date +%s%N)
if wait_until 30 record_ours; then
    ok "the API back: the record follows in $((($(date +%s%N) - t0) / 1000000)) ms, with no action"
else
    not_ok "the record did not follow within 30 s: A $(values A)" "$(tail -n 20 "$LOG")"
fi
[ "$(values TXT)" = "[$MINE]" ] && ok "... under our marker" || not_ok "TXT $(values TXT)"
wait_until 10 gone "$pid" && ok "the publisher ends" || not_ok "publisher $pid still runs"
not_pending && [ "$(field publisher)" = 0:0 ] && [ -n "$(field zone_id)" ] \
    && ok "the state says not pending, with the zone" || not_ok "state" "$(cat "$STATE")"
run_agent monitor OCF_RESKEY_CRM_meta_interval=10000; expect "then the monitor says running" 0
run_agent stop; expect "stop" 0

# ---- stop during a pending publish: no process, nothing written after it -------------------
reset
down '"503"'
run_agent start; expect "defer again: start" 0
pid=$(pub_pid)
alive "$pid" && ok "a publisher (pid $pid)" || not_ok "no publisher" "$(cat "$STATE")"
run_agent stop
stopped=$(date +%s.%N)
expect "stop during the pending publish" 0
[ "${SECS%%.*}" -lt 7 ] && ok "... in $SECS s" || not_ok "took $SECS s"
gone "$pid" && ok "the publisher is gone when stop returns" || not_ok "pid $pid still runs"
[ "$(publishers)" = 0 ] && ok "no publisher process at all" || not_ok "publishers: $(publishers)"
[ ! -e "$STATE" ] && ok "the state file is removed" || not_ok "state left" "$(cat "$STATE")"
down null
sleep 6 # a publisher still alive would write within 1 + 2 + 4 s of its start
[ "$(after "$stopped" ChangeResourceRecordSets)" = 0 ] && [ "$(after "$stopped")" = 0 ] \
    && ok "no request at all (no ChangeResourceRecordSets) after stop returned" \
    || not_ok "requests after stop: $(after "$stopped")"
[ "$(values A)" = '["198.51.100.9"]' ] && ok "the record as it was" || not_ok "A $(values A)"

# ---- a second start replaces the first publisher -------------------------------------------
reset
down '"503"'
run_agent start; expect "defer: a first start" 0
first=$(pub_pid)
run_agent start; expect "a second start" 0
second=$(pub_pid)
[ -n "$second" ] && [ "$second" != "$first" ] && alive "$second" && gone "$first" \
    && ok "the second publisher ($second) replaced the first ($first)" \
    || not_ok "first $first second $second" "$(cat "$STATE")"
[ "$(publishers)" = 1 ] && ok "exactly one publisher process" || not_ok "publishers: $(publishers)"
run_agent stop; expect "stop" 0
[ "$(publishers)" = 0 ] && ok "none after stop" || not_ok "publishers: $(publishers)"

# ---- a publisher that vanished is a failure, not a pending publish -------------------------
reset
down '"503"'
run_agent start; expect "defer: start" 0
pid=$(pub_pid)
kill -9 "$pid"
wait_until 5 gone "$pid" || fail "kill -9 $pid"
run_agent monitor OCF_RESKEY_CRM_meta_interval=10000
expect "its publisher killed: the monitor fails" 1 "but its publisher (pid $pid) is gone"
run_agent stop; expect "stop" 0

# ---- AccessDenied is never deferred ------------------------------------------------------------
reset
down '"denied"'
run_agent start; expect "AccessDenied with defer: start fails at once" 4 "AccessDenied"
[ "${SECS%%.*}" -lt 3 ] && ok "... in $SECS s" || not_ok "took $SECS s"
[ ! -e "$STATE" ] && [ "$(publishers)" = 0 ] && ok "no state, no publisher" \
    || not_ok "state or publisher left: $(publishers)" "$(cat "$STATE" 2>/dev/null)"

# ---- another owner's marker: the deferred publish writes nothing, the monitor says 1 --------
reset
set_rec TXT '["\"heritage=route53,cluster=c2,resource=web\""]'
down '"503"'
run_agent start; expect "the name under another owner's marker, the API down: start defers" 0
pid=$(pub_pid)
down null
wait_until 30 gone "$pid" && ok "the API back: the publisher ends" || not_ok "publisher $pid still runs"
[ "$(count ChangeResourceRecordSets)" = 0 ] && [ "$(values A)" = '["198.51.100.9"]' ] \
    && ok "... having written nothing" || not_ok "writes $(count ChangeResourceRecordSets), A $(values A)"
run_agent monitor OCF_RESKEY_CRM_meta_interval=10000
expect "the monitor fails, naming the owner" 1 "owned by cluster c2, resource web"
run_agent stop; expect "stop" 0

# ---- defer_max: the publisher gives up, the monitor fails so Pacemaker recovers ---------------
reset
down '"503"'
run_agent start OCF_RESKEY_defer_max=10; expect "defer_max=10: start" 0
pid=$(pub_pid)
wait_until 25 gone "$pid" && ok "the publisher gives up" || not_ok "publisher $pid still runs"
run_agent monitor OCF_RESKEY_CRM_meta_interval=10000
expect "then the monitor fails" 1 "gave up publishing www.example.com. A 192.0.2.10 after defer_max (10 s)"
[ "$(count ChangeResourceRecordSets)" = 0 ] && [ "$(values A)" = '["198.51.100.9"]' ] \
    && ok "nothing written" || not_ok "A $(values A)"
run_agent stop; expect "stop" 0

# ---- fail (the default) still fails inside the timeout -----------------------------------------
reset
down '"503"'
run_agent start OCF_RESKEY_start_api_failure=fail OCF_RESKEY_CRM_meta_timeout=9000
expect "start_api_failure=fail, the API down: start fails" 1 "ServiceUnavailable"
[ "${SECS%%.*}" -lt 9 ] && ok "... inside its timeout ($SECS s of 9)" || not_ok "took $SECS s"
[ ! -e "$STATE" ] && [ "$(publishers)" = 0 ] && ok "no state, no publisher" \
    || not_ok "publishers: $(publishers)" "$(cat "$STATE" 2>/dev/null)"
down null

finish
