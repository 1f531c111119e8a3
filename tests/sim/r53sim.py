#!/usr/bin/env python3
"""r53sim: a small, strict Route 53 + EC2 IMDSv2 simulator for the tests.

Standard library only (Python 3.11).  It speaks the real wire formats
(rest-xml, namespace https://route53.amazonaws.com/doc/2013-04-01/) and
checks every Route 53 request's SigV4 signature with its own code, so a
client that passes here has signed what it sent.  The AWS CLI test
(tests/integration/sim-awscli.sh) keeps it honest against a real client.

Servers:
  HTTPS  --port       Route 53 API under /2013-04-01/, STS at / (see STS
                      below), control API under /_sim/
  HTTP   --imds-port  IMDSv2 (/latest/api/token, /latest/meta-data/...)
  DNS    --dns-port   the zones over DNS, UDP and TCP (off unless given;
                      0 picks a port), on each --dns-host ADDR (repeat it
                      for several name servers; default --host)
The ready file (--ready-file) holds {"port", "imds_port", "pid"} and, with
--dns-port, "dns_port" and "dns_addresses"; tests/lib.sh's sim_start
exports them as SIM_PORT, SIM_IMDS_PORT, SIM_DNS_PORT and SIM_DNS_HOST
(the first DNS address).

Control API (JSON, not signed), for tests only:
  POST /_sim/zone    {"name": "example.com", "private": false, "id": opt,
                      "name_servers": opt [names]} -> {"id": "Z..."}
                     name_servers: the DelegationSet (and apex NS, SOA
                     MNAME); default ns-10N.awsdns-0N.{com,net,org,co.uk}
  POST /_sim/record  {"zone": id, "name", "type", "ttl", "values": [...],
                      "set_identifier": opt, and with it one policy field
                      of "weight" (0..255), "region", "failover"
                      ("PRIMARY"|"SECONDARY"), "multivalue_answer" (true);
                      "health_check_id": opt (a UUID)}
                     sets a record set behind the client's back (a member
                     if set_identifier is given); "values": [] removes it.
                     Checked as a change is (Routing policies below): 400
                     {"error": Route 53's text} and nothing set
  GET  /_sim/record?zone=&name=&type=[&set_identifier=]
                     -> {"ttl", "values"} (a member's adds "set_identifier"
                     and its policy fields, as above) or 404 (with
                     "set_identifiers": [...] when only members stand
                     there); set_identifier=*: {"sets": [every set at the
                     name and type, each with "set_identifier", null for a
                     plain one]}
  GET  /_sim/history?zone=&name=&type=[&set_identifier=]
                     -> [{"t", "ttl", "values", "by"}] every value the
                     record set held, oldest first ("values": [] once
                     removed; a member's entries add "set_identifier" and
                     its policy fields); "by": the client's address for a
                     ChangeResourceRecordSets, "_sim" for POST /_sim/record,
                     "race" for the race fault; set_identifier=*: every set
                     at the name and type, merged in time order, each entry
                     with "set_identifier".  Kept across reset-stats.
  POST /_sim/config  any of {"pending_seconds", "down", "faults",
                     "local_ipv4", "public_ipv4", "role", "cred_ttl",
                     "clock_skew", "rate_limit", "burst", "dns_down",
                     "dns_faults", "dns_view", "dns_hosts", "health",
                     "dns_region", "dns_weighted_seed", "sts_expire",
                     "sts_cred_ttl", "sts_down"};
                     GET /_sim/config shows the config
  GET  /_sim/stats   {"requests": {op: n, "imds": n},
                      "rejected_signatures": n, "throttled": n,
                      "by_fault": {kind: n},
                      "log": [{"op", "status", "akid", "fault", "peer",
                               "t" (Unix time), "node" (IMDS of a node)}],
                     a ChangeResourceRecordSets entry whose batch was read
                     also has "changes": [[action, name, type, [values]]]
                     (a member's change has its set identifier as a fifth
                     element) and "applied": true/false
                      "dns": {see DNS below}}
                     (STS ops and their log entries: see STS below)
  POST /_sim/reset-stats
  POST /_sim/imds-node {"name": "node1", "netns": "/run/netns/NS",
                     "address": "169.254.169.254", "port": 80,
                     "instance_id", "mac", "interface_id", "local_ipv4"}
                     one more IMDSv2 listener, on ADDRESS:PORT inside that
                     network namespace (root only; the address must be up
                     there), serving that node's instance-id, mac,
                     network/interfaces/macs/<mac>/interface-id and
                     local-ipv4, and the same role credentials as --imds-port
  GET  /_sim/issued  {"akids", "secrets", "tokens": [...] in issue order,
                      "imds_tokens": [...]} what IMDS and STS handed out;
                     "sts": {"akids", "secrets", "tokens",
                     "web_identity_tokens"} STS's part alone
  POST /_sim/role    {"arn": "arn:aws:iam::111122223333:role/dns-writer",
                      "trust": opt [...] (default ["*"]),
                      "external_id": opt "...",
                      "web_identity_token": opt "...",
                      "fail": opt "AccessDenied" (any STS error code),
                      "max_duration": opt 3600..43200 (default 43200)}
                     -> the role as stored (with its "id", AROA...);
                     the same arn again replaces it;
                     {"arn": ..., "delete": true} removes it
  GET  /_sim/roles   {"roles": [role, ...]}

Faults: "down" is a fault kind applied to every Route 53 request (null to
clear).  "faults" replaces the list of one-shot faults, each
{"op": "GetChange" | "*" | "imds", "count": n, "kind": k}, consumed in
order before "down" is consulted.  Kinds:
  throttle     400 Throttling "Rate exceeded"          (request not executed)
  prior        400 PriorRequestNotComplete             (not executed)
  denied       403 AccessDenied                        (not executed)
  500 / 503    InternalFailure / ServiceUnavailable    (not executed)
  reset        connection reset, no answer             (not executed)
  garbage      200 with a body that is not XML        (not executed)
  huge         200 with an 8 MiB body, streamed        (not executed)
  truncated    executed; answer cut short of its Content-Length
  reset-after  executed; connection reset instead of the answer
  slow:S       sleep S seconds, then executed normally
  hang         read the request, never answer; the thread gives up when
               the client goes away or after 120 s   (not executed)
  empty        200 with an empty body                  (not executed)
  wrong-root   executed; the real answer under another root element
  wrong-ns     executed; the real answer in another namespace
  doctype      executed; the real answer behind an external DOCTYPE
  entity       executed; the real answer with an internal entity ("laughs")
  html502      a proxy's HTML 502 page                 (not executed)
  bighdr       200 with a 200 KiB header line          (not executed)
  expired      403 ExpiredToken; a temporary key it was signed with is
               expired for good, so only fresh IMDS credentials work
  invalidtoken 403 InvalidClientTokenId                (not executed)
  sigexpired   403 SignatureDoesNotMatch "Signature expired: ..." as a
               10-minute clock skew gets               (not executed)
  invalidbatch 400 InvalidChangeBatch "... already exists" (not executed)
  nosuchzone   404 NoSuchHostedZone                    (not executed)
  nosuchchange 404 NoSuchChange (GetChange of a change id that a failed-over
               control plane does not know)            (not executed)
  lostchange   op GetChange only, with "record" as for race: the change
               stranded in a control plane that failed over: sets that
               record as POST /_sim/record does (the value it held before
               the change), then answers as nosuchchange.
  race         op ChangeResourceRecordSets only, with "record": {"name",
               "type", "ttl", "values", "zone" (default: the request's),
               and optionally "set_identifier" and policy fields as POST
               /_sim/record takes them};
               once the batch is read and signed, just before it is
               applied, sets that record as POST /_sim/record does
               ("values": [] removes it); the batch, built from what the
               client read before, then meets the new record (a DELETE of
               the old values fails with InvalidChangeBatch, as on Route
               53).  The next request is normal.
For op "imds": throttle/503 -> 503, reset(-after), garbage, truncated,
slow:S, hang, empty (200, no body), html502, bighdr; anything else -> 500.

Routing policies (Route 53's weighted, latency, failover and multivalue
answer record sets; ../shared/ROUTE53-WIRE.md, "Record sets that share a
name"): a record set is keyed by (name, type, SetIdentifier or none).
ChangeResourceRecordSets takes SetIdentifier, Weight, Region, Failover,
MultiValueAnswer and HealthCheckId, in the model's element order (another
order: InvalidInput, as Route 53's schema check; note the AWS CLI sends a
ResourceRecordSet's fields in the order its JSON gives them).  GeoLocation,
GeoProximityLocation, CidrRoutingConfig, AliasTarget and
TrafficPolicyInstanceId stay unsupported (InvalidInput "r53sim does not
support ...").  Checks, in Route 53's words where known (the code marks
the texts that are r53sim's own wording):
  - InvalidInput, one change alone: Weight not 0..255, Failover not
    PRIMARY|SECONDARY, Region not an AWS region, MultiValueAnswer not a
    boolean, SetIdentifier not 1..128 characters: the schema validator's
    text ("Invalid XML ; cvc-...").  HealthCheckId not a UUID (r53sim has
    no health checks, so any UUID is taken).  SetIdentifier without a
    policy: "Invalid request: Expected exactly one of [Weight, Region,
    Failover, GeoLocation, MultiValueAnswer, GeoProximityLocation, or
    CidrRoutingConfig], but found none in Change with [Action=A, Name=N,
    Type=T, SetIdentifier=S]" (N as sent); two policies: "... but found
    more than one in Change with ..."; a policy without SetIdentifier:
    "Invalid request: Missing field 'SetIdentifier' in Change with [...,
    SetIdentifier=null]".  MultiValueAnswer false is no policy (not kept).
  - InvalidChangeBatch, each change in order against a working copy:
    "Tried to create resource record set [name='x.', type='A',
    set-identifier='S'] but it already exists"; a DELETE must match every
    field (TTL, values in any order, Weight, Region, Failover,
    MultiValueAnswer, HealthCheckId), else "Tried to delete resource record
    set [name='x.', type='A', set-identifier='S'] but the values provided
    do not match the current values" ("... but it was not found" if there
    is no such set).
  - InvalidChangeBatch, the sets a CREATE or UPSERT left, judged in the
    batch's result (so DELETE plain + CREATE member converts a name in one
    batch, and one batch may change every weighted member's TTL): a plain
    set where members stand: "RRSet with DNS name x., type A cannot be
    created as other RRSets exist with the same name and type."; a member
    where a plain set stands: "RRSet with DNS name x., type A,
    SetIdentifier S cannot be created as a non-weighted set exists with the
    same name and type." (whatever its policy); members of another policy:
    "... cannot be created as a non-<weighted|latency|failover|multivalue>
    set exists with the same name and type."; weighted members with
    another TTL: "RRSet with DNS name x. and type A, SetIdentifier S cannot
    be created as weighted sets must contain the same TTL."; a second
    PRIMARY or SECONDARY: "... cannot be created as a PRIMARY failover set
    already exists with the same name and type.".  Other types at the name
    are independent (a plain SPF TXT beside weighted A members).
  - ListResourceRecordSets sorts by name, type, then set identifier and
    lists a member with its fields; request parameter "identifier"
    (StartRecordIdentifier, which needs "type") starts inside a set, and
    the answer has NextRecordIdentifier when the next set is a member.
  - DNS: a name and type with members is answered as Route 53's name
    servers do (Routing.answer), once per query.  Health: config "health":
    {health check id: true|false} (replaces the map; an id not in it, and a
    member without one, is healthy); when no member is healthy all count as
    healthy, as on Route 53.  Weighted: one member, among the healthy ones
    of weight > 0, else the healthy ones of weight 0, else all by the same
    tiers; without config "dns_weighted_seed" (the default, null) the
    highest weight (ties: the first by set identifier), deterministic; with
    a seed (an integer; set again to restart the sequence) a random choice
    by weight from a generator of that seed.  Failover: the PRIMARY if
    healthy, else the SECONDARY if healthy, else the PRIMARY.  Latency: the
    member of config "dns_region" (null: none) if healthy, else the first
    healthy member by set identifier (none healthy: dns_region's member,
    else the first).  Multivalue: up to 8 values of the healthy members, by
    set identifier (shuffled by the seed if set), with the lowest TTL among
    them.

Change status: a change is PENDING until pending_seconds (its value when
GetChange is asked, so tests can release a pending change by setting it
to 0) have passed since submission, then INSYNC.

Rate limit: config {"rate_limit": R, "burst": B} puts every Route 53
request through a token bucket (R per second, B at once; Route 53's
account limit is 5/s); a request over it gets 400 Throttling "Rate
exceeded", is not executed, and is counted in /_sim/stats "throttled".
"rate_limit": null or 0 turns it off (the default).

Quota, the 2026 model (beside the one above; both apply if both are set):
config "quota": "2026" turns on Route 53's published buckets: account
burst 50 refill 10/s, and each operation its own bucket, burst 50 refill
10/s (the published default; none of the five operations here has another
figure); a request needs a token from both, takes none if either is empty,
and is then refused (before its signature is checked) with 400 Throttling
"Rate exceeded", not executed.  A separate bucket counts record changes:
each Change of a ChangeResourceRecordSets, UPSERT counting two; the
simulator's own figures (not published where this was written): burst
100, refill 20/s; checked once the batch has been read and is signed, a
batch over it is refused the same way and not applied.  Each bucket can be
set: {"quota": {"account": {"burst": B, "rate": R}, "operations": {"*":
{...}, "GetChange": {...}}, "changes": {...} or null (no change limit)}};
what is left out takes the default.  "quota": null turns it off (the
default); setting it refills every bucket.  /_sim/stats "quota":
{"passed": {op: n}, "throttled": {op: n}, "throttled_by": {"account": n,
"operation": n, "changes": n}}; the request log shows fault
"quota:account", "quota:operation" or "quota:changes" (the "throttled"
counter above is the old model's alone).

STS: the Query protocol on the API's HTTPS server, as sts.<region>.
amazonaws.com: POST / with a form body (application/x-www-form-urlencoded)
whose Action is AssumeRole, AssumeRoleWithWebIdentity or
GetCallerIdentity and Version 2011-06-15 (another Version: 400
InvalidAction).  Answers are XML in https://sts.amazonaws.com/doc/
2011-06-15/; errors <ErrorResponse><Error><Type>Sender|Receiver</Type>
<Code/><Message/></Error><RequestId/></ErrorResponse>.
  - Signatures: AssumeRole and GetCallerIdentity are checked as Route 53's
    are (same keys: --key, IMDS- and STS-issued, a temporary key only with
    its session token), with service "sts" in any region (the region of
    the credential scope is logged).  AssumeRoleWithWebIdentity is not
    signed, as on AWS.
  - Parameters, as STS checks them (400 ValidationError): RoleArn
    arn:aws|aws-cn|aws-us-gov:iam::<12 digits>:role/[path/]name;
    RoleSessionName [\w+=,.@-]{2,64}; DurationSeconds 900..43200, at most
    the role's max_duration, at most 3600 when the caller is itself a
    role session (STS- or IMDS-issued key: role chaining); ExternalId
    [\w+=,.@:/-]{2,1224}; WebIdentityToken 4..20000 characters.
  - AssumeRole: 403 AccessDenied if the role is not registered, if no
    entry of its "trust" is "*", the signing akid, the caller's ARN
    (arn:aws:iam::123456789012:user/r53sim for a --key, arn:aws:sts::
    ACCOUNT:assumed-role/NAME/SESSION for a role session) or the caller's
    role ARN (so a chained session is trusted by role), or if the role has
    an "external_id" and ExternalId is missing or other.
  - AssumeRoleWithWebIdentity: 403 AccessDenied if the role is not
    registered or has no "web_identity_token"; 400 InvalidIdentityToken
    if WebIdentityToken is not that token.  "trust" plays no part.
  - A role's "fail" answers that code (status from the code: 403
    AccessDenied, 400 ValidationError, ...) to both assumes, after the
    parameters are checked.
  - Credentials: AccessKeyId ASIA + 16, SecretAccessKey, SessionToken and
    Expiration (ISO 8601, Z) DurationSeconds (default 3600) from now, or
    config "sts_cred_ttl" seconds (null: off) so tests can issue keys that
    expire soon.  Route 53 (and STS, so roles chain) accepts an issued key
    signed with its session token only: without it or with another one
    403 InvalidClientTokenId; after Expiration 403 ExpiredToken.
  - GetCallerIdentity: Arn, UserId, Account of the signing key.
  - Config "sts_expire": true expires every STS key issued so far, now
    (an action, not a state): they get ExpiredToken from Route 53 and STS
    for good, and keys issued afterwards work.
  - Faults: a one-shot fault whose "op" is the action's name or "sts"
    applies to STS ("*" and "down" stay Route 53's); config "sts_down"
    (a kind, null clears) applies to every STS request.  Kinds: throttle,
    denied, 500, 503, expired (also expires the signing key),
    invalidtoken, reset, reset-after, truncated, slow:S, hang, empty,
    garbage, html502, bighdr as for Route 53 (errors in STS's namespace);
    any other kind answers 500 InternalFailure.
  - /_sim/stats: "requests" counts each action by name; their "log"
    entries add "region" (credential scope; null if unsigned), "role",
    "session", "external_id" (as sent, or null), "host" (the Host header)
    and, on success, "issued" (the new akid), "duration" (the
    DurationSeconds granted) and "caller" (the caller's ARN, or
    "web-identity").  "akid" is the signing key.

DNS (--dns-port): the simulator is the zones' authoritative name servers.
It answers from the same records as the API, as they stand once a change
is INSYNC: a ChangeResourceRecordSets change reaches DNS when GetChange
would say INSYNC (pending_seconds after it was submitted), as real Route 53
serves a change only once it is on all its name servers; POST /_sim/record
is INSYNC at once.  (A change once served stays served, even if
pending_seconds is raised later.)  Public zones only, as Route 53's own
servers; config "dns_view": "vpc" also serves private zones, preferred
over a public zone of the same name, as the VPC resolver (no cache).
  - A name and type that holds routing-policy members is answered by its
    policy (Routing policies above).
  - Answers carry AA (a referral to an NS set below the apex does not);
    a CNAME is followed within its zone; wildcards as RFC 4592.
  - A name in a zone with no record of the type: NOERROR, no answer, the
    SOA in authority (TTL min(SOA TTL, MINIMUM), RFC 2308); a name not in
    the zone: NXDOMAIN with the SOA (also at the end of a CNAME chain);
    a name in no zone (and not a name server's, below): REFUSED;
    AXFR/IXFR: REFUSED; opcode other than QUERY: NOTIMP; class other
    than IN: REFUSED; a query that does not parse: FORMERR.
  - EDNS0: an OPT is answered with an OPT (size 1232, no options: cookies
    and other options are ignored); a version other than 0 gets BADVERS.
  - UDP: an answer over 512 bytes (or the query's EDNS size, at most
    1232) is sent with TC and empty sections; TCP (2-byte length prefix,
    several queries per connection, 10 s idle) up to 65535 bytes.
  - Name servers: the names in public zones' DelegationSets answer A/AAAA
    (TTL 172800) with the DNS addresses, name server i with address
    i mod n: start with --dns-host 127.0.0.1 --dns-host 127.0.0.2 ... and
    each name server has its own address, as on AWS.  So a client that
    learns the names from GetHostedZone and asks the simulator for their
    addresses then queries each of them at its own address (on
    dns_port: the simulator does not listen on 53 unless told to, e.g.
    as root --dns-port 53 --dns-host 127.0.0.N).  Config "dns_hosts":
    {"name": ["addr", ...]} adds or overrides such names (a zone's own
    records win over both).  Name servers' names may also be given as
    address literals (POST /_sim/zone "name_servers": ["127.0.0.1"]) for a
    client that resolves them with getaddrinfo().
  - Faults, in the style of "down"/"faults": "dns_down" is a fault applied
    to every DNS query it matches (null clears); "dns_faults" replaces a
    queue of one-shot faults, consumed in order before "dns_down".  Each
    is {"kind": k, "count": n (one-shot; default 1), and optional
    matchers "name", "type", "server" (the address asked), "transport"
    ("udp"/"tcp")}; a string k for "dns_down" is {"kind": k}.  Kinds:
      drop        no answer at all (UDP: nothing sent; TCP: that query
                  is not answered, the connection stays open)
      servfail    SERVFAIL, no AA, no records
      refused     REFUSED
      wrong       an A/AAAA/TXT query gets NOERROR AA with one made-up
                  value (192.0.2.254, 2001:db8::254, "r53sim wrong
                  answer") even if the name does not exist; other types
                  are answered as usual
      wrong:ADDR  the same with ADDR for the query of its family
      truncate    UDP only (never matches TCP): TC with empty sections,
                  so the client retries over TCP, answered as usual
      slow:S      sleep S seconds, then answer as usual
  - /_sim/stats "dns": {"queries", "udp", "tcp", "answered", "dropped",
    "truncated" (TC sent): n, "by_fault", "by_rcode", "by_server",
    "by_type": {key: n}, "log": [{"transport", "server", "peer", "name",
    "type", "id", "rcode" (null if dropped), "tc", "fault", "answers"}]}
    (the last 1000 queries); POST /_sim/reset-stats clears it too.
"""

