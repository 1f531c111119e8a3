#!/bin/bash
# Compare-and-swap with the real AWS CLI (issue 14): a batch of DELETE(what
# was read) + CREATE(new) is Route 53's compare-and-swap, because a batch is
# all or nothing and a DELETE must match the record's TTL and values exactly.
# Checked against tests/sim/r53sim.py, then (if moto is installed) against
# moto server, an implementation nobody here wrote:
#   - DELETE(matching) + CREATE succeeds, for A and for a TXT set;
#   - a DELETE that does not match fails the whole batch and changes
#     nothing, not even the batch's other, valid, change;
#   - TXT sets with several quoted values (SPF, an ownership marker)
#     round-trip through the CLI;
#   - simulator only: the "race" fault makes exactly one batch fail and the
#     next succeed; /_sim/history lists the values in order; the request
#     log shows each batch's changes and whether it was applied.
#
# Exit 0 pass, 1 fail, 77 skip.  Every wait is bounded; runs in ~30 s.

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

require_aws_cli
aws_cli_clean_env

# ---- helpers -------------------------------------------------------------------------

# r53 ARGS...: `aws route53 ARGS` against $EP (CA $EP_CA, keys $EP_AKID/$EP_SECRET).
r53()
{
    env AWS_ACCESS_KEY_ID="$EP_AKID" AWS_SECRET_ACCESS_KEY="$EP_SECRET" \
        timeout 30 "$AWS" --endpoint-url "$EP" --ca-bundle "$EP_CA" --output json route53 "$@"
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

# rr ACTION NAME TYPE TTL VALUE...: one Change as JSON (values JSON-quoted,
# so a TXT value may carry its own double quotes).
rr()
{
    "$PYTHON3" -c 'import json, sys
a, n, t, ttl = sys.argv[1:5]
print(json.dumps({"Action": a, "ResourceRecordSet": {"Name": n, "Type": t, "TTL": int(ttl),
      "ResourceRecords": [{"Value": v} for v in sys.argv[5:]]}}))' "$@"
}

# batch CHANGE...: change-resource-record-sets with these changes in one batch.
batch()
{
    local IFS=,
    r53 change-resource-record-sets --hosted-zone-id "$ZONE" \
        --change-batch "{\"Changes\": [$*]}"
}

# show NAME TYPE: "TTL value|value..." (values sorted) as the CLI reads it, or "none".
show()
{
    r53 list-resource-record-sets --hosted-zone-id "$ZONE" | "$PYTHON3" -c '
import json, sys
n, t = sys.argv[1:3]
for r in json.load(sys.stdin)["ResourceRecordSets"]:
    if r["Name"] == n and r["Type"] == t:
        print(r["TTL"], "|".join(sorted(v["Value"] for v in r["ResourceRecords"])))
        break
else:
    print("none")' "$1" "$2"
}

# expect_fail DESC CODE TEXT CMD...: CMD fails with the CLI's "(CODE)" and TEXT.
expect_fail()
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

W=www.example.com.
SPF='"v=spf1 include:_spf.example.net -all"'
MARK='"heritage=route53,cluster=c1,resource=dns"'
MARK2='"heritage=route53,cluster=c2,resource=dns"'

# cas_suite WHO MISMATCH_CODE: the checks any Route 53 must pass.  $ZONE is
# an empty example.com zone.  MISMATCH_CODE: the error a DELETE that does
# not match gets (Route 53: InvalidChangeBatch).
cas_suite()
{
    local who=$1 code=$2 out
    out=$(batch "$(rr CREATE $W A 10 192.0.2.10)" "$(rr CREATE $W TXT 10 "$SPF" "$MARK")" 2>&1) \
        && ok "$who: CREATE A + TXT (SPF and marker) in one batch" || not_ok "$who: create" "$out"
    expect_eq "$who: A as created" "10 192.0.2.10" "$(show $W A)"
    expect_eq "$who: TXT set of two quoted values round-trips through the CLI" \
        "10 $MARK|$SPF" "$(show $W TXT)"

    out=$(batch "$(rr DELETE $W A 10 192.0.2.10)" "$(rr CREATE $W A 10 192.0.2.20)" \
                "$(rr DELETE $W TXT 10 "$MARK" "$SPF")" "$(rr CREATE $W TXT 10 "$SPF" "$MARK2")" 2>&1) \
        && ok "$who: DELETE(matching, TXT values in another order) + CREATE succeeds" \
        || not_ok "$who: swap" "$out"
    expect_eq "$who: A swapped" "10 192.0.2.20" "$(show $W A)"
    expect_eq "$who: TXT swapped, SPF kept" "10 $MARK2|$SPF" "$(show $W TXT)"

    expect_fail "$who: DELETE of stale A values fails the batch with $code" "$code" "" \
        batch "$(rr DELETE $W A 10 192.0.2.10)" "$(rr CREATE $W A 10 192.0.2.30)"
    expect_fail "$who: DELETE with the wrong TTL fails with $code" "$code" "" \
        batch "$(rr DELETE $W A 60 192.0.2.20)" "$(rr CREATE $W A 10 192.0.2.30)"
    expect_fail "$who: stale TXT DELETE fails even beside a valid A swap" "$code" "" \
        batch "$(rr DELETE $W A 10 192.0.2.20)" "$(rr CREATE $W A 10 192.0.2.30)" \
              "$(rr DELETE $W TXT 10 "$SPF" "$MARK")" "$(rr CREATE $W TXT 10 "$SPF" "$MARK")"
    expect_fail "$who: stale A DELETE fails even beside a valid TXT swap" "$code" "" \
        batch "$(rr DELETE $W TXT 10 "$SPF" "$MARK2")" "$(rr CREATE $W TXT 10 "$SPF" "$MARK")" \
              "$(rr DELETE $W A 10 192.0.2.99)" "$(rr CREATE $W A 10 192.0.2.30)"
    expect_fail "$who: a DELETE of a subset of the TXT values fails" "$code" "" \
        batch "$(rr DELETE $W TXT 10 "$MARK2")" "$(rr CREATE $W TXT 10 "$MARK")"
    expect_eq "$who: after the failed batches A is unchanged" "10 192.0.2.20" "$(show $W A)"
    expect_eq "$who: after the failed batches TXT is unchanged" "10 $MARK2|$SPF" "$(show $W TXT)"

    out=$(batch "$(rr DELETE $W A 10 192.0.2.20)" "$(rr DELETE $W TXT 10 "$SPF" "$MARK2")" \
                "$(rr CREATE $W TXT 10 "$SPF")" 2>&1) \
        && ok "$who: DELETE A + marker, SPF kept, in one batch" || not_ok "$who: delete" "$out"
    expect_eq "$who: A gone" "none" "$(show $W A)"
    expect_eq "$who: SPF alone left" "10 $SPF" "$(show $W TXT)"
}

# ---- the simulator ----------------------------------------------------------------

sim_start "$TEST_TMP/sim"
EP=$SIM_URL EP_CA=$SIM_CA EP_AKID=$SIM_AKID EP_SECRET=$SIM_SECRET
ZONE=$(sim_ctl POST /_sim/zone '{"name": "example.com"}' | jget "d['id']") \
    || fail "cannot create the zone"
cas_suite sim InvalidChangeBatch

expect_fail "sim: the mismatch message is Route 53's" InvalidChangeBatch \
    "but the values provided do not match the current values" \
    batch "$(rr DELETE $W TXT 10 "$MARK")"

# The race fault: the record changes between the client's read and its write.
sim_ctl POST /_sim/reset-stats >/dev/null
batch "$(rr CREATE $W A 10 192.0.2.10)" >/dev/null || not_ok "sim: set up A"
sim_ctl POST /_sim/config '{"faults": [{"op": "ChangeResourceRecordSets", "count": 1, "kind": "race",
    "record": {"name": "www.example.com.", "type": "A", "ttl": 10, "values": ["198.51.100.99"]}}]}' \
    >/dev/null || not_ok "sim: the race fault is accepted"
