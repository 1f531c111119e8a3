# tests/lib.sh: helpers for the integration tests (bash; source it).
#
#   make_ca DIR [IP]       test CA + server cert for 127.0.0.1/localhost (and IP)
#   sim_start DIR [ARGS]   start tests/sim/r53sim.py, export SIM_* variables
#                          (on $SIM_HOST, default 127.0.0.1, inside network
#                          namespace $SIM_NETNS if set)
#   sim_stop               stop it (also done on exit)
#   sim_ctl METHOD PATH [JSON]   call the simulator's control API
#   require_aws_cli / require_moto   skip (77) without the AWS CLI / moto
#   ok / check / fail / skip_test / finish   TAP-like reporting
#
# Exit codes follow automake: 0 pass, 1 fail, 77 skip.

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${PYTHON3:=python3}"
SIM_PY="$LIB_DIR/sim/r53sim.py"

TESTS_RUN=0
TESTS_FAILED=0
SIM_PID=

# ---- running the agent under a checker ---------------------------------------
# Tests run the agent through `env -i`; these arrays carry what must survive
# that.  AGENT_ENV: sanitizer options, so an ASan/UBSan/LSan report still
# aborts the agent (and fails the check) instead of being silently dropped.
# AGENT_WRAP: $AGENT_WRAPPER split into words (e.g. "valgrind --error-exitcode=99 ..."),
# placed before the agent.  TIME_FACTOR scales the short time budgets some
# checks give the agent, since a wrapper slows it down (default 5 when
# wrapped, else 1); it is printed so a slowed run is never hidden.
AGENT_ENV=()
for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
    [ -n "${!v:-}" ] && AGENT_ENV+=("$v=${!v}")
done
read -r -a AGENT_WRAP <<<"${AGENT_WRAPPER:-}"
if [ "${#AGENT_WRAP[@]}" -gt 0 ]; then
    TIME_FACTOR=${TIME_FACTOR:-5}
    echo "# agent runs under: ${AGENT_WRAPPER}; time budgets scaled by $TIME_FACTOR"
else
    TIME_FACTOR=${TIME_FACTOR:-1}
fi

# ---- reporting --------------------------------------------------------------

# ok DESCRIPTION: record a passing check.
ok()
{
    TESTS_RUN=$((TESTS_RUN + 1))
    echo "ok $TESTS_RUN - $*"
}

# not_ok DESCRIPTION [DETAIL]: record a failing check and go on.
not_ok()
{
    TESTS_RUN=$((TESTS_RUN + 1))
    TESTS_FAILED=$((TESTS_FAILED + 1))
    echo "not ok $TESTS_RUN - $1"
    if [ -n "${2:-}" ]; then
        printf '%s\n' "$2" | sed 's/^/#   /'
    fi
}

# check DESCRIPTION COMMAND...: run COMMAND, ok if it exits 0.
check()
{
    local desc=$1 out
    shift
    if out=$("$@" 2>&1); then
        ok "$desc"
    else
        not_ok "$desc" "$out"
    fi
}

# fail MESSAGE: a fatal failure; exits 1 (cleanup runs from the trap).
fail()
{
    echo "FAIL: $*" >&2
    if [ -n "${SIM_DIR:-}" ] && [ -s "$SIM_DIR/sim.log" ]; then
        echo "--- last lines of $SIM_DIR/sim.log:" >&2
        tail -n 20 "$SIM_DIR/sim.log" >&2
    fi
    exit 1
}

# skip_test MESSAGE: the test cannot run here; exits 77.
skip_test()
{
    echo "" >&2
    echo "SKIP: $*" >&2
    echo "" >&2
    exit 77
}

# finish: print the plan and exit 0 if every check passed, else 1.
finish()
{
    echo "1..$TESTS_RUN"
    if [ "$TESTS_FAILED" -ne 0 ]; then
        echo "# $TESTS_FAILED of $TESTS_RUN checks failed" >&2
        if [ -n "${SIM_DIR:-}" ] && [ -s "$SIM_DIR/sim.log" ]; then
            echo "--- last lines of $SIM_DIR/sim.log:" >&2
            tail -n 30 "$SIM_DIR/sim.log" >&2
        fi
        exit 1
    fi
    exit 0
}

