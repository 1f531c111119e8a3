#!/usr/bin/env bash
# The credential chain with botocore as the oracle.  For each profile shape
# written into a config/credentials pair, the agent's start publishes the
# record against the simulator (STS included), and botocore
# (boto3.Session(profile_name=NAME).get_credentials(), STS at the
# simulator) resolves the same profile:
#   - keys (static, config file, credential_process, precedence): the key
#     botocore resolves is the one that signed the agent's change;
#   - credential_process's command line (quotes, escapes, an empty word, a
#     path with a space): the helper gets the argv Python's shlex.split gives;
#   - roles (source_profile chains, credential_source, web identity): the
#     STS calls the simulator logged for each, hop by hop (who signed:
#     a long-term key, the previous hop's key, an IMDS key or nobody;
#     role, session name, external id, duration), are the same, and the
#     agent's change was signed by the key its last hop was issued.
# Then every refusal with its code and reason, the cache (a warm monitor:
# no STS call, no process run), and a grep of all the agent's output and
# of the process's environment for every secret.
#
# Exit 0 pass, 1 fail, 77 skip.
set -u
. "$(dirname "$0")/../lib.sh"

: "${AGENT:?AGENT must name the built agent}"
"$PYTHON3" -c 'import boto3' 2>/dev/null || skip_test "boto3 is not installed in $PYTHON3"

rand() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
STATIC_AKID=AKIDSTATIC$(rand 5 | tr a-f A-F)
STATIC_SECRET=static-$(rand 20)
CFG_AKID=AKIDCONFIG$(rand 5 | tr a-f A-F)
CFG_SECRET=config-$(rand 20)
PROC_AKID=AKIDPROC$(rand 6 | tr a-f A-F)
PROC_SECRET=process-$(rand 20)
sim_start "$TEST_TMP/sim" --pending-seconds 0 --dns-port 0 \
    --key "$STATIC_AKID:$STATIC_SECRET" --key "$CFG_AKID:$CFG_SECRET" --key "$PROC_AKID:$PROC_SECRET"
ZONE=$(sim_ctl POST /_sim/zone '{"name":"example.com"}' | sim_json_field - id) || fail "zone"

ACCT=111122223333
R_A=arn:aws:iam::$ACCT:role/hop-a
R_B=arn:aws:iam::444455556666:role/hop-b
R_ENV=arn:aws:iam::$ACCT:role/from-env
R_IMDS=arn:aws:iam::$ACCT:role/from-imds
R_WI=arn:aws:iam::$ACCT:role/oidc
R_DENY=arn:aws:iam::$ACCT:role/nobody
EXT=ext-$(rand 6)
WIT="eyJhbGciOiJSUzI1NiJ9.credentials-test.$(rand 16)"
role() { sim_ctl POST /_sim/role "$1" >/dev/null || fail "role $1"; }
role "{\"arn\":\"$R_A\",\"trust\":[\"$STATIC_AKID\"]}"
role "{\"arn\":\"$R_B\",\"trust\":[\"$R_A\"]}"
role "{\"arn\":\"$R_ENV\",\"trust\":[\"$SIM_AKID\"]}"
role "{\"arn\":\"$R_IMDS\",\"external_id\":\"$EXT\"}"
role "{\"arn\":\"$R_WI\",\"web_identity_token\":\"$WIT\"}"
role "{\"arn\":\"$R_DENY\",\"trust\":[\"AKIDSOMEONEELSE\"]}"

# ---- the credential_process script: Version 1 JSON (or a failure), a count of
# its runs, its arguments and its environment --------------------------------------
PD=$TEST_TMP/proc
mkdir -p "$PD"
PROC=$PD/cred-helper
cat >"$PROC" <<EOF
#!/bin/sh
echo run >>"$PD/count"
printf 'args %s:' "\$#" >>"$PD/args"; for a in "\$@"; do printf ' [%s]' "\$a" >>"$PD/args"; done
echo >>"$PD/args"
env >"$PD/env.last"
case "\$1" in
ok)
    exp=\$(date -u -d @\$((\$(date +%s) + 3600)) +%Y-%m-%dT%H:%M:%SZ)
    printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s", "Expiration": "%s"}\n' \
        "$PROC_AKID" "$PROC_SECRET" "\$exp" ;;
