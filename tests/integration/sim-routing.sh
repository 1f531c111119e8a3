#!/bin/bash
# Keep the simulator's routing-policy record sets honest (issue 19): drive
# tests/sim/r53sim.py with the real AWS CLI and dig.
#   - each rule Route 53 enforces on record sets that share a name and type
#     (SetIdentifier and exactly one policy, a plain set vs members, one
#     policy per name and type, one TTL per weighted set, one PRIMARY and one
#     SECONDARY, DELETE matching every field, CREATE of an existing member),
#     with Route 53's error text as the CLI prints it;
#   - members beside members, and a plain TXT beside them;
#   - list-resource-record-sets inside a set: the CLI's paginator follows
#     NextRecordIdentifier (every member exactly once), and the low-level
#     --start-record-identifier;
#   - the control API with set identifiers (record, history, batch log);
#   - dig against the simulator's name servers: weighted, failover with a
#     health check, latency and multivalue answers;
#   - moto (if installed): the same batches, to see where moto words things
#     otherwise (noted, not failed: ../shared/ROUTE53-WIRE.md wins).
#
# Exit 0 pass, 1 fail, 77 skip.  Every wait is bounded; only 127.0.0.1.

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

require_aws_cli
DIG=$(command -v dig) || skip_test "dig is not installed (Debian bind9-dnsutils)"
aws_cli_clean_env
export LC_ALL=C

# ---- helpers -------------------------------------------------------------------------

# r53 ARGS...: `aws route53 ARGS` against $EP (CA $EP_CA, keys $EP_AKID/$EP_SECRET).
r53()
{
    local ca=()
    if [ -n "$EP_CA" ]; then ca=(--ca-bundle "$EP_CA"); fi
    env AWS_ACCESS_KEY_ID="$EP_AKID" AWS_SECRET_ACCESS_KEY="$EP_SECRET" \
        timeout 30 "$AWS" --endpoint-url "$EP" "${ca[@]}" --output json route53 "$@"
}

# jget EXPR: evaluate a Python expression over the JSON on stdin (as d).
jget()
{
    "$PYTHON3" -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}

expect_eq()
{
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "want: $2"$'\n'"got:  $3"; fi
}

# expect_error DESC CODE TEXT CMD...: CMD fails, printing the CLI's
# "An error occurred (CODE)" and TEXT (a fixed string).
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

# rs ACTION NAME TYPE TTL [sid=S] [weight=N] [failover=F] [region=R] [mva=true|false]
#    [hc=ID] VALUE...: one Change as JSON (fields in the model's order).
rs()
{
    "$PYTHON3" -c '
import json, sys
a, n, t, ttl = sys.argv[1:5]
f, vals = {"Name": n, "Type": t, "TTL": int(ttl)}, []
keys = {"sid": "SetIdentifier", "weight": "Weight", "region": "Region",
        "failover": "Failover", "mva": "MultiValueAnswer", "hc": "HealthCheckId"}
for arg in sys.argv[5:]:
    k, eq, v = arg.partition("=")
    if eq and k in keys:
        f[keys[k]] = int(v) if k == "weight" else (v == "true") if k == "mva" else v
    else:
        vals.append(arg)
f["ResourceRecords"] = [{"Value": v} for v in vals]
# The CLI sends the elements in the JSON order, and Route 53 wants the model order.
order = ["Name", "Type", "SetIdentifier", "Weight", "Region", "Failover",
         "MultiValueAnswer", "TTL", "ResourceRecords", "HealthCheckId"]
rrs = {k: f[k] for k in order if k in f}
print(json.dumps({"Action": a, "ResourceRecordSet": rrs}))' "$@"
}

# batch CHANGE...: change-resource-record-sets with these changes in one batch.
batch()
{
    local IFS=,
    r53 change-resource-record-sets --hosted-zone-id "$ZONE" --change-batch "{\"Changes\": [$*]}"
}

# sets NAME TYPE: the record sets at NAME/TYPE as the CLI lists them, one line
# each: "SID TTL policy-fields values" (SID "-" for a plain set).
sets()
{
    r53 list-resource-record-sets --hosted-zone-id "$ZONE" --start-record-name "$1" \
        --start-record-type "$2" | "$PYTHON3" -c '
import json, sys
n, t = sys.argv[1:3]
for r in json.load(sys.stdin)["ResourceRecordSets"]:
    if r["Name"] != n or r["Type"] != t:
        continue
    pol = " ".join("%s=%s" % (k, r[k]) for k in ("Weight", "Region", "Failover",
                   "MultiValueAnswer", "HealthCheckId") if k in r)
    print(r.get("SetIdentifier", "-"), r["TTL"], pol,
          "|".join(sorted(v["Value"] for v in r["ResourceRecords"])))' "$1" "$2"
}