import argparse
import base64
import calendar
import errno
import hashlib
import hmac
import ipaddress
import json
import os
import random
import re
import secrets
import select
import signal
import socket
import socketserver
import ssl
import string
import struct
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections import namedtuple
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, unquote

NS = "https://route53.amazonaws.com/doc/2013-04-01/"
Q = "{" + NS + "}"          # ElementTree's prefix for namespaced tags
AMZ_DATE = "%Y%m%dT%H%M%SZ"
MAX_SKEW = 300              # seconds, as AWS
RR_TYPES = {"A", "AAAA", "CAA", "CNAME", "DS", "MX", "NAPTR", "NS", "PTR",
            "SOA", "SPF", "SRV", "TXT"}


def log(msg):
    """One line on stderr (the test's sim.log).  Never pass secrets."""
    sys.stderr.write("r53sim: %s\n" % msg)
    sys.stderr.flush()


def iso8601(t, millis=False):
    """UTC timestamp as Route 53 / IMDS print it."""
    s = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t))
    return s + (".%03dZ" % int((t % 1) * 1000) if millis else "Z")


def random_id(prefix, n=13):
    alphabet = string.ascii_uppercase + string.digits
    return prefix + "".join(secrets.choice(alphabet) for _ in range(n))


class ApiError(Exception):
    """A Route 53 error answer: HTTP status, Code, Message."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


# --------------------------------------------------------------------------
# DNS names
# --------------------------------------------------------------------------

class Names:
    """Route 53's name rules: lowercase, trailing dot, octal escapes."""

    PLAIN = set(string.ascii_lowercase + string.digits + "-_.")
    ESCAPE = re.compile(r"\\[0-7]{3}")

    @classmethod
    def normalize(cls, name):
        """'WWW.Example.com' -> 'www.example.com.'; '*' -> '\\052'."""
        name = name.strip().lower()
        if not name.endswith("."):
            name += "."
        out, i = [], 0
        while i < len(name):
            if cls.ESCAPE.match(name, i):
                out.append(name[i:i + 4])
                i += 4
                continue
            c = name[i]
            if c in cls.PLAIN:
                out.append(c)
            else:
                out.extend("\\%03o" % b for b in c.encode("utf-8"))
            i += 1
        return "".join(out)

    @staticmethod
    def sort_key(name):
        """Labels reversed, trailing dot kept: 'www.example.com.' ->
        'com.example.www.' (Route 53 compares these as strings)."""
        labels = name.rstrip(".").split(".")
        return ".".join(reversed(labels)) + "."

    @staticmethod
    def in_zone(name, zone):
        return name == zone or name.endswith("." + zone)


# --------------------------------------------------------------------------
# SigV4 verification
# --------------------------------------------------------------------------

class SigV4:
    """Pure SigV4 pieces, computed from what arrived on the wire."""

    ALGORITHM = "AWS4-HMAC-SHA256"

    @staticmethod
    def remove_dot_segments(path):
        """RFC 3986 5.2.4 plus AWS's collapsing of repeated slashes."""
        if not path:
            return "/"
        out = []
        for seg in path.split("/"):
            if seg == "..":
                if out:
                    out.pop()
            elif seg and seg != ".":
                out.append(seg)
        first = "/" if path.startswith("/") else ""
        last = "/" if path.endswith("/") and out else ""
        return first + "/".join(out) + last

    @classmethod
    def canonical_uri(cls, raw_path):
        # Non-S3 services encode the path as sent once more (so '%'
        # becomes '%25'), after normalisation: what botocore does.
        return quote(cls.remove_dot_segments(raw_path), safe="/~")

    @staticmethod
    def canonical_query(raw_query):
        """Decode every key and value, re-encode (unreserved set only,
        uppercase hex), sort by key then value."""
        pairs = []
        for part in raw_query.split("&"):
            if not part:
                continue
            k, _, v = part.partition("=")
            pairs.append((quote(unquote(k), safe="-_.~"),
                          quote(unquote(v), safe="-_.~")))
        return "&".join("%s=%s" % kv for kv in sorted(pairs))

    @staticmethod
    def canonical_headers(headers, signed):
        """headers: list of (name, value) as received, duplicates kept in
        order.  Values trimmed, inner whitespace runs collapsed, repeats
        joined with ','."""
        lines = []
        for name in signed:
            vals = [" ".join(v.split()) for k, v in headers
                    if k.lower() == name]
            lines.append("%s:%s\n" % (name, ",".join(vals)))
        return "".join(lines)

    @classmethod
    def canonical_request(cls, method, target, headers, signed, body):
        path, _, query = target.partition("?")
        return "\n".join([
            method,
            cls.canonical_uri(path),
            cls.canonical_query(query),
            cls.canonical_headers(headers, signed),
            ";".join(signed),
            hashlib.sha256(body).hexdigest(),
        ])

    @classmethod
    def string_to_sign(cls, amz_date, scope, creq):
        return "\n".join([cls.ALGORITHM, amz_date, scope,
                          hashlib.sha256(creq.encode("utf-8")).hexdigest()])

    @staticmethod
    def signature(secret, date, region, service, sts):
        def h(key, msg):
            return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()
        k = h(("AWS4" + secret).encode("utf-8"), date)
        k = h(k, region)
        k = h(k, service)
        k = h(k, "aws4_request")
        return hmac.new(k, sts.encode("utf-8"), hashlib.sha256).hexdigest()

    @classmethod
    def parse_authorization(cls, value):
        """-> (akid, date, region, service, signed list, signature)."""
        def incomplete(msg):
            return ApiError(403, "IncompleteSignature", msg)
        alg, _, rest = value.strip().partition(" ")
        if alg != cls.ALGORITHM:
            raise incomplete("Unsupported AWS 'algorithm': '%s'" % alg)
        fields = {}
        for part in rest.split(","):
            k, eq, v = part.strip().partition("=")
            if eq:
                fields[k] = v
        for k in ("Credential", "SignedHeaders", "Signature"):
            if k not in fields:
                raise incomplete("Authorization header requires '%s' "
                                 "parameter. Authorization=%s" % (k, value))
        cred = fields["Credential"].split("/")
        if len(cred) != 5 or cred[4] != "aws4_request":
            raise incomplete("Credential must have exactly 5 slash-delimited "
                             "elements, e.g. keyid/date/region/service/term,"
                             " got '%s'" % fields["Credential"])
        signed = fields["SignedHeaders"].split(";")
        if signed != sorted(set(signed)) or \
                any(s != s.lower() for s in signed):
            raise incomplete("SignedHeaders must be lowercase, sorted and "
                             "unique: '%s'" % fields["SignedHeaders"])
        return cred[0], cred[1], cred[2], cred[3], signed, fields["Signature"]


class Verifier:
    """Decides whether a Route 53 request is authentic.

    Knows the long-term keys (--key) and the temporary ones IMDS issued
    (with their session token and expiry)."""

    def __init__(self, keys, region, service="route53"):
        self.keys = dict(keys)          # akid -> secret
        self.temp = {}                  # akid -> (secret, token, expires)
        self.region, self.service = region, service
        self.clock_skew = 0             # seconds added to our clock
        self.lock = threading.Lock()

    def issue_temporary(self, ttl):
        """New ASIA... credentials valid for ttl seconds."""
        akid = random_id("ASIA", 16)
        secret = base64.b64encode(secrets.token_bytes(30)).decode()
        token = base64.b64encode(secrets.token_bytes(300)).decode()
        expires = time.time() + ttl
        with self.lock:
            self.temp[akid] = (secret, token, expires)
        return akid, secret, token, expires

    def issued(self):
        """Every temporary secret and token handed out, for tests that
        grep a client's output for leaks."""
        with self.lock:
            return {"akids": list(self.temp),
                    "secrets": [v[0] for v in self.temp.values()],
                    "tokens": [v[1] for v in self.temp.values()]}

    def expire(self, akid):
        """End a temporary key now (the "expired" fault): a client that
        retries with it gets a real ExpiredToken, so only fresh
        credentials get through."""
        with self.lock:
            if akid in self.temp:
                secret, token, _ = self.temp[akid]
                self.temp[akid] = (secret, token, 0.0)

    def verify(self, method, target, headers, body, service=None):
        """Raise ApiError unless the request is signed right.  Returns
        the access key id.  headers: list of (name, value).  service:
        check for that service instead, in any region (STS)."""
        def header(name):
            vals = [v for k, v in headers if k.lower() == name]
            return vals[0] if vals else None

        service_override = service
        auth = header("authorization")
        if auth is None:
            raise ApiError(403, "MissingAuthenticationToken",
                           "Missing Authentication Token")
        akid, date, region, service, signed, sig = \
            SigV4.parse_authorization(auth)
        for must in ("host", "x-amz-date"):
            if must not in signed:
                raise ApiError(403, "IncompleteSignature",
                               "'%s' must be a 'SignedHeader' in the AWS "
                               "Authorization." % must)
        for name in signed:
            if header(name) is None:
                raise ApiError(403, "IncompleteSignature",
                               "Signed header '%s' is not in the request"
                               % name)
        amz_date = header("x-amz-date").strip()
        try:
            when = calendar.timegm(time.strptime(amz_date, AMZ_DATE))
        except ValueError:
            raise ApiError(403, "IncompleteSignature",
                           "X-Amz-Date must be in ISO8601 basic format: "
                           "'%s'" % amz_date)
        if date != amz_date[:8]:
            raise ApiError(403, "SignatureDoesNotMatch",
                           "Date in Credential scope does not match "
                           "YYYYMMDD from ISO-8601 version of date from "
                           "HTTP: '%s' != '%s', from '%s'."
                           % (date, amz_date[:8], amz_date))
        if service_override is None and region != self.region:
            raise ApiError(403, "SignatureDoesNotMatch",
                           "Credential should be scoped to a valid region, "
                           "not '%s'. " % region)
        if service != (service_override or self.service):
            raise ApiError(403, "SignatureDoesNotMatch",
                           "Credential should be scoped to correct service: "
                           "'%s'. " % (service_override or self.service))

        # Which key, and is its session token right?
        token = header("x-amz-security-token")
        with self.lock:
            secret = self.keys.get(akid)
            temp = self.temp.get(akid)
        invalid = ApiError(403, "InvalidClientTokenId",
                           "The security token included in the request is "
                           "invalid.")
        if secret is not None:
            if token is not None:
                raise invalid            # long-term keys take no token
        elif temp is not None:
            secret, want, expires = temp
            if token is None or "x-amz-security-token" not in signed or \
                    not hmac.compare_digest(token.strip(), want):
                raise invalid
            if time.time() + self.clock_skew >= expires:
                raise ApiError(403, "ExpiredToken",
                               "The security token included in the request "
                               "is expired")
        else:
            raise invalid

        # Clock skew, worded as AWS words it.
        now = time.time() + self.clock_skew
        fmt = lambda t: time.strftime(AMZ_DATE, time.gmtime(t))
        if when < now - MAX_SKEW:
            raise ApiError(403, "SignatureDoesNotMatch",
                           "Signature expired: %s is now earlier than %s "
                           "(%s - 5 min.)" % (amz_date, fmt(now - MAX_SKEW),
                                              fmt(now)))
        if when > now + MAX_SKEW:
            raise ApiError(403, "SignatureDoesNotMatch",
                           "Signature not yet current: %s is still later "
                           "than %s (%s + 5 min.)"
                           % (amz_date, fmt(now + MAX_SKEW), fmt(now)))

        creq = SigV4.canonical_request(method, target, headers, signed, body)
        scope = "/".join([date, region, service, "aws4_request"])
        sts = SigV4.string_to_sign(amz_date, scope, creq)
        want_sig = SigV4.signature(secret, date, region, service, sts)
        if not hmac.compare_digest(want_sig, sig):
            # The canonical request helps whoever debugs the client; it
            # holds no secret.
            log("signature mismatch for %s; canonical request was:\n%s"
                % (akid, creq))
            raise ApiError(403, "SignatureDoesNotMatch",
                           "The request signature we calculated does not "
                           "match the signature you provided. Check your AWS "
                           "Secret Access Key and signing method. Consult "
                           "the service documentation for details.")
        return akid


# --------------------------------------------------------------------------
# Zones, records, changes
# --------------------------------------------------------------------------

# A record set as stored: TTL, values, and its routing fields as a tuple of
# (wire element, value) pairs in the model's order (empty for a plain set).
# Zone.records maps (name, type, set identifier or None) to one.
Rec = namedtuple("Rec", "ttl values policy")

# One Change of a batch, parsed: action, name (normalised), type, TTL,
# values, set identifier (None: a plain set) and policy (as in Rec).
RRChange = namedtuple("RRChange", "action name type ttl values sid policy")


def set_order(key):
    """Sort key for (name, type, set identifier or None): a plain set
    first, members by set identifier (as ListResourceRecordSets)."""
    return (key[0], key[1], key[2] or "")


