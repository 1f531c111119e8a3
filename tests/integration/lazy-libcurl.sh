#!/usr/bin/env bash
# libcurl serves only requests through a proxy (src/http.c), and is loaded
# at the first of them (src/http_curl.c), not at exec.  A probe, a
# monitor that DNS confirms and every request without a proxy
# (http_tls.c's own HTTPS) must not map it; a request through a proxy
# must; and a libcurl that cannot be loaded is exit 5 with one reason,
# never a crash, for an agent configured with a proxy, and nothing at all
# for one without.  The dynamic loader's own trace (LD_DEBUG=libs) says
# which libraries a process loaded; a libcurl.so.4 that is not a
# library, found first on LD_LIBRARY_PATH as ld.so finds any library,
# stands for a missing one (the same dlopen failure, no test hook in the
# agent).
set -u
. "$(dirname "$0")/../lib.sh"

: "${AGENT:?AGENT must name the built agent}"
[ -x "$AGENT" ] || fail "agent $AGENT not built"
# Under valgrind the trace would be valgrind's loader's.
[ "${#AGENT_WRAP[@]}" -eq 0 ] || skip_test "LD_DEBUG traces the wrapper, not the agent, under $AGENT_WRAPPER"

www_start
MON=(OCF_RESKEY_CRM_meta_interval=10000)

# loaded_libcurl: whether the last run_agent's loader trace shows
# libcurl.so.4 being loaded.
loaded_libcurl() { printf '%s\n' "$OUT" | grep -q 'calling init: .*libcurl\.so\.4'; }
api_calls() { sim_ctl GET /_sim/stats | "$PYTHON3" -c '
import json, sys
print(sum(n for op, n in json.load(sys.stdin)["requests"].items() if op != "imds"))'; }

run_agent monitor LD_DEBUG=libs; expect "probe before start: not running" 7
loaded_libcurl && not_ok "a probe loaded libcurl" "$OUT" || ok "a probe does not load libcurl"

sim_ctl POST /_sim/reset-stats >/dev/null
run_agent start LD_DEBUG=libs; expect "start publishes" 0
[ "$(api_calls)" -ge 2 ] && ok "start called Route 53 ($(api_calls) calls)" || not_ok "start made $(api_calls) calls"
loaded_libcurl && not_ok "start without a proxy loaded libcurl" "$OUT" \
    || ok "start without a proxy calls Route 53 without libcurl"
run_agent monitor "${MON[@]}" OCF_RESKEY_monitor_method=api LD_DEBUG=libs; expect "monitor by the API" 0
loaded_libcurl && not_ok "a monitor by the API loaded libcurl" "$OUT" \
    || ok "a monitor by the API does not load libcurl"

# ---- through a proxy: libcurl ----------------------------------------------------
"$PYTHON3" "$LIB_DIR/sim/proxy.py" --ready-file "$TEST_TMP/proxy.json" --log "$TEST_TMP/proxy.log" &
PROXY_PID=$!
for _ in $(seq 100); do [ -s "$TEST_TMP/proxy.json" ] && break; sleep 0.1; done
PROXY=(OCF_RESKEY_proxy=http://127.0.0.1:$(sim_json_field "$TEST_TMP/proxy.json" port)) \
    || fail "proxy did not start"
www_set A '["192.0.2.99"]'
run_agent start "${PROXY[@]}" LD_DEBUG=libs; expect "start through a proxy" 0
loaded_libcurl && ok "start through a proxy loads libcurl" \
    || not_ok "start through a proxy did not load libcurl: the trace cannot show it" "$OUT"
grep -q "CONNECT 127.0.0.1:$SIM_PORT" "$TEST_TMP/proxy.log" && ok "its requests went through the proxy" \
    || not_ok "the proxy saw no tunnel"

sim_ctl POST /_sim/reset-stats >/dev/null
run_agent monitor "${MON[@]}" LD_DEBUG=libs; expect "monitor, DNS confirms" 0
[ "$(api_calls)" = 0 ] && ok "the monitor made no Route 53 call" || not_ok "monitor made $(api_calls) calls"
loaded_libcurl && not_ok "a DNS-confirmed monitor loaded libcurl" "$OUT" \
    || ok "a DNS-confirmed monitor does not load libcurl"
run_agent monitor LD_DEBUG=libs; expect "probe after start: running" 0
loaded_libcurl && not_ok "a probe after start loaded libcurl" "$OUT" || ok "a probe after start does not load libcurl"

# ---- libcurl missing ------------------------------------------------------------
mkdir -p "$TEST_TMP/nolib" && : >"$TEST_TMP/nolib/libcurl.so.4"
NOLIB=(LD_LIBRARY_PATH="$TEST_TMP/nolib")
run_agent monitor "${MON[@]}" "${NOLIB[@]}"; expect "without libcurl, a monitor DNS confirms still succeeds" 0
run_agent monitor "${MON[@]}" OCF_RESKEY_monitor_method=api "${NOLIB[@]}"
expect "without libcurl, a monitor by the API (no proxy) still succeeds" 0
run_agent monitor "${MON[@]}" OCF_RESKEY_monitor_method=api "${PROXY[@]}" "${NOLIB[@]}"
expect "without libcurl, a monitor through a proxy is not installed" 5 "libcurl cannot be loaded"
[ "$(printf '%s\n' "$OUT" | grep -c '^ocf-exit-reason:')" = 1 ] && ok "one reason line" \
    || not_ok "reason lines" "$OUT"
[[ "$REASON" == *libcurl.so.4* ]] && ok "the reason names libcurl.so.4" || not_ok "reason: $REASON"
www_set A '["192.0.2.99"]'
run_agent start "${PROXY[@]}" "${NOLIB[@]}"; expect "without libcurl, start through a proxy is not installed" 5 "install libcurl"
[ "$(www_values A)" = '["192.0.2.99"]' ] && ok "the record is untouched" || not_ok "record: $(www_values A)"
run_agent stop OCF_RESKEY_stop_action=delete "${PROXY[@]}" "${NOLIB[@]}"
expect "without libcurl, stop still succeeds (a stale record beats a fence)" 0
run_agent start "${NOLIB[@]}"; expect "without libcurl, start without a proxy succeeds" 0
[ "$(www_values A)" = '["192.0.2.10"]' ] && ok "and publishes" || not_ok "record: $(www_values A)"
kill "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null

finish
