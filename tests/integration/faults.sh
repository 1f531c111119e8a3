#!/usr/bin/env bash
# Every fault the simulator injects, met by the action it hurts: one table
# row each.  A row asserts the OCF exit code, words of the ocf-exit-reason
# line, no crash, that the action ended inside its timeout
# (OCF_RESKEY_CRM_meta_timeout), and how many requests the simulator saw
# (retried or not).  The whole table runs at debug level (HA_debug=1) and
# no secret key, session token or IMDS token may appear in its output.
# The table is printed at the end.  Exit 0 pass, 1 fail; ~1.5 min.
set -u
. "$(dirname "$0")/../lib.sh"

: "${AGENT:?AGENT must name the built agent}"
[ -x "$AGENT" ] || fail "agent $AGENT not built"
command -v bc >/dev/null || fail "bc is not installed (see .ci/packages)"

sim_start "$TEST_TMP/sim" --dns-port 0
ZONE=$(sim_ctl POST /_sim/zone '{"name":"example.com"}' | sim_json_field - id) \
    || fail "cannot create zone"
ZONE=${ZONE#/hostedzone/}
make_ca "$TEST_TMP/otherca" || fail "make_ca"
RUN=$TEST_TMP/run
ALL_OUTPUT=$TEST_TMP/all-output.txt
: >"$ALL_OUTPUT"

base_env=(
    OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=dns HA_RSCTMP="$RUN" HA_debug=1
    OCF_RESKEY_hostname=www OCF_RESKEY_zone=example.com OCF_RESKEY_ip=192.0.2.10
    OCF_RESKEY_endpoint="$SIM_URL" OCF_RESKEY_ca_bundle="$SIM_CA"
    # These rows are the API's faults: no DNS step, and the plain UPSERT
    # (ownership's read-then-write is tests/integration/ownership.sh's).
    OCF_RESKEY_monitor_method=api OCF_RESKEY_ownership=off
    OCF_RESKEY_change_try_interval=0.2 OCF_RESKEY_monitor_retry_interval=0.2
    AWS_ACCESS_KEY_ID="$SIM_AKID" AWS_SECRET_ACCESS_KEY="$SIM_SECRET"
    AWS_EC2_METADATA_DISABLED=true HOME="$TEST_TMP" PATH="$PATH"
    AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_CONFIG_FILE=/nonexistent
)

# The table.  fault: a simulator fault kind, "down:K" (every request),
# "skew:S" (the simulator's clock S s ahead) or "-".  op: the operation
# the fault hits ("*" any Route 53 one, "imds").  n: how many requests.
# overrides: NAME=VALUE sets OCF_RESKEY_NAME; @role = instance-role
# credentials from the simulator's IMDS instead of static keys; @level10 =
# OCF_CHECK_LEVEL=10; @ZONE @PORT @OTHERCA expand in values.  reason: words
# the ocf-exit-reason line must hold ("" for none wanted, @any = a reason
# of any words).  budget: OCF_RESKEY_CRM_meta_timeout, seconds.  checks:
# OP=N / OP>=N requests of OP seen; issued=N new IMDS credentials; akids =
# the faulted op saw two different access keys; tries = the reason gives
# the number of tries.  Monitor and stop rows start the resource first,
# without the fault.
TABLE='
# fault      | op                       | n  | action       | overrides                       | want | reason                  | budget | checks
# -- retryable, a few times: the action still succeeds
throttle     | ChangeResourceRecordSets | 2  | start        |                                 | 0    |                         | 8      | ChangeResourceRecordSets=3
prior        | ChangeResourceRecordSets | 1  | start        |                                 | 0    |                         | 8      | ChangeResourceRecordSets=2
500          | ListHostedZonesByName    | 2  | start        |                                 | 0    |                         | 8      | ListHostedZonesByName=3
503          | GetChange                | 2  | start        |                                 | 0    |                         | 8      | GetChange>=3
html502      | ListHostedZonesByName    | 1  | start        |                                 | 0    |                         | 8      | ListHostedZonesByName=2
reset        | ChangeResourceRecordSets | 1  | start        |                                 | 0    |                         | 8      | ChangeResourceRecordSets=2
reset-after  | ChangeResourceRecordSets | 1  | start        |                                 | 0    |                         | 8      | ChangeResourceRecordSets=2
truncated    | ListHostedZonesByName    | 1  | start        |                                 | 0    |                         | 8      | ListHostedZonesByName=2
hang         | ListHostedZonesByName    | 1  | start        | request_timeout=1               | 0    |                         | 8      | ListHostedZonesByName=2
slow:3       | ChangeResourceRecordSets | 1  | start        | request_timeout=1               | 0    |                         | 8      | ChangeResourceRecordSets=2
throttle     | GetHostedZone            | 1  | start        | zone= zone_id=@ZONE             | 0    |                         | 8      | GetHostedZone=2
throttle     | ListResourceRecordSets   | 1  | monitor      |                                 | 0    |                         | 8      | ListResourceRecordSets=2
# -- the node clock 10 minutes behind, then ahead: the Date header of the refusal corrects it, once
skew:600     | *                        | -  | start        |                                 | 0    |                         | 8      | ListHostedZonesByName=2
skew:-600    | *                        | -  | start        |                                 | 0    |                         | 8      | ListHostedZonesByName=2
skew:600     | *                        | -  | monitor      |                                 | 0    |                         | 8      | ListResourceRecordSets=2
# -- retryable, persistent: 1 (monitor 190) naming the last error, inside the budget
throttle     | *                        | 99 | start        |                                 | 1    | Throttling              | 3      | tries ListHostedZonesByName>=3
prior        | ChangeResourceRecordSets | 99 | start        |                                 | 1    | PriorRequestNotComplete | 3      | tries ChangeResourceRecordSets>=3
500          | ChangeResourceRecordSets | 99 | start        |                                 | 1    | InternalFailure         | 3      | tries ChangeResourceRecordSets>=3
down:503     | *                        | -  | start        |                                 | 1    | ServiceUnavailable      | 3      | tries ListHostedZonesByName>=3
html502      | *                        | 99 | start        |                                 | 1    | HTTP 502                | 3      | tries ListHostedZonesByName>=3
reset        | *                        | 99 | start        |                                 | 1    | @any                    | 3      | tries ListHostedZonesByName>=3
truncated    | GetChange                | 99 | start        |                                 | 1    | @any                    | 3      | tries GetChange>=3
hang         | *                        | 99 | start        | request_timeout=1               | 1    | @any                    | 5      | tries ListHostedZonesByName>=2
503          | ListResourceRecordSets   | 99 | monitor      |                                 | 190  | ServiceUnavailable      | 3      | ListResourceRecordSets>=3
503          | ListResourceRecordSets   | 99 | monitor      | monitor_api_failure=fail        | 1    | ServiceUnavailable      | 3      | ListResourceRecordSets>=2
throttle     | ListResourceRecordSets   | 99 | monitor      |                                 | 190  | Throttling              | 3      | ListResourceRecordSets>=3
hang         | ListResourceRecordSets   | 99 | monitor      | request_timeout=1               | 190  | @any                    | 5      | ListResourceRecordSets>=2
throttle     | *                        | 99 | validate-all | @level10                        | 1    | Throttling              | 3      | ListHostedZonesByName>=3
# -- fail fast: one request, no retry
bighdr       | ListHostedZonesByName    | 1  | start        |                                 | 1    | oversize headers        | 8      | ListHostedZonesByName=1
denied       | ListHostedZonesByName    | 1  | start        |                                 | 4    | AccessDenied            | 8      | ListHostedZonesByName=1
denied       | ListHostedZonesByName    | 1  | validate-all | @level10                        | 4    | AccessDenied            | 8      | ListHostedZonesByName=1
invalidtoken | ChangeResourceRecordSets | 1  | start        |                                 | 4    | InvalidClientTokenId    | 8      | ChangeResourceRecordSets=1
sigexpired   | ListHostedZonesByName    | 1  | start        |                                 | 4    | clock                   | 8      | ListHostedZonesByName=1
nosuchzone   | ChangeResourceRecordSets | 1  | start        |                                 | 6    | NoSuchHostedZone        | 8      | ChangeResourceRecordSets=1
nosuchzone   | GetHostedZone            | 1  | start        | zone= zone_id=@ZONE             | 6    | NoSuchHostedZone        | 8      | GetHostedZone=1
-            | -                        | -  | start        | zone=nowhere.example            | 6    | nowhere.example         | 8      | ListHostedZonesByName=1
-            | -                        | -  | start        | hostname=www.example.org        | 6    | not inside zone         | 8      | ChangeResourceRecordSets=0
invalidbatch | ChangeResourceRecordSets | 1  | start        |                                 | 1    | already exists          | 8      | ChangeResourceRecordSets=1
garbage      | ListHostedZonesByName    | 1  | start        |                                 | 1    | response                | 8      | ListHostedZonesByName=1
empty        | ChangeResourceRecordSets | 1  | start        |                                 | 1    | response                | 8      | ChangeResourceRecordSets=1
wrong-root   | GetChange                | 1  | start        |                                 | 1    | response                | 8      | GetChange=1
wrong-ns     | ListHostedZonesByName    | 1  | start        |                                 | 1    | response                | 8      | ListHostedZonesByName=1
doctype      | GetHostedZone            | 1  | start        | zone= zone_id=@ZONE             | 1    | refused                 | 8      | GetHostedZone=1
entity       | ChangeResourceRecordSets | 1  | start        |                                 | 1    | refused                 | 8      | ChangeResourceRecordSets=1
huge         | ListHostedZonesByName    | 1  | start        |                                 | 1    | larger than             | 8      | ListHostedZonesByName=1
-            | -                        | -  | start        | ca_bundle=@OTHERCA              | 1    | certificate             | 8      | ListHostedZonesByName=0
-            | -                        | -  | start        | endpoint=http://127.0.0.1:@PORT | 6    | https                   | 8      | ListHostedZonesByName=0
# -- the same refusals and bad answers met by a recurring monitor
denied       | ListResourceRecordSets   | 1  | monitor      |                                 | 190  | AccessDenied            | 8      | ListResourceRecordSets=1
sigexpired   | ListResourceRecordSets   | 1  | monitor      |                                 | 190  | clock                   | 8      | ListResourceRecordSets=1
nosuchzone   | ListResourceRecordSets   | 1  | monitor      |                                 | 1    | NoSuchHostedZone        | 8      | ListResourceRecordSets=1
garbage      | ListResourceRecordSets   | 1  | monitor      |                                 | 190  | response                | 8      | ListResourceRecordSets=1
huge         | ListResourceRecordSets   | 1  | monitor      |                                 | 190  | larger than             | 8      | ListResourceRecordSets=1
expired      | ListResourceRecordSets   | 1  | monitor      |                                 | 190  | ExpiredToken            | 8      | ListResourceRecordSets=1
expired      | ListResourceRecordSets   | 1  | monitor      | @role                           | 0    |                         | 8      | issued=2 ListResourceRecordSets=2
# -- expired credentials: role credentials are fetched again once
expired      | ListHostedZonesByName    | 1  | start        | @role                           | 0    |                         | 8      | issued=2 akids ListHostedZonesByName=2
expired      | ChangeResourceRecordSets | 1  | start        | @role                           | 0    |                         | 8      | issued=2 akids ChangeResourceRecordSets=2
expired      | ListHostedZonesByName    | 2  | start        | @role                           | 4    | ExpiredToken            | 8      | issued=2 ListHostedZonesByName=2
expired      | ListHostedZonesByName    | 1  | start        |                                 | 4    | ExpiredToken            | 8      | issued=0 ListHostedZonesByName=1
# -- instance metadata faults: a few quick retries, then 1
503          | imds                     | 1  | start        | @role ip=local                  | 0    |                         | 8      | ChangeResourceRecordSets=1
hang         | imds                     | 1  | start        | @role ip=local request_timeout=1 | 0   |                         | 8      | ChangeResourceRecordSets=1
503          | imds                     | 99 | start        | @role ip=local                  | 1    | @any                    | 3      | ChangeResourceRecordSets=0
hang         | imds                     | 99 | start        | @role ip=local request_timeout=1 | 1   | @any                    | 5      | ChangeResourceRecordSets=0
503          | imds                     | 99 | monitor      | @role ip=local                  | 190  | @any                    | 3      | ListResourceRecordSets=0
# -- stop never fails for Route 53 trouble, and ends in time
hang         | *                        | 99 | stop         | stop_action=delete request_timeout=1 | 0 |                     | 5      |
throttle     | *                        | 99 | stop         | stop_action=delete              | 0    |                         | 3      |
denied       | ChangeResourceRecordSets | 1  | stop         | stop_action=delete              | 0    |                         | 8      | ChangeResourceRecordSets=1
'

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; printf '%s' "${s%"${s##*[![:space:]]}"}"; }

# expand_overrides WORDS: print one env assignment per line.
expand_overrides()
{
    local w
    for w in $1; do
        w=${w//@ZONE/$ZONE}
        w=${w//@PORT/$SIM_PORT}
        w=${w//@OTHERCA/$TEST_TMP/otherca/ca.pem}
        case $w in
        @role) printf '%s\n' AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY= \
                   AWS_EC2_METADATA_DISABLED=false "OCF_RESKEY_imds_endpoint=$SIM_IMDS_URL" ;;
        @level10) printf '%s\n' OCF_CHECK_LEVEL=10 ;;
        *=*) printf 'OCF_RESKEY_%s\n' "$w" ;;
        *) fail "bad override '$w' in the table" ;;
        esac
    done
}

# run_agent ACTION BUDGET ENV...: sets RC OUT REASON SECS.
run_agent()
{
    local action=$1 budget=$2 t0 t1
    shift 2
    t0=$(date +%s.%N)
    OUT=$(env -i "${base_env[@]}" ${AGENT_ENV[@]+"${AGENT_ENV[@]}"} \
          OCF_RESKEY_CRM_meta_timeout=$((budget * 1000)) "$@" \
          "$AGENT" "$action" 2>&1)
    RC=$?
    t1=$(date +%s.%N)
    SECS=$(echo "$t1 - $t0" | bc)
    REASON=$(printf '%s\n' "$OUT" | sed -n 's/^ocf-exit-reason://p' | tail -n 1)
    printf '%s\n' "$OUT" >>"$ALL_OUTPUT"
}

# reset_sim [PENDING]: no faults, clock right, fresh statistics; changes
# stay PENDING for PENDING seconds (0: INSYNC at once, start never polls).
reset_sim()
{
    sim_ctl POST /_sim/config \
        "{\"faults\": [], \"down\": null, \"clock_skew\": 0, \"pending_seconds\": ${1:-0}, \"role\": \"ha-dns\", \"cred_ttl\": 21600}" \
        >/dev/null || fail "cannot reset the simulator"
    sim_ctl POST /_sim/reset-stats >/dev/null || fail "cannot reset statistics"
}

# apply_fault KIND OP N
apply_fault()
{
    case $1 in
    -) return 0 ;;
    down:*) sim_ctl POST /_sim/config "{\"down\": \"${1#down:}\"}" ;;
    skew:*) sim_ctl POST /_sim/config "{\"clock_skew\": ${1#skew:}}" ;;
    *) sim_ctl POST /_sim/config "{\"faults\": [{\"op\": \"$2\", \"count\": $3, \"kind\": \"$1\"}]}" ;;
    esac >/dev/null || fail "cannot apply fault $1 to $2"
}