class Routing:
    """Route 53's routing-policy record sets ("members"): a name and type
    may hold several record sets when each has a SetIdentifier and exactly
    one policy (Weight, Region, Failover, MultiValueAnswer).  What is
    checked, and the wording, follow ../shared/ROUTE53-WIRE.md ("Record
    sets that share a name: routing policies") where it gives a text; a
    text marked "r53sim's wording" below is this simulator's best guess at
    Route 53's, found nowhere verbatim."""

    # (wire element, JSON key of the control API and /_sim/history), in
    # the model's element order.
    FIELDS = [("Weight", "weight"), ("Region", "region"),
              ("Failover", "failover"),
              ("MultiValueAnswer", "multivalue_answer"),
              ("HealthCheckId", "health_check_id")]
    POLICIES = ("Weight", "Region", "Failover", "MultiValueAnswer")
    KIND = {"Weight": "weighted", "Region": "latency",
            "Failover": "failover", "MultiValueAnswer": "multivalue"}
    # ResourceRecordSetRegion in the service model of the AWS CLI here
    # (2.9.19), in its order, then regions added to the enum since.
    REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2",
               "ca-central-1", "eu-west-1", "eu-west-2", "eu-west-3",
               "eu-central-1", "eu-central-2", "ap-southeast-1",
               "ap-southeast-2", "ap-southeast-3", "ap-northeast-1",
               "ap-northeast-2", "ap-northeast-3", "eu-north-1",
               "sa-east-1", "cn-north-1", "cn-northwest-1", "ap-east-1",
               "me-south-1", "me-central-1", "ap-south-1", "ap-south-2",
               "af-south-1", "eu-south-1", "eu-south-2", "ap-southeast-4",
               "il-central-1", "ca-west-1", "ap-southeast-5",
               "ap-southeast-7", "mx-central-1"]
    POLICY_LIST = ("[Weight, Region, Failover, GeoLocation, "
                   "MultiValueAnswer, GeoProximityLocation, or "
                   "CidrRoutingConfig]")
    UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                      r"[0-9a-f]{12}$", re.I)
    MULTIVALUE_MAX = 8                  # values a multivalue answer holds

    # -- a change's own fields (InvalidInput) --------------------------------

    @staticmethod
    def xsd(msg):
        """Route 53 validates the body against its XML schema (Xerces) and
        answers with the validator's text."""
        return ApiError(400, "InvalidInput", "Invalid XML ; " + msg)

    @classmethod
    def parse_fields(cls, raw):
        """raw: {wire element: text as sent} -> policy (a Rec's tuple), or
        InvalidInput worded as the schema validator words it.  The facet
        checks (range, enumeration, length) are Xerces' messages; the type
        names in them are the model's shape names (Route 53's own schema
        names are not known here).  MultiValueAnswer false is no policy at
        all, and is not kept."""
        out = []
        for field, _ in cls.FIELDS:
            if field not in raw:
                continue
            text = (raw[field] if raw[field] is not None else "").strip()
            if field == "Weight":
                if not re.match(r"^[+-]?[0-9]+$", text):
                    raise cls.xsd("cvc-datatype-valid.1.2.1: '%s' is not a "
                                  "valid value for 'integer'." % text)
                w = int(text)
                for bad, facet, lim in ((w < 0, "minInclusive", 0),
                                        (w > 255, "maxInclusive", 255)):
                    if bad:
                        raise cls.xsd(
                            "cvc-%s-valid: Value '%s' is not facet-valid "
                            "with respect to %s '%d' for type "
                            "'ResourceRecordSetWeight'."
                            % (facet, text, facet, lim))
                out.append((field, w))
            elif field in ("Region", "Failover"):
                allowed = cls.REGIONS if field == "Region" \
                    else ["PRIMARY", "SECONDARY"]
                if text not in allowed:
                    raise cls.xsd(
                        "cvc-enumeration-valid: Value '%s' is not "
                        "facet-valid with respect to enumeration '[%s]'. It "
                        "must be a value from the enumeration."
                        % (text, ", ".join(allowed)))
                out.append((field, text))
            elif field == "MultiValueAnswer":
                if text not in ("true", "false", "1", "0"):
                    raise cls.xsd("cvc-datatype-valid.1.2.1: '%s' is not a "
                                  "valid value for 'boolean'." % text)
                if text in ("true", "1"):
                    out.append((field, True))
            else:                       # HealthCheckId
                if len(text) > 64:
                    raise cls.xsd(
                        "cvc-maxLength-valid: Value '%s' with length = '%d' "
                        "is not facet-valid with respect to maxLength '64' "
                        "for type 'HealthCheckId'." % (text, len(text)))
                if not cls.UUID.match(text):
                    # r53sim's wording.  Route 53 also refuses an id of no
                    # health check of the account; the simulator has no
                    # health checks and takes any UUID.
                    raise ApiError(400, "InvalidInput",
                                   "Invalid request: HealthCheckId '%s' is "
                                   "not a valid health check id" % text)
                out.append((field, text))
        return tuple(out)

    @classmethod
    def check_change(cls, policy, sid, action, raw_name, rtype):
        """SetIdentifier and policy of one change, as Route 53 checks them
        (InvalidInput; Name as sent).  "found none" and "Missing field"
        are Route 53's texts as users quote them; "found more than one" is
        the same message's other form (as Route 53 words two of AliasTarget
        / TTL+ResourceRecords)."""
        where = ("in Change with [Action=%s, Name=%s, Type=%s, "
                 "SetIdentifier=%s]"
                 % (action, raw_name, rtype, sid if sid is not None
                    else "null"))
        n = sum(1 for f, _ in policy if f in cls.POLICIES)
        if n > 1:
            raise ApiError(400, "InvalidInput",
                           "Invalid request: Expected exactly one of %s, "
                           "but found more than one %s"
                           % (cls.POLICY_LIST, where))
        if n == 1 and sid is None:
            raise ApiError(400, "InvalidInput",
                           "Invalid request: Missing field 'SetIdentifier' "
                           "%s" % where)
        if n == 0 and sid is not None:
            raise ApiError(400, "InvalidInput",
                           "Invalid request: Expected exactly one of %s, "
                           "but found none %s" % (cls.POLICY_LIST, where))

    @classmethod
    def check_sid(cls, sid):
        """SetIdentifier's own facets (1..128 characters)."""
        if sid is not None and not 1 <= len(sid) <= 128:
            facet, lim = ("minLength", 1) if not sid else ("maxLength", 128)
            raise cls.xsd("cvc-%s-valid: Value '%s' with length = '%d' is "
                          "not facet-valid with respect to %s '%d' for type "
                          "'ResourceRecordSetIdentifier'."
                          % (facet, sid, len(sid), facet, lim))

    @classmethod
    def from_json(cls, d, name, rtype):
        """A control-API object's set_identifier and policy fields ->
        (sid, policy), checked as a change is; for a removal ("values":
        []) the set identifier alone counts."""
        sid = d.get("set_identifier")
        sid = None if sid is None else str(sid)
        cls.check_sid(sid)
        if d.get("values") == []:
            return sid, ()
        raw = {}
        for field, key in cls.FIELDS:
            v = d.get(key)
            if v is None:
                continue
            raw[field] = xml_bool(v) if isinstance(v, bool) else str(v)
        policy = cls.parse_fields(raw)
        cls.check_change(policy, sid, "UPSERT", name, rtype)
        return sid, policy

    # -- sets at one name and type (InvalidChangeBatch) ----------------------

    @staticmethod
    def policy_of(rec):
        """The routing policy of a record set (wire element), or None."""
        for f, _ in rec.policy:
            if f in Routing.POLICIES:
                return f
        return None

    @staticmethod
    def what(key):
        """How Route 53 names a record set in "Tried to ..." messages."""
        name, rtype, sid = key
        s = "resource record set [name='%s', type='%s'" % (name, rtype)
        if sid is not None:
            s += ", set-identifier='%s'" % sid
        return s + "]"

    @staticmethod
    def same(a, b):
        """Does a DELETE's record set (b) match the stored one (a)?  Every
        field: TTL, values (in any order), Weight, Region, Failover,
        MultiValueAnswer, HealthCheckId."""
        return a.ttl == b.ttl and sorted(a.values) == sorted(b.values) and \
            sorted(a.policy) == sorted(b.policy)

    @classmethod
    def set_errors(cls, records, key):
        """Route 53's rules for the record set key (name, type, sid) where
        it stands in records (a batch's result): [] if fine or gone.
        The batch is judged by its result, so DELETE plain + CREATE member
        converts a name in one batch, and the TTL of every weighted member
        changes in one batch."""
        rec = records.get(key)
        if rec is None:
            return []
        name, rtype, sid = key
        others = [(k[2], r) for k, r in records.items()
                  if k[0] == name and k[1] == rtype and k[2] != sid]
        if sid is None:
            if others:
                return ["RRSet with DNS name %s, type %s cannot be created "
                        "as other RRSets exist with the same name and type."
                        % (name, rtype)]
            return []
        who = "RRSet with DNS name %s, type %s, SetIdentifier %s" \
            % (name, rtype, sid)
        if any(s is None for s, _ in others):
            # Route 53 says "non-weighted" whatever the member's policy (a
            # failover member meets the same text).
            return [who + " cannot be created as a non-weighted set exists "
                    "with the same name and type."]
        mine = cls.policy_of(rec)
        if any(cls.policy_of(r) != mine for _, r in others):
            # r53sim's wording, after the text above: "non-weighted" where
            # a weighted member meets members of another policy.
            return [who + " cannot be created as a non-%s set exists with "
                    "the same name and type." % cls.KIND[mine]]
        if mine == "Weight" and any(r.ttl != rec.ttl for _, r in others):
            return ["RRSet with DNS name %s and type %s, SetIdentifier %s "
                    "cannot be created as weighted sets must contain the "
                    "same TTL." % (name, rtype, sid)]
        if mine == "Failover":
            role = dict(rec.policy)["Failover"]
            if any(dict(r.policy)["Failover"] == role for _, r in others):
                # r53sim's wording.
                return [who + " cannot be created as a %s failover set "
                        "already exists with the same name and type."
                        % role]
        return []

    # -- JSON (control API, history) -----------------------------------------

    @classmethod
    def rec_json(cls, sid, rec, with_sid=False):
        """{"ttl", "values"} (a plain set, as always), plus for a member
        "set_identifier" and its policy fields (JSON keys of FIELDS)."""
        out = {"ttl": rec.ttl, "values": list(rec.values)}
        if sid is not None or with_sid:
            out["set_identifier"] = sid
        keys = dict(cls.FIELDS)
        for f, v in rec.policy:
            out[keys[f]] = v
        return out

    # -- the data plane: what the name servers answer ------------------------

    @classmethod
    def answer(cls, members, health, region, rng):
        """The answer Route 53's name servers give for a name and type
        that holds members: (ttl, [values]).  members: [(sid, Rec)] in
        set identifier order; health: {health check id (lowercase): bool},
        an id not in it is healthy, as is a member without one; region: the
        resolver's latency region or None; rng: a random.Random for
        weighted and multivalue choices, or None to choose
        deterministically (see the module's docstring)."""
        def healthy(rec):
            hc = dict(rec.policy).get("HealthCheckId")
            return hc is None or health.get(hc.lower(), True)
        recs = [r for _, r in members]
        ok = [r for r in recs if healthy(r)]
        kind = cls.policy_of(recs[0])
        if kind == "Weight":
            w = lambda r: dict(r.policy)["Weight"]
            # Healthy members of weight > 0, else healthy ones of weight
            # 0, else (all unhealthy: Route 53 then treats all as healthy)
            # the same tiers over all members.
            tiers = [[r for r in ok if w(r) > 0], [r for r in ok if w(r) == 0],
                     [r for r in recs if w(r) > 0], recs]
            cands = next(t for t in tiers if t)
            if rng is None:
                best = max(w(r) for r in cands)
                pick = next(r for r in cands if w(r) == best)
            elif w(cands[0]) == 0:
                pick = rng.choice(cands)
            else:
                pick = rng.choices(cands, weights=[w(r) for r in cands])[0]
            return pick.ttl, list(pick.values)
        if kind == "Failover":
            role = {dict(r.policy)["Failover"]: r for r in recs}
            p, s = role.get("PRIMARY"), role.get("SECONDARY")
            if p is not None and healthy(p):
                pick = p
            elif s is not None and healthy(s):
                pick = s
            else:                       # both unhealthy: the primary
                pick = p or s
            return pick.ttl, list(pick.values)
        if kind == "Region":
            local = [r for r in recs if dict(r.policy)["Region"] == region]
            order = local + [r for r in recs if r not in local]
            pick = next((r for r in order if healthy(r)), order[0])
            return pick.ttl, list(pick.values)
        # MultiValueAnswer: up to 8 values of healthy members (all, if none
        # is healthy), the lowest TTL among those answered.
        pool = ok or recs
        if rng is not None:
            pool = rng.sample(pool, len(pool))
        values, ttl = [], None
        for r in pool:
            for v in r.values:
                if len(values) < cls.MULTIVALUE_MAX and v not in values:
                    values.append(v)
                    ttl = r.ttl if ttl is None else min(ttl, r.ttl)
        return ttl, values


class Zone:
    @staticmethod
    def name_server(n):
        """A name as Route 53 writes it; an address literal kept as is."""
        try:
            return str(ipaddress.ip_address(n.strip().rstrip("."))) + "."
        except ValueError:
            return Names.normalize(n)

    def __init__(self, zid, name, private, name_servers=None):
        self.id, self.name, self.private = zid, name, private
        self.caller_reference = str(uuid.uuid4())
        self.records = {}              # (name, type, set id|None) -> Rec
        self.name_servers = ["ns-%d.awsdns-%02d.%s" % (100 + i, i, tld)
                             for i, tld in enumerate(
                                 ["com.", "net.", "org.", "co.uk."])]
        if name_servers:
            self.name_servers = [self.name_server(n) for n in name_servers]
        self.records[(name, "NS", None)] = Rec(
            172800, list(self.name_servers), ())
        self.records[(name, "SOA", None)] = Rec(
            900, ["%s awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"
                  % self.name_servers[0]], ())
        # What the name servers serve (DNS): records as of the changes
        # that are INSYNC.  ZoneStore.served folds changes in.
        self.published = dict(self.records)
        self.unpublished = []          # [(change id, {key: rec or None})]


class ZoneStore:
    """All zones and changes, behind one lock."""

    def __init__(self):
        self.zones = {}                # id -> Zone
        self.changes = {}              # id -> (submitted, comment, insync)
        self.pending_seconds = 0.0
        self.lock = threading.RLock()
        self.history = {}              # (zid, name, type, sid) -> [{t..}]

    def add_zone(self, name, private=False, zid=None, name_servers=None):
        with self.lock:
            zid = zid or random_id("Z", 14)
            if zid in self.zones:
                raise ValueError("zone id %s exists" % zid)
            self.zones[zid] = Zone(zid, Names.normalize(name), private,
                                   name_servers)
            return zid

    def zone(self, zid):
        z = self.zones.get(zid)
        if z is None:
            raise ApiError(404, "NoSuchHostedZone",
                           "No hosted zone found with ID: %s" % zid)
        return z

    def record_change(self, comment=None, insync=False):
        cid = random_id("C", 14)
        self.changes[cid] = (time.time(), comment, insync)
        return cid

    def change_status(self, cid):
        """-> (submitted, status, comment)."""
        with self.lock:
            if cid not in self.changes:
                raise ApiError(404, "NoSuchChange",
                               "A change with the specified change ID does "
                               "not exist.")
            submitted, comment, insync = self.changes[cid]
            done = insync or time.time() - submitted >= self.pending_seconds
            return submitted, "INSYNC" if done else "PENDING", comment

    def apply_batch(self, zid, comment, changes, by=None):
        """changes: list of RRChange, already syntactically valid.  All or
        nothing.  by: who, for the history.  -> change id.

        Each change is applied in order to a working copy (so DELETE +
        CREATE of one set is a compare-and-swap); then the rules for sets
        that share a name and type (Routing.set_errors) judge every set a
        CREATE or UPSERT left, in the batch's result."""
        with self.lock:
            zone = self.zone(zid)
            work = dict(zone.records)
            errors = []
            for ch in changes:
                key = (ch.name, ch.type, ch.sid)
                what = Routing.what(key)
                if not Names.in_zone(ch.name, zone.name):
                    errors.append("RRSet with DNS name %s is not permitted "
                                  "in zone %s" % (ch.name, zone.name))
                    continue
                bad = self.invalid_values(ch.type, ch.values)
                if bad:
                    errors.append(bad)
                    continue
                rec = Rec(ch.ttl, list(ch.values), ch.policy)
                if ch.action == "CREATE":
                    if key in work:
                        errors.append("Tried to create %s but it already "
                                      "exists" % what)
                    else:
                        work[key] = rec
                elif ch.action == "UPSERT":
                    work[key] = rec
                else:  # DELETE: every field must match exactly
                    cur = work.get(key)
                    if cur is None:
                        errors.append("Tried to delete %s but it was not "
                                      "found" % what)
                    elif not Routing.same(cur, rec):
                        errors.append("Tried to delete %s but the values "
                                      "provided do not match the current "
                                      "values" % what)
                    else:
                        del work[key]
            if not errors:
                for ch in changes:
                    if ch.action != "DELETE":
                        for e in Routing.set_errors(
                                work, (ch.name, ch.type, ch.sid)):
                            if e not in errors:
                                errors.append(e)
            if not errors:
                for t in ("SOA", "NS"):
                    if (zone.name, t, None) not in work:
                        errors.append("A HostedZone must contain exactly "
                                      "one %s record at the apex." % t)
            if errors:
                raise ApiError(400, "InvalidChangeBatch",
                               "[%s]" % ", ".join(errors))
            before, zone.records = zone.records, work
            cid = self.record_change(comment)
            self.note_change(zone, before, cid)
            self.note_history(zone, before, by)
            return cid

    @staticmethod
    def invalid_values(rtype, values):
        """Route 53's wording for a bad address, else None."""
        for v in values:
            try:
                if rtype == "A":
                    ipaddress.IPv4Address(v)
                elif rtype == "AAAA":
                    ipaddress.IPv6Address(v)
            except ValueError:
                kind = "IPv4" if rtype == "A" else "IPv6"
                return ("Invalid Resource Record: 'FATAL problem: "
                        "ARRDATAIllegal%sAddress (Value is not a valid %s "
                        "address) encountered with '%s''" % (kind, kind, v))
        return None

    def set_record(self, zid, name, rtype, ttl, values, by="_sim",
                   sid=None, policy=()):
        """Behind the client's back; the change is INSYNC at once.  sid,
        policy: a member (see Routing); values [] removes the set.  The
        rules for sets that share a name and type hold here too (400
        InvalidChangeBatch, nothing set): Route 53 never holds a zone that
        breaks them."""
        with self.lock:
            zone = self.zone(zid)
            before = dict(zone.records)
            key = (Names.normalize(name), rtype.upper(), sid)
            work = dict(zone.records)
            if values:
                work[key] = Rec(int(ttl), [str(v) for v in values],
                                tuple(policy))
                errors = Routing.set_errors(work, key)
                if errors:
                    raise ApiError(400, "InvalidChangeBatch",
                                   "[%s]" % ", ".join(errors))
            else:
                work.pop(key, None)
            zone.records = work
            cid = self.record_change(insync=True)
            self.note_change(zone, before, cid)
            self.note_history(zone, before, by)
            return cid

    def note_history(self, zone, before, by):
        """Append each record set the change altered to its history."""
        now = time.time()
        for k in sorted(set(before) | set(zone.records), key=set_order):
            if before.get(k) != zone.records.get(k):
                rec = zone.records.get(k, Rec(None, [], ()))
                entry = {"t": now}
                entry.update(Routing.rec_json(k[2], rec))
                entry["by"] = by
                self.history.setdefault((zone.id,) + k, []).append(entry)

    def record_history(self, zid, name, rtype, sid=None):
        """The history of one record set; sid "*": of every set at the
        name and type, merged in time order, each entry with its
        "set_identifier" (null for a plain set)."""
        with self.lock:
            self.zone(zid)
            name, rtype = Names.normalize(name), rtype.upper()
            if sid != "*":
                return [dict(h) for h in self.history.get(
                    (zid, name, rtype, sid or None), [])]
            out = []
            for k in sorted((k for k in self.history
                             if k[:3] == (zid, name, rtype)),
                            key=lambda k: k[3] or ""):
                out += [dict(h, set_identifier=k[3]) for h in self.history[k]]
            return sorted(out, key=lambda h: h["t"])

    # -- what DNS serves: the changes that are INSYNC ----------------------

    @staticmethod
    def note_change(zone, before, cid):
        """Remember what change cid did to the zone, for DNS."""
        delta = {k: v for k, v in zone.records.items() if before.get(k) != v}
        delta.update({k: None for k in before if k not in zone.records})
        zone.unpublished.append((cid, delta))

    def served(self, zid):
        """The zone's records as its name servers serve them: every
        change applied once INSYNC (as GetChange would say now).  INSYNC
        changes at the front are folded in for good; a later INSYNC one
        (a control-API record) is applied over a PENDING one before it.
        -> {(name, type, set id or None): Rec}, a copy."""
        def apply(recs, delta):
            for k, v in delta.items():
                if v is None:
                    recs.pop(k, None)
                else:
                    recs[k] = v
        with self.lock:
            zone = self.zone(zid)
            insync = lambda cid: self.change_status(cid)[1] == "INSYNC"
            while zone.unpublished and insync(zone.unpublished[0][0]):
                apply(zone.published, zone.unpublished.pop(0)[1])
            view = dict(zone.published)
            for cid, delta in zone.unpublished:
                if insync(cid):
                    apply(view, delta)
            return view

    def sorted_records(self, zid):
        """[(name sort key, type, set id or "", name, set id, Rec)] in
        Route 53's order: name (labels reversed), type, set identifier."""
        with self.lock:
            recs = self.zone(zid).records
            return sorted(((Names.sort_key(n), t, sid or "", n, sid, rec)
                           for (n, t, sid), rec in recs.items()),
                          key=lambda r: r[:3])

    def sorted_zones(self):
        with self.lock:
            return sorted((Names.sort_key(z.name), z.id, z)
                          for z in self.zones.values())


# --------------------------------------------------------------------------
# Faults and statistics
# --------------------------------------------------------------------------

class Faults:
    """The "down" switch plus a queue of one-shot per-operation faults."""

    KINDS = {"throttle", "prior", "denied", "500", "503", "reset",
             "garbage", "huge", "truncated", "reset-after",
             "hang", "empty", "wrong-root", "wrong-ns", "html502", "bighdr",
             "expired", "invalidtoken", "sigexpired", "invalidbatch",
             "nosuchzone", "nosuchchange", "doctype", "entity", "race",
             "lostchange"}

    def __init__(self):
        self.down = None
        self.queue = []                # dicts: op, count, kind
        self.lock = threading.Lock()

    @classmethod
    def check_kind(cls, kind):
        if kind in cls.KINDS:
            return kind
        if isinstance(kind, str) and kind.startswith("slow:"):
            float(kind[5:])
            return kind
        raise ValueError("unknown fault kind %r" % (kind,))

    def set(self, down=Ellipsis, queue=None):
        with self.lock:
            if down is not Ellipsis:
                self.down = down if down is None else \
                    self.check_kind(str(down))
            if queue is not None:
                new = []
                for f in queue:
                    new.append({"op": str(f.get("op", "*")),
                                "count": int(f.get("count", 1)),
                                "kind": self.check_kind(str(f["kind"]))})
                    if new[-1]["kind"] in self.RECORD_OPS:
                        new[-1]["record"] = self.race_record(new[-1], f)
                self.queue = new

    # The faults that set a record, and the operation each must hit.
    RECORD_OPS = {"race": "ChangeResourceRecordSets", "lostchange": "GetChange"}

    @classmethod
    def race_record(cls, f, given):
        """A race or lostchange fault's record, checked: {"zone", "name",
        "type", "ttl", "values"}."""
        if f["op"] != cls.RECORD_OPS[f["kind"]]:
            raise ValueError("fault %s needs op %s"
                             % (f["kind"], cls.RECORD_OPS[f["kind"]]))
        r = given.get("record")
        if not isinstance(r, dict) or "name" not in r or "type" not in r \
                or not isinstance(r.get("values"), list):
            raise ValueError("fault %s needs a record {name, type, ttl, "
                             "values}" % f["kind"])
        try:
            sid, policy = Routing.from_json(r, str(r["name"]),
                                            str(r["type"]).upper())
        except ApiError as e:
            raise ValueError("fault %s: %s" % (f["kind"], e.message))
        return {"zone": r.get("zone"), "name": str(r["name"]),
                "type": str(r["type"]).upper(), "ttl": int(r.get("ttl", 300)),
                "values": [str(v) for v in r["values"]],
                "sid": sid, "policy": policy}

    def take(self, op):
        """The fault to apply to this request, or None."""
        f = self.take_fault(op)
        return f["kind"] if f else None

    def take_fault(self, op):
        """The fault to apply to this request, as a dict ({"kind", and a
        race's "record"}), or None.  One-shot faults first ("*" matches any
        Route 53 op), then the down switch (Route 53 only)."""
        with self.lock:
            for f in self.queue:
                if f["count"] > 0 and (f["op"] == op or
                                       (f["op"] == "*" and op != "imds")):
                    f["count"] -= 1
                    if f["count"] == 0:
                        self.queue.remove(f)
                    return dict(f)
            down = self.down if op != "imds" else None
            return {"kind": down} if down else None

    def snapshot(self):
        with self.lock:
            return {"down": self.down, "faults": [dict(f) for f in self.queue]}


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.requests, self.rejected, self.entries = {}, 0, []
        self.by_fault = {}

    def add(self, op, status, akid=None, fault=None, rejected=False,
            request=None, peer=None, node=None, **extra):
        """status 0: no HTTP answer (connection reset).  request: for IMDS,
        "METHOD path".  peer: the client's address (which cluster node)."""
        with self.lock:
            self.requests[op] = self.requests.get(op, 0) + 1
            self.rejected += 1 if rejected else 0
            entry = {"op": op, "status": status, "akid": akid,
                     "fault": fault, "t": round(time.time(), 3)}
            if request:
                entry["request"] = request
            if peer:
                entry["peer"] = peer
            if node:
                entry["node"] = node
            if fault:
                self.by_fault[fault] = self.by_fault.get(fault, 0) + 1
            # STS: role, session, region, ...; a batch: its changes.  A
            # caller may also hand them as one dict, extra={...}.
            entry.update(extra.pop("extra", None) or {})
            entry.update(extra)
            self.entries.append(entry)
            del self.entries[:-1000]

    def snapshot(self):
        with self.lock:
            return {"requests": dict(self.requests),
                    "rejected_signatures": self.rejected,
                    "by_fault": dict(self.by_fault),
                    "log": list(self.entries)}


