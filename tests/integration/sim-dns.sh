#!/bin/bash
# Keep the simulator's DNS side honest: the real dig (BIND 9, a resolver
# and message parser nobody here wrote) asks r53sim's name servers, over
# UDP and TCP, and must read the same records the API holds, set and read
# through the real AWS CLI.  Then each DNS fault, seen from dig, and the
# counters that let agent tests prove "TCP was used" or "no API call".
#
# Exit 0 pass, 1 fail, 77 skip.  Every wait is bounded (dig +time, timeout);
# no check depends on how fast this machine is.  Runs in ~20 s.

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

require_aws_cli
DIG=$(command -v dig) || skip_test "dig is not installed (Debian bind9-dnsutils)"

aws_cli_clean_env
export LC_ALL=C     # sort as Python does

# ---- helpers -------------------------------------------------------------------------

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

jget()
{
    "$PYTHON3" -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}

expect_eq()
{
    if [ "$2" = "$3" ]; then
        ok "$1"
    else
        not_ok "$1" "want: $2"$'\n'"got:  $3"
    fi
}

# qdig [@ADDR] ARGS...: dig at the simulator's DNS port, one try of at most
# 2 s (a fault test lowers it), no recursion asked.  Prints dig's output.
qdig()
{
    local server=$SIM_DNS_HOST
    case "${1:-}" in @*) server=${1#@}; shift ;; esac
    timeout 20 "$DIG" @"$server" -p "$SIM_DNS_PORT" +norec +time=2 +tries=1 "$@"
}

# short ARGS...: the answer's values, sorted, one line.
short() { qdig "$@" +short | sort | tr '\n' ' ' | sed 's/ $//'; }

# status ARGS...: dig's "status: X" of the answer.
status() { qdig "$@" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'; }

# flags ARGS...: the header flags dig shows ("qr aa").
flags() { qdig "$@" | sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p'; }

# api_values NAME TYPE: the record's values as list-resource-record-sets
# gives them, sorted, one line.
api_values()
{
    sim_r53 list-resource-record-sets --hosted-zone-id "$ZONE" \
        --start-record-name "$1" --start-record-type "$2" --max-items 1 |
        jget "' '.join(sorted(r['Value'] for s in d['ResourceRecordSets'] if s['Name'] == '$1' and s['Type'] == '$2' for r in s['ResourceRecords']))"
}

# dstat KEY...: a field of /_sim/stats "dns" (0 when absent).
dstat()
{
    local path="d['dns']" k
    for k in "$@"; do path="$path.get('$k', {})"; done
    sim_ctl GET /_sim/stats | jget "($path) or 0"
}

api_calls() { sim_ctl GET /_sim/stats | jget "sum(d['requests'].values())"; }

faults() { sim_ctl POST /_sim/config "$1" >/dev/null || fail "config $1"; }

change()
{
    sim_r53 change-resource-record-sets --hosted-zone-id "$ZONE" \
        --change-batch "{\"Changes\": $1}"
}

rr()
{
    local action=$1 name=$2 type=$3 ttl=$4 vals="" v
    shift 4
    for v in "$@"; do vals="$vals${vals:+, }{\"Value\": $("$PYTHON3" -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$v")}"; done
    printf '{"Action": "%s", "ResourceRecordSet": {"Name": "%s", "Type": "%s", "TTL": %s, "ResourceRecords": [%s]}}' \
        "$action" "$name" "$type" "$ttl" "$vals"
}

# ---- start: two name servers, changes PENDING until released -----------------------

# pending_seconds is huge: a change reaches INSYNC only when the test sets it
# to 0, so "not yet in DNS" and "in DNS once INSYNC" need no clock.
sim_start "$TEST_TMP/sim" --pending-seconds 3600 --dns-port 0 \
    --dns-host 127.0.0.1 --dns-host 127.0.0.2
[ -n "$SIM_DNS_PORT" ] && [ "$SIM_DNS_HOST" = 127.0.0.1 ] \
    && ok "ready file gives the DNS port ($SIM_DNS_PORT) and address" \
    || fail "no dns_port in the ready file: $(cat "$TEST_TMP/sim/ready.json")"

ZONE=$(sim_ctl POST /_sim/zone '{"name": "example.com", "id": "ZDNS"}' | jget "d['id']") \
    || fail "zone"