# qdig ARGS...: dig at the simulator's name server, one try of at most 2 s.
qdig()
{
    timeout 20 "$DIG" @"$SIM_DNS_HOST" -p "$SIM_DNS_PORT" +norec +time=2 +tries=1 "$@"
}

# short NAME [TYPE]: the DNS answer's values, sorted, one line.
short() { qdig "$1" "${2:-A}" +short | sort | tr '\n' ' ' | sed 's/ $//'; }

# config JSON: POST /_sim/config.
config() { sim_ctl POST /_sim/config "$1" >/dev/null || fail "config $1 refused"; }

HC1=0b5e2c4a-1f0d-4c2e-9a41-5d7a3c1e0f01
HC2=0b5e2c4a-1f0d-4c2e-9a41-5d7a3c1e0f02
W=w.example.com.
CHANGES="[Weight, Region, Failover, GeoLocation, MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig]"

# ---- start ----------------------------------------------------------------------------

sim_start "$TEST_TMP/sim" --dns-port 0
EP=$SIM_URL EP_CA=$SIM_CA EP_AKID=$SIM_AKID EP_SECRET=$SIM_SECRET
ZONE=$(sim_ctl POST /_sim/zone '{"name": "example.com"}' | jget "d['id']") \
    || fail "cannot create the zone"

# ---- a change's own fields: InvalidInput ---------------------------------------------

expect_error "SetIdentifier without a policy: InvalidInput, 'found none'" InvalidInput \
    "Invalid request: Expected exactly one of $CHANGES, but found none in Change with [Action=CREATE, Name=w.example.com, Type=A, SetIdentifier=east]" \
    batch "$(rs CREATE w.example.com A 60 sid=east 192.0.2.1)"
expect_error "a policy without SetIdentifier: InvalidInput, Missing field 'SetIdentifier'" InvalidInput \
    "Invalid request: Missing field 'SetIdentifier' in Change with [Action=CREATE, Name=w.example.com., Type=A, SetIdentifier=null]" \
    batch "$(rs CREATE $W A 60 weight=10 192.0.2.1)"
expect_error "two policies: InvalidInput, 'found more than one'" InvalidInput \
    "Invalid request: Expected exactly one of $CHANGES, but found more than one in Change with [Action=UPSERT, Name=w.example.com., Type=A, SetIdentifier=east]" \
    batch "$(rs UPSERT $W A 60 sid=east weight=10 failover=PRIMARY 192.0.2.1)"
expect_error "MultiValueAnswer false is no policy: 'found none'" InvalidInput \
    "but found none in Change with [Action=CREATE, Name=w.example.com., Type=A, SetIdentifier=east]" \
    batch "$(rs CREATE $W A 60 sid=east mva=false 192.0.2.1)"
expect_error "Weight 256: the schema's maxInclusive 255" InvalidInput \
    "Invalid XML ; cvc-maxInclusive-valid: Value '256' is not facet-valid with respect to maxInclusive '255'" \
    batch "$(rs CREATE $W A 60 sid=east weight=256 192.0.2.1)"
# The CLI itself refuses a negative weight (botocore checks the model's
# min, not its max), so it never reaches the server.
out=$(batch "$(rs CREATE $W A 60 sid=east weight=-1 192.0.2.1)" 2>&1)
if grep -qF "valid min value: 0" <<<"$out"; then
    ok "Weight -1: refused by the CLI before sending (botocore's min check)"
else
    not_ok "Weight -1: refused by the CLI before sending" "$out"
fi
expect_error "Failover TERTIARY: not in the enumeration" InvalidInput \
    "Invalid XML ; cvc-enumeration-valid: Value 'TERTIARY' is not facet-valid with respect to enumeration '[PRIMARY, SECONDARY]'. It must be a value from the enumeration." \
    batch "$(rs CREATE $W A 60 sid=east failover=TERTIARY 192.0.2.1)"
expect_error "Region mars-1: not in the enumeration" InvalidInput \
    "Invalid XML ; cvc-enumeration-valid: Value 'mars-1' is not facet-valid with respect to enumeration '[us-east-1, us-east-2," \
    batch "$(rs CREATE $W A 60 sid=east region=mars-1 192.0.2.1)"
expect_error "HealthCheckId that is no health check id: InvalidInput" InvalidInput \
    "HealthCheckId 'not-a-uuid'" \
    batch "$(rs CREATE $W A 60 sid=east weight=1 hc=not-a-uuid 192.0.2.1)"
expect_eq "... and nothing was written" "" "$(sets $W A)"

# ---- members beside members -------------------------------------------------------------

SPF='"v=spf1 -all"'
out=$(batch "$(rs CREATE $W A 60 sid=east weight=10 hc=$HC1 192.0.2.1)" \
            "$(rs CREATE $W A 60 sid=west weight=20 192.0.2.2)" \
            "$(rs CREATE $W TXT 300 "$SPF")" 2>&1) \
    && ok "two weighted members and a plain SPF TXT at one name, in one batch" \
    || not_ok "create weighted members" "$out"