class RateLimit:
    """Route 53's account-wide request rate: a token bucket.  Off until
    configured."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rate, self.burst = 0.0, 1.0
        self.tokens, self.last = 0.0, time.monotonic()
        self.throttled = 0

    def set(self, rate, burst):
        with self.lock:
            rate = float(rate or 0)
            burst = float(burst if burst is not None else max(rate, 1))
            if rate < 0 or burst < 1:
                raise ValueError("rate_limit must be >= 0 and burst >= 1")
            self.rate, self.burst = rate, burst
            self.tokens, self.last = burst, time.monotonic()

    def take(self):
        """True if this request may run now; counts the refused ones."""
        with self.lock:
            if self.rate <= 0:
                return True
            now = time.monotonic()
            self.tokens = min(self.burst,
                              self.tokens + (now - self.last) * self.rate)
            self.last = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            self.throttled += 1
            return False

    def snapshot(self):
        with self.lock:
            return {"rate_limit": self.rate or None, "burst": self.burst}


class Sim:
    """Everything the handlers share."""

    def __init__(self, args):
        self.store = ZoneStore()
        self.store.pending_seconds = args.pending_seconds
        self.verifier = Verifier((k.split(":", 1) for k in args.key),
                                 args.region)
        self.faults = Faults()
        self.stats = Stats()
        self.limiter = RateLimit()
        self.lock = threading.Lock()
        self.imds = {"local_ipv4": "10.0.0.10",
                     "public_ipv4": "198.51.100.10",
                     "role": "r53sim-role",
                     "cred_ttl": 21600}
        self.imds_tokens = {}           # token -> expiry
        self.dns = DnsServer(self, getattr(args, "dns_addresses", []))
        self.quota = Quota2026()
        self.sts = StsState(self)

    def config(self):
        with self.lock:
            out = dict(self.imds)
        out.update(self.faults.snapshot())
        out.update(self.limiter.snapshot())
        out["pending_seconds"] = self.store.pending_seconds
        out.update(self.dns.config())
        out.update(self.quota.config())
        out["clock_skew"] = self.verifier.clock_skew
        out.update(self.sts.config())
        return out

    def configure(self, cfg):
        """Apply a /_sim/config object; ValueError on nonsense."""
        cfg = dict(cfg)
        self.dns.configure(cfg)         # takes its dns_* keys out
        self.sts.configure(cfg)         # takes its sts_* keys out
        if "quota" in cfg:
            self.quota.set(cfg.pop("quota"))
        if "rate_limit" in cfg or "burst" in cfg:
            self.limiter.set(cfg.pop("rate_limit", self.limiter.rate),
                             cfg.pop("burst", None))
        unknown = set(cfg) - {"pending_seconds", "down", "faults",
                              "local_ipv4", "public_ipv4", "role",
                              "cred_ttl", "clock_skew"}
        if unknown:
            raise ValueError("unknown config keys: %s" % sorted(unknown))
        self.faults.set(cfg.get("down", Ellipsis), cfg.get("faults"))
        if "pending_seconds" in cfg:
            self.store.pending_seconds = float(cfg["pending_seconds"])
        if "clock_skew" in cfg:
            self.verifier.clock_skew = float(cfg["clock_skew"])
        with self.lock:
            for k in ("local_ipv4", "public_ipv4", "role", "cred_ttl"):
                if k in cfg:
                    self.imds[k] = cfg[k]


# --------------------------------------------------------------------------
# HTTP plumbing shared by the three front ends
# --------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"       # keep-alive, as curl expects
    server_version = "r53sim"
    sys_version = ""
    timeout = 60                        # a stuck client frees its thread

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle
        # plus the client's delayed ACK add 40 ms to every answer, which
        # real Route 53 does not.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    @property
    def sim(self):
        return self.server.sim

    def log_message(self, fmt, *args):
        pass                            # we log per operation instead

    def send_response(self, code, message=None):
        self.last_status = code         # for the statistics
        super().send_response(code, message)

    def date_time_string(self, timestamp=None):
        """The Date header by the simulated clock (clock_skew), as a
        client that corrects its own skew from it must see it."""
        if timestamp is None:
            timestamp = time.time() + self.sim.verifier.clock_skew
        return super().date_time_string(timestamp)

    def read_body(self):
        """The request body; handles Content-Length and chunked."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def send(self, status, body, ctype, extra=(), cut=False):
        """A full answer; cut=True sends half the body and closes."""
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        if cut:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body[:len(body) // 2] if cut else body)
        if cut:
            self.wfile.flush()
            self.close_connection = True

    def reset_connection(self):
        """Close with RST and no answer."""
        try:
            self.wfile.flush()
        except OSError:
            pass
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        self.last_status = 0
        self.connection.close()

    HANG_LIMIT = 120                    # seconds a "hang" holds a thread

    def hang(self):
        """Answer nothing; return when the client hangs up (or after
        HANG_LIMIT s), and close.  The request was read already."""
        conn = self.connection
        deadline = time.monotonic() + self.HANG_LIMIT
        while time.monotonic() < deadline:
            readable, _, _ = select.select([conn], [], [], 0.5)
            if not readable:
                continue
            try:
                if not conn.recv(4096):
                    break               # orderly close
            except OSError:             # reset, TLS alert, timeout
                break
        self.close_connection = True
        self.last_status = 0

    HTML_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n"
                b"<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n"
                b"<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")

    def send_big_header(self, size=200 << 10):
        """200 with one header line of size bytes (curl's limit is
        100 KiB, Python's 64 KiB) and no body."""
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("X-Padding", "p" * size)
        self.send_header("Content-Length", "0")
        self.end_headers()


class QuietErrors:
    """A client that hangs up mid-answer is normal here: one log line, no
    traceback."""

    def handle_error(self, request, client_address):
        log("connection from %s: %s" % (client_address[0],
                                        repr(sys.exc_info()[1])))


class TLSServer(QuietErrors, ThreadingHTTPServer):
    """HTTPS with the TLS handshake in the worker thread, so a silent
    client cannot block accept()."""

    daemon_threads = True

    def __init__(self, addr, handler, ctx):
        self.ctx = ctx
        super().__init__(addr, handler)

    def finish_request(self, request, client_address):
        request.settimeout(10)
        try:
            tls = self.ctx.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError) as e:
            log("TLS handshake from %s failed: %s" % (client_address[0], e))
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass


class PlainServer(QuietErrors, ThreadingHTTPServer):
    daemon_threads = True


# --------------------------------------------------------------------------
# DNS: the hosted zones served over UDP and TCP (RFC 1035, 2308, 6891, 7766)
# --------------------------------------------------------------------------

class DnsWire:
    """A small, strict DNS message codec: what an authoritative server
    needs, no more.  Names are handled in Route 53's presentation form
    (lowercase, trailing dot, octal escapes: see Names)."""

    TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15,
             "TXT": 16, "AAAA": 28, "SRV": 33, "NAPTR": 35, "OPT": 41,
             "DS": 43, "SPF": 99, "IXFR": 251, "AXFR": 252, "ANY": 255,
             "CAA": 257}
    TYPE_NAMES = {v: k for k, v in TYPES.items()}
    RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN",
              4: "NOTIMP", 5: "REFUSED", 16: "BADVERS"}
    CLASS_IN, CLASS_ANY = 1, 255
    PLAIN = set(b"abcdefghijklmnopqrstuvwxyz0123456789-_")
    UDP_PLAIN_LIMIT = 512               # without EDNS (RFC 1035 4.2.1)
    EDNS_SIZE = 1232                    # what we advertise and cap at

    class FormErr(Exception):
        """The query cannot be parsed: FORMERR if it had a header."""

    @classmethod
    def type_name(cls, t):
        return cls.TYPE_NAMES.get(t, "TYPE%d" % t)

    @classmethod
    def label_text(cls, raw):
        """One wire label -> Route 53 text (lowercase, \\ooo escapes)."""
        out = []
        for b in raw.lower():
            out.append(chr(b) if b in cls.PLAIN else "\\%03o" % b)
        return "".join(out)

    @staticmethod
    def text_labels(name):
        """'www.example.com.' (with \\ooo escapes) -> [b'www', ...]."""
        name = name.rstrip(".") if name != "." else ""
        if not name:
            return []
        labels, cur, i = [], bytearray(), 0
        while i < len(name):
            c = name[i]
            if c == "\\" and re.match(r"\\[0-7]{3}", name[i:i + 4]):
                cur.append(int(name[i + 1:i + 4], 8))
                i += 4
                continue
            if c == "\\" and i + 1 < len(name):      # \. or \\ and friends
                cur.extend(name[i + 1].encode())
                i += 2
                continue
            if c == ".":
                labels.append(bytes(cur))
                cur = bytearray()
            else:
                cur.extend(c.encode("utf-8"))
            i += 1
        labels.append(bytes(cur))
        for lab in labels:
            if not 1 <= len(lab) <= 63:
                raise ValueError("bad label in %r" % name)
        if sum(len(lab) + 1 for lab in labels) + 1 > 255:
            raise ValueError("name too long: %r" % name)
        return labels

    @classmethod
    def read_name(cls, data, off, allow_pointers):
        """-> (text, offset after).  Pointers only backwards, bounded."""
        labels, end, hops, total = [], None, 0, 1
        while True:
            if off >= len(data):
                raise cls.FormErr("name runs past the message")
            n = data[off]
            if n == 0:
                off += 1
                break
            if n & 0xC0 == 0xC0:
                if not allow_pointers or off + 1 >= len(data):
                    raise cls.FormErr("compression pointer not allowed here")
                ptr = ((n & 0x3F) << 8) | data[off + 1]
                if ptr >= off or hops > 32:
                    raise cls.FormErr("bad compression pointer")
                end = off + 2 if end is None else end
                off, hops = ptr, hops + 1
                continue
            if n & 0xC0:
                raise cls.FormErr("unknown label type 0x%02x" % n)
            lab = data[off + 1:off + 1 + n]
            if len(lab) != n:
                raise cls.FormErr("label runs past the message")
            total += n + 1
            if total > 255:
                raise cls.FormErr("name longer than 255 octets")
            labels.append(cls.label_text(lab))
            off += 1 + n
        return ".".join(labels) + ".", (end if end is not None else off)

    @classmethod
    def parse_query(cls, data):
        """A query -> dict(id, flags, opcode, rd, name, qtype, qclass,
        edns: None or dict(size, version, do, options)).  Raises FormErr
        (with .qid and .flags set when the header was readable)."""
        if len(data) < 12:
            raise cls.FormErr("shorter than a header")
        qid, flags, qd, an, ns, ar = struct.unpack("!6H", data[:12])
        q = {"id": qid, "flags": flags, "opcode": (flags >> 11) & 0xF,
             "rd": bool(flags & 0x0100), "name": None, "qtype": None,
             "qclass": None, "edns": None, "raw_question": b""}
        try:
            if flags & 0x8000:
                raise cls.FormErr("QR set: a response, not a query")
            if q["opcode"] != 0:
                return q                # NOTIMP; the rest is not read
            if qd != 1 or an or ns:
                raise cls.FormErr("want exactly one question and no "
                                  "answer/authority records")
            name, off = cls.read_name(data, 12, allow_pointers=False)
            if off + 4 > len(data):
                raise cls.FormErr("question runs past the message")
            q["name"] = name
            q["qtype"], q["qclass"] = struct.unpack("!HH", data[off:off + 4])
            q["raw_question"] = data[12:off + 4]
            off += 4
            for _ in range(ar):
                rname, off = cls.read_name(data, off, allow_pointers=True)
                if off + 10 > len(data):
                    raise cls.FormErr("additional record runs past the end")
                rtype, rclass, ttl, rdlen = struct.unpack(
                    "!HHIH", data[off:off + 10])
                off += 10
                rdata = data[off:off + rdlen]
                if len(rdata) != rdlen:
                    raise cls.FormErr("RDATA runs past the message")
                off += rdlen
                if rtype != cls.TYPES["OPT"]:
                    raise cls.FormErr("only OPT is allowed in additional")
                if q["edns"] is not None or rname != ".":
                    raise cls.FormErr("a second OPT, or OPT not at root")
                options, i = [], 0
                while i < len(rdata):
                    if i + 4 > len(rdata):
                        raise cls.FormErr("EDNS option header cut short")
                    code, olen = struct.unpack("!HH", rdata[i:i + 4])
                    if i + 4 + olen > len(rdata):
                        raise cls.FormErr("EDNS option cut short")
                    options.append((code, rdata[i + 4:i + 4 + olen]))
                    i += 4 + olen
                q["edns"] = {"size": rclass, "version": (ttl >> 16) & 0xFF,
                             "do": bool(ttl & 0x8000), "options": options}
            if off != len(data):
                raise cls.FormErr("%d bytes after the last record"
                                  % (len(data) - off))
        except cls.FormErr as e:
            e.query = q
            raise
        return q

    class Builder:
        """A response, written front to back with name compression."""

        def __init__(self):
            self.buf = bytearray(12)
            self.offsets = {}           # lowercased suffix -> offset
            self.exact = {}             # suffix as written -> offset

        def name(self, labels, compress=True, owner=False):
            """Owner names may point at the question's spelling (so they
            keep the query's case, as BIND does); names in RDATA only at
            the same bytes, so the query's case never leaks into them."""
            for i in range(len(labels)):
                suffix = tuple(labels[i:])
                key = tuple(lab.lower() for lab in suffix)
                at = self.offsets.get(key) if owner else \
                    self.exact.get(suffix)
                if compress and at is not None:
                    self.buf += struct.pack("!H", 0xC000 | at)
                    return
                if len(self.buf) < 0x3FFF:
                    self.offsets.setdefault(key, len(self.buf))
                    self.exact.setdefault(suffix, len(self.buf))
                self.buf += bytes([len(labels[i])]) + labels[i]
            self.buf += b"\0"

        def question(self, raw):
            """The question as it came (its case kept, as clients such as
            ldns compare it), its name made a compression target."""
            at, labels = len(self.buf), []
            self.buf += raw
            i = 0
            while raw[i]:
                labels.append((at + i, raw[i + 1:i + 1 + raw[i]]))
                i += 1 + raw[i]
            for k, (off, _) in enumerate(labels):
                suffix = tuple(lab for _, lab in labels[k:])
                self.offsets.setdefault(tuple(x.lower() for x in suffix), off)
                self.exact.setdefault(suffix, off)

        def record(self, owner_labels, rtype, ttl, value):
            self.name(owner_labels, owner=True)
            self.buf += struct.pack("!HHI", rtype, DnsWire.CLASS_IN, ttl)
            at = len(self.buf)
            self.buf += b"\0\0"
            DnsWire.rdata(self, rtype, value)
            struct.pack_into("!H", self.buf, at, len(self.buf) - at - 2)

    @staticmethod
    def char_strings(value):
        """Route 53's TXT/SPF value ('"a" "b"', escapes \\" \\\\ \\ddd) ->
        [bytes], each at most 255 octets."""
        out, i, v = [], 0, value.strip()
        while i < len(v):
            if v[i] == " ":
                i += 1
                continue
            cur = bytearray()
            if v[i] == '"':
                i += 1
                while i < len(v) and v[i] != '"':
                    if v[i] == "\\" and re.match(r"\\\d{3}", v[i:i + 4]):
                        cur.append(int(v[i + 1:i + 4]) & 0xFF)
                        i += 4
                    elif v[i] == "\\" and i + 1 < len(v):
                        cur.extend(v[i + 1].encode())
                        i += 2
                    else:
                        cur.extend(v[i].encode("utf-8"))
                        i += 1
                if i >= len(v):
                    raise ValueError("unterminated string in %r" % value)
                i += 1
            else:
                while i < len(v) and v[i] != " ":
                    cur.extend(v[i].encode("utf-8"))
                    i += 1
            if len(cur) > 255:
                raise ValueError("character-string over 255 octets")
            out.append(bytes(cur))
        return out or [b""]

    @classmethod
    def rdata(cls, b, rtype, value):
        """Append the RDATA of one Route 53 value of type rtype."""
        f = value.split()
        name = lambda s, c=True: b.name(cls.text_labels(Names.normalize(s)), c)
        if rtype == cls.TYPES["A"]:
            b.buf += ipaddress.IPv4Address(value.strip()).packed
        elif rtype == cls.TYPES["AAAA"]:
            b.buf += ipaddress.IPv6Address(value.strip()).packed
        elif rtype in (cls.TYPES["TXT"], cls.TYPES["SPF"]):
            for s in cls.char_strings(value):
                b.buf += bytes([len(s)]) + s
        elif rtype in (cls.TYPES["NS"], cls.TYPES["CNAME"], cls.TYPES["PTR"]):
            name(f[0])
        elif rtype == cls.TYPES["MX"]:
            b.buf += struct.pack("!H", int(f[0]))
            name(f[1])
        elif rtype == cls.TYPES["SOA"]:
            name(f[0])
            name(f[1])
            b.buf += struct.pack("!5I", *(int(x) for x in f[2:7]))
        elif rtype == cls.TYPES["SRV"]:
            b.buf += struct.pack("!3H", int(f[0]), int(f[1]), int(f[2]))
            name(f[3], False)           # RFC 2782: never compressed
        elif rtype == cls.TYPES["CAA"]:
            tag = f[1].encode()
            val = cls.char_strings(value.split(None, 2)[2])[0]
            b.buf += bytes([int(f[0]), len(tag)]) + tag + val
        else:
            raise ValueError("r53sim cannot encode %s" % cls.type_name(rtype))

    @classmethod
    def response(cls, q, rcode, aa, answer=(), authority=(), limit=None,
                 force_tc=False):
        """Encode the answer to query q.  answer/authority: lists of
        (owner text, type name, ttl, value).  limit: the UDP size (65535 on
        TCP).  Over the limit, or force_tc: TC set and the sections
        emptied (RFC 2181 9).  -> (bytes, tc)."""
        def build(with_records):
            b = cls.Builder()
            ext_rcode = rcode >> 4
            flags = 0x8000 | (q["opcode"] << 11) | (q["flags"] & 0x0100)
            flags |= (0x0400 if aa else 0) | (rcode & 0xF)
            if not with_records:
                flags |= 0x0200
            counts = [0, 0, 0, 0]
            if q["raw_question"]:
                b.question(q["raw_question"])
                counts[0] = 1
            for i, sect in ((1, answer), (2, authority)):
                if not with_records:
                    continue
                for owner, t, ttl, value in sect:
                    b.record(cls.text_labels(owner), cls.TYPES[t], ttl, value)
                    counts[i] += 1
            if q["edns"] is not None:
                b.buf += b"\0" + struct.pack("!HHIH", cls.TYPES["OPT"],
                                             cls.EDNS_SIZE,
                                             (ext_rcode & 0xFF) << 24, 0)
                counts[3] = 1
            struct.pack_into("!6H", b.buf, 0, q["id"], flags, *counts)
            return bytes(b.buf)
        msg = build(not force_tc)
        if force_tc or (limit is not None and len(msg) > limit):
            return build(False), True
        return msg, False

    @classmethod
    def udp_limit(cls, q):
        """The largest UDP answer this query allows."""
        if q["edns"] is None:
            return cls.UDP_PLAIN_LIMIT
        return max(cls.UDP_PLAIN_LIMIT, min(q["edns"]["size"], cls.EDNS_SIZE))


