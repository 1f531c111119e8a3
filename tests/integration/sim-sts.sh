#!/bin/bash
# Keep the simulator's STS honest: drive tests/sim/r53sim.py's AssumeRole,
# AssumeRoleWithWebIdentity and GetCallerIdentity with the real AWS CLI
# (/usr/bin/aws) and with botocore's own credential providers (boto3 in the
# image's Python: profiles with role_arn + source_profile, chains,
# credential_source, web identity), and check that what STS issues works
# against the simulator's Route 53 only with its session token.  If botocore
# and the CLI accept the simulator's STS, the agent tested against it is
# tested against STS's wire format.
#
# Exit 0 pass, 1 fail, 77 skip.  Every wait is bounded; no timing checks.

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

require_aws_cli
"$PYTHON3" -c 'import boto3' 2>/dev/null || skip_test "boto3 is not installed in $PYTHON3"

# ---- helpers -------------------------------------------------------------------------

aws_cli_clean_env

# $AWSX SERVICE ARGS... (a script, so env(1) can run it): the AWS CLI
# against the simulator, JSON out, credentials from the environment.
AWSX=$TEST_TMP/awsx
cat >"$AWSX" <<'EOF'
#!/bin/sh
exec timeout 30 /usr/bin/aws --endpoint-url "$SIM_URL" --ca-bundle "$SIM_CA" \
    --output json "$@"
EOF
chmod +x "$AWSX"

# with_env VAR=VALUE... -- CMD...: CMD (a command or a function) with
# those variables exported, in a subshell.
with_env()
{
    (
        while [ "$1" != -- ]; do export "${1?}"; shift; done
        shift
        "$@"
    )
}
# as_sim CMD...: CMD with the simulator's long-term test key.
as_sim() { with_env AWS_ACCESS_KEY_ID="$SIM_AKID" AWS_SECRET_ACCESS_KEY="$SIM_SECRET" -- "$@"; }
# as_other CMD...: CMD with a second long-term key that no role trusts.
as_other() { with_env AWS_ACCESS_KEY_ID="$OTHER_AKID" AWS_SECRET_ACCESS_KEY="$OTHER_SECRET" -- "$@"; }
# as_creds JSON CMD...: CMD with the Credentials of an STS answer (JSON).
as_creds()
{
    local j=$1
    shift
    with_env AWS_ACCESS_KEY_ID="$(jget "d['Credentials']['AccessKeyId']" <<<"$j")" \
        AWS_SECRET_ACCESS_KEY="$(jget "d['Credentials']['SecretAccessKey']" <<<"$j")" \
        AWS_SESSION_TOKEN="$(jget "d['Credentials']['SessionToken']" <<<"$j")" -- "$@"
}

jget()
{
    "$PYTHON3" -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}

# expect_error DESC CODE TEXT CMD...: CMD must fail, printing the CLI's
# "An error occurred (CODE)" and TEXT (a fixed string; may be empty).
expect_error()
{
    local desc=$1 code=$2 text=$3 out
    shift 3
    if out=$("$@" 2>&1); then
        not_ok "$desc" "unexpected success: $out"
    elif ! grep -qF "An error occurred ($code)" <<<"$out"; then
        not_ok "$desc" "want error $code, got: $out"
    elif [ -n "$text" ] && ! grep -qF -- "$text" <<<"$out"; then
        not_ok "$desc" "want text '$text', got: $out"
    else
        ok "$desc"
    fi
}

expect_eq()
{
    if [ "$2" = "$3" ]; then
        ok "$1"
    else
        not_ok "$1" "want: $2"$'\n'"got:  $3"
    fi
}

# stat_count OP: how many OP requests the simulator has seen.
# last_log EXPR [OP]: EXPR over the last log entry (as e) of OP (default
# AssumeRole).
stat_count() { sim_ctl GET /_sim/stats | jget "d['requests'].get('$1', 0)"; }
last_log()
{
    sim_ctl GET /_sim/stats | jget "(lambda e: $1)([e for e in d['log'] if e['op'] == '${2:-AssumeRole}'][-1])"
}