expect_fail "sim race: the swap built from the old read fails with InvalidChangeBatch" \
    InvalidChangeBatch "do not match" \
    batch "$(rr DELETE $W A 10 192.0.2.10)" "$(rr CREATE $W A 10 192.0.2.20)"
expect_eq "sim race: the record holds what the race wrote" "10 198.51.100.99" "$(show $W A)"
out=$(batch "$(rr DELETE $W A 10 198.51.100.99)" "$(rr CREATE $W A 10 192.0.2.20)" 2>&1) \
    && ok "sim race: re-read, the next swap succeeds (the fault was one-shot)" \
    || not_ok "sim race: retry" "$out"
expect_eq "sim race: the record as swapped" "10 192.0.2.20" "$(show $W A)"
stats=$(sim_ctl GET /_sim/stats)
expect_eq "sim race: counted once in by_fault" 1 "$(jget "d['by_fault'].get('race')" <<<"$stats")"
expect_eq "sim race: no fault left queued" "[]" \
    "$(sim_ctl GET /_sim/config | jget "d['faults']")"
expect_eq "sim log: each batch's changes and whether it was applied" \
    "$(printf '%s\n' \
        "None True [['CREATE', '$W', 'A', ['192.0.2.10']]]" \
        "race False [['DELETE', '$W', 'A', ['192.0.2.10']], ['CREATE', '$W', 'A', ['192.0.2.20']]]" \
        "None True [['DELETE', '$W', 'A', ['198.51.100.99']], ['CREATE', '$W', 'A', ['192.0.2.20']]]")" \
    "$(jget "'\n'.join('%s %s %s' % (e['fault'], e['applied'], e['changes']) for e in d['log'] if e['op'] == 'ChangeResourceRecordSets')" <<<"$stats")"
