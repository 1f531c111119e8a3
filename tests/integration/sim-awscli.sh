#!/bin/bash
# Keep the simulator honest: drive tests/sim/r53sim.py with the real AWS CLI
# (/usr/bin/aws, a SigV4 client and XML parser nobody here wrote) and with
# the official SigV4 test suite.  If the CLI accepts the simulator's answers
# and the simulator accepts the CLI's signatures, the C agent tested against
# the simulator is tested against the real wire format.
#
# Exit 0 pass, 1 fail, 77 skip.  Every wait is bounded; runs in ~30 s.

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

require_aws_cli

# ---- helpers -------------------------------------------------------------------------

aws_cli_clean_env

# $R53 ARGS... (a script, so env(1) can run it): `aws route53 ARGS`
# against the simulator, JSON out.  It reads credentials from the
# environment; sim_r53 ARGS... runs it with the simulator's test key.
R53=$TEST_TMP/r53
cat >"$R53" <<'EOF'
#!/bin/sh
exec timeout 30 /usr/bin/aws --endpoint-url "$SIM_URL" --ca-bundle "$SIM_CA" \
    --output json route53 "$@"
EOF
chmod +x "$R53"

sim_r53()
{
    env AWS_ACCESS_KEY_ID="$SIM_AKID" AWS_SECRET_ACCESS_KEY="$SIM_SECRET" "$R53" "$@"
}

# jget EXPR: evaluate a Python expression over the JSON on stdin (as d).
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

# expect_eq DESC WANT GOT
expect_eq()
{
    if [ "$2" = "$3" ]; then
        ok "$1"
    else
        not_ok "$1" "want: $2"$'\n'"got:  $3"
    fi
}

# stat_count OP: how many OP requests the simulator has seen.
stat_count()
{
    sim_ctl GET /_sim/stats | jget "d['requests'].get('$1', 0)"
}

# change JSON_CHANGES [ZONE]: change-resource-record-sets with the test key.
change()
{
    sim_r53 change-resource-record-sets --hosted-zone-id "${2:-$ZPUB}" \
        --change-batch "{\"Changes\": $1}"
}

# rr ACTION NAME TYPE TTL VALUE...: one Change as JSON.
rr()
{
    local action=$1 name=$2 type=$3 ttl=$4 vals="" v
    shift 4
    for v in "$@"; do vals="$vals${vals:+, }{\"Value\": \"$v\"}"; done
    printf '{"Action": "%s", "ResourceRecordSet": {"Name": "%s", "Type": "%s", "TTL": %s, "ResourceRecords": [%s]}}' \
        "$action" "$name" "$type" "$ttl" "$vals"
}

# ---- the simulator's SigV4 code against the official suite ---------------------

shared=${SHARED_DIR:-${TOP_SRCDIR:-$(dirname "$0")/../..}/../shared}
[ -d "$shared/sigv4-test-suite" ] \
    || fail "SigV4 test suite not found under '$shared' (set SHARED_DIR)"
check "simulator SigV4 matches the AWS test suite" \
    "$PYTHON3" "$SIM_PY" --self-test-sigv4 "$shared/sigv4-test-suite"

# ---- start ----------------------------------------------------------------------------

sim_start "$TEST_TMP/sim" --pending-seconds 4  # CLI start-up under make -j load: ~1 s

ZPUB=$(sim_ctl POST /_sim/zone '{"name": "example.com"}' | jget "d['id']") \
    || fail "cannot create the public zone"
ZPRIV=$(sim_ctl POST /_sim/zone '{"name": "Example.COM", "private": true, "id": "ZPRIVATE0001"}' \
    | jget "d['id']") || fail "cannot create the private zone"
sim_ctl POST /_sim/zone '{"name": "other.org", "id": "ZOTHER"}' >/dev/null || fail "zone"
sim_ctl POST /_sim/zone '{"name": "a.example.net", "id": "ZNET"}' >/dev/null || fail "zone"

# ---- hosted zones ------------------------------------------------------------------

out=$(sim_r53 list-hosted-zones-by-name) || fail "list-hosted-zones-by-name: $out"
# Route 53 orders by name with labels reversed: com.example. < net.example.a. < org.other.
expect_eq "zones listed in reversed-label order, public and private example.com" \
    "example.com. example.com. a.example.net. other.org." \
    "$(jget "' '.join(z['Name'] for z in d['HostedZones'])" <<<"$out")"