sim_ctl POST /_sim/zone '{"name": "example.com", "private": true, "id": "ZDNSPRIV"}' \
    >/dev/null || fail "private zone"
sim_ctl POST /_sim/record '{"zone": "ZDNSPRIV", "name": "www.example.com", "type": "A", "values": ["10.1.1.1"]}' \
    >/dev/null || fail "private record"

big=()
for i in $(seq 12); do big+=("\"$(printf 'x%.0s' $(seq 60))$i\""); done
out=$(change "[$(rr CREATE www.example.com A 60 192.0.2.10 192.0.2.11),
              $(rr CREATE www.example.com AAAA 60 2001:db8::10),
              $(rr CREATE www.example.com TXT 300 '"v=spf1 -all"' '"two words" "and more"'),
              $(rr CREATE alias.example.com CNAME 60 www.example.com),
              $(rr CREATE big.example.com TXT 60 "${big[@]}")]") || fail "CREATE: $out"
cid=$(jget "d['ChangeInfo']['Id']" <<<"$out")
expect_eq "records are not in DNS while the change is PENDING" "NXDOMAIN" \
    "$(status www.example.com A)"
sim_ctl POST /_sim/config '{"pending_seconds": 0}' >/dev/null || fail "release"
expect_eq "GetChange: INSYNC once released" INSYNC \
    "$(sim_r53 get-change --id "$cid" | jget "d['ChangeInfo']['Status']")"

# ---- the same records as the API, over UDP and TCP ----------------------------------

sim_ctl POST /_sim/reset-stats >/dev/null
for t in A AAAA TXT; do
    want=$(api_values www.example.com. $t)
    expect_eq "UDP: www $t equals the API's ($want)" "$want" "$(short www.example.com $t)"
    expect_eq "TCP: www $t equals the API's" "$want" "$(short www.example.com $t +tcp)"
done
calls=$(api_calls)
qdig www.example.com A >/dev/null
qdig www.example.com A +tcp >/dev/null
expect_eq "DNS queries make no API call" "$calls" "$(api_calls)"
expect_eq "stats count DNS queries by transport (udp tcp)" "4 4" \
    "$(dstat udp) $(dstat tcp)"
expect_eq "answers are authoritative, no recursion offered" "qr aa" "$(flags www.example.com A)"
out=$(qdig www.example.com A)
grep -q '^; EDNS: version: 0' <<<"$out" && ok "an EDNS query gets an OPT back" \
    || not_ok "no OPT in the answer to an EDNS query" "$out"
out=$(qdig www.example.com A +noedns)
grep -q 'EDNS' <<<"$out" && not_ok "a query without EDNS got an OPT" "$out" \
    || ok "a query without EDNS gets no OPT"
expect_eq "EDNS version 1: BADVERS" BADVERS "$(status www.example.com A +edns=1 +noednsneg)"
expect_eq "a CNAME is followed within the zone" "192.0.2.10 192.0.2.11 www.example.com." \
    "$(short alias.example.com A)"
sim_ctl POST /_sim/record '{"zone": "ZDNS", "name": "dangling.example.com", "type": "CNAME", "values": ["gone.example.com"]}' \
    >/dev/null || fail "CNAME record"
out=$(qdig dangling.example.com A)
grep -q 'status: NXDOMAIN' <<<"$out" && grep -qE '^dangling\.example\.com\..*CNAME' <<<"$out" \
    && ok "a CNAME to a missing name in the zone: the CNAME, then NXDOMAIN (RFC 6604)" \
    || not_ok "dangling CNAME" "$out"
expect_eq "the question's case is kept, in the question and the owner name" \
    "WwW.ExAmple.COM. WwW.ExAmple.COM." \
    "$(qdig WwW.ExAmple.COM A +noall +question +answer | awk 'NR <= 2 {printf "%s%s", sep, $1; sep = " "}' | sed 's/^;//')"
sim_ctl POST /_sim/record '{"zone": "ZDNS", "name": "*.w.example.com", "type": "AAAA", "values": ["2001:db8::77"]}' \
    >/dev/null || fail "wildcard record"
expect_eq "a wildcard answers a name below it (RFC 4592), not one beside it" "2001:db8::77 NXDOMAIN" \
    "$(short x.y.w.example.com AAAA) $(status x.v.example.com AAAA)"