# assume ROLE_NAME [ARGS...]: `aws sts assume-role` of ACCT's ROLE_NAME
# (credentials from the environment).
assume()
{
    local role=$1
    shift
    "$AWSX" sts assume-role --role-arn "arn:aws:iam::$ACCT:role/$role" "$@"
}

# exp_between JSON T0 T1 SECONDS: Expiration is SECONDS after a moment
# between T0 and T1 (epoch seconds, taken around the call).
exp_between()
{
    "$PYTHON3" -c '
import calendar, json, sys, time
d = json.load(sys.stdin)
e = calendar.timegm(time.strptime(d["Credentials"]["Expiration"][:19], "%Y-%m-%dT%H:%M:%S"))
t0, t1, s = int(sys.argv[1]), int(sys.argv[2]) + 1, int(sys.argv[3])
print("yes" if t0 + s <= e <= t1 + s else "no: %d not in [%d, %d]" % (e, t0 + s, t1 + s))
' "$2" "$3" "$4" <<<"$1"
}

# ---- start ---------------------------------------------------------------------------

OTHER_AKID=AKIDOTHER$(od -An -N5 -tx1 /dev/urandom | tr -d ' \n' | tr a-f A-F)
OTHER_SECRET=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
sim_start "$TEST_TMP/sim" --key "$OTHER_AKID:$OTHER_SECRET"
ZONE=$(sim_ctl POST /_sim/zone '{"name": "example.com"}' | jget "d['id']") \
    || fail "cannot create the zone"

ACCT=111122223333
WIT="eyJhbGciOiJSUzI1NiJ9.r53sim-web-identity.$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
EXT="ext-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
role() { sim_ctl POST /_sim/role "$1" >/dev/null || fail "cannot register role $1"; }
role "{\"arn\": \"arn:aws:iam::$ACCT:role/dns-writer\", \"trust\": [\"$SIM_AKID\"]}"
role "{\"arn\": \"arn:aws:iam::$ACCT:role/ext-writer\", \"external_id\": \"$EXT\"}"
role "{\"arn\": \"arn:aws:iam::$ACCT:role/short\", \"max_duration\": 3600}"
role "{\"arn\": \"arn:aws:iam::444455556666:role/central-dns\", \"trust\": [\"arn:aws:iam::$ACCT:role/dns-writer\"]}"
role "{\"arn\": \"arn:aws:iam::$ACCT:role/oidc\", \"web_identity_token\": \"$WIT\"}"
role "{\"arn\": \"arn:aws:iam::$ACCT:role/disabled\", \"fail\": \"RegionDisabledException\"}"
expect_eq "GET /_sim/roles lists the 6 roles" 6 "$(sim_ctl GET /_sim/roles | jget "len(d['roles'])")"

# ---- GetCallerIdentity ----------------------------------------------------------------

out=$(as_sim "$AWSX" sts get-caller-identity) || fail "get-caller-identity: $out"
expect_eq "get-caller-identity of the test key: the r53sim user" \
    "arn:aws:iam::123456789012:user/r53sim 123456789012" \
    "$(jget "d['Arn'] + ' ' + d['Account']" <<<"$out")"
expect_eq "... signed for sts in us-east-1, counted and logged" "1 us-east-1 $SIM_AKID" \
    "$(stat_count GetCallerIdentity) $(last_log "e['region'] + ' ' + e['akid']" GetCallerIdentity)"
check "get-caller-identity signed in eu-west-2: any region is accepted" \
    as_sim "$AWSX" --region eu-west-2 sts get-caller-identity