class DnsFaults:
    """DNS faults, in the style of Faults: "dns_down" applies to every
    query that matches it, "dns_faults" is a queue of one-shot faults,
    consumed in order first.  Each: {"kind": k, "count": n (one-shot only),
    and optional matchers "name", "type", "server" (the address the query
    was sent to), "transport" ("udp"/"tcp")}."""

    KINDS = {"drop", "servfail", "refused", "wrong", "truncate"}

    def __init__(self):
        self.down = None
        self.queue = []
        self.lock = threading.Lock()

    @classmethod
    def check(cls, f, one_shot):
        if isinstance(f, str):
            f = {"kind": f}
        kind = str(f["kind"])
        if kind.startswith("wrong:"):
            ipaddress.ip_address(kind[6:])
        elif kind.startswith("slow:"):
            float(kind[5:])
        elif kind not in cls.KINDS:
            raise ValueError("unknown DNS fault kind %r" % (kind,))
        out = {"kind": kind}
        if one_shot:
            out["count"] = int(f.get("count", 1))
        for k in ("name", "type", "server", "transport"):
            if f.get(k) is not None:
                v = str(f[k])
                out[k] = Names.normalize(v) if k == "name" else \
                    v.upper() if k == "type" else v.lower()
        unknown = set(f) - {"kind", "count", "name", "type", "server",
                            "transport"}
        if unknown:
            raise ValueError("unknown DNS fault keys %s" % sorted(unknown))
        return out

    def set(self, down=Ellipsis, queue=None):
        with self.lock:
            if down is not Ellipsis:
                self.down = None if down is None else self.check(down, False)
            if queue is not None:
                self.queue = [self.check(f, True) for f in queue]

    @staticmethod
    def matches(f, name, qtype, server, transport):
        if f["kind"] == "truncate" and transport != "udp":
            return False                # TCP cannot be truncated
        want = {"name": name, "type": qtype, "server": server,
                "transport": transport}
        return all(f[k] == v for k, v in want.items() if k in f)

    def take(self, name, qtype, server, transport):
        with self.lock:
            for f in self.queue:
                if self.matches(f, name, qtype, server, transport):
                    f["count"] -= 1
                    if f["count"] <= 0:
                        self.queue.remove(f)
                    return f["kind"]
            if self.down and self.matches(self.down, name, qtype, server,
                                          transport):
                return self.down["kind"]
            return None

    def snapshot(self):
        with self.lock:
            return {"dns_down": dict(self.down) if self.down else None,
                    "dns_faults": [dict(f) for f in self.queue]}


class DnsStats:
    """Per-query counters for /_sim/stats "dns"."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.counts = {"queries": 0, "udp": 0, "tcp": 0, "answered": 0,
                       "dropped": 0, "truncated": 0}
        self.by = {"fault": {}, "rcode": {}, "server": {}, "type": {}}
        self.entries = []

    def add(self, entry):
        with self.lock:
            c = self.counts
            c["queries"] += 1
            c[entry["transport"]] += 1
            if entry["rcode"] is None:
                c["dropped"] += 1
            else:
                c["answered"] += 1
            c["truncated"] += 1 if entry.get("tc") else 0
            for key, val in (("fault", entry.get("fault")),
                             ("rcode", entry["rcode"]),
                             ("server", entry["server"]),
                             ("type", entry.get("type"))):
                if val is not None:
                    self.by[key][val] = self.by[key].get(val, 0) + 1
            self.entries.append(entry)
            del self.entries[:-1000]

    def snapshot(self):
        with self.lock:
            out = dict(self.counts)
            out.update({"by_" + k: dict(v) for k, v in self.by.items()})
            out["log"] = list(self.entries)
            return out


class DnsServer:
    """Answers from the zones' published records (ZoneStore.served):
    Route 53's name servers for public zones.  view "vpc" also serves the
    private zones, preferred over a public one, as the VPC resolver does
    (without its cache)."""

    WRONG = {"A": "192.0.2.254", "AAAA": "2001:db8::254",
             "TXT": '"r53sim wrong answer"'}

    def __init__(self, sim, addresses):
        self.sim, self.addresses = sim, list(addresses)
        self.faults, self.stats = DnsFaults(), DnsStats()
        self.view = "public"
        self.hosts = {}                 # name -> [addresses], dns_hosts
        self.lock = threading.Lock()
        # Routing policies (see Routing.answer): health check id -> bool
        # ("health"), the resolver's latency region ("dns_region"), and
        # the seed of weighted/multivalue choices ("dns_weighted_seed";
        # None: deterministic).
        self.health, self.region, self.seed, self.rng = {}, None, None, None

    # -- configuration ----------------------------------------------------

    def configure(self, cfg):
        """Take the DNS keys out of a /_sim/config object (in place)."""
        if "dns_down" in cfg or "dns_faults" in cfg:
            self.faults.set(cfg.pop("dns_down", Ellipsis),
                            cfg.pop("dns_faults", None))
        if "dns_view" in cfg:
            view = cfg.pop("dns_view")
            if view not in ("public", "vpc"):
                raise ValueError("dns_view must be public or vpc")
            self.view = view
        if "dns_hosts" in cfg:
            hosts = {}
            for name, addrs in (cfg.pop("dns_hosts") or {}).items():
                if isinstance(addrs, str):
                    addrs = [addrs]
                hosts[Names.normalize(name)] = \
                    [str(ipaddress.ip_address(a)) for a in addrs]
            with self.lock:
                self.hosts = hosts
        if "health" in cfg:
            health = {}
            for hc, up in (cfg.pop("health") or {}).items():
                if not isinstance(up, bool):
                    raise ValueError("health: %r must be true or false"
                                     % (up,))
                health[str(hc).lower()] = up
            with self.lock:
                self.health = health
        if "dns_region" in cfg:
            region = cfg.pop("dns_region")
            if region is not None and region not in Routing.REGIONS:
                raise ValueError("dns_region: unknown region %r" % (region,))
            with self.lock:
                self.region = region
        if "dns_weighted_seed" in cfg:
            seed = cfg.pop("dns_weighted_seed")
            with self.lock:
                self.seed = None if seed is None else int(seed)
                self.rng = None if seed is None else random.Random(self.seed)

    def config(self):
        out = self.faults.snapshot()
        with self.lock:
            out["dns_view"] = self.view
            out["dns_hosts"] = {k: list(v) for k, v in self.hosts.items()}
            out["health"] = dict(self.health)
            out["dns_region"] = self.region
            out["dns_weighted_seed"] = self.seed
        out["dns_addresses"] = list(self.addresses)
        return out

    def host_table(self):
        """Names this server answers A/AAAA for outside the zones: every
        public zone's name servers (ns i -> DNS address i mod n), then
        dns_hosts (which win)."""
        table = {}
        if self.addresses:
            with self.sim.store.lock:
                for z in self.sim.store.zones.values():
                    if z.private:
                        continue
                    for i, ns in enumerate(z.name_servers):
                        table.setdefault(
                            Names.normalize(ns),
                            [self.addresses[i % len(self.addresses)]])
        with self.lock:
            table.update({k: list(v) for k, v in self.hosts.items()})
        return table

    # -- answering ----------------------------------------------------------

    def find_zone(self, qname):
        """The zone that answers qname: longest match, private first in
        the vpc view.  -> Zone or None."""
        store = self.sim.store
        with store.lock:
            zones = list(store.zones.values())
        tiers = [[z for z in zones if z.private],
                 [z for z in zones if not z.private]] \
            if self.view == "vpc" else [[z for z in zones if not z.private]]
        for tier in tiers:
            best = [z for z in tier if Names.in_zone(qname, z.name)]
            if best:
                return max(best, key=lambda z: len(z.name))
        return None

    @staticmethod
    def soa_of(rrset, apex):
        """The negative-answer SOA: TTL = min(SOA TTL, MINIMUM)."""
        ttl, vals = rrset(apex, "SOA")
        minimum = int(vals[0].split()[6])
        return [(apex, "SOA", min(ttl, minimum), vals[0])]

    def routed(self, served):
        """served: {(name, type, sid): Rec} -> (rrset, sets): rrset(name,
        type) gives (ttl, [values]) as the name servers answer, or None;
        a name and type with members is answered by its routing policy
        (Routing.answer), chosen once per query; sets: {(name, type):
        [(sid, Rec)]}."""
        sets = {}
        for (n, t, sid), rec in sorted(served.items(),
                                       key=lambda kv: set_order(kv[0])):
            sets.setdefault((n, t), []).append((sid, rec))
        cache = {}

        def rrset(n, t):
            if (n, t) not in sets:
                return None
            if (n, t) not in cache:
                members = sets[(n, t)]
                if len(members) == 1 and members[0][0] is None:
                    rec = members[0][1]
                    cache[(n, t)] = (rec.ttl, list(rec.values))
                else:
                    with self.lock:
                        cache[(n, t)] = Routing.answer(
                            members, self.health, self.region, self.rng)
            return cache[(n, t)]
        return rrset, sets

    def lookup(self, qname, qtype):
        """-> (rcode, aa, answer, authority) for a query the zones or the
        host table answer; types by name ("A"), rcode by number."""
        zone = self.find_zone(qname)
        if zone is None:
            return self.lookup_host(qname, qtype)
        rrset, sets = self.routed(self.sim.store.served(zone.id))
        apex = zone.name
        names = {n for n, _ in sets}

        def exists(n):
            return n in names or any(x.endswith("." + n) for x in names)

        # A delegation below the apex: a referral, not authoritative.
        labels = qname.split(".")[:-1]
        apex_depth = len(apex.split(".")) - 1
        for depth in range(apex_depth + 1, len(labels) + 1):
            cut = ".".join(labels[-depth:]) + "."
            if (cut, "NS") in sets and not (cut == qname and qtype == "DS"):
                ttl, vals = rrset(cut, "NS")
                return 0, False, [], [(cut, "NS", ttl, v) for v in vals]

        answer, name = [], qname
        for _ in range(8):              # CNAME chain, within the zone
            owner, source = name, name
            if not exists(name):
                source = self.wildcard(name, apex, exists)
                if source is None:      # NXDOMAIN even after a CNAME
                    return 3, True, answer, self.soa_of(rrset, apex)
            if qtype == "ANY":
                found = [(t, rrset(n, t)) for n, t in sorted(sets)
                         if n == source]
            else:
                found = [(qtype, rrset(source, qtype))] \
                    if (source, qtype) in sets else []
            if found:
                for t, (ttl, vals) in found:
                    answer += [(owner, t, ttl, v) for v in vals]
                return 0, True, answer, []
            if (source, "CNAME") in sets and qtype != "CNAME":
                ttl, vals = rrset(source, "CNAME")
                answer.append((owner, "CNAME", ttl, vals[0]))
                name = Names.normalize(vals[0])
                if not Names.in_zone(name, apex):
                    return 0, True, answer, []
                continue
            return 0, True, answer, self.soa_of(rrset, apex)     # NODATA
        return 2, False, [], []         # a CNAME loop

    @staticmethod
    def wildcard(name, apex, exists):
        """RFC 4592: '*.' + the closest encloser, if that exists."""
        parts = name.split(".")
        for i in range(1, len(parts)):
            encloser = ".".join(parts[i:]) or "."
            if not Names.in_zone(encloser, apex):
                return None
            if exists(encloser):
                source = "\\052." + encloser
                return source if exists(source) else None
        return None

    def lookup_host(self, qname, qtype):
        table = self.host_table()
        if qname not in table:
            return 5, False, [], []     # REFUSED: not our zone
        addrs = table[qname]
        want = {"A": 4, "AAAA": 6, "ANY": None}.get(qtype, 0)
        ans = [(qname, "A" if ipaddress.ip_address(a).version == 4
                else "AAAA", 172800, a) for a in addrs
               if want is None or ipaddress.ip_address(a).version == want]
        if ans:
            return 0, True, ans, []
        soa = "%s hostmaster.%s 1 7200 900 1209600 86400" % (qname, qname)
        return 0, True, [], [(qname, "SOA", 900, soa)]

    def handle(self, data, transport, server, peer):
        """One query in, one message (bytes) or None (no answer) out."""
        entry = {"transport": transport, "server": server, "peer": peer,
                 "name": None, "type": None, "rcode": None, "tc": False,
                 "fault": None}
        try:
            q = DnsWire.parse_query(data)
        except DnsWire.FormErr as e:
            q = getattr(e, "query", None)
            log("dns %s from %s: FORMERR %s" % (transport, peer, e))
            if q is None or q["flags"] & 0x8000:
                self.stats.add(entry)
                return None
            q["raw_question"] = b""
            out, _ = DnsWire.response(q, 1, False)
            entry["rcode"] = "FORMERR"
            self.stats.add(entry)
            return out
        limit = DnsWire.udp_limit(q) if transport == "udp" else 65535
        qtype = DnsWire.type_name(q["qtype"]) if q["qtype"] is not None \
            else None
        entry.update(name=q["name"], type=qtype, id=q["id"])
        kind = None
        if q["opcode"] != 0:
            rcode, aa, answer, authority = 4, False, [], []
        elif q["edns"] is not None and q["edns"]["version"] != 0:
            rcode, aa, answer, authority = 16, False, [], []
        elif q["qclass"] not in (DnsWire.CLASS_IN, DnsWire.CLASS_ANY):
            rcode, aa, answer, authority = 5, False, [], []
        elif qtype in ("AXFR", "IXFR"):
            rcode, aa, answer, authority = 5, False, [], []
        else:
            kind = self.faults.take(q["name"], qtype, server, transport)
            entry["fault"] = kind
            if kind is not None and kind.startswith("slow:"):
                time.sleep(float(kind[5:]))
            if kind == "drop":
                self.stats.add(entry)
                return None
            try:
                rcode, aa, answer, authority = self.lookup(q["name"], qtype)
            except (ValueError, KeyError, IndexError) as e:
                log("dns: cannot answer %s %s: %r" % (q["name"], qtype, e))
                rcode, aa, answer, authority = 2, False, [], []
            if kind == "servfail":
                rcode, aa, answer, authority = 2, False, [], []
            elif kind == "refused":
                rcode, aa, answer, authority = 5, False, [], []
            elif kind and kind.startswith("wrong") and qtype in self.WRONG:
                value = self.WRONG[qtype]
                if kind.startswith("wrong:"):
                    addr = ipaddress.ip_address(kind[6:])
                    if qtype == ("A" if addr.version == 4 else "AAAA"):
                        value = str(addr)
                rcode, aa, authority = 0, True, []
                answer = [(q["name"], qtype, 60, value)]
        try:
            out, tc = DnsWire.response(q, rcode, aa, answer, authority,
                                       limit, force_tc=(kind == "truncate"))
        except ValueError as e:
            log("dns: cannot encode the answer to %s %s: %r"
                % (q["name"], qtype, e))
            out, tc = DnsWire.response(q, 2, False, limit=limit)
            rcode = 2
        entry.update(rcode=DnsWire.RCODES.get(rcode, str(rcode)), tc=tc,
                     answers=[a[3] for a in answer] if not tc else [])
        self.stats.add(entry)
        return out


class DnsUdpHandler(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        dns = self.server.dns
        out = dns.handle(data, "udp", self.server.server_address[0],
                         self.client_address[0])
        if out is not None:
            sock.sendto(out, self.client_address)


class DnsTcpHandler(socketserver.BaseRequestHandler):
    """RFC 7766: 2-byte length prefix, several queries per connection,
    answered in order; closed after 10 s idle."""

    IDLE = 10

    def read_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.request.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf

    def handle(self):
        dns = self.server.dns
        self.request.settimeout(self.IDLE)
        try:
            while True:
                head = self.read_exact(2)
                if head is None:
                    return
                data = self.read_exact(struct.unpack("!H", head)[0])
                if data is None:
                    return
                out = dns.handle(data, "tcp", self.server.server_address[0],
                                 self.client_address[0])
                if out is not None:
                    self.request.sendall(struct.pack("!H", len(out)) + out)
        except (OSError, socket.timeout):
            return


class DnsUdpServer(socketserver.ThreadingUDPServer):
    daemon_threads = True               # no SO_REUSEADDR: on UDP it would
                                        # let two servers share a port


class DnsTcpServer(QuietErrors, socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def start_dns(sim, hosts, port):
    """Bind UDP and TCP on every address in hosts, all on one port (0:
    one the kernel picks that is free on every address; a few tries).
    -> (port, [servers])."""
    for _ in range(20 if port == 0 else 1):
        servers, p = [], port
        try:
            for host in hosts:
                for cls, handler in ((DnsUdpServer, DnsUdpHandler),
                                     (DnsTcpServer, DnsTcpHandler)):
                    if ":" in host:
                        cls = type(cls.__name__ + "6", (cls,),
                                   {"address_family": socket.AF_INET6})
                    srv = cls((host, p), handler)
                    srv.dns = sim.dns
                    servers.append(srv)
                    p = srv.server_address[1]
            return p, servers
        except OSError as e:
            for srv in servers:
                srv.server_close()
            if port or e.errno != errno.EADDRINUSE:
                raise
            log("dns port %d taken on one address; trying another" % p)
    raise OSError("no DNS port free on all of %s" % hosts)

# --------------------------------------------------------------------------
# The 2026 quota model: account and per-operation token buckets, changes
# --------------------------------------------------------------------------

class Bucket:
    """A token bucket: burst tokens at most, rate per second refill."""

    def __init__(self, burst, rate):
        self.burst, self.rate = float(burst), float(rate)
        if self.burst < 1 or self.rate < 0:
            raise ValueError("a bucket needs burst >= 1 and rate >= 0")
        self.tokens, self.last = self.burst, time.monotonic()

    def refill(self, now):
        self.tokens = min(self.burst,
                          self.tokens + (now - self.last) * self.rate)
        self.last = now

    def spec(self):
        return {"burst": self.burst, "rate": self.rate}


class QuotaThrottled(ApiError):
    """A batch over the 2026 model's record-change bucket."""

    def __init__(self):
        super().__init__(400, "Throttling", "Rate exceeded")