expect_eq "the CLI lists both members with their fields, by set identifier" \
    "$(printf '%s\n' "east 60 Weight=10 HealthCheckId=$HC1 192.0.2.1" "west 60 Weight=20 192.0.2.2")" \
    "$(sets $W A)"
expect_eq "the plain TXT beside them is its own set" "- 300  $SPF" "$(sets $W TXT)"
out=$(batch "$(rs CREATE $W A 60 sid=north weight=0 192.0.2.3)" 2>&1) \
    && ok "a third member, weight 0" || not_ok "third member" "$out"

# ---- a plain set vs members ---------------------------------------------------------------

expect_error "a plain set where members stand: Route 53's text" InvalidChangeBatch \
    "[RRSet with DNS name w.example.com., type A cannot be created as other RRSets exist with the same name and type.]" \
    batch "$(rs CREATE $W A 60 192.0.2.9)"
expect_error "... by UPSERT too" InvalidChangeBatch \
    "cannot be created as other RRSets exist with the same name and type." \
    batch "$(rs UPSERT $W A 60 192.0.2.9)"
out=$(batch "$(rs CREATE p.example.com A 60 192.0.2.50)" 2>&1) || not_ok "plain p" "$out"
expect_error "a weighted member where a plain set stands: Route 53's text" InvalidChangeBatch \
    "[RRSet with DNS name p.example.com., type A, SetIdentifier east cannot be created as a non-weighted set exists with the same name and type.]" \
    batch "$(rs CREATE p.example.com A 60 sid=east weight=1 192.0.2.51)"
expect_error "a failover member where a plain set stands: the same text" InvalidChangeBatch \
    "[RRSet with DNS name p.example.com., type A, SetIdentifier one cannot be created as a non-weighted set exists with the same name and type.]" \
    batch "$(rs CREATE p.example.com A 60 sid=one failover=PRIMARY 192.0.2.51)"
out=$(batch "$(rs DELETE p.example.com A 60 192.0.2.50)" \
            "$(rs CREATE p.example.com A 60 sid=east weight=1 192.0.2.51)" 2>&1) \
    && ok "DELETE plain + CREATE member in one batch converts the name" \
    || not_ok "convert plain to member" "$out"
expect_eq "... which now holds the member alone" "east 60 Weight=1 192.0.2.51" "$(sets p.example.com. A)"

# ---- one policy per name and type -------------------------------------------------------

expect_error "a failover member among weighted ones: refused" InvalidChangeBatch \
    "[RRSet with DNS name w.example.com., type A, SetIdentifier south cannot be created as a non-failover set exists with the same name and type.]" \
    batch "$(rs CREATE $W A 60 sid=south failover=PRIMARY 192.0.2.4)"
expect_error "a latency member among weighted ones: refused" InvalidChangeBatch \
    "SetIdentifier south cannot be created as a non-latency set exists with the same name and type." \
    batch "$(rs CREATE $W A 60 sid=south region=eu-west-1 192.0.2.4)"

# ---- weighted sets share one TTL ---------------------------------------------------------

expect_error "a weighted member with another TTL: Route 53's text" InvalidChangeBatch \
    "[RRSet with DNS name w.example.com. and type A, SetIdentifier south cannot be created as weighted sets must contain the same TTL.]" \
    batch "$(rs CREATE $W A 300 sid=south weight=5 192.0.2.4)"
expect_error "UPSERT of one member to another TTL: the same" InvalidChangeBatch \
    "SetIdentifier west cannot be created as weighted sets must contain the same TTL." \
    batch "$(rs UPSERT $W A 30 sid=west weight=20 192.0.2.2)"
out=$(batch "$(rs UPSERT $W A 30 sid=east weight=10 hc=$HC1 192.0.2.1)" \
            "$(rs UPSERT $W A 30 sid=west weight=20 192.0.2.2)" \
            "$(rs UPSERT $W A 30 sid=north weight=0 192.0.2.3)" 2>&1) \
    && ok "every member's TTL changed in one batch is fine" || not_ok "TTL of all" "$out"
expect_eq "... all at 30" "30 30 30" "$(sets $W A | awk '{print $2}' | tr '\n' ' ' | sed 's/ $//')"

# ---- failover: one PRIMARY, one SECONDARY ----------------------------------------------------

F=f.example.com.
out=$(batch "$(rs CREATE $F A 60 sid=one failover=PRIMARY hc=$HC2 192.0.2.11)" \
            "$(rs CREATE $F A 60 sid=two failover=SECONDARY 192.0.2.12)" 2>&1) \
    && ok "a PRIMARY (with a health check) and a SECONDARY" || not_ok "failover pair" "$out"