expect_eq "... and the log says which" eu-west-2 "$(last_log "e['region']" GetCallerIdentity)"
expect_error "a wrong secret: SignatureDoesNotMatch" SignatureDoesNotMatch "" \
    env AWS_ACCESS_KEY_ID="$SIM_AKID" AWS_SECRET_ACCESS_KEY="${SIM_SECRET}x" "$AWSX" sts get-caller-identity
expect_error "an unknown key: InvalidClientTokenId" InvalidClientTokenId "" \
    env AWS_ACCESS_KEY_ID=AKIDUNKNOWN00000000 AWS_SECRET_ACCESS_KEY="$SIM_SECRET" "$AWSX" sts get-caller-identity

# ---- AssumeRole -------------------------------------------------------------------------

sim_ctl POST /_sim/reset-stats >/dev/null
t0=$(date +%s)
A1=$(as_sim assume dns-writer --role-session-name route53-dns-node1 --duration-seconds 1800) \
    || fail "assume-role: $A1"
t1=$(date +%s)
A1_AKID=$(jget "d['Credentials']['AccessKeyId']" <<<"$A1")
expect_eq "assume-role: an ASIA key, a secret, a token, the assumed-role user" \
    "ASIA 20 True True arn:aws:sts::$ACCT:assumed-role/dns-writer/route53-dns-node1" \
    "$(jget "' '.join(str(x) for x in [d['Credentials']['AccessKeyId'][:4], len(d['Credentials']['AccessKeyId']), len(d['Credentials']['SecretAccessKey']) >= 40, len(d['Credentials']['SessionToken']) > 100, d['AssumedRoleUser']['Arn']])" <<<"$A1")"
expect_eq "... Expiration is DurationSeconds (1800) after the call" yes "$(exp_between "$A1" "$t0" "$t1" 1800)"
expect_eq "... logged: signer, role, session, no external id, region, issued key, duration" \
    "$SIM_AKID arn:aws:iam::$ACCT:role/dns-writer route53-dns-node1 None us-east-1 $A1_AKID 1800" \
    "$(last_log "' '.join(str(e[k]) for k in ('akid', 'role', 'session', 'external_id', 'region', 'issued', 'duration'))")"
issued=$(sim_ctl GET /_sim/issued)
expect_eq "/_sim/issued lists its key, secret and token, also under \"sts\"" "True True True True" \
    "$(jget "' '.join(str(x) for x in ['$A1_AKID' in d['akids'], '$A1_AKID' in d['sts']['akids'], '$(jget "d['Credentials']['SecretAccessKey']" <<<"$A1")' in d['sts']['secrets'], '''$(jget "d['Credentials']['SessionToken']" <<<"$A1")''' in d['sts']['tokens']])" <<<"$issued")"
t0=$(date +%s)
out=$(as_sim assume dns-writer --role-session-name s2) || fail "assume-role: $out"
t1=$(date +%s)
expect_eq "without DurationSeconds: one hour" yes "$(exp_between "$out" "$t0" "$t1" 3600)"

# The issued key against Route 53: with its token only.
check "the issued key + token works against Route 53 (get-hosted-zone)" \
    as_creds "$A1" "$AWSX" route53 get-hosted-zone --id "$ZONE"
check "... and list-hosted-zones-by-name" as_creds "$A1" "$AWSX" route53 list-hosted-zones-by-name
expect_eq "... signed with the issued key" "$A1_AKID" \
    "$(sim_ctl GET /_sim/stats | jget "[e['akid'] for e in d['log'] if e['op'] == 'ListHostedZonesByName'][-1]")"
A1_SECRET=$(jget "d['Credentials']['SecretAccessKey']" <<<"$A1")
A1_TOKEN=$(jget "d['Credentials']['SessionToken']" <<<"$A1")
expect_error "the issued key without its session token: InvalidClientTokenId" InvalidClientTokenId \
    "The security token included in the request is invalid" \
    env AWS_ACCESS_KEY_ID="$A1_AKID" AWS_SECRET_ACCESS_KEY="$A1_SECRET" "$AWSX" route53 get-hosted-zone --id "$ZONE"