expect_eq "both example.com zones, one private" \
    "False True" \
    "$(jget "' '.join(str(z['Config']['PrivateZone']) for z in d['HostedZones'] if z['Name'] == 'example.com.')" <<<"$out" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')"
expect_eq "zone ids come back as /hostedzone/ID" "True" \
    "$(jget "'/hostedzone/$ZPRIV' in [z['Id'] for z in d['HostedZones']]" <<<"$out")"

out=$(sim_r53 list-hosted-zones-by-name --dns-name a.example.net --max-items 1) \
    || fail "list-hosted-zones-by-name --dns-name: $out"
expect_eq "dnsname is a start position; maxitems truncates with NextDNSName" \
    "a.example.net. True other.org. ZOTHER 1" \
    "$(jget "' '.join(str(x) for x in [d['HostedZones'][0]['Name'], d['IsTruncated'], d['NextDNSName'], d['NextHostedZoneId'], d['MaxItems']])" <<<"$out")"

out=$(sim_r53 get-hosted-zone --id "$ZPUB") || fail "get-hosted-zone: $out"
expect_eq "get-hosted-zone: name, 4 name servers" "example.com. 4" \
    "$(jget "d['HostedZone']['Name'] + ' ' + str(len(d['DelegationSet']['NameServers']))" <<<"$out")"
expect_error "get-hosted-zone of an unknown id: NoSuchHostedZone" NoSuchHostedZone \
    "No hosted zone found with ID: ZNOSUCH" sim_r53 get-hosted-zone --id ZNOSUCH

# ---- a change: PENDING, then INSYNC after --pending-seconds ------------------------

t0=$(date +%s.%N)
out=$(change "[$(rr UPSERT WWW.example.com A 60 192.0.2.10)]") || fail "UPSERT: $out"
cid=$(jget "d['ChangeInfo']['Id']" <<<"$out")
expect_eq "UPSERT answers PENDING with a /change/ id" "PENDING /change/" \
    "$(jget "d['ChangeInfo']['Status'] + ' ' + d['ChangeInfo']['Id'][:8]" <<<"$out")"
expect_eq "the record is stored lowercase with a trailing dot" '{"ttl": 60, "values": ["192.0.2.10"]}' \
    "$(sim_ctl GET "/_sim/record?zone=$ZPUB&name=www.example.com.&type=A")"
status=$(sim_r53 get-change --id "$cid" --query ChangeInfo.Status --output text)
expect_eq "get-change right away: PENDING" PENDING "$status"
for _ in $(seq 40); do
    status=$(sim_r53 get-change --id "$cid" --query ChangeInfo.Status --output text)
    [ "$status" = INSYNC ] && break
    sleep 0.25
done
elapsed=$(echo "$(date +%s.%N) - $t0" | bc)
expect_eq "get-change reaches INSYNC" INSYNC "$status"
check "INSYNC no sooner than the pending time (${elapsed}s >= 4s)" \
    test "$(echo "$elapsed >= 4" | bc)" = 1
expect_error "get-change of an unknown id: NoSuchChange" NoSuchChange "" \
    sim_r53 get-change --id CNOSUCHCHANGE

# ---- change batches: DELETE must match, all or nothing ----------------------------

expect_error "DELETE with the wrong values: InvalidChangeBatch" InvalidChangeBatch \
    "[Tried to delete resource record set [name='www.example.com.', type='A'] but the values provided do not match the current values]" \
    change "[$(rr DELETE www.example.com A 60 192.0.2.99)]"
expect_error "DELETE with the wrong TTL: InvalidChangeBatch" InvalidChangeBatch \
    "but the values provided do not match the current values" \
    change "[$(rr DELETE www.example.com A 300 192.0.2.10)]"
expect_error "CREATE of an existing record: InvalidChangeBatch" InvalidChangeBatch \
    "but it already exists" change "[$(rr CREATE www.example.com A 60 192.0.2.11)]"
expect_error "a name outside the zone: InvalidChangeBatch" InvalidChangeBatch \
    "is not permitted in zone example.com." change "[$(rr UPSERT www.example.org A 60 192.0.2.11)]"