expect_error "a second PRIMARY: refused" InvalidChangeBatch \
    "[RRSet with DNS name f.example.com., type A, SetIdentifier three cannot be created as a PRIMARY failover set already exists with the same name and type.]" \
    batch "$(rs CREATE $F A 60 sid=three failover=PRIMARY 192.0.2.13)"
expect_error "a second SECONDARY: refused" InvalidChangeBatch \
    "SetIdentifier three cannot be created as a SECONDARY failover set already exists" \
    batch "$(rs CREATE $F A 60 sid=three failover=SECONDARY 192.0.2.13)"
out=$(batch "$(rs UPSERT $F A 60 sid=one failover=SECONDARY hc=$HC2 192.0.2.11)" \
            "$(rs UPSERT $F A 60 sid=two failover=PRIMARY 192.0.2.12)" 2>&1) \
    && ok "swapping PRIMARY and SECONDARY in one batch is fine" || not_ok "swap roles" "$out"
out=$(batch "$(rs UPSERT $F A 60 sid=one failover=PRIMARY hc=$HC2 192.0.2.11)" \
            "$(rs UPSERT $F A 60 sid=two failover=SECONDARY 192.0.2.12)" 2>&1) \
    || not_ok "swap back" "$out"

# ---- CREATE and DELETE of a member ------------------------------------------------------------

expect_error "CREATE of an existing member: 'already exists', with its set identifier" InvalidChangeBatch \
    "[Tried to create resource record set [name='w.example.com.', type='A', set-identifier='east'] but it already exists]" \
    batch "$(rs CREATE $W A 30 sid=east weight=10 hc=$HC1 192.0.2.1)"
mismatch="[Tried to delete resource record set [name='w.example.com.', type='A', set-identifier='east'] but the values provided do not match the current values]"
expect_error "DELETE with another Weight: values do not match" InvalidChangeBatch "$mismatch" \
    batch "$(rs DELETE $W A 30 sid=east weight=11 hc=$HC1 192.0.2.1)"
expect_error "DELETE without its HealthCheckId: values do not match" InvalidChangeBatch "$mismatch" \
    batch "$(rs DELETE $W A 30 sid=east weight=10 192.0.2.1)"
expect_error "DELETE with another HealthCheckId: values do not match" InvalidChangeBatch "$mismatch" \
    batch "$(rs DELETE $W A 30 sid=east weight=10 hc=$HC2 192.0.2.1)"
expect_error "DELETE with another TTL: values do not match" InvalidChangeBatch "$mismatch" \
    batch "$(rs DELETE $W A 60 sid=east weight=10 hc=$HC1 192.0.2.1)"
expect_error "DELETE with other values: values do not match" InvalidChangeBatch "$mismatch" \
    batch "$(rs DELETE $W A 30 sid=east weight=10 hc=$HC1 192.0.2.9)"
expect_error "DELETE of a failover member with the other role: values do not match" InvalidChangeBatch \
    "[Tried to delete resource record set [name='f.example.com.', type='A', set-identifier='two'] but the values provided do not match the current values]" \
    batch "$(rs DELETE $F A 60 sid=two failover=PRIMARY 192.0.2.12)"
expect_error "DELETE of a member that is not there: not found" InvalidChangeBatch \
    "[Tried to delete resource record set [name='w.example.com.', type='A', set-identifier='nowhere'] but it was not found]" \
    batch "$(rs DELETE $W A 30 sid=nowhere weight=10 192.0.2.1)"
expect_error "DELETE of a member addressed as a plain set: not found" InvalidChangeBatch \
    "[Tried to delete resource record set [name='w.example.com.', type='A'] but it was not found]" \
    batch "$(rs DELETE $W A 30 192.0.2.1)"
out=$(batch "$(rs DELETE $W A 30 sid=north weight=0 192.0.2.3)" 2>&1) \
    && ok "DELETE of a member with every field succeeds" || not_ok "delete north" "$out"
expect_eq "... the other members are untouched" \
    "$(printf '%s\n' "east 30 Weight=10 HealthCheckId=$HC1 192.0.2.1" "west 30 Weight=20 192.0.2.2")" \
    "$(sets $W A)"

# ---- paging inside a set ------------------------------------------------------------------

M=m.example.com.
members=()
for i in 1 2 3 4 5 6 7; do members+=("$(rs CREATE $M A 60 sid=s$i weight=$i 192.0.2.10$i)"); done
out=$(batch "${members[@]}" "$(rs CREATE $M TXT 60 '"m"')" "$(rs CREATE n.example.com A 60 192.0.2.200)" 2>&1) \
    || not_ok "create m members" "$out"