issued_count() { sim_ctl GET /_sim/issued | sim_json_field - akids | "$PYTHON3" -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

# eval_checks OP ISSUED REASON CHECKS...: print what is wrong (nothing if
# all hold).  The simulator counts a request when it has answered it, so a
# request the agent gave up on (slow:S) may be counted after the agent
# left: a failed check is looked at again for up to 4 s.
eval_checks()
{
    local wrong _
    for _ in $(seq 20); do
        wrong=$(eval_checks_once "$@") || return 1
        [ -z "$wrong" ] && return 0
        sleep 0.2
    done
    printf '%s\n' "$wrong"
}

eval_checks_once()
{
    sim_ctl GET /_sim/stats | "$PYTHON3" -c '
import json, re, sys
stats = json.load(sys.stdin)
op, issued, reason = sys.argv[1], int(sys.argv[2]), sys.argv[3]
bad = []
for c in sys.argv[4:]:
    m = re.fullmatch(r"(\w+)(>=|=)(\d+)", c)
    if c == "tries":
        if not re.search(r"\d+ (tries|attempts|requests)", reason):
            bad.append("reason gives no number of tries")
    elif c == "akids":
        keys = {e["akid"] for e in stats["log"] if e["op"] == op}
        if len(keys) < 2:
            bad.append("%s saw keys %s, want a fresh one on the retry" % (op, sorted(map(str, keys))))
    elif m:
        name, cmp, n = m.group(1), m.group(2), int(m.group(3))
        got = issued if name == "issued" else stats["requests"].get(name, 0)
        if (cmp == "=" and got != n) or (cmp == ">=" and got < n):
            bad.append("%s: %d, want %s%d" % (name, got, cmp, n))
    else:
        bad.append("unknown check %r" % c)
print("; ".join(bad))
' "$@"
}

PRINTED=()
rows=0
T_START=$(date +%s)
while IFS='|' read -r kind op n action overrides want words budget checks; do
    kind=$(trim "$kind")
    case $kind in '' | '#'*) continue ;; esac
    op=$(trim "$op") n=$(trim "$n") action=$(trim "$action") overrides=$(trim "$overrides")
    want=$(trim "$want") words=$(trim "$words") budget=$(trim "$budget") checks=$(trim "$checks")
    rows=$((rows + 1))
    mapfile -t extra < <(expand_overrides "$overrides")
    [ "$action" = monitor ] && extra+=(OCF_RESKEY_CRM_meta_interval=10000)
    desc="$kind x$n on $op, $action${overrides:+ ($overrides)}"
    problems=()

    # A fault on GetChange needs a change that is not INSYNC at once.
    if [ "$op" = GetChange ]; then reset_sim 0.3; else reset_sim; fi
    rm -rf "$RUN"
    if [ "$action" = monitor ] || [ "$action" = stop ]; then
        run_agent start 8 "${extra[@]}"
        [ "$RC" = 0 ] || problems+=("setup start exited $RC: $REASON")
        sim_ctl POST /_sim/reset-stats >/dev/null
    fi
    issued0=$(issued_count)
    apply_fault "$kind" "$op" "$n"
    run_agent "$action" "$budget" "${extra[@]}"
    issued=$(( $(issued_count) - issued0 ))

    [ "$RC" = "$want" ] || problems+=("exit $RC, want $want")
    case $RC in
    [0-9] | 190 | 191) ;;
    *) problems+=("CRASH: exit $RC") ;;
    esac
    grep -qE 'Sanitizer|runtime error:|Segmentation fault|core dumped' <<<"$OUT" \
        && problems+=("sanitizer or crash report in the output")
    case $words in
    '') [ "$want" = 0 ] && [ -n "$REASON" ] && problems+=("a success with a failure reason: $REASON") ;;
    @any) [ -n "$REASON" ] || problems+=("no ocf-exit-reason line") ;;
    *) [[ "$REASON" == *"$words"* ]] || problems+=("reason '$REASON' lacks '$words'") ;;
    esac
    [ "$(echo "$SECS <= $budget" | bc)" = 1 ] || problems+=("took ${SECS}s, budget ${budget}s")
    # shellcheck disable=SC2086 # checks are words
    wrong=$(eval_checks "$op" "$issued" "$REASON" $checks) || fail "cannot read statistics"
    [ -n "$wrong" ] && problems+=("$wrong")

    if [ "${#problems[@]}" = 0 ]; then
        ok "$desc: exit $RC in ${SECS}s"
    else
        not_ok "$desc" "$(printf '%s\n' "${problems[@]}" "--- agent output:" "$(tail -n 15 <<<"$OUT")")"
    fi
    PRINTED+=("$(printf '%-12s | %-24s | %-2s | %-12s | %4s | %4s | %6.2f | %6s | %s' \
        "$kind" "$op" "$n" "$action" "$want" "$RC" "$SECS" "$budget" "${REASON:0:110}")")