expect_eq "ANY at the apex: NS and SOA" "NS NS NS NS SOA" \
    "$(qdig example.com ANY +noall +answer | awk '{print $4}' | sort | tr '\n' ' ' | sed 's/ $//')"

# ---- negative answers ---------------------------------------------------------------

out=$(qdig nosuch.example.com A)
grep -q 'status: NXDOMAIN' <<<"$out" && grep -q '^;; flags: qr aa;' <<<"$out" \
    && grep -qE '^example\.com\.[[:space:]]+900[[:space:]]+IN[[:space:]]+SOA' <<<"$out" \
    && ok "a name not in the zone: NXDOMAIN, AA, the SOA in authority" \
    || not_ok "NXDOMAIN answer" "$out"
out=$(qdig www.example.com MX)
grep -q 'status: NOERROR' <<<"$out" && grep -q 'ANSWER: 0, AUTHORITY: 1' <<<"$out" \
    && grep -qE '^example\.com\..*SOA' <<<"$out" \
    && ok "a type the name lacks: NOERROR, no answer, the SOA (NODATA)" \
    || not_ok "NODATA answer" "$out"
expect_eq "a name in no zone: REFUSED" REFUSED "$(status www.example.org A)"
expect_eq "zone transfer: REFUSED" REFUSED "$(status example.com AXFR +comments)"
expect_eq "a private zone is not served by the public name servers" \
    "192.0.2.10 192.0.2.11" "$(short www.example.com A)"
faults '{"dns_view": "vpc"}'
expect_eq "dns_view vpc: the private zone wins, as the VPC resolver" "10.1.1.1" \
    "$(short www.example.com A)"
faults '{"dns_view": "public"}'

# ---- truncation: too big for UDP ------------------------------------------------------

out=$(qdig big.example.com TXT +noedns +ignore)
grep -q '^;; flags: qr aa tc;' <<<"$out" && grep -q 'ANSWER: 0' <<<"$out" \
    && ok "over 512 bytes without EDNS: TC set, answer left out" \
    || not_ok "no TC on a 900-byte answer over plain UDP" "$out"
tcp0=$(dstat tcp)
expect_eq "dig retries over TCP by itself and gets all 12 strings" 12 \
    "$(qdig big.example.com TXT +noedns +short | wc -l)"
expect_eq "... and the simulator saw that TCP query" "$((tcp0 + 1))" "$(dstat tcp)"
expect_eq "with EDNS (1232) the same answer fits UDP" 12 \
    "$(qdig big.example.com TXT +notcp +ignore +short | wc -l)"
out=$(qdig big.example.com TXT +bufsize=600 +notcp +ignore)
grep -q '^;; flags: qr aa tc;' <<<"$out" && grep -q 'udp: 1232' <<<"$out" \
    && ok "over the query's EDNS size (600): TC, our OPT still sent" \
    || not_ok "no TC over an EDNS size of 600" "$out"

# ---- the delegation set: name servers the client can resolve ---------------------------

out=$(sim_r53 get-hosted-zone --id "$ZONE") || fail "get-hosted-zone: $out"
mapfile -t nss < <(jget "'\n'.join(d['DelegationSet']['NameServers'])" <<<"$out")
expect_eq "GetHostedZone: 4 name servers" 4 "${#nss[@]}"
got=""
for ns in "${nss[@]}"; do got="$got $(short "$ns" A)"; done
expect_eq "each name server resolves, through the simulator, to a DNS address" \
    " 127.0.0.1 127.0.0.2 127.0.0.1 127.0.0.2" "$got"
expect_eq "the apex NS set is the delegation set" \
    "$(printf '%s.\n' "${nss[@]}" | sort | tr '\n' ' ' | sed 's/ $//')" "$(short example.com NS)"
expect_eq "the second name server (127.0.0.2) answers the same" "192.0.2.10 192.0.2.11" \
    "$(short @127.0.0.2 www.example.com A)"
expect_eq "a name server's name has no AAAA: NODATA" "NOERROR 0" \
    "$(status "${nss[0]}" AAAA) $(qdig "${nss[0]}" AAAA +short | wc -l)"
faults '{"dns_hosts": {"ns-1.sim.test": ["127.0.0.3", "::1"]}}'
expect_eq "dns_hosts: a name of the test's choice" "127.0.0.3 ::1" \
    "$(short ns-1.sim.test A) $(short ns-1.sim.test AAAA)"