fail)
    echo 'STDOUT-MARKER-$(rand 4) {"Version": 1, "AccessKeyId": "x", "SecretAccessKey": "y"}'
    echo 'signing helper: no certificate for this host' >&2
    echo 'second-line-of-stderr' >&2
    exit 3 ;;
hang)
    echo \$\$ >"$PD/hang.pid"
    exec sleep 30 ;;
notjson) echo 'this is not JSON' ;;
v2) printf '{"Version": 2, "AccessKeyId": "%s", "SecretAccessKey": "%s"}\n' "$PROC_AKID" "$PROC_SECRET" ;;
esac
EOF
chmod +x "$PROC"
STDOUT_MARKER=$(sed -n "s/.*echo '\(STDOUT-MARKER-[0-9a-f]*\).*/\1/p" "$PROC")
runs() { if [ -f "$PD/count" ]; then wc -l <"$PD/count"; else echo 0; fi; }

# ---- the profiles -------------------------------------------------------------------------
H=$TEST_TMP/home
mkdir -p "$H"
CONF=$H/config
CREDS=$H/credentials
printf '%s' "$WIT" >"$H/token"
cat >"$CREDS" <<EOF
[static]
aws_access_key_id = $STATIC_AKID
aws_secret_access_key = $STATIC_SECRET

[base]
aws_access_key_id = $STATIC_AKID
aws_secret_access_key = $STATIC_SECRET

[keys-over-process]
aws_access_key_id = $STATIC_AKID
aws_secret_access_key = $STATIC_SECRET

[selfref]
aws_access_key_id = $STATIC_AKID
aws_secret_access_key = $STATIC_SECRET

[keyed-hop]
aws_access_key_id = $STATIC_AKID
aws_secret_access_key = $STATIC_SECRET
EOF
cat >"$CONF" <<EOF
[profile static]
region = us-east-1

[profile cfgkeys]
aws_access_key_id = $CFG_AKID
aws_secret_access_key = $CFG_SECRET

[profile hopa]
role_arn = $R_A
source_profile = base
role_session_name = hop-a-session

[profile chain]
role_arn = $R_B
source_profile = hopa
duration_seconds = 1800

[profile envsrc]
role_arn = $R_ENV
credential_source = Environment
role_session_name = env-session

[profile imds]
role_arn = $R_IMDS
credential_source = Ec2InstanceMetadata
external_id = $EXT
role_session_name = imds-session
duration_seconds = 1200

[profile process]
credential_process = $PROC ok "two words"

[profile keys-over-process]
credential_process = $PROC ok

[profile process-over-config]
credential_process = $PROC ok
aws_access_key_id = $CFG_AKID
aws_secret_access_key = $CFG_SECRET

[profile wi]
role_arn = $R_WI
web_identity_token_file = $H/token
role_session_name = wi-profile

[profile envwi]
region = us-east-1

[profile selfref]
role_arn = $R_A
source_profile = selfref

[profile keyed-hop]
role_arn = $R_DENY
source_profile = base

[profile via-keyed-hop]
role_arn = $R_A
source_profile = keyed-hop
role_session_name = via-keyed

[profile mfa]
role_arn = $R_A
source_profile = base
mfa_serial = arn:aws:iam::$ACCT:mfa/someone

[profile sso1]
sso_session = corp
sso_account_id = $ACCT
sso_role_name = dns

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1

[profile sso2]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_account_id = $ACCT
sso_role_name = dns

[profile ecs]
role_arn = $R_A
credential_source = EcsContainer

[profile loopa]
role_arn = $R_A
source_profile = loopb

[profile loopb]
role_arn = $R_B
source_profile = loopa

[profile proc-fail]
credential_process = $PROC fail

[profile proc-hang]
credential_process = $PROC hang

[profile proc-notjson]
credential_process = $PROC notjson

[profile proc-v2]
credential_process = $PROC v2

[profile denied]
role_arn = $R_DENY
source_profile = base
EOF