all="' '.join(r['Name'] + '/' + r['Type'] + '/' + r.get('SetIdentifier', '-') for r in d['ResourceRecordSets'])"
want_m="$M/A/s1 $M/A/s2 $M/A/s3 $M/A/s4 $M/A/s5 $M/A/s6 $M/A/s7 $M/TXT/-"
sim_ctl POST /_sim/reset-stats >/dev/null
out=$(r53 list-resource-record-sets --hosted-zone-id "$ZONE" --page-size 2) || not_ok "list paged" "$out"
listed=$(jget "$all" <<<"$out")
expect_eq "the CLI's paginator (page size 2) lists every member exactly once, in order" \
    "$want_m" "$(tr ' ' '\n' <<<"$listed" | grep "^$M" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "... and every set of the zone exactly once" "" \
    "$(tr ' ' '\n' <<<"$listed" | sort | uniq -d)"
n_sets=$(wc -w <<<"$listed")
expect_eq "... in ceil($n_sets/2) requests" $(((n_sets + 1) / 2)) \
    "$(sim_ctl GET /_sim/stats | jget "d['requests'].get('ListResourceRecordSets', 0)")"

out=$(r53 list-resource-record-sets --hosted-zone-id "$ZONE" --no-paginate \
    --start-record-name $M --start-record-type A --max-items 3) || not_ok "list" "$out"
expect_eq "maxitems 3 at m/A: s1 s2 s3, then NextRecordIdentifier s4" \
    "$M/A/s1 $M/A/s2 $M/A/s3|True|$M|A|s4" \
    "$(jget "'|'.join([$all, str(d['IsTruncated']), d['NextRecordName'], d['NextRecordType'], d['NextRecordIdentifier']])" <<<"$out")"
out=$(r53 list-resource-record-sets --hosted-zone-id "$ZONE" --no-paginate \
    --start-record-name $M --start-record-type A --start-record-identifier s6 --max-items 2) || not_ok "list" "$out"
expect_eq "--start-record-identifier s6 --max-items 2: s6 s7, next is the plain TXT (no identifier)" \
    "$M/A/s6 $M/A/s7|True|$M|TXT|None" \
    "$(jget "'|'.join([$all, str(d['IsTruncated']), d['NextRecordName'], d['NextRecordType'], str(d.get('NextRecordIdentifier'))])" <<<"$out")"
# --max-items 3 (page size 2) and --starting-token, to the end: the CLI's
# own token carries the identifier.  (The CLI turns its paginator off
# when --start-record-name is given, so this walks the whole zone.)
token="" walked="" tokens=""
for _ in $(seq 30); do
    out=$(r53 list-resource-record-sets --hosted-zone-id "$ZONE" --max-items 3 --page-size 2 \
        ${token:+--starting-token "$token"}) || { not_ok "list --starting-token" "$out"; break; }
    walked="$walked $(jget "$all" <<<"$out")"
    token=$(jget "d.get('NextToken', '')" <<<"$out")
    tokens="$tokens $token"
    [ -n "$token" ] || break
done
expect_eq "--max-items 3 and --starting-token to the end: the same sets, each once" \
    "$listed" "$(sed 's/^ *//' <<<"$walked")"
expect_eq "... through tokens that start inside a set" True \
    "$("$PYTHON3" -c 'import base64, json, sys
for t in sys.argv[1:]:
    d = json.loads(base64.b64decode(t + "=" * (-len(t) % 4)))
    if d.get("StartRecordIdentifier"):
        print(True)
        break
else:
    print(False, sys.argv[1:])' $tokens)"
expect_error "an identifier without a type: InvalidInput" InvalidInput "" \
    r53 list-resource-record-sets --hosted-zone-id "$ZONE" --no-paginate \
    --start-record-name $M --start-record-identifier s2

# ---- the control API with set identifiers ---------------------------------------------------

sim_ctl POST /_sim/reset-stats >/dev/null
out=$(sim_ctl POST /_sim/record "{\"zone\": \"$ZONE\", \"name\": \"$W\", \"type\": \"A\", \"ttl\": 30,
    \"set_identifier\": \"other\", \"weight\": 5, \"values\": [\"198.51.100.5\"]}") \
    && ok "control API: a member behind the client's back" || not_ok "control member" "$out"
expect_eq "... which the CLI lists" "other 30 Weight=5 198.51.100.5" "$(sets $W A | grep '^other')"
expect_eq "control GET with set_identifier" \
    '{"ttl": 30, "values": ["198.51.100.5"], "set_identifier": "other", "weight": 5}' \
    "$(sim_ctl GET "/_sim/record?zone=$ZONE&name=$W&type=A&set_identifier=other")"
expect_eq "control GET without one, at a name of members: 404 naming them" \
    "no such record ['east', 'other', 'west']" \
    "$(sim_ctl GET "/_sim/record?zone=$ZONE&name=$W&type=A" | jget "'%s %s' % (d['error'], d['set_identifiers'])")"
expect_eq "control GET set_identifier=*: every set" "east other west" \
    "$(sim_ctl GET "/_sim/record?zone=$ZONE&name=$W&type=A&set_identifier=*" | jget "' '.join(s['set_identifier'] for s in d['sets'])")"
