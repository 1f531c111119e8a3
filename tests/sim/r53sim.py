#!/usr/bin/env python3
"""r53sim: a small, strict Route 53 + EC2 IMDSv2 simulator for the tests.

Standard library only (Python 3.11).  It speaks the real wire formats
(rest-xml, namespace https://route53.amazonaws.com/doc/2013-04-01/) and
checks every Route 53 request's SigV4 signature with its own code, so a
client that passes here has signed what it sent.  The AWS CLI test
(tests/integration/sim-awscli.sh) keeps it honest against a real client.

Servers:
  HTTPS  --port       Route 53 API under /2013-04-01/, control API under /_sim/
  HTTP   --imds-port  IMDSv2 (/latest/api/token, /latest/meta-data/...)

Control API (JSON, not signed), for tests only:
  POST /_sim/zone    {"name": "example.com", "private": false, "id": opt}
                     -> {"id": "Z..."}
  POST /_sim/record  {"zone": id, "name", "type", "ttl", "values": [...]}
                     sets a record behind the client's back; "values": []
                     removes it
  GET  /_sim/record?zone=&name=&type=   -> {"ttl", "values"} or 404
  POST /_sim/config  any of {"pending_seconds", "down", "faults",
                     "local_ipv4", "public_ipv4", "role", "cred_ttl",
                     "clock_skew"}; GET /_sim/config shows the config
  GET  /_sim/stats   {"requests": {op: n, "imds": n},
                      "rejected_signatures": n,
                      "log": [{"op", "status", "akid", "fault", "peer",
                               "t" (Unix time), "node" (IMDS of a node)}]}
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
                      "imds_tokens": [...]} what IMDS handed out

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
For op "imds": throttle/503 -> 503, reset(-after), garbage, truncated,
slow:S, hang, empty (200, no body), html502, bighdr; anything else -> 500.

Change status: a change is PENDING until pending_seconds (its value when
GetChange is asked, so tests can release a pending change by setting it
to 0) have passed since submission, then INSYNC.

Rate limit: config {"rate_limit": R, "burst": B} puts every Route 53
request through a token bucket (R per second, B at once; Route 53's
account limit is 5/s); a request over it gets 400 Throttling "Rate
exceeded", is not executed, and is counted in /_sim/stats "throttled".
"rate_limit": null or 0 turns it off (the default).
"""

import argparse
import base64
import calendar
import hashlib
import hmac
import ipaddress
import json
import os
import re
import secrets
import select
import signal
import socket
import ssl
import string
import struct
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ET
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

    def verify(self, method, target, headers, body):
        """Raise ApiError unless the request is signed right.  Returns
        the access key id.  headers: list of (name, value)."""
        def header(name):
            vals = [v for k, v in headers if k.lower() == name]
            return vals[0] if vals else None

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
        if region != self.region:
            raise ApiError(403, "SignatureDoesNotMatch",
                           "Credential should be scoped to a valid region, "
                           "not '%s'. " % region)
        if service != self.service:
            raise ApiError(403, "SignatureDoesNotMatch",
                           "Credential should be scoped to correct service: "
                           "'%s'. " % self.service)

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

class Zone:
    def __init__(self, zid, name, private):
        self.id, self.name, self.private = zid, name, private
        self.caller_reference = str(uuid.uuid4())
        self.records = {}              # (name, type) -> (ttl, [values])
        self.name_servers = ["ns-%d.awsdns-%02d.%s" % (100 + i, i, tld)
                             for i, tld in enumerate(
                                 ["com.", "net.", "org.", "co.uk."])]
        self.records[(name, "NS")] = (172800, list(self.name_servers))
        self.records[(name, "SOA")] = (
            900, ["%s awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"
                  % self.name_servers[0]])