# ---- running the agent ------------------------------------------------------------------
ALL_OUTPUT=$TEST_TMP/all-output.txt
: >"$ALL_OUTPUT"
base_env=(
    OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=dns HA_debug=1
    OCF_RESKEY_zone=example.com OCF_RESKEY_ip=192.0.2.10
    OCF_RESKEY_endpoint="$SIM_URL" OCF_RESKEY_ca_bundle="$SIM_CA" OCF_RESKEY_owner=t
    OCF_RESKEY_dns_servers="127.0.0.1:$SIM_DNS_PORT" OCF_RESKEY_sts_endpoint="$SIM_URL"
    AWS_CONFIG_FILE="$CONF" AWS_SHARED_CREDENTIALS_FILE="$CREDS"
    AWS_EC2_METADATA_DISABLED=true AWS_DEFAULT_REGION=us-east-1 HOME="$H" PATH="$PATH"
    ${AGENT_ENV[@]+"${AGENT_ENV[@]}"}
)
# run_agent ACTION [VAR=VALUE...]: OUT, RC, REASON, ELAPSED_MS.
expect_eq()
{
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "want: $2"$'\n'"got:  $3"; fi
}
reset_stats() { sim_ctl POST /_sim/reset-stats >/dev/null; }
stats() { sim_ctl GET /_sim/stats; }
sts_calls()
{
    stats | "$PYTHON3" -c 'import json, sys; r = json.load(sys.stdin)["requests"]
print(r.get("AssumeRole", 0) + r.get("AssumeRoleWithWebIdentity", 0) + r.get("GetCallerIdentity", 0))'
}
record_of() { sim_ctl GET "/_sim/record?zone=$ZONE&name=$1.example.com.&type=A" 2>/dev/null \
    | sim_json_field - values 2>/dev/null; }

# ---- botocore ---------------------------------------------------------------------------
BOTO=$TEST_TMP/boto.py
cat >"$BOTO" <<'EOF'
import sys
import boto3
name = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] != "-" else None
c = boto3.Session(profile_name=name).get_credentials()
if c is None:
    sys.exit("botocore found no credentials")
print(c.get_frozen_credentials().access_key)
EOF
# boto PROFILE [VAR=VALUE...]: the access key id botocore resolves.
boto()
{
    local name=$1
    shift
    env -i HOME="$H" PATH="$PATH" AWS_CONFIG_FILE="$CONF" AWS_SHARED_CREDENTIALS_FILE="$CREDS" \
        AWS_ENDPOINT_URL_STS="$SIM_URL" AWS_CA_BUNDLE="$SIM_CA" AWS_EC2_METADATA_DISABLED=true \
        AWS_DEFAULT_REGION=us-east-1 AWS_MAX_ATTEMPTS=1 "$@" timeout 60 "$PYTHON3" "$BOTO" "$name"
}

# chain_of STATS ISSUED [AKID]: the STS calls of a stats log, one line per hop:
# the op, who signed it (a long-term key as such, "hopN" for the key hop N
# was issued, "imds", "none"), role, session ("<default>" for the client's own
# name), external id, duration; then "final" and the class of the key that
# signed the ChangeResourceRecordSets (the agent) or of AKID (botocore).
CHAIN_PY=$TEST_TMP/chain.py
cat >"$CHAIN_PY" <<'EOF'
import json, re, sys
log = json.load(open(sys.argv[1]))["log"]
issued = json.load(open(sys.argv[2]))
final = sys.argv[3] if len(sys.argv) > 3 else None
hops = {}
def cls(akid):
    if akid is None:
        return "none"
    if akid in hops:
        return "hop%d" % hops[akid]
    if akid in issued["sts"]["akids"]:
        return "sts-key-from-elsewhere"
    if akid in issued["akids"]:
        return "imds"
    return akid