out=$(sim_ctl POST /_sim/record "{\"zone\": \"$ZONE\", \"name\": \"$W\", \"type\": \"A\", \"values\": [\"192.0.2.9\"]}")
expect_eq "control API refuses a plain set among members, with Route 53's text" \
    "[RRSet with DNS name w.example.com., type A cannot be created as other RRSets exist with the same name and type.]" \
    "$(jget "d['error']" <<<"$out")"
out=$(sim_ctl POST /_sim/record "{\"zone\": \"$ZONE\", \"name\": \"$W\", \"type\": \"A\", \"ttl\": 99,
    \"set_identifier\": \"x\", \"weight\": 5, \"values\": [\"192.0.2.9\"]}")
expect_eq "... and a weighted member with another TTL" True \
    "$(jget "'weighted sets must contain the same TTL' in d['error']" <<<"$out")"
out=$(sim_ctl POST /_sim/record "{\"zone\": \"$ZONE\", \"name\": \"$W\", \"type\": \"A\",
    \"set_identifier\": \"x\", \"values\": [\"192.0.2.9\"]}")
expect_eq "... and a set identifier without a policy" True \
    "$(jget "'but found none' in d['error']" <<<"$out")"
batch "$(rs DELETE $W A 30 sid=other weight=5 198.51.100.5)" >/dev/null || not_ok "delete other"
expect_eq "history of one member: set, then removed, and by whom" \
    "['198.51.100.5'] 5 _sim|[] None 127.0.0.1" \
    "$(sim_ctl GET "/_sim/history?zone=$ZONE&name=$W&type=A&set_identifier=other" | jget "'|'.join('%s %s %s' % (h['values'], h.get('weight'), h['by']) for h in d)")"
expect_eq "history set_identifier=*: every member's changes, in time order" \
    "east west north east north west north other other" \
    "$(sim_ctl GET "/_sim/history?zone=$ZONE&name=$W&type=A&set_identifier=*" | jget "' '.join(h['set_identifier'] for h in d)")"
expect_eq "the batch log keeps the set identifier (fifth element)" \
    "[['DELETE', 'w.example.com.', 'A', ['198.51.100.5'], 'other']]" \
    "$(sim_ctl GET /_sim/stats | jget "[e['changes'] for e in d['log'] if e['op'] == 'ChangeResourceRecordSets'][-1]")"
sim_ctl POST /_sim/record "{\"zone\": \"$ZONE\", \"name\": \"$W\", \"type\": \"A\", \"ttl\": 30,
    \"set_identifier\": \"tmp\", \"weight\": 1, \"values\": [\"198.51.100.6\"]}" >/dev/null || not_ok "control tmp"
out=$(sim_ctl POST /_sim/record "{\"zone\": \"$ZONE\", \"name\": \"$W\", \"type\": \"A\",
    \"set_identifier\": \"tmp\", \"values\": []}") \
    && ok "control API: a member removed by its set identifier alone" || not_ok "control remove" "$out"
expect_eq "... and gone" "east west" "$(sets $W A | awk '{print $1}' | tr '\n' ' ' | sed 's/ $//')"

# The race fault on a member: another writer changes west between the
# client's read and its compare-and-swap of west alone.
config "{\"faults\": [{\"op\": \"ChangeResourceRecordSets\", \"kind\": \"race\",
    \"record\": {\"name\": \"$W\", \"type\": \"A\", \"ttl\": 30, \"set_identifier\": \"west\",
                \"weight\": 20, \"values\": [\"198.51.100.20\"]}}]}"
expect_error "race on a member: the swap built from the old read fails, naming the member" \
    InvalidChangeBatch "[Tried to delete resource record set [name='w.example.com.', type='A', set-identifier='west'] but the values provided do not match the current values" \
    batch "$(rs DELETE $W A 30 sid=west weight=20 192.0.2.2)" "$(rs CREATE $W A 30 sid=west weight=20 192.0.2.22)"
expect_eq "... west holds what the race wrote, east is untouched" \
    "$(printf '%s\n' "east 30 Weight=10 HealthCheckId=$HC1 192.0.2.1" "west 30 Weight=20 198.51.100.20")" \
    "$(sets $W A)"
out=$(batch "$(rs DELETE $W A 30 sid=west weight=20 198.51.100.20)" "$(rs CREATE $W A 30 sid=west weight=20 192.0.2.2)" 2>&1) \
    && ok "... re-read, the swap of west succeeds" || not_ok "race retry" "$out"

# ---- DNS: the name servers answer by routing policy ----------------------------------------

# Weighted, no seed: the highest weight, every time.
expect_eq "weighted, no seed: the highest weight (west, 20) each time" \
    "192.0.2.2 192.0.2.2 192.0.2.2" \
    "$(for _ in 1 2 3; do short $W; echo; done | tr '\n' ' ' | sed 's/ $//')"