expect_error "a stale compare-and-swap fails as a whole" InvalidChangeBatch "" \
    change "[$(rr UPSERT other.example.com A 60 192.0.2.1), $(rr DELETE www.example.com A 60 192.0.2.98), $(rr CREATE www.example.com A 60 192.0.2.20)]"
expect_eq "... and changes nothing" '404 {"ttl": 60, "values": ["192.0.2.10"]}' \
    "$(sim_ctl GET "/_sim/record?zone=$ZPUB&name=other.example.com&type=A" >/dev/null; echo -n "$? " | sed 's/^1 /404 /'; sim_ctl GET "/_sim/record?zone=$ZPUB&name=www.example.com&type=A")"
check "a matching compare-and-swap (DELETE old + CREATE new) succeeds" \
    change "[$(rr DELETE www.example.com A 60 192.0.2.10), $(rr CREATE www.example.com A 60 192.0.2.20)]"
expect_eq "... and swaps the value" '{"ttl": 60, "values": ["192.0.2.20"]}' \
    "$(sim_ctl GET "/_sim/record?zone=$ZPUB&name=www.example.com&type=A")"

# ---- list-resource-record-sets: start position, order, paging ---------------------

# set_record NAME TYPE VALUE-AS-JSON: behind the CLI's back.
set_record()
{
    sim_ctl POST /_sim/record "{\"zone\": \"$ZPUB\", \"name\": \"$1\", \"type\": \"$2\", \"ttl\": 300, \"values\": [$3]}" \
        >/dev/null || fail "cannot set $1 $2"
}
set_record example.com A '"192.0.2.1"'
set_record a.example.com A '"192.0.2.2"'
set_record b.example.com A '"192.0.2.3"'
set_record b.example.com TXT '"\"hi\""'
set_record z.example.com A '"192.0.2.4"'
# Route 53's order: by name with labels reversed, then by type.
want="example.com./A example.com./NS example.com./SOA a.example.com./A b.example.com./A b.example.com./TXT www.example.com./A z.example.com./A"
list_names="' '.join(r['Name'] + '/' + r['Type'] for r in d['ResourceRecordSets'])"
out=$(sim_r53 list-resource-record-sets --hosted-zone-id "$ZPUB") || fail "list: $out"
expect_eq "records in Route 53's order, SOA and NS at the apex" "$want" "$(jget "$list_names" <<<"$out")"

sim_ctl POST /_sim/reset-stats >/dev/null
out=$(sim_r53 list-resource-record-sets --hosted-zone-id "$ZPUB" --page-size 3) \
    || fail "list --page-size: $out"
expect_eq "the CLI's paginator walks NextRecordName/NextRecordType to the same list" \
    "$want" "$(jget "$list_names" <<<"$out")"
expect_eq "... in ceil(8/3) = 3 requests" 3 "$(stat_count ListResourceRecordSets)"

out=$(sim_r53 list-resource-record-sets --hosted-zone-id "$ZPUB" --no-paginate \
    --start-record-name B.example.com --start-record-type TXT --max-items 2) || fail "list: $out"
expect_eq "name+type are a start position, maxitems a page: truncated, next is z/A" \
    "b.example.com./TXT www.example.com./A|True|z.example.com.|A|2" \
    "$(jget "'|'.join([$list_names, str(d['IsTruncated']), d['NextRecordName'], d['NextRecordType'], d['MaxItems']])" <<<"$out")"
out=$(sim_r53 list-resource-record-sets --hosted-zone-id "$ZPUB" --no-paginate \
    --start-record-name c.example.com) || fail "list: $out"
expect_eq "a start name that does not exist starts at the next one" \
    "www.example.com./A z.example.com./A|False" \
    "$(jget "$list_names + '|' + str(d['IsTruncated'])" <<<"$out")"
expect_error "a start type without a start name: InvalidInput" InvalidInput "" \
    sim_r53 list-resource-record-sets --hosted-zone-id "$ZPUB" --start-record-type A

# ---- signatures and keys ---------------------------------------------------------