# ---- running the agent ------------------------------------------------------

# run_agent ACTION [VAR=VALUE...]: run $AGENT under env -i with the test's
# base_env array plus the given variables (and AGENT_WRAP); sets RC, OUT
# (stdout+stderr), REASON (the last ocf-exit-reason), ELAPSED_MS and SECS
# (the same in seconds, "1.234"), and appends OUT to $ALL_OUTPUT when set
# (for the grep for secrets).  faults.sh keeps its own, which budgets.
run_agent()
{
    local action=$1 t0
    shift
    t0=$(date +%s%N)
    OUT=$(env -i "${base_env[@]}" "$@" ${AGENT_WRAP[@]+"${AGENT_WRAP[@]}"} "$AGENT" "$action" 2>&1)
    RC=$?
    ELAPSED_MS=$((($(date +%s%N) - t0) / 1000000))
    SECS=$((ELAPSED_MS / 1000)).$(printf '%03d' $((ELAPSED_MS % 1000)))
    REASON=$(printf '%s\n' "$OUT" | sed -n 's/^ocf-exit-reason://p' | tail -n 1)
    if [ -n "${ALL_OUTPUT:-}" ]; then printf '%s\n' "$OUT" >>"$ALL_OUTPUT"; fi
}

# expect DESC RC [REASON-SUBSTRING]: check the last run_agent.
expect()
{
    if [ "$RC" != "$2" ]; then
        not_ok "$1 (exit $RC, want $2)" "$OUT"
    elif [ -n "${3:-}" ] && [[ "$REASON" != *"$3"* ]]; then
        not_ok "$1 (reason '$REASON' lacks '$3')" "$OUT"
    else
        ok "$1"
    fi
}

# ---- cleanup ------------------------------------------------------------------

# Work files go in one temporary directory, removed on exit unless
# KEEP_TMP=1 (then its path is printed).
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/r53test.XXXXXX") || exit 1

lib_cleanup()
{
    local rc=$?
    sim_stop
    if [ "${KEEP_TMP:-0}" = 1 ]; then
        echo "# kept $TEST_TMP" >&2
    else
        rm -rf "$TEST_TMP"
    fi
    exit "$rc"
}
trap lib_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- AWS CLI ------------------------------------------------------------------------

# require_aws_cli: set AWS to the CLI, or skip the test (with curl,
# openssl and Python, which the simulator tests also need).
require_aws_cli()
{
    local tool
    AWS=/usr/bin/aws
    [ -x "$AWS" ] || skip_test "$AWS (AWS CLI v2) is not installed"
    for tool in openssl curl "$PYTHON3"; do
        command -v "$tool" >/dev/null || skip_test "$tool is not installed"
    done
}