expect_error "... with another session's token: InvalidClientTokenId" InvalidClientTokenId "" \
    env AWS_ACCESS_KEY_ID="$A1_AKID" AWS_SECRET_ACCESS_KEY="$A1_SECRET" \
    AWS_SESSION_TOKEN="$(jget "d['Credentials']['SessionToken']" <<<"$out")" \
    "$AWSX" route53 get-hosted-zone --id "$ZONE"
expect_error "... with its token but a wrong secret: SignatureDoesNotMatch" SignatureDoesNotMatch "" \
    env AWS_ACCESS_KEY_ID="$A1_AKID" AWS_SECRET_ACCESS_KEY="x$A1_SECRET" AWS_SESSION_TOKEN="$A1_TOKEN" \
    "$AWSX" route53 get-hosted-zone --id "$ZONE"
out=$(as_creds "$A1" "$AWSX" sts get-caller-identity) || fail "get-caller-identity: $out"
expect_eq "get-caller-identity with the issued key: the assumed role, its account" \
    "arn:aws:sts::$ACCT:assumed-role/dns-writer/route53-dns-node1 $ACCT" \
    "$(jget "d['Arn'] + ' ' + d['Account']" <<<"$out")"

# Refusals.
expect_error "a caller the role does not trust: AccessDenied" AccessDenied \
    "is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::$ACCT:role/dns-writer" \
    as_other assume dns-writer --role-session-name s1
expect_error "a role nobody registered: AccessDenied" AccessDenied "" \
    as_sim assume no-such-role --role-session-name s1
expect_error "external id required, none given: AccessDenied" AccessDenied "" \
    as_sim assume ext-writer --role-session-name s1
expect_error "... a wrong one: AccessDenied" AccessDenied "" \
    as_sim assume ext-writer --role-session-name s1 --external-id "${EXT}x"
check "... the right one: assumed" as_sim assume ext-writer --role-session-name s1 --external-id "$EXT"
expect_eq "... the external id is logged" "$EXT 200" "$(last_log "e['external_id'] + ' ' + str(e['status'])")"
expect_error "a malformed role ARN: ValidationError" ValidationError "" \
    as_sim "$AWSX" sts assume-role --role-arn "arn:aws:iam::not-an-acct:role/x" --role-session-name s1
expect_eq "... answered HTTP 400" 400 "$(last_log "e['status']")"
expect_error "a user ARN instead of a role: ValidationError" ValidationError "" \
    as_sim "$AWSX" sts assume-role --role-arn "arn:aws:iam::$ACCT:user/dns-writer" --role-session-name s1
expect_error "a session name with a space: ValidationError" ValidationError "roleSessionName" \
    as_sim assume dns-writer --role-session-name "node 1"
expect_error "DurationSeconds over the role's max_duration: ValidationError" ValidationError \
    "MaxSessionDuration" as_sim assume short --role-session-name s1 --duration-seconds 7200
expect_error "a role set to fail: its code" RegionDisabledException "" \
    as_sim assume disabled --role-session-name s1
expect_eq "... with the status for the code" 403 "$(last_log "e['status']")"

# Role chaining: the issued key assumes a role in another account.
expect_error "an issued key is not trusted where its role is not: AccessDenied" AccessDenied \
    "User: arn:aws:sts::$ACCT:assumed-role/dns-writer/route53-dns-node1 is not authorized" \
    as_creds "$A1" assume dns-writer --role-session-name s1
C1=$(as_creds "$A1" "$AWSX" sts assume-role --role-arn arn:aws:iam::444455556666:role/central-dns \
    --role-session-name chained) || fail "chained assume-role: $C1"