before=$(sim_ctl GET /_sim/stats | jget "d['rejected_signatures']")
expect_error "a wrong secret: SignatureDoesNotMatch" SignatureDoesNotMatch \
    "The request signature we calculated does not match the signature you provided" \
    env AWS_ACCESS_KEY_ID="$SIM_AKID" AWS_SECRET_ACCESS_KEY="${SIM_SECRET}x" "$R53" get-hosted-zone --id "$ZPUB"
expect_error "an unknown key: InvalidClientTokenId" InvalidClientTokenId \
    "The security token included in the request is invalid" \
    env AWS_ACCESS_KEY_ID=AKIDUNKNOWN00000000 AWS_SECRET_ACCESS_KEY="$SIM_SECRET" "$R53" get-hosted-zone --id "$ZPUB"
expect_error "a region other than us-east-1 in the scope: SignatureDoesNotMatch" SignatureDoesNotMatch \
    "Credential should be scoped to a valid region" \
    env AWS_DEFAULT_REGION=eu-west-1 AWS_ACCESS_KEY_ID="$SIM_AKID" AWS_SECRET_ACCESS_KEY="$SIM_SECRET" \
    "$R53" get-hosted-zone --id "$ZPUB"
expect_eq "the simulator counted 3 rejected signatures" $((before + 3)) \
    "$(sim_ctl GET /_sim/stats | jget "d['rejected_signatures']")"
sim_ctl POST /_sim/config '{"clock_skew": 600}' >/dev/null
expect_error "a clock 10 min behind: Signature expired" SignatureDoesNotMatch \
    "Signature expired: " sim_r53 get-hosted-zone --id "$ZPUB"
sim_ctl POST /_sim/config '{"clock_skew": 0}' >/dev/null

# ---- faults --------------------------------------------------------------------------

sim_ctl POST /_sim/config '{"down": "503"}' >/dev/null
expect_error "down=503: ServiceUnavailable" ServiceUnavailable "" \
    sim_r53 get-hosted-zone --id "$ZPUB"
sim_ctl POST /_sim/config '{"down": "reset"}' >/dev/null
if out=$(sim_r53 get-hosted-zone --id "$ZPUB" 2>&1); then
    not_ok "down=reset: the CLI sees the connection drop" "unexpected success: $out"
elif grep -qF "Connection was closed before we received a valid response" <<<"$out"; then
    ok "down=reset: the CLI sees the connection drop"
else
    not_ok "down=reset: the CLI sees the connection drop" "$out"
fi
sim_ctl POST /_sim/config '{"down": null}' >/dev/null
check "down=null: service is back" sim_r53 get-hosted-zone --id "$ZPUB"

sim_ctl POST /_sim/reset-stats >/dev/null
sim_ctl POST /_sim/config '{"faults": [{"op": "GetHostedZone", "count": 2, "kind": "throttle"}]}' >/dev/null
check "2 Throttling answers are retried by the CLI (standard mode, 3 attempts)" \
    env AWS_MAX_ATTEMPTS=3 AWS_ACCESS_KEY_ID="$SIM_AKID" AWS_SECRET_ACCESS_KEY="$SIM_SECRET" \
    "$R53" get-hosted-zone --id "$ZPUB"
expect_eq "... which took 3 requests, 2 of them throttled" "3 2" \
    "$(sim_ctl GET /_sim/stats | jget "'%d %d' % (d['requests']['GetHostedZone'], sum(e['fault'] == 'throttle' for e in d['log']))")"

# One-shot faults that answer as Route 53 (or a proxy) would: the CLI must
# exit 254/255 (v2/v1 error exits) naming the code, and retry nothing else.
# fault_error DESC KIND CODE TEXT: one KIND fault on GetHostedZone.
fault_error()
{
    local desc=$1 kind=$2 code=$3 text=$4 out rc
    sim_ctl POST /_sim/config "{\"faults\": [{\"op\": \"GetHostedZone\", \"count\": 1, \"kind\": \"$kind\"}]}" >/dev/null
    out=$(sim_r53 get-hosted-zone --id "$ZPUB" 2>&1)
    rc=$?
    if [ "$rc" != 254 ] && [ "$rc" != 255 ]; then
        not_ok "$desc" "exit $rc, want 254/255: $out"
    elif ! grep -qF "An error occurred ($code)" <<<"$out" || ! grep -qF -- "$text" <<<"$out"; then
        not_ok "$desc" "want ($code) and '$text', got: $out"
    else
        ok "$desc"
    fi
}
fault_error "fault expired: ExpiredToken" expired ExpiredToken \
    "The security token included in the request is expired"