class Quota2026:
    """Route 53's request quota since 2026 (developer guide, "Throttling
    for Amazon Route 53 API requests"): an account bucket for all
    operations together and one bucket per operation; a request needs a
    token from both (when either is empty it takes none and is throttled).
    A separate bucket counts record changes (each Change of a
    ChangeResourceRecordSets; UPSERT counts two, as a DELETE plus a
    CREATE), checked once the batch is read and before it is applied.
    Off until configured."""

    # The published table: account 50/10, every operation not listed 50/10;
    # none of the five operations here is listed.  The change bucket's
    # figures are the simulator's own choice (plausible: it binds only
    # batches of several changes at the full request rate).
    DEFAULTS = {"account": {"burst": 50, "rate": 10},
                "operations": {"*": {"burst": 50, "rate": 10}},
                "changes": {"burst": 100, "rate": 20}}

    def __init__(self):
        self.lock = threading.Lock()
        self.spec = None                # None: off
        self.account = self.changes = None
        self.ops = {}                   # op -> Bucket, made on first use
        self.reset_stats()

    def reset_stats(self):
        self.passed, self.throttled = {}, {}
        self.throttled_by = {"account": 0, "operation": 0, "changes": 0}

    def set(self, spec):
        """spec: None (off), "2026" (the defaults), or {"account",
        "operations": {op or "*": bucket}, "changes": bucket or null}, each
        bucket {"burst", "rate"}; what is left out takes the default."""
        if spec is None or spec is False:
            with self.lock:
                self.spec, self.account, self.changes = None, None, None
                self.ops = {}
            return
        if spec in ("2026", 2026):
            spec = {}
        if not isinstance(spec, dict) or \
                set(spec) - {"account", "operations", "changes"}:
            raise ValueError("quota: null, \"2026\" or {account, operations,"
                             " changes}")

        def bucket(d, default):
            d = dict(default, **(d or {}))
            if set(d) != {"burst", "rate"}:
                raise ValueError("a bucket is {\"burst\", \"rate\"}")
            return Bucket(d["burst"], d["rate"]).spec()
        given = dict(spec.get("operations") or {})
        ops = {"*": bucket(given.pop("*", None),
                           self.DEFAULTS["operations"]["*"])}
        for op, b in given.items():
            ops[op] = bucket(b, ops["*"])
        full = {"account": bucket(spec.get("account"),
                                  self.DEFAULTS["account"]),
                "operations": ops,
                "changes": None if "changes" in spec and
                spec["changes"] is None else
                bucket(spec.get("changes"), self.DEFAULTS["changes"])}
        with self.lock:
            self.spec = full
            self.account = Bucket(**full["account"])
            self.changes = Bucket(**full["changes"]) if full["changes"] \
                else None
            self.ops = {}

    def take(self, op):
        """None if op may run now, else the bucket that refused
        ("account" or "operation"); counts both."""
        with self.lock:
            if self.spec is None:
                return None
            b = self.ops.get(op)
            if b is None:
                b = self.ops[op] = Bucket(**self.spec["operations"].get(
                    op, self.spec["operations"]["*"]))
            now = time.monotonic()
            self.account.refill(now)
            b.refill(now)
            empty = "account" if self.account.tokens < 1 else \
                "operation" if b.tokens < 1 else None
            if empty:
                self.throttled[op] = self.throttled.get(op, 0) + 1
                self.throttled_by[empty] += 1
                return empty
            self.account.tokens -= 1
            b.tokens -= 1
            self.passed[op] = self.passed.get(op, 0) + 1
            return None

    def take_changes(self, n):
        """True if n record changes may be applied now."""
        with self.lock:
            if self.spec is None or self.changes is None:
                return True
            self.changes.refill(time.monotonic())
            if self.changes.tokens >= n:
                self.changes.tokens -= n
                return True
            self.throttled["ChangeResourceRecordSets"] = \
                self.throttled.get("ChangeResourceRecordSets", 0) + 1
            self.throttled_by["changes"] += 1
            return False

    @staticmethod
    def changes_in(batch):
        """Record changes a batch counts: UPSERT two, others one."""
        return sum(2 if ch[0] == "UPSERT" else 1 for ch in batch)

    def config(self):
        with self.lock:
            return {"quota": json.loads(json.dumps(self.spec))}

    def stats(self):
        with self.lock:
            return {"passed": dict(self.passed),
                    "throttled": dict(self.throttled),
                    "throttled_by": dict(self.throttled_by)}


# --------------------------------------------------------------------------
# Route 53 API + control API (HTTPS)
# --------------------------------------------------------------------------

def xml_doc(root, children, ns=NS):
    """A Route 53 answer: root element with the namespace, children given
    as nested (tag, text-or-list) pairs; None values are skipped."""
    def build(parent, items):
        for tag, val in items:
            if val is None:
                continue
            el = ET.SubElement(parent, tag)
            if isinstance(val, list):
                build(el, val)
            else:
                el.text = str(val)
    top = ET.Element(root, xmlns=ns)
    build(top, children)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(top)


def xml_bool(b):
    return "true" if b else "false"


class ApiHandler(Handler):
    ROUTES = [
        ("POST", re.compile(r"^/2013-04-01/hostedzone/([^/]+)/rrset/?$"),
         "ChangeResourceRecordSets"),
        ("GET", re.compile(r"^/2013-04-01/hostedzone/([^/]+)/rrset/?$"),
         "ListResourceRecordSets"),
        ("GET", re.compile(r"^/2013-04-01/change/([^/]+)$"), "GetChange"),
        ("GET", re.compile(r"^/2013-04-01/hostedzonesbyname$"),
         "ListHostedZonesByName"),
        ("GET", re.compile(r"^/2013-04-01/hostedzone/([^/]+)$"),
         "GetHostedZone"),
    ]

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def dispatch(self):
        path, _, query = self.path.partition("?")
        if path.startswith("/_sim/"):
            ControlApi(self).handle(path, query)
            return
        body = self.read_body()
        if StsApi.wants(self.command, path, body):
            StsApi(self).handle(body)
            return
        for method, rx, op in self.ROUTES:
            m = rx.match(path)
            if m and method == self.command:
                self.route53(op, unquote(m.group(1)) if m.groups() else None,
                             query, body)
                return
        self.sim.stats.add("Unknown", 404)
        self.send_error_xml(ApiError(404, "UnknownOperationException",
                                     "No operation for %s %s"
                                     % (self.command, path)))

    def send_error_xml(self, err, cut=False):
        rid = str(uuid.uuid4())
        body = xml_doc("ErrorResponse", [
            ("Error", [("Type", "Sender" if err.status < 500 else "Receiver"),
                       ("Code", err.code), ("Message", err.message)]),
            ("RequestId", rid)])
        self.send(err.status, body, "text/xml",
                  [("x-amzn-RequestId", rid)], cut)

    FAULT_ERRORS = {
        "throttle": (400, "Throttling", "Rate exceeded"),
        "prior": (400, "PriorRequestNotComplete",
                  "The request was rejected because Route 53 was still "
                  "processing a prior request."),
        "denied": (403, "AccessDenied", "User: arn:aws:sts::123456789012:"
                   "assumed-role/r53sim is not authorized to perform this "
                   "operation"),
        "500": (500, "InternalFailure", "An internal error occurred."),
        "503": (503, "ServiceUnavailable", "Service Unavailable"),
        "expired": (403, "ExpiredToken", "The security token included in "
                    "the request is expired"),
        "invalidtoken": (403, "InvalidClientTokenId", "The security token "
                         "included in the request is invalid."),
        "nosuchchange": (404, "NoSuchChange", "A change with the specified "
                         "change ID does not exist."),
        "invalidbatch": (400, "InvalidChangeBatch",
                         "[Tried to create resource record set "
                         "[name='www.example.com.', type='A'] but it already "
                         "exists]"),
    }

    def signature_expired(self):
        """The 403 a 10-minute clock skew gets, for this request's date."""
        amz = (self.headers.get("X-Amz-Date") or "").strip()
        try:
            t = calendar.timegm(time.strptime(amz, AMZ_DATE))
        except ValueError:
            amz, t = "20261124T000000Z", 1795478400
        fmt = lambda x: time.strftime(AMZ_DATE, time.gmtime(x))
        return ApiError(403, "SignatureDoesNotMatch",
                        "Signature expired: %s is now earlier than %s "
                        "(%s - 5 min.)" % (amz, fmt(t + MAX_SKEW),
                                           fmt(t + 2 * MAX_SKEW)))

    def fault_first(self, kind, ident=None, akid=None):
        """Apply a fault that replaces the request.  True if answered."""
        if kind in self.FAULT_ERRORS:
            self.send_error_xml(ApiError(*self.FAULT_ERRORS[kind]))
            if kind == "expired" and akid:
                self.sim.verifier.expire(akid)
        elif kind == "sigexpired":
            self.send_error_xml(self.signature_expired())
        elif kind == "nosuchzone":
            self.send_error_xml(ApiError(
                404, "NoSuchHostedZone", "No hosted zone found with ID: %s"
                % (ident or "Z0NOSUCHZONE00")))
        elif kind == "reset":
            self.reset_connection()
        elif kind == "empty":
            self.send(200, b"", "text/xml")
        elif kind == "html502":
            self.send(502, self.HTML_502, "text/html")
        elif kind == "bighdr":
            self.send_big_header()
        elif kind == "garbage":
            self.send(200, b"\x00\xffthis is <not XML at all & \x01\x02\n",
                      "text/xml")
        elif kind == "huge":
            size = 8 << 20
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            chunk = b"<a>" + b"x" * 65530 + b"</a>"
            sent = 0
            while sent < size:
                n = min(len(chunk), size - sent)
                self.wfile.write(chunk[:n])
                sent += n
        elif kind.startswith("slow:"):
            time.sleep(float(kind[5:]))
            return False
        else:
            return False                # applied after execution
        return True

    CLAIMED_AKID = re.compile(r"Credential=([^/,\s]+)/")

    def route53(self, op, ident, query, body):
        """One Route 53 request: fault, signature, operation, answer."""
        self.last_status = 0
        if not self.sim.limiter.take():
            self.send_error_xml(ApiError(400, "Throttling", "Rate exceeded"))
            self.sim.stats.add(op, self.last_status, fault="rate_limit")
            return
        refused = self.sim.quota.take(op)
        if refused:
            self.send_error_xml(ApiError(400, "Throttling", "Rate exceeded"))
            self.sim.stats.add(op, self.last_status, fault="quota:" + refused,
                               peer=self.client_address[0])
            return
        # The key the client claims, for the log even if it is refused.
        m = self.CLAIMED_AKID.search(self.headers.get("Authorization") or "")
        akid, rejected = (m.group(1) if m else None), False
        fault = self.sim.faults.take_fault(op)
        kind = fault and fault["kind"]
        self.race, self.batch_log = fault if kind == "race" else None, {}
        # Counted now: the client leaves before the answer ends.
        if kind in ("hang", "huge", "bighdr"):
            self.sim.stats.add(op, 0 if kind == "hang" else 200, akid=akid,
                               fault=kind, peer=self.client_address[0])
            log("%s %s -> fault %s" % (op, akid, kind))
            if kind == "hang":
                self.hang()
            else:
                self.fault_first(kind)
            return
        if kind == "lostchange":
            r = fault["record"]
            self.sim.store.set_record(r["zone"] or self.lost_zone(), r["name"],
                                      r["type"], r["ttl"], r["values"],
                                      by="lostchange", sid=r["sid"],
                                      policy=r["policy"])
            kind = "nosuchchange"
        if kind and self.fault_first(kind, ident, akid):
            self.sim.stats.add(op, self.last_status, akid=akid, fault=kind,
                               peer=self.client_address[0])
            log("%s %s -> fault %s" % (op, akid, kind))
            return
        try:
            try:
                akid = self.sim.verifier.verify(self.command, self.path,
                                                self.headers.items(), body)
            except ApiError:
                rejected = True
                raise
            params = dict(parse_qsl(query, keep_blank_values=True))
            answer = getattr(self, "op_" + op)(ident, params, body)
            status = 200
        except ApiError as e:
            answer, status = e, e.status
            if isinstance(e, QuotaThrottled):
                kind = kind or "quota:changes"
        try:
            if kind == "reset-after":
                self.reset_connection()
                status = 0
            elif isinstance(answer, ApiError):
                self.send_error_xml(answer, cut=(kind == "truncated"))
            else:
                if kind in ("wrong-root", "wrong-ns", "doctype", "entity"):
                    answer = self.mangle(answer, kind)
                self.send(200, answer, "text/xml",
                          [("x-amzn-RequestId", str(uuid.uuid4()))],
                          cut=(kind == "truncated"))
        except OSError as e:            # the client left (slow:S): count it
            log("%s: client gone before the answer: %r" % (op, e))
            status, self.close_connection = 0, True
        self.sim.stats.add(op, status, akid=akid, fault=kind,
                           rejected=rejected, peer=self.client_address[0],
                           extra=self.batch_log)
        log("%s %s -> %s%s%s" % (
            op, akid, status, " (fault %s)" % kind if kind else "",
            " %s: %s" % (answer.code, answer.message)
            if isinstance(answer, ApiError) else ""))

    @staticmethod
    def mangle(answer, kind):
        """The real answer, well-formed, under another root element or in
        another (older API version's) namespace: a client that reads it
        as usual has not checked what it read."""
        if kind == "wrong-ns":
            return answer.replace(NS.encode(),
                                  b"https://route53.amazonaws.com/doc/"
                                  b"2012-12-12/")
        decl, _, rest = answer.partition(b"?>")
        root = re.search(rb"<([A-Za-z]+)[ >]", rest)
        if kind == "doctype":
            return decl + b"?>\n<!DOCTYPE " + root.group(1) + \
                b' SYSTEM "http://127.0.0.1:1/r53.dtd">' + rest
        if kind == "entity":
            # Nested entities (10^4 characters if expanded), used once in
            # an element the client does not know.
            ents = b'<!ENTITY a "aaaaaaaaaa">' + b"".join(
                b'<!ENTITY %s "%s">' % (bytes([ord("b") + i]),
                                        (b"&" + bytes([ord("a") + i]) + b";") * 10)
                for i in range(3))
            return decl + b"?>\n<!DOCTYPE " + root.group(1) + b" [" + ents + \
                b"]>" + rest.replace(b"</" + root.group(1) + b">",
                                     b"<Note>&d;</Note></" + root.group(1) + b">")
        other = b"GetCheckerIpRangesResponse"
        return answer.replace(b"<" + root.group(1), b"<" + other, 1) \
            .replace(b"</" + root.group(1) + b">", b"</" + other + b">")

    # -- operations ---------------------------------------------------------

    @staticmethod
    def max_items(params, default, cap):
        raw = params.get("maxitems")
        if raw is None:
            return default, str(default)
        try:
            n = int(raw)
            if n < 1:
                raise ValueError
        except ValueError:
            raise ApiError(400, "InvalidInput",
                           "1 validation error detected: Value '%s' at "
                           "'maxItems' failed to satisfy constraint: Member "
                           "must be a positive integer" % raw)
        return min(n, cap), raw

    def zone_xml(self, z):
        return ("HostedZone", [
            ("Id", "/hostedzone/" + z.id), ("Name", z.name),
            ("CallerReference", z.caller_reference),
            ("Config", [("PrivateZone", xml_bool(z.private))]),
            ("ResourceRecordSetCount", len(z.records))])

    def op_GetHostedZone(self, zid, params, body):
        with self.sim.store.lock:
            z = self.sim.store.zone(zid)
            if z.private:
                vpc = [("VPCRegion", "us-east-1"),
                       ("VPCId", "vpc-0123456789abcdef0")]
                extra = ("VPCs", [("VPC", vpc)])
            else:
                extra = ("DelegationSet", [("NameServers", [
                    ("NameServer", ns.rstrip(".")) for ns in z.name_servers])])
            return xml_doc("GetHostedZoneResponse", [self.zone_xml(z), extra])

    def op_ListHostedZonesByName(self, _, params, body):
        dns = params.get("dnsname")
        zid = params.get("hostedzoneid")
        if zid and not dns:
            raise ApiError(400, "InvalidInput",
                           "hostedzoneid requires dnsname")
        limit, echo = self.max_items(params, 100, 100)
        start = (Names.sort_key(Names.normalize(dns)), zid or "") \
            if dns else ("", "")
        zones = [z for key, i, z in self.sim.store.sorted_zones()
                 if (key, i) >= start]
        page, rest = zones[:limit], zones[limit:]
        return xml_doc("ListHostedZonesByNameResponse", [
            ("HostedZones", [self.zone_xml(z) for z in page]),
            ("DNSName", Names.normalize(dns) if dns else None),
            ("HostedZoneId", zid),
            ("IsTruncated", xml_bool(rest)),
            ("NextDNSName", rest[0].name if rest else None),
            ("NextHostedZoneId", rest[0].id if rest else None),
            ("MaxItems", echo)])

    def op_ListResourceRecordSets(self, zid, params, body):
        name, rtype = params.get("name"), params.get("type")
        ident = params.get("identifier")
        if rtype is not None and name is None:
            raise ApiError(400, "InvalidInput",
                           "StartRecordType requires StartRecordName")
        if ident is not None and rtype is None:
            # r53sim's wording, after the one above.
            raise ApiError(400, "InvalidInput",
                           "StartRecordIdentifier requires StartRecordType")
        if rtype is not None and rtype not in RR_TYPES:
            raise ApiError(400, "InvalidInput",
                           "Invalid type: %s" % rtype)
        limit, echo = self.max_items(params, 300, 300)
        recs = self.sim.store.sorted_records(zid)
        if name is not None:
            start = (Names.sort_key(Names.normalize(name)), rtype or "",
                     ident or "")
            recs = [r for r in recs if r[:3] >= start]
        page, rest = recs[:limit], recs[limit:]
        return xml_doc("ListResourceRecordSetsResponse", [
            ("ResourceRecordSets", [self.rrset_xml(n, t, sid, rec)
                                    for _, t, _, n, sid, rec in page]),
            ("IsTruncated", xml_bool(rest)),
            ("NextRecordName", rest[0][3] if rest else None),
            ("NextRecordType", rest[0][1] if rest else None),
            ("NextRecordIdentifier", rest[0][4] if rest else None),
            ("MaxItems", echo)])

    @staticmethod
    def rrset_xml(name, rtype, sid, rec):
        """A ResourceRecordSet as Route 53 lists it, in the model's order:
        a member with its SetIdentifier and policy fields."""
        pol = dict(rec.policy)
        mva = pol.get("MultiValueAnswer")
        return ("ResourceRecordSet", [
            ("Name", name), ("Type", rtype), ("SetIdentifier", sid),
            ("Weight", pol.get("Weight")), ("Region", pol.get("Region")),
            ("Failover", pol.get("Failover")),
            ("MultiValueAnswer", xml_bool(mva) if mva is not None else None),
            ("TTL", rec.ttl),
            ("ResourceRecords", [("ResourceRecord", [("Value", v)])
                                 for v in rec.values]),
            ("HealthCheckId", pol.get("HealthCheckId"))])

    def op_GetChange(self, cid, params, body):
        submitted, status, comment = self.sim.store.change_status(cid)
        return xml_doc("GetChangeResponse", [("ChangeInfo", [
            ("Id", "/change/" + cid), ("Status", status),
            ("SubmittedAt", iso8601(submitted, True)), ("Comment", comment)])])

    # The model's element order; AWS validates requests against a schema.
    ORDER = {
        "ChangeResourceRecordSetsRequest": ["ChangeBatch"],
        "ChangeBatch": ["Comment", "Changes"],
        "Change": ["Action", "ResourceRecordSet"],
        "ResourceRecordSet": ["Name", "Type", "SetIdentifier", "Weight",
                              "Region", "GeoLocation", "Failover",
                              "MultiValueAnswer", "TTL", "ResourceRecords",
                              "AliasTarget", "HealthCheckId",
                              "TrafficPolicyInstanceId", "CidrRoutingConfig"],
        "ResourceRecord": ["Value"],
    }

    @classmethod
    def children(cls, el, local):
        """Children of el as [(localname, element)], checking namespace and
        the model's order."""
        out = []
        for c in el:
            if not c.tag.startswith(Q):
                raise ApiError(400, "InvalidInput",
                               "Invalid XML ; element '%s' is not in "
                               "namespace %s" % (c.tag, NS))
            out.append((c.tag[len(Q):], c))
        order = cls.ORDER.get(local)
        if order is not None:
            pos = -1
            for tag, _ in out:
                if tag not in order or order.index(tag) <= pos:
                    raise ApiError(400, "InvalidInput",
                                   "Invalid XML ; cvc-complex-type.2.4.a: "
                                   "Invalid content was found starting with "
                                   "element '%s' in %s" % (tag, local))
                pos = order.index(tag)
        return out

    def op_ChangeResourceRecordSets(self, zid, params, body):
        try:
            root = ET.fromstring(body)
        except ET.ParseError as e:
            raise ApiError(400, "InvalidInput", "Invalid XML ; %s" % e)
        if root.tag != Q + "ChangeResourceRecordSetsRequest":
            raise ApiError(400, "InvalidInput",
                           "Invalid XML ; root element is %s" % root.tag)
        self.sim.store.zone(zid)        # NoSuchHostedZone before content
        top = dict(self.children(root, "ChangeResourceRecordSetsRequest"))
        batch = dict(self.children(top["ChangeBatch"], "ChangeBatch")) \
            if "ChangeBatch" in top else {}
        if "Changes" not in batch:
            raise ApiError(400, "InvalidInput", "ChangeBatch has no Changes")
        comment = batch["Comment"].text if "Comment" in batch else None
        changes = []
        for tag, ch in self.children(batch["Changes"], "Changes"):
            if tag != "Change":
                raise ApiError(400, "InvalidInput",
                               "Invalid XML ; unexpected element %s" % tag)
            changes.append(self.parse_change(ch))
        if not changes:
            raise ApiError(400, "InvalidInput", "Changes is empty")
        # [action, name, type, [values]], and a member's set identifier.
        self.batch_log = {"changes": [[c.action, c.name, c.type,
                                       list(c.values)] +
                                      ([c.sid] if c.sid is not None else [])
                                      for c in changes],
                          "applied": False}
        if not self.sim.quota.take_changes(Quota2026.changes_in(changes)):
            raise QuotaThrottled()
        self.apply_race(zid)
        cid = self.sim.store.apply_batch(zid, comment, changes,
                                         by=self.client_address[0])
        self.batch_log["applied"] = True
        submitted, status, _ = self.sim.store.change_status(cid)
        return xml_doc("ChangeResourceRecordSetsResponse", [("ChangeInfo", [
            ("Id", "/change/" + cid), ("Status", status),
            ("SubmittedAt", iso8601(submitted, True)), ("Comment", comment)])])

    def lost_zone(self):
        """The zone a lostchange fault without "zone" reverts: the only one."""
        zones = [z for _, z, _ in self.sim.store.sorted_zones()]
        if len(zones) != 1:
            raise ValueError("fault lostchange needs a zone when there are %d"
                             % len(zones))
        return zones[0]

    def apply_race(self, zid):
        """The race fault: change a record between the client's read and
        its write."""
        if not self.race:
            return
        r, self.race = self.race["record"], None
        try:
            self.sim.store.set_record(r["zone"] or zid, r["name"], r["type"],
                                      r["ttl"], r["values"], by="race",
                                      sid=r["sid"], policy=r["policy"])
        except ApiError as e:
            log("ChangeResourceRecordSets: race fault not applied: %s"
                % e.message)
            return
        log("ChangeResourceRecordSets: race fault set %s %s%s to %s"
            % (r["name"], r["type"],
               " (set identifier %s)" % r["sid"] if r["sid"] else "",
               r["values"]))

    def parse_change(self, ch):
        """-> RRChange, or InvalidInput."""
        c = dict(self.children(ch, "Change"))
        action = (c["Action"].text or "").strip() if "Action" in c else ""
        if action not in ("CREATE", "DELETE", "UPSERT"):
            raise ApiError(400, "InvalidInput",
                           "Invalid XML ; value '%s' of Action is not one of "
                           "CREATE, DELETE, UPSERT" % action)
        if "ResourceRecordSet" not in c:
            raise ApiError(400, "InvalidInput", "Change has no "
                           "ResourceRecordSet")
        r = dict(self.children(c["ResourceRecordSet"], "ResourceRecordSet"))
        if "Name" not in r or "Type" not in r:
            raise ApiError(400, "InvalidInput",
                           "ResourceRecordSet needs Name and Type")
        raw_name = (r["Name"].text or "").strip()
        name = Names.normalize(r["Name"].text or "")
        rtype = (r["Type"].text or "").strip()
        if rtype not in RR_TYPES:
            raise ApiError(400, "InvalidInput",
                           "Invalid XML ; value '%s' of Type is not a "
                           "record type" % rtype)
        unsupported = set(r) - {"Name", "Type", "TTL", "ResourceRecords",
                                "SetIdentifier"} - set(dict(Routing.FIELDS))
        if unsupported:
            raise ApiError(400, "InvalidInput", "r53sim does not support %s"
                           % ", ".join(sorted(unsupported)))
        sid = r["SetIdentifier"].text or "" if "SetIdentifier" in r else None
        Routing.check_sid(sid)
        policy = Routing.parse_fields({f: r[f].text for f, _ in Routing.FIELDS
                                       if f in r})
        if "TTL" not in r or "ResourceRecords" not in r:
            raise ApiError(400, "InvalidInput",
                           "Invalid request: Expected exactly one of "
                           "[AliasTarget, all of [TTL, and ResourceRecords], "
                           "or TrafficPolicyInstanceId], but found none in "
                           "Change with [Action=%s, Name=%s, Type=%s, "
                           "SetIdentifier=%s]"
                           % (action, raw_name, rtype,
                              sid if sid is not None else "null"))
        Routing.check_change(policy, sid, action, raw_name, rtype)
        try:
            ttl = int(r["TTL"].text)
            if not 0 <= ttl <= 2147483647:
                raise ValueError
        except (TypeError, ValueError):
            raise ApiError(400, "InvalidInput",
                           "Invalid XML ; TTL '%s' is not a valid TTL"
                           % r["TTL"].text)
        values = []
        for tag, rr in self.children(r["ResourceRecords"], "ResourceRecords"):
            v = dict(self.children(rr, "ResourceRecord")).get("Value")
            if tag != "ResourceRecord" or v is None or not v.text:
                raise ApiError(400, "InvalidInput",
                               "Invalid XML ; ResourceRecord needs a Value")
            values.append(v.text)
        if not values:
            raise ApiError(400, "InvalidInput",
                           "ResourceRecords must not be empty")
        return RRChange(action, name, rtype, ttl, values, sid, policy)