expect_eq "sim log: a batch's entry names the client" "127.0.0.1" \
    "$(jget "d['log'][-1]['peer']" <<<"$stats")"

hist=$(sim_ctl GET "/_sim/history?zone=$ZONE&name=www.example.com&type=A")
expect_eq "sim history: every value of www A in order, and who wrote it" \
    "$(printf '%s\n' "['192.0.2.10'] 127.0.0.1" "['192.0.2.20'] 127.0.0.1" "[] 127.0.0.1" \
        "['192.0.2.10'] 127.0.0.1" "['198.51.100.99'] race" "['192.0.2.20'] 127.0.0.1")" \
    "$(jget "'\n'.join('%s %s' % (h['values'], h['by']) for h in d)" <<<"$hist")"
expect_eq "sim history: times in order" True \
    "$(jget "all(a['t'] <= b['t'] for a, b in zip(d, d[1:]))" <<<"$hist")"
expect_eq "sim history: TXT set, SPF and marker values" \
    "$(printf '%s\n' "['$SPF', '$MARK']" "['$SPF', '$MARK2']" "['$SPF']")" \
    "$(sim_ctl GET "/_sim/history?zone=$ZONE&name=www.example.com.&type=TXT" \
        | jget "'\n'.join(str(h['values']) for h in d)")"
sim_ctl POST /_sim/record "{\"zone\": \"$ZONE\", \"name\": \"$W\", \"type\": \"A\", \"values\": []}" >/dev/null
expect_eq "sim history: a control-API removal is by _sim" "[] _sim" \
    "$(sim_ctl GET "/_sim/history?zone=$ZONE&name=$W&type=A" | jget "'%s %s' % (d[-1]['values'], d[-1]['by'])")"
expect_eq "sim history: a record never set has none" "[]" \
    "$(sim_ctl GET "/_sim/history?zone=$ZONE&name=nothere.example.com&type=A")"

# The race fault removing the record ("values": []): the DELETE then finds nothing.
batch "$(rr CREATE $W A 10 192.0.2.10)" >/dev/null || not_ok "sim: set up A again"
sim_ctl POST /_sim/config '{"faults": [{"op": "ChangeResourceRecordSets", "kind": "race",
    "record": {"name": "www.example.com.", "type": "A", "values": []}}]}' >/dev/null
expect_fail "sim race with values []: the record vanished, the DELETE is not found" \
    InvalidChangeBatch "but it was not found" \
    batch "$(rr DELETE $W A 10 192.0.2.10)" "$(rr CREATE $W A 10 192.0.2.20)"
expect_eq "sim race with values []: nothing left" "none" "$(show $W A)"
if sim_ctl POST /_sim/config '{"faults": [{"op": "*", "kind": "race", "record": {"name": "x", "type": "A", "values": []}}]}' >/dev/null 2>&1; then
    not_ok "sim: a race fault on another op is refused"
else
    ok "sim: a race fault on another op is refused"
fi
grep -q "race fault set www.example.com. A" "$SIM_DIR/sim.log" \
    && ok "sim: the race is logged" || not_ok "sim: the race is logged" "$(tail -5 "$SIM_DIR/sim.log")"
sim_stop

# ---- moto (bonus: skipped without it) ----------------------------------------------