fault_error "fault invalidtoken: InvalidClientTokenId" invalidtoken InvalidClientTokenId \
    "The security token included in the request is invalid."
fault_error "fault sigexpired: SignatureDoesNotMatch, Signature expired" sigexpired \
    SignatureDoesNotMatch "Signature expired: "
fault_error "fault invalidbatch: InvalidChangeBatch with Route 53's message" invalidbatch \
    InvalidChangeBatch "[Tried to create resource record set [name='www.example.com.', type='A'] but it already exists]"
fault_error "fault nosuchzone: NoSuchHostedZone" nosuchzone NoSuchHostedZone \
    "No hosted zone found with ID: $ZPUB"
fault_error "fault html502: a proxy's HTML page is HTTP 502, not a Route 53 error" html502 502 \
    "Bad Gateway"
fault_error "fault denied: AccessDenied" denied AccessDenied "is not authorized"
fault_error "fault nosuchchange: NoSuchChange, as GetChange words it" nosuchchange NoSuchChange \
    "A change with the specified change ID does not exist."
# The Date header follows the simulated clock (a signer corrects its skew from it).
sim_ctl POST /_sim/config '{"clock_skew": 600}' >/dev/null
hdr=$(curl -s -D- -o /dev/null --cacert "$SIM_CA" "$SIM_URL/2013-04-01/change/C1" | tr -d '\r' | sed -n 's/^[Dd]ate: //p')
sim_ctl POST /_sim/config '{"clock_skew": 0}' >/dev/null
ahead=$(( $(date -u -d "$hdr" +%s 2>/dev/null || echo 0) - $(date -u +%s) ))
[ "$ahead" -ge 595 ] && [ "$ahead" -le 605 ] && ok "clock_skew=600: the Date header is 600 s ahead ($hdr)" \
    || not_ok "clock_skew=600: the Date header is 600 s ahead" "Date: '$hdr' ($ahead s)"
# The sigexpired fault words it as a real 10-minute skew does.
sigexp='Signature expired: [0-9]{8}T[0-9]{6}Z is now earlier than [0-9]{8}T[0-9]{6}Z \([0-9]{8}T[0-9]{6}Z - 5 min\.\)'
sim_ctl POST /_sim/config '{"clock_skew": 600}' >/dev/null
out=$(sim_r53 get-hosted-zone --id "$ZPUB" 2>&1)
sim_ctl POST /_sim/config '{"clock_skew": 0}' >/dev/null
grep -qE "$sigexp" <<<"$out" && ok "clock_skew=600 gets the 'Signature expired' shape" \
    || not_ok "clock_skew=600 gets the 'Signature expired' shape" "$out"
sim_ctl POST /_sim/config '{"faults": [{"op": "GetHostedZone", "count": 1, "kind": "sigexpired"}]}' >/dev/null
out=$(sim_r53 get-hosted-zone --id "$ZPUB" 2>&1)
grep -qE "$sigexp" <<<"$out" && ok "... and so does the sigexpired fault" || not_ok "sigexpired shape" "$out"

# Transport faults: hang is cut by the CLI's read timeout (and the
# simulator lets go), bighdr and huge are refused, none is a success.
sim_ctl POST /_sim/reset-stats >/dev/null
sim_ctl POST /_sim/config '{"faults": [{"op": "GetHostedZone", "count": 1, "kind": "hang"}]}' >/dev/null
out=$(sim_r53 --cli-read-timeout 1 get-hosted-zone --id "$ZPUB" 2>&1)
rc=$?
[ "$rc" = 255 ] && grep -qF "Read timeout" <<<"$out" && ok "fault hang: the CLI's read timeout fires" \
    || not_ok "fault hang: the CLI's read timeout fires" "exit $rc: $out"