expect_eq "... with its TTL" 30 "$(qdig $W A +noall +answer | awk '{print $2}')"
expect_eq "the plain TXT beside the members is answered as is" "$SPF" "$(short $W TXT)"
# west unhealthy? it has no health check; east's check failing leaves west.
config "{\"health\": {\"$HC1\": false}}"
expect_eq "weighted: a member whose health check fails is skipped (still west)" "192.0.2.2" "$(short $W)"
config '{"health": {}}'
# Weight 0 alone is never chosen while others have weight.
batch "$(rs CREATE z.example.com A 60 sid=a weight=0 192.0.2.31)" "$(rs CREATE z.example.com A 60 sid=b weight=1 192.0.2.32)" \
    >/dev/null || not_ok "z members"
config '{"dns_weighted_seed": 7}'
expect_eq "weighted, seeded: a weight-0 member is never answered beside weight 1" "192.0.2.32" \
    "$(for _ in $(seq 20); do short z.example.com; echo; done | sort -u | tr '\n' ' ' | sed 's/ $//')"
# Seeded: both of east (10) and west (20) come up, and the same seed gives
# the same sequence again.
config '{"dns_weighted_seed": 7}'
seq1=$(for _ in $(seq 30); do short $W; echo; done | tr '\n' ' ')
config '{"dns_weighted_seed": 7}'
seq2=$(for _ in $(seq 30); do short $W; echo; done | tr '\n' ' ')
expect_eq "weighted, seeded: both members answered over 30 queries" "192.0.2.1 192.0.2.2" \
    "$(tr ' ' '\n' <<<"$seq1" | grep . | sort -u | tr '\n' ' ' | sed 's/ $//')"
expect_eq "weighted, seeded: the same seed, the same sequence" "$seq1" "$seq2"
config '{"dns_weighted_seed": null}'
batch "$(rs UPSERT z.example.com A 60 sid=b weight=0 192.0.2.32)" >/dev/null || not_ok "z all zero"
expect_eq "weighted, every weight 0, no seed: the first member" "192.0.2.31" "$(short z.example.com)"

# Failover: PRIMARY unless its health check fails.
expect_eq "failover: the PRIMARY" "192.0.2.11" "$(short $F)"
config "{\"health\": {\"$HC2\": false}}"
expect_eq "failover: PRIMARY's health check failing: the SECONDARY" "192.0.2.12" "$(short $F)"
config "{\"health\": {\"$HC2\": true}}"
expect_eq "failover: healthy again: the PRIMARY" "192.0.2.11" "$(short $F)"
batch "$(rs DELETE $F A 60 sid=two failover=SECONDARY 192.0.2.12)" \
      "$(rs CREATE $F A 60 sid=two failover=SECONDARY hc=$HC1 192.0.2.12)" >/dev/null || not_ok "two with hc"
config "{\"health\": {\"$HC1\": false, \"$HC2\": false}}"
expect_eq "failover: both unhealthy: the PRIMARY (Route 53 fails open)" "192.0.2.11" "$(short $F)"
config '{"health": {}}'

# Latency: the member of dns_region, else the first.
L=l.example.com.
batch "$(rs CREATE $L A 60 sid=eu region=eu-west-1 192.0.2.41)" \
      "$(rs CREATE $L A 60 sid=us region=us-east-1 hc=$HC1 192.0.2.42)" >/dev/null || not_ok "latency members"
expect_eq "latency, no dns_region: the first member (eu)" "192.0.2.41" "$(short $L)"
config '{"dns_region": "us-east-1"}'
expect_eq "latency, dns_region us-east-1: its member" "192.0.2.42" "$(short $L)"
config "{\"health\": {\"$HC1\": false}}"
expect_eq "latency: that member unhealthy: another region's" "192.0.2.41" "$(short $L)"
config '{"health": {}, "dns_region": null}'

# Multivalue: up to 8 healthy values.
MV=mv.example.com.
mv=()
for i in 1 2 3 4 5 6 7 8 9 10; do
    hc=""; [ "$i" = 1 ] && hc="hc=$HC1"
    mv+=("$(rs CREATE $MV A 60 sid=v$i mva=true $hc 192.0.2.$((60 + i)))")
done
batch "${mv[@]}" >/dev/null || not_ok "multivalue members"
expect_eq "multivalue: 8 of the 10 values" 8 "$(qdig $MV A +short | wc -l)"
config "{\"health\": {\"$HC1\": false}}"
expect_eq "multivalue: an unhealthy member's value is left out" "" "$(qdig $MV A +short | grep -x 192.0.2.61)"
config '{"health": {}}'
expect_eq "multivalue: MultiValueAnswer true as the CLI lists it" "v1 60 MultiValueAnswer=True HealthCheckId=$HC1 192.0.2.61" \
    "$(sets $MV A | sed -n 1p)"

# ---- moto: the same batches against an implementation nobody here wrote ---------------------

if ! find_moto; then
    echo "# moto not installed: its comparison skipped"
    finish