sim_ctl POST /_sim/zone '{"name": "named.test", "id": "ZNAMED", "name_servers": ["ns-1.sim.test", "ns-2.sim.test"]}' \
    >/dev/null || fail "zone with name servers"
expect_eq "name_servers at zone creation: DelegationSet and apex NS" \
    "ns-1.sim.test ns-2.sim.test | ns-1.sim.test. ns-2.sim.test." \
    "$(sim_r53 get-hosted-zone --id ZNAMED | jget "' '.join(d['DelegationSet']['NameServers'])") | $(short named.test NS)"
expect_eq "... the second resolves to a DNS address, the first as dns_hosts says" \
    "127.0.0.2 | 127.0.0.3" "$(short ns-2.sim.test A) | $(short ns-1.sim.test A)"

sim_ctl POST /_sim/zone '{"name": "literal.test", "id": "ZLIT", "name_servers": ["127.0.0.1", "::1"]}' \
    >/dev/null || fail "zone with literal name servers"
expect_eq "name servers given as addresses come back as such (for getaddrinfo)" \
    "127.0.0.1 ::1" "$(sim_r53 get-hosted-zone --id ZLIT | jget "' '.join(d['DelegationSet']['NameServers'])")"

# ---- faults --------------------------------------------------------------------------

sim_ctl POST /_sim/reset-stats >/dev/null
faults '{"dns_faults": [{"kind": "drop"}]}'
out=$(qdig www.example.com A +time=1); rc=$?
[ "$rc" = 9 ] && grep -q 'timed out' <<<"$out" \
    && ok "drop: dig +tries=1 +time=1 times out (exit 9)" \
    || not_ok "drop: dig exit $rc" "$out"
expect_eq "drop: counted as dropped, by fault" "1 1" "$(dstat dropped) $(dstat by_fault drop)"
expect_eq "a one-shot fault is used once" "192.0.2.10 192.0.2.11" "$(short www.example.com A)"

faults '{"dns_faults": [{"kind": "drop", "transport": "tcp"}]}'
out=$(qdig www.example.com A +tcp +time=1); rc=$?
[ "$rc" = 9 ] && ok "drop over TCP: no answer on the open connection, dig times out" \
    || not_ok "TCP drop: dig exit $rc" "$out"

faults '{"dns_faults": [{"kind": "wrong"}, {"kind": "wrong:198.51.100.7"}]}'
expect_eq "wrong: a made-up A" "192.0.2.254" "$(short www.example.com A)"
expect_eq "wrong:ADDR: that address" "198.51.100.7" "$(short www.example.com A)"
expect_eq "... and the API still holds the real values" "192.0.2.10 192.0.2.11" \
    "$(api_values www.example.com. A)"

faults '{"dns_faults": [{"kind": "servfail"}]}'
out=$(qdig www.example.com A)
grep -q 'status: SERVFAIL' <<<"$out" && grep -q '^;; flags: qr;' <<<"$out" \
    && ok "servfail: SERVFAIL, not authoritative" || not_ok "servfail" "$out"

faults '{"dns_faults": [{"kind": "truncate", "count": 2}]}'
out=$(qdig www.example.com A +notcp +ignore)
grep -q '^;; flags: qr aa tc;' <<<"$out" && grep -q 'ANSWER: 0' <<<"$out" \
    && ok "truncate: dig +notcp +ignore shows TC and no answer" \
    || not_ok "truncate: no TC" "$out"
tcp0=$(dstat tcp)
expect_eq "truncate: dig retries over TCP by itself and gets the answer" \
    "192.0.2.10 192.0.2.11" "$(short www.example.com A)"
expect_eq "... one TCP query more, and the fault never hits TCP" "$((tcp0 + 1)) 2" \
    "$(dstat tcp) $(dstat by_fault truncate)"

faults '{"dns_faults": [{"kind": "wrong", "server": "127.0.0.2", "count": 5}]}'
expect_eq "a fault for one name server only: the other answers right" \
    "192.0.2.10 192.0.2.11 | 192.0.2.254" \
    "$(short @127.0.0.1 www.example.com A) | $(short @127.0.0.2 www.example.com A)"