done <<<"$TABLE"
reset_sim

[ "$rows" -ge 50 ] && ok "$rows rows ran" || not_ok "only $rows rows ran"

# ---- no secret in any output ---------------------------------------------------------
issued_json=$(sim_ctl GET /_sim/issued) || fail "cannot read /_sim/issued"
# (through stdin, never argv)
mapfile -t secrets < <("$PYTHON3" -c '
import json, sys
d = json.load(sys.stdin)
for k in d["secrets"] + d["tokens"] + d["imds_tokens"]: print(k)' <<<"$issued_json")
counts=$("$PYTHON3" -c 'import json, sys; d = json.load(sys.stdin); print(len(d["secrets"]), len(d["imds_tokens"]))' \
    <<<"$issued_json")
if [ "${counts% *}" -ge 3 ] && [ "${counts#* }" -ge 3 ]; then
    ok "the simulator issued ${counts% *} role keys and ${counts#* } IMDS tokens to look for"
else
    not_ok "too few issued secrets to look for (keys, IMDS tokens: $counts)"
fi
# grep -f reads the patterns from a pipe: no secret in any argv.
mapfile -t leaked < <(printf '%s\n' "$SIM_SECRET" "${secrets[@]}" | grep -v '^$' \
    | grep -oF -f - "$ALL_OUTPUT" | cut -c1-4 | sed 's/$/.../' | sort -u)
grep -q "Signature=" "$ALL_OUTPUT" && leaked+=("Signature=")
[ "${#leaked[@]}" = 0 ] && ok "no secret in $(wc -l <"$ALL_OUTPUT") lines of debug-level output" \
    || not_ok "secrets leaked into the agent's output" "${leaked[*]}"
grep -q ": debug: " "$ALL_OUTPUT" && ok "the output is at debug level" || not_ok "no debug lines"

# ... nor in a child's argv or environment: a stand-in crm_resource, first
# on PATH, writes down both (the environment as it came, NUL-separated).
mkdir -p "$TEST_TMP/bin"
cat >"$TEST_TMP/bin/crm_resource" <<EOF
#!/bin/sh
printf '%s\n' "\$0" "\$@" >"$TEST_TMP/child-argv"
cat /proc/\$\$/environ >"$TEST_TMP/child-env"
echo 192.0.2.77
EOF
chmod +x "$TEST_TMP/bin/crm_resource"
child_token=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
reset_sim
rm -rf "$RUN"
run_agent start 8 OCF_RESKEY_ip= OCF_RESKEY_ip_resource=vip PATH="$TEST_TMP/bin:$PATH" \
    AWS_SESSION_TOKEN="$child_token"
if [ ! -s "$TEST_TMP/child-argv" ]; then
    not_ok "the agent ran the stand-in crm_resource" "exit $RC: $(tail -n 5 <<<"$OUT")"
elif printf '%s\n' "$SIM_SECRET" "$child_token" \
        | grep -qaF -f - "$TEST_TMP/child-argv" "$TEST_TMP/child-env"; then
    not_ok "a secret reached crm_resource's argv or environment"
else
    ok "crm_resource ($(tr '\n' ' ' <"$TEST_TMP/child-argv")) got no secret in argv or environment"
fi
grep -qaF "HA_debug=1" "$TEST_TMP/child-env" 2>/dev/null \
    && ok "... though the environment was captured (it holds HA_debug)" \
    || not_ok "the stand-in captured no environment"

echo "# fault        | op                       | n  | action       | want |  got |   secs | budget | reason"
for line in "${PRINTED[@]}"; do echo "# $line"; done
echo "# $rows rows in $(( $(date +%s) - T_START )) s"
finish