fi
MOTO_PORT=$("$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$MOTO_PY" -m moto.server -H 127.0.0.1 -p "$MOTO_PORT" >"$TEST_TMP/moto.log" 2>&1 &
MOTO_PID=$!
# moto_cleanup: stop the moto we started, then the usual cleanup (with
# the exit status it was called with).
moto_cleanup()
{
    local rc=$?
    kill "$MOTO_PID" 2>/dev/null
    (exit "$rc")
    lib_cleanup
}
trap moto_cleanup EXIT
for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$MOTO_PORT/" && break
    sleep 0.1
done
EP=http://127.0.0.1:$MOTO_PORT EP_CA='' EP_AKID=testing EP_SECRET=testing
ZONE=$(r53 create-hosted-zone --name example.com --caller-reference "r$$" | jget "d['HostedZone']['Id'].split('/')[-1]") \
    || fail "moto: cannot create a zone"

out=$(batch "$(rs CREATE $W A 60 sid=east weight=10 hc=$HC1 192.0.2.1)" \
            "$(rs CREATE $W A 60 sid=west weight=20 192.0.2.2)" 2>&1) \
    && ok "moto: two weighted members at one name" || not_ok "moto: members" "$out"
expect_eq "moto lists them with their fields as the simulator does" \
    "$(printf '%s\n' "east 60 Weight=10 HealthCheckId=$HC1 192.0.2.1" "west 60 Weight=20 192.0.2.2")" \
    "$(sets $W A)"
out=$(batch "$(rs DELETE $W A 60 sid=east weight=10 hc=$HC1 192.0.2.1)" 2>&1) \
    && ok "moto: DELETE of a member with every field" || not_ok "moto: delete member" "$out"
expect_eq "moto: the other member is left" "west 60 Weight=20 192.0.2.2" "$(sets $W A)"

# Where moto 5.2.1 differs (ROUTE53-WIRE.md and the simulator follow Route 53).
note_moto()
{
    local desc=$1 out
    shift
    if out=$("$@" 2>&1); then out="accepted"; else out=$(grep -o 'An error occurred.*' <<<"$out" | head -c 300); fi
    echo "# moto, $desc: $out"
}
note_moto "plain set where members stand (Route 53: 'other RRSets exist')" \
    batch "$(rs CREATE $W A 60 192.0.2.9)"
note_moto "SetIdentifier without a policy (Route 53: InvalidInput 'found none')" \
    batch "$(rs CREATE x.example.com A 60 sid=a 192.0.2.9)"
note_moto "weighted member with another TTL (Route 53: 'weighted sets must contain the same TTL')" \
    batch "$(rs CREATE v.example.com A 60 sid=a weight=1 192.0.2.9)" "$(rs CREATE v.example.com A 300 sid=b weight=1 192.0.2.8)"
note_moto "CREATE of an existing member (Route 53: \"[Tried to create ... set-identifier='west'] but it already exists]\")" \
    batch "$(rs CREATE $W A 60 sid=west weight=20 192.0.2.2)"
note_moto "DELETE of a member with another Weight (Route 53: InvalidChangeBatch 'do not match')" \
    batch "$(rs DELETE $W A 60 sid=west weight=99 192.0.2.2)"
echo "# moto, ... after which west is: $(sets $W A | grep -c '^west') (Route 53: 1, kept)"
# moto deletes every set of that identifier in the zone, at any name and
# type: a TXT marker sharing its A member's identifier goes with it.
batch "$(rs CREATE d.example.com A 60 sid=x weight=1 192.0.2.1)" "$(rs CREATE d.example.com TXT 60 sid=x weight=1 '"mark"')" \
      "$(rs CREATE e.example.com A 60 sid=x weight=1 192.0.2.2)" >/dev/null 2>&1
batch "$(rs DELETE d.example.com A 60 sid=x weight=1 192.0.2.1)" >/dev/null 2>&1
echo "# moto, DELETE of d/A/x left d/TXT/x: $(sets d.example.com. TXT | grep -c '^x'), e/A/x: $(sets e.example.com. A | grep -c '^x')" \
    "(Route 53: 1 and 1: a set is its name, type and identifier)"
members=()
for i in 1 2 3 4 5; do members+=("$(rs CREATE $M A 60 sid=s$i weight=$i 192.0.2.10$i)"); done
batch "${members[@]}" >/dev/null 2>&1
out=$(r53 list-resource-record-sets --hosted-zone-id "$ZONE" --no-paginate \
    --start-record-name $M --start-record-type A --max-items 2 2>&1)
echo "# moto, maxitems 2 inside a set: NextRecordIdentifier=$(jget "d.get('NextRecordIdentifier')" <<<"$out" 2>&1)" \
    "(Route 53 and the simulator: s3)"
kill "$MOTO_PID" 2>/dev/null
wait "$MOTO_PID" 2>/dev/null

finish