out = []
for e in log:
    if e["op"] not in ("AssumeRole", "AssumeRoleWithWebIdentity"):
        continue
    s = e.get("session") or ""
    if re.fullmatch(r"route53-.*|botocore-session-\d+", s):
        s = "<default>"
    out.append("%s status=%s signer=%s role=%s session=%s ext=%s duration=%s" % (
        e["op"], e["status"], cls(e["akid"]), e.get("role"), s, e.get("external_id"),
        e.get("duration")))
    if e.get("issued"):
        hops[e["issued"]] = len(hops) + 1
if final is None:
    ch = sorted({cls(e["akid"]) for e in log
                 if e["op"] == "ChangeResourceRecordSets" and e["status"] == 200})
    final = " ".join(ch) or "no-change"
else:
    final = cls(final)
out.append("final " + final)
print("\n".join(out))
EOF
chain_now()
{
    stats >"$TEST_TMP/stats.json"
    sim_ctl GET /_sim/issued >"$TEST_TMP/issued.json"
    "$PYTHON3" "$CHAIN_PY" "$TEST_TMP/stats.json" "$TEST_TMP/issued.json" "$@"
}

# shape DESC PROFILE HOST [--agent VAR=VALUE... --boto VAR=VALUE...]: the agent's
# start (its own HA_RSCTMP) publishes HOST, a warm monitor makes no STS call and
# runs no process, and botocore agrees.  An empty PROFILE: none named.
N_SHAPE=0
shape()
{
    local desc=$1 prof=$2 host=$3 a_chain b_chain akid runs0 agent_args=() boto_args=() side=
    shift 3
    for x in "$@"; do
        case $x in
        --agent) side=a ;;
        --boto) side=b ;;
        *) if [ "$side" = a ]; then agent_args+=("$x"); else boto_args+=("$x"); fi ;;
        esac
    done
    [ -n "$prof" ] && agent_args+=(OCF_RESKEY_profile="$prof")
    N_SHAPE=$((N_SHAPE + 1))
    RUN=$TEST_TMP/run$N_SHAPE
    agent_args+=(HA_RSCTMP="$RUN" OCF_RESKEY_hostname="$host")
    reset_stats
    rm -f "$PD/env.last"
    run_agent start "${agent_args[@]}"
    expect "$desc: start" 0
    expect_eq "$desc: the record is published" '["192.0.2.10"]' "$(record_of "$host")"
    a_chain=$(chain_now)
    [ -f "$PD/env.last" ] && cp "$PD/env.last" "$PD/env.agent.$N_SHAPE"
    reset_stats
    runs0=$(runs)
    run_agent monitor "${agent_args[@]}" OCF_RESKEY_CRM_meta_interval=10000 OCF_RESKEY_monitor_method=api
    expect "$desc: monitor (api)" 0
    expect_eq "$desc: a warm monitor makes no STS call and runs no process" "0 $runs0" \
        "$(sts_calls) $(runs)"
    reset_stats
    if ! akid=$(boto "${prof:--}" "${boto_args[@]}" 2>&1); then
        not_ok "$desc: botocore resolves the profile" "$akid"
        return
    fi
    b_chain=$(chain_now "$akid")
    expect_eq "$desc: botocore agrees (STS calls hop by hop, the key that signs)" \
        "$b_chain" "$a_chain"
    SHAPE_AGENT_CHAIN=$a_chain
}

# ---- the shapes -----------------------------------------------------------------------------
shape "static keys in the credentials file" static s-static
[ "$SHAPE_AGENT_CHAIN" = "final $STATIC_AKID" ] && ok "... signed with the static key" \
    || not_ok "static: $SHAPE_AGENT_CHAIN"
shape "keys in the config file" cfgkeys s-config
shape "a named profile skips the environment's keys" static s-env-skipped \
    --agent AWS_ACCESS_KEY_ID="$SIM_AKID" AWS_SECRET_ACCESS_KEY="$SIM_SECRET" \
    --boto AWS_ACCESS_KEY_ID="$SIM_AKID" AWS_SECRET_ACCESS_KEY="$SIM_SECRET"
shape "no profile named: the environment's keys first" "" s-env \
    --agent AWS_ACCESS_KEY_ID="$SIM_AKID" AWS_SECRET_ACCESS_KEY="$SIM_SECRET" \
    --boto AWS_ACCESS_KEY_ID="$SIM_AKID" AWS_SECRET_ACCESS_KEY="$SIM_SECRET"