class ControlApi:
    """The unsigned JSON API tests use to set the scene and read stats."""

    def __init__(self, handler):
        self.h, self.sim = handler, handler.sim

    def reply(self, status, obj):
        self.h.send(status, (json.dumps(obj) + "\n").encode(),
                    "application/json")

    def handle(self, path, query):
        try:
            body = self.h.read_body()
            data = json.loads(body) if body.strip() else {}
            params = dict(parse_qsl(query, keep_blank_values=True))
            route = (self.h.command, path.rstrip("/"))
            handlers = {
                ("POST", "/_sim/zone"): self.zone,
                ("POST", "/_sim/record"): self.set_record,
                ("GET", "/_sim/record"): self.get_record,
                ("GET", "/_sim/history"): lambda d, p: (
                    200, self.sim.store.record_history(
                        p["zone"], p["name"], p["type"],
                        p.get("set_identifier"))),
                ("POST", "/_sim/config"): self.set_config,
                ("GET", "/_sim/config"): lambda d, p: (200, self.sim.config()),
                ("GET", "/_sim/stats"):
                    lambda d, p: (200, dict(self.sim.stats.snapshot(),
                                            throttled=self.sim.limiter.throttled,
                                            dns=self.sim.dns.stats.snapshot(),
                                            quota=self.sim.quota.stats())),
                ("POST", "/_sim/reset-stats"): self.reset_stats,
                ("GET", "/_sim/issued"): self.issued,
                ("POST", "/_sim/role"): self.sim.sts.control_role,
                ("GET", "/_sim/roles"): self.sim.sts.control_roles,
                ("POST", "/_sim/imds-node"): self.imds_node,
            }
            if route not in handlers:
                self.reply(404, {"error": "no control route %s %s" % route})
                return
            self.reply(*handlers[route](data, params))
        except ApiError as e:
            self.reply(e.status, {"error": e.message})
        except (ValueError, KeyError, TypeError) as e:
            self.reply(400, {"error": "bad control request: %r" % (e,)})

    def zone(self, d, p):
        zid = self.sim.store.add_zone(d["name"], bool(d.get("private")),
                                      d.get("id"), d.get("name_servers"))
        return 200, {"id": zid}

    def set_record(self, d, p):
        sid, policy = Routing.from_json(d, str(d["name"]),
                                        str(d["type"]).upper())
        if not isinstance(d["values"], list):
            raise ValueError("values must be a list")
        cid = self.sim.store.set_record(d["zone"], d["name"], d["type"],
                                        d.get("ttl", 300), d["values"],
                                        sid=sid, policy=policy)
        return 200, {"change": cid}

    def get_record(self, d, p):
        """One record set: the plain one, or set_identifier's member;
        set_identifier "*": {"sets": [every set at the name and type]}."""
        store, sid = self.sim.store, p.get("set_identifier") or None
        name, rtype = Names.normalize(p["name"]), p["type"].upper()
        with store.lock:
            z = store.zone(p["zone"])
            sets = sorted(((k[2], r) for k, r in z.records.items()
                           if k[:2] == (name, rtype)),
                          key=lambda x: x[0] or "")
        if sid == "*":
            return 200, {"sets": [Routing.rec_json(s, r, with_sid=True)
                                  for s, r in sets]}
        rec = dict(sets).get(sid)
        if rec is None:
            out = {"error": "no such record"}
            members = [s for s, _ in sets if s is not None]
            if sid is None and members:
                out["set_identifiers"] = members
            return 404, out
        return 200, Routing.rec_json(sid, rec)

    def set_config(self, d, p):
        self.sim.configure(d)
        return 200, self.sim.config()

    def issued(self, d, p):
        out = self.sim.verifier.issued()
        with self.sim.lock:
            out["imds_tokens"] = list(self.sim.imds_tokens)
        out["sts"] = self.sim.sts.issued()
        return 200, out

    NODE_KEYS = ("instance_id", "mac", "interface_id", "local_ipv4")

    def imds_node(self, d, p):
        node = {k: str(d[k]) for k in self.NODE_KEYS}
        node["name"] = str(d["name"])
        node["mac"] = node["mac"].lower()
        addr = (d.get("address", "169.254.169.254"), int(d.get("port", 80)))
        srv = listen_in_netns(d["netns"], addr)
        srv.sim, srv.node = self.sim, node
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        log("imds for %s on %s:%d in %s" % (node["name"], addr[0], addr[1],
                                            d["netns"]))
        return 200, {"name": node["name"]}

    def reset_stats(self, d, p):
        with self.sim.stats.lock:
            self.sim.stats.reset()
        with self.sim.limiter.lock:
            self.sim.limiter.throttled = 0
        with self.sim.dns.stats.lock:
            self.sim.dns.stats.reset()
        with self.sim.quota.lock:
            self.sim.quota.reset_stats()
        return 200, {}


# --------------------------------------------------------------------------
# STS (Query protocol) on the API's HTTPS server: AssumeRole,
# AssumeRoleWithWebIdentity, GetCallerIdentity
# --------------------------------------------------------------------------

STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
STS_VERSION = "2011-06-15"


class StsState:
    """The roles tests registered (POST /_sim/role), the sessions STS
    issued (their keys live in the Verifier, so Route 53 accepts them with
    their session token only) and STS's own config keys."""

    ACCOUNT = "123456789012"            # the account of the --key users
    INSTANCE = "i-0123456789abcdef0"    # IMDS credentials' session name
    ROLE_ARN = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):"
                          r"role/(?:[\w+=,.@-]+/)*([\w+=,.@-]{1,64})$",
                          re.ASCII)
    SESSION_NAME = re.compile(r"^[\w+=,.@-]*$", re.ASCII)
    EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]*$", re.ASCII)
    STATUS = {"AccessDenied": 403, "ValidationError": 400,
              "InvalidIdentityToken": 400, "IDPRejectedClaim": 403,
              "IDPCommunicationError": 400, "ExpiredTokenException": 400,
              "RegionDisabledException": 403, "InvalidClientTokenId": 403,
              "ExpiredToken": 400, "SignatureDoesNotMatch": 403,
              "Throttling": 400, "InternalFailure": 500,
              "ServiceUnavailable": 503, "MalformedPolicyDocument": 400,
              "PackedPolicyTooLarge": 400, "InvalidParameterValue": 400}

    def __init__(self, sim):
        self.sim = sim
        self.lock = threading.Lock()
        self.roles = {}                 # arn -> role dict (control_role)
        self.sessions = {}              # issued akid -> session dict
        self.cred_ttl = None            # config sts_cred_ttl
        self.down = None                # config sts_down

    @staticmethod
    def short_id(prefix, seed):
        """A stable IAM-style unique id (AROA..., AIDA...) for seed."""
        digest = hashlib.sha256(seed.encode()).digest()
        alphabet = string.ascii_uppercase + string.digits
        return prefix + "".join(alphabet[b % 36] for b in digest[:17])

    # ---- config and control API ------------------------------------------

    def configure(self, cfg):
        """Take the sts_* keys out of a /_sim/config object."""
        if "sts_cred_ttl" in cfg:
            v = cfg.pop("sts_cred_ttl")
            if v is not None and float(v) <= 0:
                raise ValueError("sts_cred_ttl must be > 0 or null")
            self.cred_ttl = None if v is None else float(v)
        if "sts_down" in cfg:
            v = cfg.pop("sts_down")
            self.down = None if v is None else Faults.check_kind(str(v))
        if cfg.pop("sts_expire", False):
            with self.lock:
                akids = list(self.sessions)
            for akid in akids:
                self.sim.verifier.expire(akid)
            log("sts_expire: %d STS keys expired" % len(akids))

    def config(self):
        return {"sts_cred_ttl": self.cred_ttl, "sts_down": self.down}

    def control_role(self, d, p):
        """POST /_sim/role: register (or replace, or delete) a role."""
        arn = str(d["arn"])
        if d.get("delete"):
            with self.lock:
                gone = self.roles.pop(arn, None)
            return (200 if gone else 404), {"deleted": arn} if gone else \
                {"error": "no such role"}
        if not self.ROLE_ARN.match(arn):
            raise ValueError("not a role ARN: %r" % arn)
        trust = d.get("trust", ["*"])
        if not isinstance(trust, list) or \
                not all(isinstance(t, str) for t in trust):
            raise ValueError("trust must be a list of strings")
        for k in ("external_id", "web_identity_token", "fail"):
            if d.get(k) is not None and not isinstance(d[k], str):
                raise ValueError("%s must be a string" % k)
        max_duration = int(d.get("max_duration", 43200))
        if not 3600 <= max_duration <= 43200:
            raise ValueError("max_duration must be 3600..43200")
        role = {"arn": arn, "trust": trust,
                "external_id": d.get("external_id"),
                "web_identity_token": d.get("web_identity_token"),
                "fail": d.get("fail"), "max_duration": max_duration,
                "id": self.short_id("AROA", arn)}
        with self.lock:
            self.roles[arn] = role
        return 200, role

    def control_roles(self, d, p):
        with self.lock:
            return 200, {"roles": [dict(r) for r in self.roles.values()]}

    def issued(self):
        """The keys, secrets and tokens STS issued, in issue order, and
        the web identity tokens of the registered roles (for the tests'
        grep for leaks)."""
        with self.lock:
            akids = list(self.sessions)
            wit = [r["web_identity_token"] for r in self.roles.values()
                   if r["web_identity_token"]]
        v = self.sim.verifier
        with v.lock:
            temp = [v.temp[a] for a in akids]
        return {"akids": akids, "secrets": [t[0] for t in temp],
                "tokens": [t[1] for t in temp], "web_identity_tokens": wit}

    # ---- identities ---------------------------------------------------

    def caller(self, akid):
        """Who signed with akid: {"arn", "user_id", "account", "role"
        (the role ARN of a role session, else None), "chained" (a role
        session: STS- or IMDS-issued)}."""
        with self.lock:
            s = self.sessions.get(akid)
        if s is not None:
            return {"arn": s["assumed_arn"], "user_id": s["user_id"],
                    "account": s["account"], "role": s["role"],
                    "chained": True}
        if akid in self.sim.verifier.keys:
            return {"arn": "arn:aws:iam::%s:user/r53sim" % self.ACCOUNT,
                    "user_id": self.short_id("AIDA", akid),
                    "account": self.ACCOUNT, "role": None, "chained": False}
        with self.sim.lock:
            name = self.sim.imds["role"] or "r53sim-role"
        role = "arn:aws:iam::%s:role/%s" % (self.ACCOUNT, name)
        return {"arn": "arn:aws:sts::%s:assumed-role/%s/%s"
                       % (self.ACCOUNT, name, self.INSTANCE),
                "user_id": self.short_id("AROA", role) + ":" + self.INSTANCE,
                "account": self.ACCOUNT, "role": role, "chained": True}

    def role(self, arn):
        with self.lock:
            r = self.roles.get(arn)
            return dict(r) if r else None

    def issue(self, role, session, duration, source):
        """New credentials for a session of role; returns the session."""
        ttl = self.cred_ttl if self.cred_ttl is not None else duration
        akid, secret, token, expires = \
            self.sim.verifier.issue_temporary(ttl)
        m = self.ROLE_ARN.match(role["arn"])
        s = {"role": role["arn"], "session": session, "source": source,
             "account": m.group(2),
             "assumed_arn": "arn:%s:sts::%s:assumed-role/%s/%s"
                            % (m.group(1), m.group(2), m.group(3), session),
             "user_id": role["id"] + ":" + session,
             "akid": akid, "secret": secret, "token": token,
             "expires": expires}
        with self.lock:
            self.sessions[akid] = {k: v for k, v in s.items()
                                   if k not in ("secret", "token")}
        return s

    def take_fault(self, op):
        """A one-shot fault for this STS op (queue entries with "op" the
        action's name or "sts"; "*" stays Route 53's), else sts_down."""
        f = self.sim.faults
        with f.lock:
            for x in f.queue:
                if x["count"] > 0 and x["op"] in (op, "sts"):
                    x["count"] -= 1
                    if x["count"] == 0:
                        f.queue.remove(x)
                    return x["kind"]
        return self.down