expect_eq "role chaining: a role trusting dns-writer, assumed with its session" \
    "arn:aws:sts::444455556666:assumed-role/central-dns/chained $A1_AKID arn:aws:sts::$ACCT:assumed-role/dns-writer/route53-dns-node1" \
    "$(jget "d['AssumedRoleUser']['Arn']" <<<"$C1") $(last_log "e['akid'] + ' ' + e['caller']")"
check "... its key works against Route 53" as_creds "$C1" "$AWSX" route53 get-hosted-zone --id "$ZONE"
expect_error "... over an hour when chaining: ValidationError" ValidationError "role chaining" \
    as_creds "$A1" "$AWSX" sts assume-role --role-arn arn:aws:iam::444455556666:role/central-dns \
    --role-session-name chained --duration-seconds 7200

# ---- AssumeRoleWithWebIdentity (unsigned) --------------------------------------------

W1=$("$AWSX" sts assume-role-with-web-identity --role-arn "arn:aws:iam::$ACCT:role/oidc" \
    --role-session-name wi-node1 --web-identity-token "$WIT") || fail "assume-role-with-web-identity: $W1"
expect_eq "web identity, no credentials at all: an ASIA key for the role" \
    "ASIA arn:aws:sts::$ACCT:assumed-role/oidc/wi-node1" \
    "$(jget "d['Credentials']['AccessKeyId'][:4] + ' ' + d['AssumedRoleUser']['Arn']" <<<"$W1")"
expect_eq "... sent unsigned: no signer, no region in the log" "None None wi-node1 1" \
    "$(last_log "str(e['akid']) + ' ' + str(e['region']) + ' ' + e['session']" AssumeRoleWithWebIdentity) $(stat_count AssumeRoleWithWebIdentity)"
check "... its key + token works against Route 53" as_creds "$W1" "$AWSX" route53 get-hosted-zone --id "$ZONE"
expect_error "a wrong web identity token: InvalidIdentityToken" InvalidIdentityToken "" \
    "$AWSX" sts assume-role-with-web-identity --role-arn "arn:aws:iam::$ACCT:role/oidc" \
    --role-session-name wi-node1 --web-identity-token "${WIT}x"
expect_error "a role without web identity: AccessDenied" AccessDenied "" \
    "$AWSX" sts assume-role-with-web-identity --role-arn "arn:aws:iam::$ACCT:role/dns-writer" \
    --role-session-name wi-node1 --web-identity-token "$WIT"
check "/_sim/issued lists the web identity token" \
    test "$(sim_ctl GET /_sim/issued | jget "'$WIT' in d['sts']['web_identity_tokens']")" = True

# ---- expiry, TTL, faults -------------------------------------------------------------

sim_ctl POST /_sim/config '{"sts_expire": true}' >/dev/null || fail "sts_expire"
expect_error "sts_expire: an issued key now gets ExpiredToken from Route 53" ExpiredToken \
    "The security token included in the request is expired" \
    as_creds "$A1" "$AWSX" route53 get-hosted-zone --id "$ZONE"
expect_error "... and from STS (no chaining with it)" ExpiredToken "" \
    as_creds "$A1" "$AWSX" sts get-caller-identity
check "... the long-term key still works" as_sim "$AWSX" route53 get-hosted-zone --id "$ZONE"
A2=$(as_sim assume dns-writer --role-session-name renewed) || fail "assume-role: $A2"
check "... new credentials work" as_creds "$A2" "$AWSX" route53 get-hosted-zone --id "$ZONE"
expect_error "... the old ones stay expired" ExpiredToken "" \
    as_creds "$A1" "$AWSX" route53 get-hosted-zone --id "$ZONE"

sim_ctl POST /_sim/config '{"sts_cred_ttl": 60}' >/dev/null || fail "sts_cred_ttl"
t0=$(date +%s)
out=$(as_sim assume dns-writer --role-session-name s1 --duration-seconds 3600) || fail "assume-role: $out"
t1=$(date +%s)
expect_eq "sts_cred_ttl 60: Expiration 60 s after the call, whatever DurationSeconds" yes \
    "$(exp_between "$out" "$t0" "$t1" 60)"