shape "role_arn + source_profile with keys (one hop, the issue's own example)" hopa s-hopa
shape "source_profile chain of two" chain s-chain
expect_eq "... two hops: static key -> A, A's key -> B, change signed by B's key" \
    "AssumeRole status=200 signer=$STATIC_AKID role=$R_A session=hop-a-session ext=None duration=3600
AssumeRole status=200 signer=hop1 role=$R_B session=<default> ext=None duration=1800
final hop2" "$SHAPE_AGENT_CHAIN"
run_agent monitor HA_RSCTMP="$RUN" OCF_RESKEY_hostname=s-chain OCF_RESKEY_profile=chain \
    OCF_RESKEY_CRM_meta_interval=10000 OCF_RESKEY_monitor_method=api
reset_stats
run_agent monitor HA_RSCTMP="$RUN" OCF_RESKEY_hostname=s-chain OCF_RESKEY_profile=chain \
    OCF_RESKEY_CRM_meta_interval=10000 OCF_RESKEY_monitor_method=api
expect "chain: a second monitor" 0
expect_eq "... with a warm cache makes 0 STS calls" 0 "$(sts_calls)"
shape "credential_source = Environment" envsrc s-envsrc \
    --agent AWS_ACCESS_KEY_ID="$SIM_AKID" AWS_SECRET_ACCESS_KEY="$SIM_SECRET" \
    --boto AWS_ACCESS_KEY_ID="$SIM_AKID" AWS_SECRET_ACCESS_KEY="$SIM_SECRET"
expect_eq "... the environment's key assumed the role" \
    "AssumeRole status=200 signer=$SIM_AKID role=$R_ENV session=env-session ext=None duration=3600
final hop1" "$SHAPE_AGENT_CHAIN"
shape "credential_source = Ec2InstanceMetadata" imds s-imds \
    --agent AWS_EC2_METADATA_DISABLED=false OCF_RESKEY_imds_endpoint="$SIM_IMDS_URL" \
    --boto AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT="$SIM_IMDS_URL/"
expect_eq "... an IMDS key assumed the role, external id and duration sent" \
    "AssumeRole status=200 signer=imds role=$R_IMDS session=imds-session ext=$EXT duration=1200
final hop1" "$SHAPE_AGENT_CHAIN"
: >"$PD/args"
shape "credential_process" process s-process \
    --agent AWS_SECRET_ACCESS_KEY=env-secret-not-for-the-process AWS_SESSION_TOKEN=env-token-not-for-the-process \
    --boto
[ "$SHAPE_AGENT_CHAIN" = "final $PROC_AKID" ] && ok "... signed with the process's key" \
    || not_ok "process: $SHAPE_AGENT_CHAIN"
expect_eq "... its command line split as botocore splits it" \
    "$(sed -n 2p "$PD/args")" "$(sed -n 1p "$PD/args")"
ENVF=$PD/env.agent.$N_SHAPE
if [ ! -f "$ENVF" ]; then
    not_ok "the process's environment was dumped"
elif grep -q '^AWS_SECRET_ACCESS_KEY=\|^AWS_SESSION_TOKEN=\|^AWS_ACCESS_KEY_ID=' "$ENVF"; then
    not_ok "the process's environment holds no AWS secret" "$(cut -d= -f1 "$ENVF")"
else
    ok "the process's environment holds no AWS secret ($(cut -d= -f1 "$ENVF" | tr '\n' ' '))"
fi
CACHE=$(ls "$RUN"/route53-credentials-* 2>/dev/null)
if [ "$(echo "$CACHE" | wc -w)" = 1 ] && [ "$(stat -c %a "$CACHE")" = 600 ] \
    && grep -qF "$PROC_SECRET" "$CACHE"; then
    ok "the process's credentials (with an Expiration) are cached: one file, mode 0600"
else
    not_ok "process cache: '${CACHE:-none}' $(stat -c %a "$CACHE" 2>/dev/null)"