MOTO_PY=
for py in "${MOTO_PYTHON:-}" "$PYTHON3" python3 /usr/bin/python3 \
    "${PYENV_ROOT:-/root/.pyenv}"/versions/*/bin/python3 /root/.pyenv/versions/*/bin/python3; do
    [ -n "$py" ] && "$py" -c 'import moto.server' 2>/dev/null && { MOTO_PY=$py; break; }
done
if [ -z "$MOTO_PY" ]; then
    echo "# moto: no python3 with moto (set MOTO_PYTHON); its checks not run"
    finish
fi
make_ca "$TEST_TMP/tls" || fail "make_ca"
PORT=$("$PYTHON3" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$MOTO_PY" -m moto.server -H 127.0.0.1 -p "$PORT" -c "$TEST_TMP/tls/server.pem" \
    -k "$TEST_TMP/tls/server.key" >"$TEST_TMP/moto.log" 2>&1 &
MOTO_PID=$!
trap 'st=$?; kill $MOTO_PID 2>/dev/null; wait $MOTO_PID 2>/dev/null; (exit "$st"); lib_cleanup' EXIT
EP=https://127.0.0.1:$PORT EP_CA=$TEST_TMP/tls/ca.pem EP_AKID=AKIDMOTOTEST EP_SECRET=motosecret
for _ in $(seq 100); do
    curl -s --cacert "$EP_CA" -o /dev/null "$EP/moto-api/" && break
    sleep 0.1
done
ZONE=$(r53 create-hosted-zone --name example.com --caller-reference cas | jget "d['HostedZone']['Id'].split('/')[-1]") \
    || fail "moto: create-hosted-zone failed"
# moto is no compare-and-swap peer: it checks a DELETE against its journal
# of every CREATE/UPSERT ever made (values in the same order), not against
# the record as it stands, and answers a DELETE it cannot match with
# InvalidInput ("Expected exactly one of [AliasTarget, all of [TTL, and
# ResourceRecords], ...]") where Route 53 and the simulator say
# InvalidChangeBatch.  It also refuses ("already exists") a CREATE identical to
# one it was ever sent, a DELETE of that set earlier in the batch not counted
# (see moto.sh): every swap here writes values new to it.  So only what it
# does get right is checked here.
who=moto
out=$(batch "$(rr CREATE $W A 10 192.0.2.10)" "$(rr CREATE $W TXT 10 "$SPF" "$MARK")" 2>&1) \
    && ok "$who: CREATE A + TXT (SPF and marker) in one batch" || not_ok "$who: create" "$out"
expect_eq "$who: TXT set of two quoted values round-trips through the CLI" \
    "10 $MARK|$SPF" "$(show $W TXT)"
out=$(batch "$(rr DELETE $W A 10 192.0.2.10)" "$(rr CREATE $W A 10 192.0.2.20)" \
            "$(rr DELETE $W TXT 10 "$SPF" "$MARK")" "$(rr CREATE $W TXT 10 "$SPF" "$MARK2")" 2>&1) \
    && ok "$who: DELETE(matching) + CREATE succeeds" || not_ok "$who: swap" "$out"
expect_eq "$who: A swapped" "10 192.0.2.20" "$(show $W A)"
expect_eq "$who: TXT swapped, SPF kept" "10 $MARK2|$SPF" "$(show $W TXT)"
expect_fail "$who: a DELETE of values never held fails with InvalidInput (Route 53: InvalidChangeBatch)" \
    InvalidInput "Action=DELETE" \
    batch "$(rr DELETE $W A 10 192.0.2.99)" "$(rr CREATE $W A 10 192.0.2.30)"
expect_fail "$who: such a DELETE fails the batch beside a valid TXT swap" InvalidInput "" \
    batch "$(rr DELETE $W TXT 10 "$SPF" "$MARK2")" "$(rr CREATE $W TXT 10 "$SPF" "${MARK2/c2/c3}")" \
          "$(rr DELETE $W A 10 192.0.2.99)" "$(rr CREATE $W A 10 192.0.2.30)"
expect_eq "$who: after the failed batches A is unchanged" "10 192.0.2.20" "$(show $W A)"
expect_eq "$who: after the failed batches TXT is unchanged" "10 $MARK2|$SPF" "$(show $W TXT)"
if batch "$(rr DELETE $W A 10 192.0.2.10)" "$(rr CREATE $W A 10 192.0.2.30)" >/dev/null 2>&1; then
    echo "# moto: accepted a DELETE of a value the record held before (192.0.2.10), not now: no CAS"
else
    echo "# moto: refused a DELETE of a stale value, as Route 53 does"
fi
finish