sim_ctl POST /_sim/config '{"sts_cred_ttl": null}' >/dev/null

sim_ctl POST /_sim/config '{"faults": [{"op": "AssumeRole", "count": 1, "kind": "throttle"}]}' >/dev/null
expect_error "fault on AssumeRole: Throttling in STS's shape" Throttling "Rate exceeded" \
    as_sim assume dns-writer --role-session-name s1
check "... once" as_sim assume dns-writer --role-session-name s1
sim_ctl POST /_sim/config '{"faults": [{"op": "*", "count": 1, "kind": "503"}]}' >/dev/null
check "a \"*\" fault is Route 53's: STS is served" as_sim assume dns-writer --role-session-name s1
expect_error "... and Route 53 gets it" ServiceUnavailable "" as_sim "$AWSX" route53 get-hosted-zone --id "$ZONE"
sim_ctl POST /_sim/config '{"sts_down": "503"}' >/dev/null
expect_error "sts_down 503: ServiceUnavailable" ServiceUnavailable "" as_sim "$AWSX" sts get-caller-identity
check "... Route 53 is not down" as_sim "$AWSX" route53 get-hosted-zone --id "$ZONE"
sim_ctl POST /_sim/config '{"sts_down": null}' >/dev/null
check "sts_down null: STS is back" as_sim "$AWSX" sts get-caller-identity

# ---- botocore's credential providers ---------------------------------------------
# botocore resolves every profile shape itself, through AWS_ENDPOINT_URL_STS
# at the simulator; the key it resolves must be the one the simulator
# issued for the request it logged, and must work against Route 53.

cat >"$HOME/config" <<EOF
[profile base]
aws_access_key_id = $SIM_AKID
aws_secret_access_key = $SIM_SECRET

[profile dns]
role_arn = arn:aws:iam::$ACCT:role/ext-writer
source_profile = base
external_id = $EXT
role_session_name = route53-dns-node1
duration_seconds = 1200

[profile chain]
role_arn = arn:aws:iam::444455556666:role/central-dns
source_profile = dnsw

[profile dnsw]
role_arn = arn:aws:iam::$ACCT:role/dns-writer
source_profile = base

[profile envsrc]
role_arn = arn:aws:iam::$ACCT:role/dns-writer
credential_source = Environment

[profile imds]
role_arn = arn:aws:iam::$ACCT:role/ext-writer
credential_source = Ec2InstanceMetadata
external_id = $EXT

[profile wi]
role_arn = arn:aws:iam::$ACCT:role/oidc
web_identity_token_file = $HOME/token
role_session_name = wi-profile

[profile noext]
role_arn = arn:aws:iam::$ACCT:role/ext-writer
source_profile = base
EOF
printf '%s' "$WIT" >"$HOME/token"

# $BOTO [PROFILE]: resolve PROFILE's credentials with botocore, call
# get-hosted-zone with them, print "AKID token|notoken".
BOTO=$TEST_TMP/boto.py
cat >"$BOTO" <<'EOF'
import os, sys
import boto3
s = boto3.Session(profile_name=(sys.argv[1] if len(sys.argv) > 1 else None))
c = s.get_credentials().get_frozen_credentials()
s.client("route53", endpoint_url=os.environ["SIM_URL"]).get_hosted_zone(Id=os.environ["ZONE"])
print(c.access_key, "token" if c.token else "notoken")
EOF
boto()
{
    env AWS_CONFIG_FILE="$HOME/config" AWS_ENDPOINT_URL_STS="$SIM_URL" AWS_CA_BUNDLE="$SIM_CA" \
        ZONE="$ZONE" timeout 60 "$PYTHON3" "$BOTO" "$@"
}
# boto_case DESC WANT EXPR OP CMD...: CMD (running boto) must succeed;
# the key botocore resolved must be the one the last OP logged as issued,
# and EXPR over that log entry (as e) must be WANT.
boto_case()
{
    local desc=$1 want=$2 expr=$3 op=$4 out akid
    shift 4
    if ! out=$("$@" 2>&1); then
        not_ok "$desc" "botocore failed: $out"
        return
    fi
    akid=${out%% *}
    expect_eq "$desc" "$akid token $want" \
        "$(last_log "e['issued'] + ' token ' + $expr" "$op")"
}