fi
runs0=$(runs)
reset_stats
run_agent monitor HA_RSCTMP="$RUN" OCF_RESKEY_hostname=s-process OCF_RESKEY_profile=process \
    OCF_RESKEY_CRM_meta_interval=10000 OCF_RESKEY_monitor_method=api
expect "process: a second monitor" 0
expect_eq "... with a warm cache runs no process" "$runs0" "$(runs)"
# A command line with every kind of quoting, an empty word and a path with a
# space: the helper gets exactly the argv Python's shlex.split gives (the AWS
# CLI's split), and botocore runs it with the same.
ARGV_HELPER="$PD/dir with space/argv helper"
mkdir -p "$PD/dir with space"
cat >"$ARGV_HELPER" <<EOF
#!/bin/sh
printf '%s\\0' "\$0" "\$@" >"$PD/argv.out"
exp=\$(date -u -d @\$((\$(date +%s) + 3600)) +%Y-%m-%dT%H:%M:%SZ)
printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s", "Expiration": "%s"}\n' \
    "$PROC_AKID" "$PROC_SECRET" "\$exp"
EOF
chmod +x "$ARGV_HELPER"
cat >"$PD/argv.cmd" <<'EOF'
"@HELPER@" 'single \ kept' "a\$b" "" "q\"uote" "dq \\ \x \`" back\\slash\ x mix"e"'d' '' tab\	end
EOF
ARGV_CMD=$(sed "s|@HELPER@|$ARGV_HELPER|" "$PD/argv.cmd")
printf '\n[profile proc-argv]\ncredential_process = %s\n' "$ARGV_CMD" >>"$CONF"
"$PYTHON3" -c 'import shlex, sys
sys.stdout.buffer.write(b"".join(w.encode() + b"\0" for w in shlex.split(sys.argv[1])))' \
    "$ARGV_CMD" >"$PD/argv.python"
argv_show() { tr '\0' '\n' <"$1" | sed 's/^/[/; s/$/]/' | tr '\n' ' '; }
if [ "$(tr -cd '\0' <"$PD/argv.python" | wc -c)" = 10 ] && grep -qaF 'a\$b' "$PD/argv.python" \
    && grep -qaF "$ARGV_HELPER" "$PD/argv.python" && tr '\0' '\n' <"$PD/argv.python" | grep -qx ''; then
    ok "shlex.split gives 10 words, an empty one, a\\\$b and the path with a space: $(argv_show "$PD/argv.python")"
else
    not_ok "shlex.split of the command line" "$(argv_show "$PD/argv.python")"
fi
rm -f "$PD/argv.out"
run_agent start HA_RSCTMP="$TEST_TMP/run-argv" OCF_RESKEY_hostname=s-argv OCF_RESKEY_profile=proc-argv
expect "credential_process with quotes, escapes, an empty word and a path with a space: start" 0
if [ -f "$PD/argv.out" ] && cmp -s "$PD/argv.python" "$PD/argv.out"; then
    ok "... the helper got exactly shlex.split's argv"
else
    not_ok "... the helper got exactly shlex.split's argv" \
        "python: $(argv_show "$PD/argv.python")"$'\n'"agent:  $(argv_show "$PD/argv.out" 2>&1)"
fi
rm -f "$PD/argv.out"
if ! akid=$(boto proc-argv 2>&1); then
    not_ok "... botocore runs it too" "$akid"
elif [ "$akid" = "$PROC_AKID" ] && cmp -s "$PD/argv.python" "$PD/argv.out"; then
    ok "... botocore runs it with the same argv"
else
    not_ok "... botocore runs it with the same argv" "$akid: $(argv_show "$PD/argv.out" 2>&1)"
fi
shape "the credentials file's keys before credential_process" keys-over-process s-kop
shape "credential_process before the config file's keys" process-over-config s-poc
shape "web identity from the profile" wi s-wi
expect_eq "... AssumeRoleWithWebIdentity, unsigned" \
    "AssumeRoleWithWebIdentity status=200 signer=none role=$R_WI session=wi-profile ext=None duration=3600