class ZoneStore:
    """All zones and changes, behind one lock."""

    def __init__(self):
        self.zones = {}                # id -> Zone
        self.changes = {}              # id -> (submitted, comment, insync)
        self.pending_seconds = 0.0
        self.lock = threading.RLock()

    def add_zone(self, name, private=False, zid=None):
        with self.lock:
            zid = zid or random_id("Z", 14)
            if zid in self.zones:
                raise ValueError("zone id %s exists" % zid)
            self.zones[zid] = Zone(zid, Names.normalize(name), private)
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

    def apply_batch(self, zid, comment, changes):
        """changes: list of (action, name, type, ttl, values), already
        syntactically valid.  All or nothing.  -> change id."""
        with self.lock:
            zone = self.zone(zid)
            work = dict(zone.records)
            errors = []
            for action, name, rtype, ttl, values in changes:
                key = (name, rtype)
                what = "resource record set [name='%s', type='%s']" % key
                if not Names.in_zone(name, zone.name):
                    errors.append("RRSet with DNS name %s is not permitted "
                                  "in zone %s" % (name, zone.name))
                    continue
                bad = self.invalid_values(rtype, values)
                if bad:
                    errors.append(bad)
                    continue
                if action == "CREATE":
                    if key in work:
                        errors.append("Tried to create %s but it already "
                                      "exists" % what)
                    else:
                        work[key] = (ttl, values)
                elif action == "UPSERT":
                    work[key] = (ttl, values)
                else:  # DELETE: TTL and values must match exactly
                    cur = work.get(key)
                    if cur is None:
                        errors.append("Tried to delete %s but it was not "
                                      "found" % what)
                    elif cur[0] != ttl or sorted(cur[1]) != sorted(values):
                        errors.append("Tried to delete %s but the values "
                                      "provided do not match the current "
                                      "values" % what)
                    else:
                        del work[key]
            if not errors:
                for t in ("SOA", "NS"):
                    if (zone.name, t) not in work:
                        errors.append("A HostedZone must contain exactly "
                                      "one %s record at the apex." % t)
            if errors:
                raise ApiError(400, "InvalidChangeBatch",
                               "[%s]" % ", ".join(errors))
            zone.records = work
            return self.record_change(comment)

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

    def set_record(self, zid, name, rtype, ttl, values):
        """Behind the client's back; the change is INSYNC at once."""
        with self.lock:
            zone = self.zone(zid)
            key = (Names.normalize(name), rtype.upper())
            if values:
                zone.records[key] = (int(ttl), [str(v) for v in values])
            else:
                zone.records.pop(key, None)
            return self.record_change(insync=True)

    def sorted_records(self, zid):
        with self.lock:
            recs = self.zone(zid).records
            return sorted(((Names.sort_key(n), t, n, ttl, vals)
                           for (n, t), (ttl, vals) in recs.items()))

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
             "nosuchzone", "doctype", "entity"}

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
                self.queue = new

    def take(self, op):
        """The fault to apply to this request, or None.  One-shot faults
        first ("*" matches any Route 53 op), then the down switch (Route 53
        only)."""
        with self.lock:
            for f in self.queue:
                if f["count"] > 0 and (f["op"] == op or
                                       (f["op"] == "*" and op != "imds")):
                    f["count"] -= 1
                    if f["count"] == 0:
                        self.queue.remove(f)
                    return f["kind"]
            return self.down if op != "imds" else None

    def snapshot(self):
        with self.lock:
            return {"down": self.down, "faults": [dict(f) for f in self.queue]}


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.requests, self.rejected, self.entries = {}, 0, []

    def add(self, op, status, akid=None, fault=None, rejected=False,
            request=None, peer=None, node=None):
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
            self.entries.append(entry)
            del self.entries[:-1000]

    def snapshot(self):
        with self.lock:
            return {"requests": dict(self.requests),
                    "rejected_signatures": self.rejected,
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

    def config(self):
        with self.lock:
            out = dict(self.imds)
        out.update(self.faults.snapshot())
        out.update(self.limiter.snapshot())
        out["pending_seconds"] = self.store.pending_seconds
        out["clock_skew"] = self.verifier.clock_skew
        return out

    def configure(self, cfg):
        """Apply a /_sim/config object; ValueError on nonsense."""
        cfg = dict(cfg)
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
# Route 53 API + control API (HTTPS)
# --------------------------------------------------------------------------

def xml_doc(root, children):
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
    top = ET.Element(root, xmlns=NS)
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
        # The key the client claims, for the log even if it is refused.
        m = self.CLAIMED_AKID.search(self.headers.get("Authorization") or "")
        akid, rejected = (m.group(1) if m else None), False
        kind = self.sim.faults.take(op)
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
                           rejected=rejected, peer=self.client_address[0])
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
        if rtype is not None and name is None:
            raise ApiError(400, "InvalidInput",
                           "StartRecordType requires StartRecordName")
        if rtype is not None and rtype not in RR_TYPES:
            raise ApiError(400, "InvalidInput",
                           "Invalid type: %s" % rtype)
        limit, echo = self.max_items(params, 300, 300)
        recs = self.sim.store.sorted_records(zid)
        if name is not None:
            key = Names.sort_key(Names.normalize(name))
            recs = [r for r in recs if (r[0], r[1]) >= (key, rtype or "")]
        page, rest = recs[:limit], recs[limit:]
        return xml_doc("ListResourceRecordSetsResponse", [
            ("ResourceRecordSets", [
                ("ResourceRecordSet", [
                    ("Name", n), ("Type", t), ("TTL", ttl),
                    ("ResourceRecords", [("ResourceRecord", [("Value", v)])
                                         for v in vals])])
                for _, t, n, ttl, vals in page]),
            ("IsTruncated", xml_bool(rest)),
            ("NextRecordName", rest[0][2] if rest else None),
            ("NextRecordType", rest[0][1] if rest else None),
            ("MaxItems", echo)])

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
        cid = self.sim.store.apply_batch(zid, comment, changes)
        submitted, status, _ = self.sim.store.change_status(cid)
        return xml_doc("ChangeResourceRecordSetsResponse", [("ChangeInfo", [
            ("Id", "/change/" + cid), ("Status", status),
            ("SubmittedAt", iso8601(submitted, True)), ("Comment", comment)])])

    def parse_change(self, ch):
        """-> (action, name, type, ttl, values), or InvalidInput."""
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
        name = Names.normalize(r["Name"].text or "")
        rtype = (r["Type"].text or "").strip()
        if rtype not in RR_TYPES:
            raise ApiError(400, "InvalidInput",
                           "Invalid XML ; value '%s' of Type is not a "
                           "record type" % rtype)
        unsupported = set(r) - {"Name", "Type", "TTL", "ResourceRecords"}
        if unsupported:
            raise ApiError(400, "InvalidInput", "r53sim does not support %s"
                           % ", ".join(sorted(unsupported)))
        if "TTL" not in r or "ResourceRecords" not in r:
            raise ApiError(400, "InvalidInput",
                           "Invalid request: Expected exactly one of "
                           "[AliasTarget, all of [TTL, and ResourceRecords], "
                           "or TrafficPolicyInstanceId], but found none in "
                           "Change with [Action=%s, Name=%s, Type=%s, "
                           "SetIdentifier=null]" % (action, name, rtype))
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
        return action, name, rtype, ttl, values


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
                ("POST", "/_sim/config"): self.set_config,
                ("GET", "/_sim/config"): lambda d, p: (200, self.sim.config()),
                ("GET", "/_sim/stats"):
                    lambda d, p: (200, dict(self.sim.stats.snapshot(),
                                            throttled=self.sim.limiter.throttled)),
                ("POST", "/_sim/reset-stats"): self.reset_stats,
                ("GET", "/_sim/issued"): self.issued,
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
                                      d.get("id"))
        return 200, {"id": zid}

    def set_record(self, d, p):
        cid = self.sim.store.set_record(d["zone"], d["name"], d["type"],
                                        d.get("ttl", 300), d["values"])
        return 200, {"change": cid}

    def get_record(self, d, p):
        store = self.sim.store
        with store.lock:
            z = store.zone(p["zone"])
            rec = z.records.get((Names.normalize(p["name"]),
                                 p["type"].upper()))
        if rec is None:
            return 404, {"error": "no such record"}
        return 200, {"ttl": rec[0], "values": rec[1]}

    def set_config(self, d, p):
        self.sim.configure(d)
        return 200, self.sim.config()

    def issued(self, d, p):
        out = self.sim.verifier.issued()
        with self.sim.lock:
            out["imds_tokens"] = list(self.sim.imds_tokens)
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
        return 200, {}


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

    sim = Sim(args)
    api = TLSServer((args.host, args.port), ApiHandler,
                    load_context(args.cert, args.tls_key))
    imds = PlainServer((args.host, args.imds_port), ImdsHandler)
    for srv in (api, imds):
        srv.sim = sim
        threading.Thread(target=srv.serve_forever, daemon=True).start()

    ready = {"port": api.server_address[1],
             "imds_port": imds.server_address[1], "pid": os.getpid()}
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


if __name__ == "__main__":
    main()