class StsApi:
    """One STS request: POST / with a form body whose Action is one of
    ACTIONS (Route 53 lives under /2013-04-01/, so no clash)."""

    ACTIONS = ("AssumeRole", "AssumeRoleWithWebIdentity",
               "GetCallerIdentity")
    UNSIGNED = ("AssumeRoleWithWebIdentity",)
    SCOPE = re.compile(r"Credential=([^/,\s]+)/[^/]*/([^/]*)/")

    @staticmethod
    def form(body):
        try:
            return dict(parse_qsl(body.decode("utf-8"),
                                  keep_blank_values=True))
        except (UnicodeDecodeError, ValueError):
            return {}

    @classmethod
    def wants(cls, command, path, body):
        return command == "POST" and path == "/" and \
            cls.form(body).get("Action") in cls.ACTIONS

    def __init__(self, handler):
        self.h, self.sim, self.state = handler, handler.sim, handler.sim.sts

    def send_error(self, err, cut=False):
        rid = str(uuid.uuid4())
        body = xml_doc("ErrorResponse", [
            ("Error", [("Type", "Sender" if err.status < 500 else "Receiver"),
                       ("Code", err.code), ("Message", err.message)]),
            ("RequestId", rid)], ns=STS_NS)
        self.h.send(err.status, body, "text/xml",
                    [("x-amzn-RequestId", rid)], cut)

    def error(self, code, message):
        return ApiError(self.state.STATUS.get(code, 400), code, message)

    def fault(self, kind, akid):
        """Apply a fault that replaces the answer.  True if answered."""
        h = self.h
        if kind.startswith("slow:"):
            time.sleep(float(kind[5:]))
            return False
        if kind in ("truncated", "reset-after"):
            return False                # applied after execution
        if kind == "reset":
            h.reset_connection()
        elif kind == "empty":
            h.send(200, b"", "text/xml")
        elif kind == "garbage":
            h.send(200, b"\x00\xffthis is <not XML at all & \x01\x02\n",
                   "text/xml")
        elif kind == "html502":
            h.send(502, Handler.HTML_502, "text/html")
        elif kind == "bighdr":
            h.send_big_header()
        elif kind in ("throttle", "denied", "500", "503", "expired",
                      "invalidtoken"):
            status, code, msg = ApiHandler.FAULT_ERRORS[kind]
            self.send_error(ApiError(status, code, msg))
            if kind == "expired" and akid:
                self.sim.verifier.expire(akid)
        else:
            self.send_error(ApiError(500, "InternalFailure",
                                     "An internal error occurred."))
        return True

    def handle(self, body):
        h = self.h
        h.last_status = 0
        params = self.form(body)
        op = params["Action"]
        m = self.SCOPE.search(h.headers.get("Authorization") or "")
        akid = m.group(1) if m else None
        info = {"region": m.group(2) if m else None,
                "role": params.get("RoleArn"),
                "session": params.get("RoleSessionName"),
                "external_id": params.get("ExternalId"),
                "host": h.headers.get("Host")}
        peer = h.client_address[0]
        kind = self.state.take_fault(op)
        if kind == "hang":
            self.sim.stats.add(op, 0, akid=akid, fault=kind, peer=peer,
                               **info)
            log("%s %s -> fault hang" % (op, akid))
            h.hang()
            return
        if kind and self.fault(kind, akid):
            self.sim.stats.add(op, h.last_status, akid=akid, fault=kind,
                               peer=peer, **info)
            log("%s %s -> fault %s" % (op, akid, kind))
            return
        rejected = False
        try:
            if op not in self.UNSIGNED:
                try:
                    akid = self.sim.verifier.verify(
                        h.command, h.path, h.headers.items(), body,
                        service="sts")
                except ApiError:
                    rejected = True
                    raise
            if params.get("Version") != STS_VERSION:
                raise ApiError(400, "InvalidAction",
                               "Could not find operation %s for version %s"
                               % (op, params.get("Version") or
                                  "NO_VERSION_SPECIFIED"))
            answer, more = getattr(self, "op_" + op)(akid, params)
            info.update(more)
            status = 200
        except ApiError as e:
            answer, status = e, e.status
        try:
            if kind == "reset-after":
                h.reset_connection()
                status = 0
            elif isinstance(answer, ApiError):
                self.send_error(answer, cut=(kind == "truncated"))
            else:
                h.send(200, answer, "text/xml",
                       [("x-amzn-RequestId", str(uuid.uuid4()))],
                       cut=(kind == "truncated"))
        except OSError as e:
            log("%s: client gone before the answer: %r" % (op, e))
            status, h.close_connection = 0, True
        self.sim.stats.add(op, status, akid=akid, fault=kind,
                           rejected=rejected, peer=peer, **info)
        log("%s %s -> %s%s%s region=%s role=%s session=%s%s" % (
            op, akid, status, " (fault %s)" % kind if kind else "",
            " %s: %s" % (answer.code, answer.message)
            if isinstance(answer, ApiError) else "", info["region"],
            info["role"], info["session"],
            " issued=%s" % info["issued"] if info.get("issued") else ""))

    # ---- validation, as STS words it ---------------------------------

    @staticmethod
    def invalid(value, field, constraint):
        return ApiError(400, "ValidationError",
                        "1 validation error detected: Value '%s' at '%s' "
                        "failed to satisfy constraint: Member %s"
                        % (value, field, constraint))

    def require(self, params, name, field):
        v = params.get(name)
        if v is None:
            raise ApiError(400, "ValidationError",
                           "1 validation error detected: Value null at '%s' "
                           "failed to satisfy constraint: Member must not "
                           "be null" % field)
        return v

    def common(self, params):
        """RoleArn, RoleSessionName, DurationSeconds -> (role arn,
        session name, duration or None)."""
        arn = self.require(params, "RoleArn", "roleArn")
        if len(arn) < 20:
            raise self.invalid(arn, "roleArn",
                               "must have length greater than or equal to 20")
        if not StsState.ROLE_ARN.match(arn):
            raise ApiError(400, "ValidationError",
                           "%s is not a valid role ARN" % arn)
        name = self.require(params, "RoleSessionName", "roleSessionName")
        if not StsState.SESSION_NAME.match(name):
            raise self.invalid(name, "roleSessionName",
                               "must satisfy regular expression pattern: "
                               "[\\w+=,.@-]*")
        if len(name) < 2:
            raise self.invalid(name, "roleSessionName",
                               "must have length greater than or equal to 2")
        if len(name) > 64:
            raise self.invalid(name, "roleSessionName",
                               "must have length less than or equal to 64")
        duration = params.get("DurationSeconds")
        if duration is not None:
            try:
                duration = int(duration)
            except ValueError:
                raise ApiError(400, "ValidationError", "Value '%s' for "
                               "parameter DurationSeconds is invalid"
                               % duration)
            if duration < 900:
                raise self.invalid(duration, "durationSeconds", "must have "
                                   "value greater than or equal to 900")
            if duration > 43200:
                raise self.invalid(duration, "durationSeconds", "must have "
                                   "value less than or equal to 43200")
        return arn, name, duration

    def check_duration(self, role, duration, chained):
        if duration is None:
            return 3600
        if chained and duration > 3600:
            raise ApiError(400, "ValidationError",
                           "The requested DurationSeconds exceeds the 1 hour "
                           "session limit for roles assumed by role "
                           "chaining.")
        if duration > role["max_duration"]:
            raise ApiError(400, "ValidationError",
                           "The requested DurationSeconds exceeds the "
                           "MaxSessionDuration set for this role.")
        return duration

    def role_failure(self, role):
        if role["fail"]:
            raise self.error(role["fail"], "r53sim: role %s is set to fail "
                             "with %s" % (role["arn"], role["fail"]))

    @staticmethod
    def creds_xml(s):
        return [("AccessKeyId", s["akid"]),
                ("SecretAccessKey", s["secret"]),
                ("SessionToken", s["token"]),
                ("Expiration", iso8601(s["expires"]))]

    @staticmethod
    def user_xml(s):
        return [("AssumedRoleId", s["user_id"]), ("Arn", s["assumed_arn"])]

    @staticmethod
    def answer(op, result, rid=None):
        return xml_doc(op + "Response", [
            (op + "Result", result),
            ("ResponseMetadata", [("RequestId", rid or str(uuid.uuid4()))])],
            ns=STS_NS)

    # ---- the operations: (akid, params) -> (body, log fields) ----------

    def op_AssumeRole(self, akid, params):
        arn, name, duration = self.common(params)
        ext = params.get("ExternalId")
        if ext is not None and not (2 <= len(ext) <= 1224 and
                                    StsState.EXTERNAL_ID.match(ext)):
            raise self.invalid(ext, "externalId", "must satisfy regular "
                               "expression pattern: [\\w+=,.@:\\/-]* and "
                               "have length 2..1224")
        caller = self.state.caller(akid)
        denied = ApiError(403, "AccessDenied",
                          "User: %s is not authorized to perform: "
                          "sts:AssumeRole on resource: %s"
                          % (caller["arn"], arn))
        role = self.state.role(arn)
        if role is None:
            raise denied
        self.role_failure(role)
        trusted = {"*", akid, caller["arn"], caller["role"]}
        if not trusted.intersection(role["trust"]):
            raise denied
        if role["external_id"] is not None and ext != role["external_id"]:
            raise denied
        duration = self.check_duration(role, duration, caller["chained"])
        s = self.state.issue(role, name, duration, caller["arn"])
        body = self.answer("AssumeRole", [
            ("Credentials", self.creds_xml(s)),
            ("AssumedRoleUser", self.user_xml(s))])
        return body, {"issued": s["akid"], "duration": duration,
                      "caller": caller["arn"]}

    def op_AssumeRoleWithWebIdentity(self, akid, params):
        arn, name, duration = self.common(params)
        token = self.require(params, "WebIdentityToken", "webIdentityToken")
        if not 4 <= len(token) <= 20000:
            raise self.invalid("***", "webIdentityToken",
                               "must have length between 4 and 20000")
        role = self.state.role(arn)
        if role is None or role["web_identity_token"] is None:
            raise ApiError(403, "AccessDenied", "Not authorized to perform "
                           "sts:AssumeRoleWithWebIdentity")
        self.role_failure(role)
        if not hmac.compare_digest(token.encode(),
                                   role["web_identity_token"].encode()):
            raise ApiError(400, "InvalidIdentityToken",
                           "The web identity token that was passed could "
                           "not be validated by AWS. Get a new identity "
                           "token from the identity provider and then retry "
                           "the request.")
        duration = self.check_duration(role, duration, False)
        s = self.state.issue(role, name, duration, "web-identity")
        body = self.answer("AssumeRoleWithWebIdentity", [
            ("Credentials", self.creds_xml(s)),
            ("SubjectFromWebIdentityToken", "r53sim-subject"),
            ("AssumedRoleUser", self.user_xml(s)),
            ("Provider", "r53sim.example"),
            ("Audience", "sts.amazonaws.com")])
        return body, {"issued": s["akid"], "duration": duration,
                      "caller": "web-identity"}

    def op_GetCallerIdentity(self, akid, params):
        c = self.state.caller(akid)
        body = self.answer("GetCallerIdentity", [
            ("Arn", c["arn"]), ("UserId", c["user_id"]),
            ("Account", c["account"])])
        return body, {"caller": c["arn"]}


# --------------------------------------------------------------------------
# IMDSv2 (plain HTTP)
# --------------------------------------------------------------------------

class ImdsHandler(Handler):
    CREDS = "/latest/meta-data/iam/security-credentials/"

    def text(self, status, body):
        self.send(status, body.encode(), "text/plain")

    def do_PUT(self):
        self.serve(self.put)

    def do_GET(self):
        self.serve(self.get)

    def serve(self, method):
        """Faults, then the request; one statistics entry either way."""
        self.last_status = 0
        kind = self.sim.faults.take("imds")
        if kind is None or not self.fault(kind):
            method()
        node = getattr(self.server, "node", None)
        self.sim.stats.add("imds", self.last_status, fault=kind,
                           request="%s %s" % (self.command, self.path),
                           node=node["name"] if node else None)

    def fault(self, kind):
        """Apply a fault for op "imds".  True if answered."""
        log("imds fault %s" % kind)
        if kind.startswith("slow:"):
            time.sleep(float(kind[5:]))
            return False
        if kind in ("reset", "reset-after"):
            self.reset_connection()
        elif kind == "hang":
            self.read_body()
            self.hang()
        elif kind == "empty":
            self.text(200, "")
        elif kind == "html502":
            self.send(502, self.HTML_502, "text/html")
        elif kind == "bighdr":
            self.send_big_header()
        elif kind == "garbage":
            self.text(200, "\x00garbage{")
        elif kind == "truncated":
            self.send(200, b"0123456789abcdef", "text/plain", cut=True)
        else:
            self.text(503 if kind in ("503", "throttle") else 500, "error")
        return True

    def put(self):
        self.read_body()
        if self.path != "/latest/api/token":
            self.text(404, "Not Found")
            return
        try:
            ttl = int(self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"))
            if not 1 <= ttl <= 21600:
                raise ValueError
        except (TypeError, ValueError):
            self.text(400, "Bad Request")
            return
        token = base64.urlsafe_b64encode(secrets.token_bytes(40)).decode()
        with self.sim.lock:
            self.sim.imds_tokens[token] = time.time() + ttl
        self.send(200, token.encode(), "text/plain",
                  [("X-aws-ec2-metadata-token-ttl-seconds", str(ttl))])

    def get(self):
        token = self.headers.get("X-aws-ec2-metadata-token")
        with self.sim.lock:
            expiry = self.sim.imds_tokens.get(token or "")
            cfg = dict(self.sim.imds)
        node = getattr(self.server, "node", None)
        if node:
            cfg.update(node, public_ipv4=None)
        if expiry is None or expiry < time.time():
            self.text(401, "Unauthorized")          # IMDSv1 is off
            return
        path = self.path.split("?")[0]
        role = cfg["role"]
        if path in ("/latest/meta-data/local-ipv4",
                    "/latest/meta-data/public-ipv4"):
            val = cfg[path.rsplit("/", 1)[1].replace("-", "_")]
            if val:
                self.text(200, val)
            else:
                self.text(404, "Not Found")
        elif node and path in ("/latest/meta-data/instance-id",
                               "/latest/meta-data/mac"):
            self.text(200, node[path.rsplit("/", 1)[1].replace("-", "_")])
        elif node and path == ("/latest/meta-data/network/interfaces/macs/"
                               "%s/interface-id" % node["mac"]):
            self.text(200, node["interface_id"])
        elif path == self.CREDS and role:
            self.text(200, role)
        elif role and path in (self.CREDS + role, self.CREDS + role + "/"):
            akid, secret, tok, expires = \
                self.sim.verifier.issue_temporary(float(cfg["cred_ttl"]))
            body = json.dumps({
                "Code": "Success", "LastUpdated": iso8601(time.time()),
                "Type": "AWS-HMAC", "AccessKeyId": akid,
                "SecretAccessKey": secret, "Token": tok,
                "Expiration": iso8601(expires)}, indent=2)
            self.send(200, body.encode(), "text/plain")
            log("imds issued temporary key %s" % akid)
        else:
            self.text(404, "Not Found")


# --------------------------------------------------------------------------
# SigV4 self-test against the official suite, and main
# --------------------------------------------------------------------------

def self_test_sigv4(suite):
    """Check SigV4 against the AWS test suite directory: for every case,
    our canonical request, string to sign and Authorization must equal the
    suite's files.  Returns the number of failures."""
    secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    failures = cases = 0
    for dirpath, _, files in sorted(os.walk(suite)):
        for req in (f for f in files if f.endswith(".req")):
            base = os.path.join(dirpath, req[:-4])
            raw = open(base + ".req", "rb").read().decode("utf-8")
            head, _, body = raw.partition("\n\n")
            lines = head.split("\n")
            method, rest = lines[0].split(" ", 1)
            target = rest.rsplit(" ", 1)[0]
            headers = []
            for line in lines[1:]:
                if line[:1] in (" ", "\t") and headers:   # folded value
                    k, v = headers[-1]
                    headers[-1] = (k, v + "," + line.strip())
                else:
                    k, _, v = line.partition(":")
                    headers.append((k, v))
            authz = open(base + ".authz").read().strip()
            akid, date, region, service, signed, sig = \
                SigV4.parse_authorization(authz)
            want_creq = open(base + ".creq").read()
            want_sts = open(base + ".sts").read()
            creq = SigV4.canonical_request(method, target, headers, signed,
                                           body.encode("utf-8"))
            amz = [v for k, v in headers if k.lower() == "x-amz-date"][0]
            sts = SigV4.string_to_sign(amz, "/".join(
                [date, region, service, "aws4_request"]), creq)
            mine = SigV4.signature(secret, date, region, service, sts)
            cases += 1
            # Two form-urlencoded cases contradict themselves: one's .creq
            # signs content-length though its .authz does not; the other's
            # .sts hashes a different .creq ("charset=utf8").  Check the
            # files that agree with each other.
            if want_creq.split("\n")[-2] != ";".join(signed):
                ok = sts == want_sts and mine == sig
                note = ".creq disagrees with .authz: checked .sts, .authz"
            elif hashlib.sha256(want_creq.encode()).hexdigest() != \
                    want_sts.split("\n")[-1]:
                ok = creq == want_creq
                note = ".sts does not hash .creq: checked .creq"
            else:
                ok = creq == want_creq and sts == want_sts and mine == sig
                note = None
            if note:
                print("note: %s: %s" % (os.path.basename(base), note))
            if not ok:
                failures += 1
                print("FAIL %s\n--- ours:\n%s\n---" % (base, creq))
    print("sigv4 self-test: %d cases, %d failures" % (cases, failures))
    return failures if cases else 1


CLONE_NEWNET = 0x40000000


def listen_in_netns(netns, addr):
    """An IMDS server whose socket lives in network namespace NETNS (a
    path such as /run/netns/NAME).  The socket is made in a thread of its
    own that enters the namespace (setns is per thread), so no other
    thread of the simulator moves."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    result = {}

    def make():
        try:
            fd = os.open(netns, os.O_RDONLY)
            try:
                if libc.setns(fd, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), "setns %s" % netns)
            finally:
                os.close(fd)
            result["srv"] = PlainServer(addr, ImdsHandler)
        except OSError as e:
            result["err"] = e

    t = threading.Thread(target=make)
    t.start()
    t.join()
    if "err" in result:
        raise ValueError("cannot listen on %s:%d in %s: %s"
                         % (addr[0], addr[1], netns, result["err"]))
    return result["srv"]


def load_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--imds-port", type=int, default=0)
    ap.add_argument("--dns-port", type=int, default=None,
                    help="serve the zones over DNS, UDP and TCP, on this "
                    "port (0: pick one); off by default")
    ap.add_argument("--dns-host", action="append", default=[],
                    metavar="ADDR", help="a DNS listen address (repeat for "
                    "several name servers); default --host")
    ap.add_argument("--cert")
    ap.add_argument("--key-file", "--tls-key", dest="tls_key")
    ap.add_argument("--ready-file")
    ap.add_argument("--pending-seconds", type=float, default=0.0)
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--key", action="append", default=[],
                    metavar="AKID:SECRET", help="an accepted long-term key")
    ap.add_argument("--self-test-sigv4", metavar="SUITE_DIR")
    args, extra = ap.parse_known_args()
    if args.self_test_sigv4:
        sys.exit(1 if self_test_sigv4(args.self_test_sigv4) else 0)
    # --key is both the TLS key file (a path) and AKID:SECRET pairs in the
    # documented command line; a value that names a file is the TLS key.
    keys = []
    for k in args.key:
        if args.tls_key is None and os.path.isfile(k):
            args.tls_key = k
        elif ":" in k:
            keys.append(k)
        else:
            ap.error("--key %s: neither a TLS key file nor AKID:SECRET" % k)
    args.key = keys
    if extra or not (args.cert and args.tls_key and args.ready_file):
        ap.error("need --cert, --key KEYFILE and --ready-file"
                 + (" (unknown: %s)" % extra if extra else ""))

    args.dns_addresses = (args.dns_host or [args.host]) \
        if args.dns_port is not None else []
    sim = Sim(args)
    api = TLSServer((args.host, args.port), ApiHandler,
                    load_context(args.cert, args.tls_key))
    imds = PlainServer((args.host, args.imds_port), ImdsHandler)
    for srv in (api, imds):
        srv.sim = sim
        threading.Thread(target=srv.serve_forever, daemon=True).start()

    ready = {"port": api.server_address[1],
             "imds_port": imds.server_address[1], "pid": os.getpid()}
    dns_servers = []
    if args.dns_port is not None:
        ready["dns_port"], dns_servers = start_dns(sim, args.dns_addresses,
                                                   args.dns_port)
        ready["dns_addresses"] = list(args.dns_addresses)
        for srv in dns_servers:
            threading.Thread(target=srv.serve_forever, daemon=True).start()
    tmp = args.ready_file + ".tmp"
    with open(tmp, "w") as f:
        json.dump(ready, f)
    os.replace(tmp, args.ready_file)    # atomic: readers never see half
    log("ready: %s" % json.dumps(ready))

    stop = threading.Event()
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda *_: stop.set())
    while not stop.wait(3600):
        pass
    api.shutdown()
    imds.shutdown()
    for srv in dns_servers:
        srv.shutdown()


if __name__ == "__main__":
    main()