expect_eq "... the hung request was counted" 1 "$(stat_count GetHostedZone)"
check "... and the next request is served" sim_r53 get-hosted-zone --id "$ZPUB"
for kind in bighdr huge; do
    sim_ctl POST /_sim/config "{\"faults\": [{\"op\": \"GetHostedZone\", \"count\": 1, \"kind\": \"$kind\"}]}" >/dev/null
    out=$(sim_r53 get-hosted-zone --id "$ZPUB" 2>&1)
    rc=$?
    [ "$rc" = 255 ] && ok "fault $kind: the CLI refuses the answer" || not_ok "fault $kind" "exit $rc: $out"
done
# A well-formed answer with another root or namespace is the real answer
# mangled (the CLI, lenient, reads it anyway; the agent must not).
for kind in wrong-root wrong-ns; do
    sim_ctl POST /_sim/config "{\"faults\": [{\"op\": \"GetHostedZone\", \"count\": 1, \"kind\": \"$kind\"}]}" >/dev/null
    out=$(sim_r53 --debug get-hosted-zone --id "$ZPUB" 2>&1)
    rc=$?
    case $kind in
    wrong-root) want='<GetCheckerIpRangesResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><HostedZone><Id>/hostedzone/'"$ZPUB" ;;
    *) want='<GetHostedZoneResponse xmlns="https://route53.amazonaws.com/doc/2012-12-12/"><HostedZone><Id>/hostedzone/'"$ZPUB" ;;
    esac
    [ "$rc" = 0 ] && grep -qF -- "$want" <<<"$out" && ok "fault $kind: the real answer, mangled" \
        || not_ok "fault $kind: the real answer, mangled" "exit $rc; want '$want' in: $(grep -F 'Response body' -A1 <<<"$out" | head -c 600)"
done
sim_ctl POST /_sim/config '{"faults": [{"op": "GetHostedZone", "count": 1, "kind": "empty"}]}' >/dev/null
out=$(curl -sS --max-time 5 --cacert "$SIM_CA" -w '%{http_code} %{size_download}' -o /dev/null \
    "$SIM_URL/2013-04-01/hostedzone/$ZPUB")
expect_eq "fault empty: 200 with no body" "200 0" "$out"

# ---- IMDSv2 and temporary credentials ----------------------------------------