faults '{"dns_faults": [{"kind": "servfail", "name": "other.example.com"}]}'
expect_eq "a fault for one name only" "NOERROR" "$(status www.example.com A)"
expect_eq "... hits that name" "SERVFAIL" "$(status other.example.com A)"

faults '{"dns_faults": [], "dns_down": "drop"}'
qdig www.example.com A +time=1 >/dev/null; rc1=$?
qdig www.example.com TXT +tcp +time=1 >/dev/null; rc2=$?
expect_eq "dns_down drop: every query, UDP and TCP, goes unanswered" "9 9" "$rc1 $rc2"
faults '{"dns_down": null}'
expect_eq "dns_down null: answered again" "192.0.2.10 192.0.2.11" "$(short www.example.com A)"
if sim_ctl POST /_sim/config '{"dns_faults": [{"kind": "bogus"}]}' >/dev/null; then
    not_ok "an unknown DNS fault kind is refused"
else
    ok "an unknown DNS fault kind is refused"
fi

# ---- a change through the API reaches DNS once INSYNC ---------------------------------

sim_ctl POST /_sim/config '{"pending_seconds": 3600}' >/dev/null || fail "config"
out=$(change "[$(rr DELETE www.example.com A 60 192.0.2.10 192.0.2.11),
              $(rr CREATE www.example.com A 60 192.0.2.20)]") || fail "CAS: $out"
cid=$(jget "d['ChangeInfo']['Id']" <<<"$out")
expect_eq "PENDING: the API holds the new value" "192.0.2.20" "$(api_values www.example.com. A)"
expect_eq "PENDING: DNS still serves the old values" "192.0.2.10 192.0.2.11" \
    "$(short www.example.com A)"
sim_ctl POST /_sim/record '{"zone": "ZDNS", "name": "now.example.com", "type": "A", "values": ["192.0.2.99"]}' \
    >/dev/null || fail "record"
expect_eq "a control-API record is in DNS at once" "192.0.2.99" "$(short now.example.com A)"
sim_ctl POST /_sim/config '{"pending_seconds": 0}' >/dev/null || fail "release"
expect_eq "INSYNC: GetChange says so" INSYNC \
    "$(sim_r53 get-change --id "$cid" | jget "d['ChangeInfo']['Status']")"
expect_eq "INSYNC: DNS serves the new value, on both name servers" "192.0.2.20 192.0.2.20" \
    "$(short @127.0.0.1 www.example.com A) $(short @127.0.0.2 www.example.com A +tcp)"
out=$(change "[$(rr DELETE www.example.com AAAA 60 2001:db8::10)]") || fail "DELETE: $out"
expect_eq "a deleted record's name keeps its other types: NODATA" "NOERROR" \
    "$(status www.example.com AAAA)"
expect_eq "... a name with nothing left: NXDOMAIN" "NXDOMAIN" \
    "$(change "[$(rr DELETE alias.example.com CNAME 60 www.example.com)]" >/dev/null; status alias.example.com A)"

# ---- strict parsing: what dig cannot send ---------------------------------------------

out=$("$PYTHON3" - "$SIM_DNS_HOST" "$SIM_DNS_PORT" <<'EOF'
import socket, struct, sys
host, port = sys.argv[1], int(sys.argv[2])
q = b"\x03www\x07example\x03com\x00\x00\x01\x00\x01"
def ask(msg):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(msg, (host, port))
    try:
        data = s.recv(4096)
    except socket.timeout:
        return "none"
    flags = struct.unpack("!H", data[2:4])[0]
    return "%d" % (flags & 0xF)
print(ask(struct.pack("!6H", 1, 0, 2, 0, 0, 0) + q + q),     # 2 questions: FORMERR
      ask(struct.pack("!6H", 2, 0, 1, 0, 0, 0) + q + b"xx"), # trailing bytes: FORMERR
      ask(struct.pack("!6H", 3, 0x2000, 1, 0, 0, 0) + q),    # opcode 4: NOTIMP
      ask(struct.pack("!6H", 4, 0x8000, 1, 0, 0, 0) + q),    # a response: ignored
      ask(b"\x00\x05\x00"))                                  # no header: ignored
EOF
)
expect_eq "malformed queries: FORMERR FORMERR NOTIMP, responses and scraps ignored" \
    "1 1 4 none none" "$out"

finish