final hop1" "$SHAPE_AGENT_CHAIN"
shape "web identity from AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN + AWS_ROLE_SESSION_NAME" "" s-envwi \
    --agent AWS_WEB_IDENTITY_TOKEN_FILE="$H/token" AWS_ROLE_ARN="$R_WI" AWS_ROLE_SESSION_NAME=env-wi \
    --boto AWS_WEB_IDENTITY_TOKEN_FILE="$H/token" AWS_ROLE_ARN="$R_WI" AWS_ROLE_SESSION_NAME=env-wi
expect_eq "... the environment's role and session name" \
    "AssumeRoleWithWebIdentity status=200 signer=none role=$R_WI session=env-wi ext=None duration=3600
final hop1" "$SHAPE_AGENT_CHAIN"
# /dev/null for a file reads as an empty one, as botocore and the AWS CLI take
# it (the way tests and scripts say "no such file").
shape "AWS_SHARED_CREDENTIALS_FILE=/dev/null: none there, the config file's keys" cfgkeys s-null-creds \
    --agent AWS_SHARED_CREDENTIALS_FILE=/dev/null --boto AWS_SHARED_CREDENTIALS_FILE=/dev/null
shape "both files /dev/null, no profile named: the environment's keys" "" s-null-both \
    --agent AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    AWS_ACCESS_KEY_ID="$SIM_AKID" AWS_SECRET_ACCESS_KEY="$SIM_SECRET" \
    --boto AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    AWS_ACCESS_KEY_ID="$SIM_AKID" AWS_SECRET_ACCESS_KEY="$SIM_SECRET"
# botocore: with a profile named (Session(profile_name=...), the CLI's --profile)
# the web identity variables are ignored, as the environment's keys are.
WIENV=(AWS_WEB_IDENTITY_TOKEN_FILE="$H/token" AWS_ROLE_ARN="$R_WI" AWS_ROLE_SESSION_NAME=env-wi)
b_out=$(boto envwi "${WIENV[@]}" 2>&1) && b_res="key $b_out" || b_res="no credentials"
run_agent start HA_RSCTMP="$TEST_TMP/run-wienv" OCF_RESKEY_hostname=s-envwi-named \
    OCF_RESKEY_profile=envwi "${WIENV[@]}"
if [ "$RC" = 0 ]; then a_res="key (exit 0, record published)"; else a_res="no credentials"; fi
expect_eq "DIVERGENCE check: a named profile with only AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN set: botocore ignores them (disable_env_vars)" \
    "$b_res" "$a_res"
# botocore: AWS_PROFILE (unlike a named profile) does not skip the
# environment's keys: they come first (the AWS CLI documents it too).
shape "DIVERGENCE check: AWS_PROFILE and the environment's keys" "" s-awsprofile \
    --agent AWS_PROFILE=static AWS_ACCESS_KEY_ID="$SIM_AKID" AWS_SECRET_ACCESS_KEY="$SIM_SECRET" \
    --boto AWS_PROFILE=static AWS_ACCESS_KEY_ID="$SIM_AKID" AWS_SECRET_ACCESS_KEY="$SIM_SECRET"
# botocore: a profile may name itself as source_profile to use its own keys
# for its role; a source profile with keys gives its keys, not its role.
shape "DIVERGENCE check: a profile that is its own source_profile (its keys assume its role)" selfref s-selfref
shape "DIVERGENCE check: a source profile with keys and a role of its own: its keys" via-keyed-hop s-keyed

# ---- refusals --------------------------------------------------------------------------------
RUN=$TEST_TMP/run-refusals
refuse() { run_agent start HA_RSCTMP="$RUN" OCF_RESKEY_hostname=refused OCF_RESKEY_profile="$1" "${@:3}"; }
refuse mfa; expect "mfa_serial: refused" 2 "mfa_serial"
refuse sso1; expect "sso_session: refused" 2 "SSO"
refuse sso2; expect "sso_start_url: refused" 2 "SSO"
refuse ecs; expect "credential_source = EcsContainer: refused" 2 "EcsContainer"
refuse loopa; expect "a source_profile loop a -> b -> a: refused" 2 "loop"
if out=$(boto loopa 2>&1); then not_ok "botocore refuses the loop too" "$out"
elif [[ "$out" == *"nfinite loop"* ]]; then ok "botocore refuses the loop too"
else not_ok "botocore refuses the loop too" "$out"; fi
refuse proc-fail; expect "a failing credential_process" 2
for want in "$PROC" "3" "signing helper: no certificate for this host"; do
    [[ "$REASON" == *"$want"* ]] && ok "... the reason names '$want'" || not_ok "... reason lacks '$want'" "$REASON"