imds_curl() { curl -sS --max-time 5 "$@"; }
code=$(imds_curl -o /dev/null -w '%{http_code}' "$SIM_IMDS_URL/latest/meta-data/local-ipv4")
expect_eq "IMDSv1 (no token) is refused with 401" 401 "$code"
token=$(imds_curl -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' "$SIM_IMDS_URL/latest/api/token")
check "IMDSv2 token issued" test -n "$token"
code=$(imds_curl -o /dev/null -w '%{http_code}' -H "X-aws-ec2-metadata-token: x$token" \
    "$SIM_IMDS_URL/latest/meta-data/local-ipv4")
expect_eq "a wrong IMDS token is refused with 401" 401 "$code"
sim_ctl POST /_sim/config '{"local_ipv4": "10.1.2.3", "role": "r53-test-role"}' >/dev/null
expect_eq "local-ipv4 with the token" 10.1.2.3 \
    "$(imds_curl -H "X-aws-ec2-metadata-token: $token" "$SIM_IMDS_URL/latest/meta-data/local-ipv4")"
role=$(imds_curl -H "X-aws-ec2-metadata-token: $token" "$SIM_IMDS_URL/latest/meta-data/iam/security-credentials/")
expect_eq "the role name" r53-test-role "$role"
creds=$(imds_curl -H "X-aws-ec2-metadata-token: $token" "$SIM_IMDS_URL/latest/meta-data/iam/security-credentials/$role")
expect_eq "role credentials JSON" "Success AWS-HMAC ASIA" \
    "$(jget "d['Code'] + ' ' + d['Type'] + ' ' + d['AccessKeyId'][:4]" <<<"$creds")"
T_AKID=$(jget "d['AccessKeyId']" <<<"$creds")
T_SECRET=$(jget "d['SecretAccessKey']" <<<"$creds")
T_TOKEN=$(jget "d['Token']" <<<"$creds")

check "the CLI works with IMDS-issued temporary credentials + session token" \
    env AWS_ACCESS_KEY_ID="$T_AKID" AWS_SECRET_ACCESS_KEY="$T_SECRET" AWS_SESSION_TOKEN="$T_TOKEN" \
    "$R53" get-hosted-zone --id "$ZPUB"
expect_error "the same temporary key without its token is refused" InvalidClientTokenId \
    "The security token included in the request is invalid" \
    env AWS_ACCESS_KEY_ID="$T_AKID" AWS_SECRET_ACCESS_KEY="$T_SECRET" "$R53" get-hosted-zone --id "$ZPUB"
expect_error "... and with another token" InvalidClientTokenId "" \
    env AWS_ACCESS_KEY_ID="$T_AKID" AWS_SECRET_ACCESS_KEY="$T_SECRET" AWS_SESSION_TOKEN="x$T_TOKEN" \
    "$R53" get-hosted-zone --id "$ZPUB"

# The CLI's own IMDSv2 client finds the role and its credentials.
sim_ctl POST /_sim/reset-stats >/dev/null
check "the CLI's own IMDSv2 credential provider gets working credentials" \
    env -u AWS_EC2_METADATA_DISABLED AWS_EC2_METADATA_SERVICE_ENDPOINT="$SIM_IMDS_URL/" \
    "$R53" get-hosted-zone --id "$ZPUB"
expect_eq "... signed with an ASIA key" "ASIA" \
    "$(sim_ctl GET /_sim/stats | jget "[e['akid'] for e in d['log'] if e['op'] == 'GetHostedZone'][-1][:4]")"

sim_ctl POST /_sim/config '{"cred_ttl": 1}' >/dev/null
creds=$(imds_curl -H "X-aws-ec2-metadata-token: $token" "$SIM_IMDS_URL/latest/meta-data/iam/security-credentials/$role")
sleep 1.2
expect_error "expired temporary credentials: ExpiredToken" ExpiredToken "" \
    env AWS_ACCESS_KEY_ID="$(jget "d['AccessKeyId']" <<<"$creds")" \
    AWS_SECRET_ACCESS_KEY="$(jget "d['SecretAccessKey']" <<<"$creds")" \
    AWS_SESSION_TOKEN="$(jget "d['Token']" <<<"$creds")" "$R53" get-hosted-zone --id "$ZPUB"

# The expired fault ends the temporary key it met: the same key stays
# refused, fresh IMDS credentials (a new entry in /_sim/issued) work.
sim_ctl POST /_sim/config '{"cred_ttl": 3600}' >/dev/null
t_env=(AWS_ACCESS_KEY_ID="$T_AKID" AWS_SECRET_ACCESS_KEY="$T_SECRET" AWS_SESSION_TOKEN="$T_TOKEN")
check "temporary key from before still works" env "${t_env[@]}" "$R53" get-hosted-zone --id "$ZPUB"
sim_ctl POST /_sim/config '{"faults": [{"op": "GetHostedZone", "count": 1, "kind": "expired"}]}' >/dev/null
expect_error "fault expired on a temporary key" ExpiredToken "" env "${t_env[@]}" "$R53" get-hosted-zone --id "$ZPUB"
expect_error "... which stays expired without a fault" ExpiredToken "is expired" \
    env "${t_env[@]}" "$R53" get-hosted-zone --id "$ZPUB"
n_issued=$(sim_ctl GET /_sim/issued | jget "len(d['akids'])")
creds=$(imds_curl -H "X-aws-ec2-metadata-token: $token" "$SIM_IMDS_URL/latest/meta-data/iam/security-credentials/$role")
expect_eq "/_sim/issued logs the fresh key" "$((n_issued + 1)) $(jget "d['AccessKeyId']" <<<"$creds")" \
    "$(sim_ctl GET /_sim/issued | jget "'%d %s' % (len(d['akids']), d['akids'][-1])")"
check "fresh IMDS credentials work after the expiry" \
    env AWS_ACCESS_KEY_ID="$(jget "d['AccessKeyId']" <<<"$creds")" \
    AWS_SECRET_ACCESS_KEY="$(jget "d['SecretAccessKey']" <<<"$creds")" \
    AWS_SESSION_TOKEN="$(jget "d['Token']" <<<"$creds")" "$R53" get-hosted-zone --id "$ZPUB"
check "/_sim/issued lists the IMDS session token" \
    test "$(sim_ctl GET /_sim/issued | jget "'$token' in d['imds_tokens']")" = True

finish