sim_ctl POST /_sim/reset-stats >/dev/null
boto_case "botocore, role_arn + source_profile: external_id, session name, duration honoured" \
    "$SIM_AKID arn:aws:iam::$ACCT:role/ext-writer route53-dns-node1 $EXT 1200 us-east-1" \
    "' '.join(str(e[k]) for k in ('akid', 'role', 'session', 'external_id', 'duration', 'region'))" \
    AssumeRole boto dns
boto_case "botocore, a source_profile chain of two: the second assume signed by the first's key" \
    "arn:aws:iam::444455556666:role/central-dns arn:aws:sts::$ACCT:assumed-role/dns-writer" \
    "e['role'] + ' ' + e['caller'].rsplit('/', 1)[0]" AssumeRole boto chain
expect_eq "... two AssumeRole calls" 3 "$(stat_count AssumeRole)"
boto_case "botocore, credential_source = Environment: signed by the environment's key" \
    "$SIM_AKID arn:aws:iam::$ACCT:role/dns-writer" "e['akid'] + ' ' + e['role']" AssumeRole \
    as_sim boto envsrc
boto_case "botocore, credential_source = Ec2InstanceMetadata: signed by the IMDS key" \
    "ASIA $EXT" "e['akid'][:4] + ' ' + e['external_id']" AssumeRole \
    with_env AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT="$SIM_IMDS_URL/" -- boto imds
signer=$(last_log "e['akid']")
expect_eq "... that key came from IMDS, not STS" "True False" \
    "$(sim_ctl GET /_sim/issued | jget "'%s %s' % ('$signer' in d['akids'], '$signer' in d['sts']['akids'])")"
boto_case "botocore, web_identity_token_file in a profile" "None oidc wi-profile" \
    "str(e['akid']) + ' ' + e['role'].rsplit('/', 1)[1] + ' ' + e['session']" \
    AssumeRoleWithWebIdentity boto wi
boto_case "botocore, AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN + AWS_ROLE_SESSION_NAME" \
    "oidc env-session" "e['role'].rsplit('/', 1)[1] + ' ' + e['session']" \
    AssumeRoleWithWebIdentity with_env AWS_WEB_IDENTITY_TOKEN_FILE="$HOME/token" \
    AWS_ROLE_ARN="arn:aws:iam::$ACCT:role/oidc" AWS_ROLE_SESSION_NAME=env-session -- boto
if out=$(boto noext 2>&1); then
    not_ok "botocore, a profile without the role's external id: refused" "unexpected success: $out"
elif grep -qF "AccessDenied" <<<"$out"; then
    ok "botocore, a profile without the role's external id: refused with AccessDenied"
else
    not_ok "botocore, a profile without the role's external id: refused" "$out"
fi
printf '%s' "${WIT}x" >"$HOME/token"
if out=$(boto wi 2>&1); then
    not_ok "botocore, a wrong web identity token: refused" "unexpected success: $out"
elif grep -qF "InvalidIdentityToken" <<<"$out"; then
    ok "botocore, a wrong web identity token: refused with InvalidIdentityToken"
else
    not_ok "botocore, a wrong web identity token: refused" "$out"
fi
expect_eq "per-op counters: AssumeRole, AssumeRoleWithWebIdentity" "6 3" \
    "$(stat_count AssumeRole) $(stat_count AssumeRoleWithWebIdentity)"

finish