# aws_cli_clean_env: nothing from the caller's AWS setup reaches the CLI,
# which must not retry by itself (AWS_MAX_ATTEMPTS=1): every answer the
# simulator gives is seen by the test.
aws_cli_clean_env()
{
    local v
    for v in $(env | sed -n 's/^\(AWS_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
    export HOME=$TEST_TMP/home AWS_DEFAULT_REGION=us-east-1 AWS_PAGER='' \
        AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
        AWS_EC2_METADATA_DISABLED=true AWS_MAX_ATTEMPTS=1 AWS_RETRY_MODE=standard
    mkdir -p "$HOME"
}

# find_moto: set MOTO_PY to a Python that has moto (and boto3); 1 if none.
# moto is not in Debian 12: look in PATH, then in pyenv's Pythons (where
# this project's machines have it); MOTO_PYTHON wins.
find_moto()
{
    local py
    MOTO_PY=
    for py in "${MOTO_PYTHON:-}" "$PYTHON3" python3 /usr/bin/python3 \
        "${PYENV_ROOT:-${HOME:-/root}/.pyenv}"/versions/*/bin/python3 /root/.pyenv/versions/*/bin/python3; do
        [ -n "$py" ] && "$py" -c 'import moto.server, boto3' 2>/dev/null && { MOTO_PY=$py; return 0; }
    done
    return 1
}

# require_moto: find_moto, or skip the test.
require_moto() { find_moto || skip_test "no python3 with moto (set MOTO_PYTHON)"; }

# ---- TLS ----------------------------------------------------------------------------

# make_ca DIR [IP]: DIR/ca.pem (+ ca.key) and DIR/server.pem + DIR/server.key
# for IP:127.0.0.1, DNS:localhost (and IP:IP), signed by that CA;
# MAKE_CA_SAN set: for those names alone (e.g. "DNS:localhost").
make_ca()
{
    local dir=$1 san=${MAKE_CA_SAN:-IP:127.0.0.1,DNS:localhost}
    if [ -n "${2:-}" ]; then san="$san,IP:$2"; fi
    mkdir -p "$dir" || return 1
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=r53sim test CA" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout "$dir/ca.key" -out "$dir/ca.pem" >/dev/null 2>&1 \
        || { echo "make_ca: cannot create the CA" >&2; return 1; }
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
        -keyout "$dir/server.key" -out "$dir/server.csr" >/dev/null 2>&1 \
        || { echo "make_ca: cannot create the server key" >&2; return 1; }
    printf '%s\n' "subjectAltName=$san" \
        "basicConstraints=CA:FALSE" "extendedKeyUsage=serverAuth" > "$dir/server.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
        -CAcreateserial -days 2 -extfile "$dir/server.ext" \
        -out "$dir/server.pem" >/dev/null 2>&1 \
        || { echo "make_ca: cannot sign the server cert" >&2; return 1; }
}

# ---- simulator -----------------------------------------------------------------

# sim_start DIR [EXTRA ARGS]: start the simulator with a fresh test key pair
# (and a CA in DIR unless DIR/ca.pem exists); wait at most 10 s for it.
# Exports SIM_PORT SIM_IMDS_PORT SIM_URL SIM_IMDS_URL SIM_CA SIM_AKID
# SIM_SECRET SIM_PID, and with --dns-port SIM_DNS_PORT SIM_DNS_HOST (else
# empty); its log is DIR/sim.log.  SIM_HOST (default 127.0.0.1)
# is the listen address; with SIM_NETNS it runs in that network namespace
# (sim_ctl then calls it from there too).
sim_start()
{
    local dir=$1 host=${SIM_HOST:-127.0.0.1} _
    local run=()
    shift
    SIM_DIR=$dir
    if [ -n "${SIM_NETNS:-}" ]; then run=(ip netns exec "$SIM_NETNS"); fi
    [ -f "$dir/ca.pem" ] || make_ca "$dir" "$host" || fail "make_ca failed"
    SIM_AKID=AKIDSIM$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n' | tr a-f A-F)
    SIM_SECRET=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
    rm -f "$dir/ready.json"
    "${run[@]}" "$PYTHON3" "$SIM_PY" --host "$host" --port 0 --imds-port 0 \
        --cert "$dir/server.pem" --key "$dir/server.key" \
        --ready-file "$dir/ready.json" --key "$SIM_AKID:$SIM_SECRET" "$@" \
        >"$dir/sim.log" 2>&1 &
    SIM_PID=$!
    for _ in $(seq 100); do
        [ -s "$dir/ready.json" ] && break
        kill -0 "$SIM_PID" 2>/dev/null || { SIM_PID=; fail "simulator exited at start"; }
        sleep 0.1
    done
    [ -s "$dir/ready.json" ] || fail "simulator not ready within 10 s"
    SIM_PORT=$(sim_json_field "$dir/ready.json" port)
    SIM_IMDS_PORT=$(sim_json_field "$dir/ready.json" imds_port)
    SIM_URL=https://$host:$SIM_PORT
    SIM_IMDS_URL=http://$host:$SIM_IMDS_PORT
    SIM_CA=$dir/ca.pem
    # With --dns-port: the DNS port (UDP and TCP) and its first address.
    SIM_DNS_PORT=$(sim_json_field "$dir/ready.json" dns_port 2>/dev/null) || SIM_DNS_PORT=
    SIM_DNS_HOST=$(sim_json_field "$dir/ready.json" dns_addresses 0 2>/dev/null) || SIM_DNS_HOST=
    export SIM_PORT SIM_IMDS_PORT SIM_URL SIM_IMDS_URL SIM_CA SIM_AKID SIM_SECRET SIM_PID
    export SIM_DNS_PORT SIM_DNS_HOST
}

# sim_stop: stop the simulator we started (TERM, then KILL after 3 s).
sim_stop()
{
    local _
    [ -n "${SIM_PID:-}" ] || return 0
    kill "$SIM_PID" 2>/dev/null
    for _ in $(seq 30); do
        kill -0 "$SIM_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$SIM_PID" 2>/dev/null
    wait "$SIM_PID" 2>/dev/null
    SIM_PID=
}

# sim_ctl METHOD PATH [JSON]: call the control API, print the body.  Fails
# (status 1) on an HTTP error; the body is printed either way.
sim_ctl()
{
    local method=$1 path=$2 data=${3:-}
    local args=(-sS --max-time 10 --cacert "$SIM_CA" -X "$method"
                -w '\n%{http_code}' -H 'Content-Type: application/json')
    [ -n "$data" ] && args+=(--data-binary "$data")
    local out code run=()
    if [ -n "${SIM_NETNS:-}" ]; then run=(ip netns exec "$SIM_NETNS"); fi
    out=$("${run[@]}" curl "${args[@]}" "$SIM_URL$path") || return 1
    code=${out##*$'\n'}
    out=${out%$'\n'*}
    printf '%s\n' "${out%$'\n'}"
    [ "$code" -ge 200 ] && [ "$code" -lt 300 ]
}

# sim_json_field FILE|- KEY...: print json[KEY][KEY]... (python, no jq).
sim_json_field()
{
    local src=$1
    shift
    "$PYTHON3" -c '
import json, sys
src = sys.argv[1]
v = json.load(sys.stdin if src == "-" else open(src))
for k in sys.argv[2:]:
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v if not isinstance(v, (dict, list)) else json.dumps(v))
' "$src" "$@"
}

# ---- one record: www.example.com in the simulator ----------------------------------

# www_start [VAR=VALUE...]: the simulator with DNS and one zone,
# example.com, for tests of the record www.example.com; sets ZONE (bare
# id), RUN (HA_RSCTMP) and base_env (run_agent's environment: the agent
# publishing 192.0.2.10 as owner c1, with static keys and the
# simulator's DNS as dns_servers), plus the given variables.
www_start()
{
    sim_start "$TEST_TMP/sim" --pending-seconds 0 --dns-port 0
    ZONE=$(sim_ctl POST /_sim/zone '{"name":"example.com"}' | sim_json_field - id) || fail "zone"
    ZONE=${ZONE#/hostedzone/}
    RUN=$TEST_TMP/run
    base_env=(
        OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=dns HA_RSCTMP="$RUN" HA_debug=1
        OCF_RESKEY_hostname=www OCF_RESKEY_zone=example.com OCF_RESKEY_ip=192.0.2.10
        OCF_RESKEY_endpoint="$SIM_URL" OCF_RESKEY_ca_bundle="$SIM_CA" OCF_RESKEY_owner=c1
        OCF_RESKEY_dns_servers="127.0.0.1:$SIM_DNS_PORT"
        AWS_ACCESS_KEY_ID="$SIM_AKID" AWS_SECRET_ACCESS_KEY="$SIM_SECRET"
        AWS_EC2_METADATA_DISABLED=true HOME="$TEST_TMP" PATH="$PATH"
        AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_CONFIG_FILE=/nonexistent
        "$@" ${AGENT_ENV[@]+"${AGENT_ENV[@]}"}
    )
}

# www_values TYPE: the values www.example.com's TYPE record holds in the
# simulator, as JSON ("[]" for none).
www_values()
{
    sim_ctl GET "/_sim/record?zone=$ZONE&name=www.example.com.&type=$1" 2>/dev/null \
        | "$PYTHON3" -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["values"]))' 2>/dev/null \
        || echo '[]'
}

# www_set TYPE JSON: set www.example.com's TYPE record (TTL 10) behind the
# agent's back; "[]" removes it.
www_set()
{
    sim_ctl POST /_sim/record \
        "{\"zone\":\"$ZONE\",\"name\":\"www.example.com.\",\"type\":\"$1\",\"ttl\":10,\"values\":$2}" >/dev/null
}

# sim_requests OP: how many OP requests the simulator answered since its
# statistics were last reset.
sim_requests()
{
    sim_ctl GET /_sim/stats | sim_json_field - requests "$1" 2>/dev/null || echo 0
}