done
[[ "$OUT" != *second-line-of-stderr* ]] && ok "... only the first stderr line" || not_ok "second stderr line shown" "$OUT"
[[ "$OUT" != *"$STDOUT_MARKER"* ]] && ok "... never its stdout" || not_ok "its stdout shown" "$OUT"
rm -f "$PD/hang.pid"
refuse proc-hang 0 OCF_RESKEY_CRM_meta_timeout=$((4000 * TIME_FACTOR))
if [ "$RC" = 0 ]; then not_ok "a hanging credential_process: fails" "$OUT"
elif [ "$ELAPSED_MS" -ge $((4000 * TIME_FACTOR)) ]; then
    not_ok "a hanging credential_process: the action returns before its timeout (${ELAPSED_MS} ms)" "$OUT"
else ok "a hanging credential_process: exit $RC after ${ELAPSED_MS} ms, within the 4 s timeout"; fi
[[ "$REASON" == *credential_process* ]] && ok "... the reason names credential_process: $REASON" \
    || not_ok "... reason" "$REASON"
hp=$(cat "$PD/hang.pid" 2>/dev/null)
if [ -z "$hp" ]; then not_ok "... the process ran"
elif kill -0 "$hp" 2>/dev/null; then not_ok "... the hanging process is left running (pid $hp)"; kill "$hp"
else ok "... and it is not left running"; fi
# botocore reads a directory given for a file as no file; the agent refuses
# it (a wrong path is better named than passed over to the next source).
refuse static 1 AWS_CONFIG_FILE="$H"; expect "AWS_CONFIG_FILE naming a directory: refused" 1 "is not a regular file"
refuse proc-notjson; expect "credential_process printing no JSON" 2 "no JSON"
refuse proc-v2; expect "credential_process printing Version 2" 2 "Version"
refuse denied; expect "AccessDenied from STS" 4 "AccessDenied"
refuse process 0 OCF_RESKEY_CRM_meta_timeout=20000 OCF_RESKEY_hostname=refused2
expect "(after the refusals, the process profile still publishes)" 0

# ---- secrets ---------------------------------------------------------------------------------
sim_ctl GET /_sim/issued >"$TEST_TMP/issued.json"
leaks=$("$PYTHON3" - "$TEST_TMP/issued.json" "$ALL_OUTPUT" "$PD" \
    "$SIM_SECRET" "$STATIC_SECRET" "$CFG_SECRET" "$PROC_SECRET" "$WIT" <<'P'
import glob, json, os, sys
issued = json.load(open(sys.argv[1]))
secrets = list(sys.argv[4:])
secrets += issued["secrets"] + issued["tokens"] + issued.get("imds_tokens", [])
for k in ("secrets", "tokens", "web_identity_tokens"):
    secrets += issued["sts"].get(k, [])
texts = {"agent output": open(sys.argv[2]).read()}
for f in glob.glob(os.path.join(sys.argv[3], "env.agent.*")):
    texts[f] = open(f).read()
found = ["%s in %s" % (s[:12] + "...", where) for s in set(secrets) if s
         for where, t in texts.items() if s in t]
print("%d secrets checked; %s" % (len(set(secrets)), "; ".join(found) or "none found"))
sys.exit(1 if found else 0)
P
) && ok "no secret, session token or web identity token in any agent output or the process's environment ($leaks)" \
    || not_ok "secrets leaked" "$leaks"
[ "$(wc -l <"$ALL_OUTPUT")" -gt 100 ] && ok "(the debug output grepped: $(wc -l <"$ALL_OUTPUT") lines)" \
    || not_ok "too little debug output to grep"
finish
