#!/bin/bash
# The meta-data: metadata/route53.xml (OCF 1.1) is the one source; sed
# derives the OCF 1.0 text (metadata/ocf-1.0.sed) and the OCF 1.1 text
# (metadata/ocf-1.1.sed).  The 1.0 text is valid against the DTD
# ocf-tester uses, the 1.1 text (and the source) against OCF 1.1's
# RelaxNG schema; they differ only in OCF 1.1's additions; and the agent
# prints the 1.0 text to a caller that announces no OCF version (or 1.0)
# and the 1.1 text to one that announces 1.1 or later, byte for byte,
# with an otherwise empty environment and as an unprivileged user, as
# ocf-tester and Pacemaker run it.
#
# Environment: TOP_SRCDIR (the repository; default: two levels above this
# script), AGENT (the built agent; when unset or missing only the file
# checks run), SHARED_DIR (default: $TOP_SRCDIR/../shared), XMLLINT
# (default: xmllint), RA_DTD (default: resource-agents' ra-api-1.dtd).
# Exit 0 when every check that ran passed, 1 otherwise.

set -u

TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
SHARED_DIR=${SHARED_DIR:-$TOP_SRCDIR/../shared}
XMLLINT=${XMLLINT:-xmllint}
RA_DTD=${RA_DTD:-/usr/share/resource-agents/ra-api-1.dtd}
AGENT=${AGENT:-}

SRC=$TOP_SRCDIR/metadata/route53.xml
RNG=$SHARED_DIR/ocf/ra-api-1.1.rng

failures=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
skip() { echo "########## SKIP: $* ##########"; }

# Run a command; on failure show what it printed.
run_quiet() {
    if "$@" >"$tmp/out" 2>&1; then
        return 0
    fi
    sed 's/^/    /' "$tmp/out"
    return 1
}

# xpath EXPR FILE: the value of an XPath expression (empty on error).
xpath() { "$XMLLINT" --xpath "$1" "$2" 2>/dev/null; }
# names EXPR FILE: the sorted @name values an XPath selects, one line.
names() { xpath "$1/@name" "$2" | sed 's/ *name="\([^"]*\)"/\1\n/g' | sed '/^$/d' | sort | tr '\n' ' '; }
# expect DESC EXPECTED ACTUAL
expect() {
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: expected '$2', got '$3'"; fi
}

if ! command -v "$XMLLINT" >/dev/null 2>&1; then
    fail "xmllint not found (XMLLINT=$XMLLINT)"
    exit 1
fi
if [ ! -r "$SRC" ]; then
    fail "$SRC not readable (TOP_SRCDIR=$TOP_SRCDIR)"
    exit 1
fi
echo "meta-data source: $SRC"
XML10=$tmp/route53-ocf-1.0.xml
XML11=$tmp/route53-ocf-1.1.xml
sed -f "$TOP_SRCDIR/metadata/ocf-1.0.sed" "$SRC" >"$XML10" || fail "ocf-1.0.sed failed"
sed -f "$TOP_SRCDIR/metadata/ocf-1.1.sed" "$SRC" >"$XML11" || fail "ocf-1.1.sed failed"

# 1. OCF 1.0: ocf-tester pipes the output into `xmllint --valid` from the
#    DTD's directory, so the DOCTYPE line itself must resolve there; check
#    that way and against the DTD named explicitly.
if [ -r "$RA_DTD" ]; then
    dtd_dir=$(dirname "$RA_DTD")
    if run_quiet "$XMLLINT" --noout --dtdvalid "$RA_DTD" "$XML10"; then
        pass "OCF 1.0 text valid against $RA_DTD (--dtdvalid)"
    else
        fail "OCF 1.0 text not valid against $RA_DTD (--dtdvalid)"
    fi
    if (cd "$dtd_dir" && run_quiet "$XMLLINT" --noout --valid - <"$XML10"); then
        pass "OCF 1.0 text valid through its DOCTYPE from $dtd_dir (as ocf-tester checks)"
    else
        fail "OCF 1.0 text not valid through its DOCTYPE from $dtd_dir (as ocf-tester checks)"
    fi
    # The 1.1 text is not OCF 1.0: the DTD must refuse it, else the 1.1
    # additions are missing.
    if "$XMLLINT" --noout --dtdvalid "$RA_DTD" "$XML11" >/dev/null 2>&1; then
        fail "the DTD accepts the OCF 1.1 text: its 1.1 additions are missing"
    else
        pass "the DTD refuses the OCF 1.1 text (its 1.1 additions)"
    fi
else
    skip "OCF 1.0 DTD check: $RA_DTD missing (install resource-agents)"
fi

# 2. OCF 1.1: the schema ships with the shared test data; missing is a failure.
if [ ! -r "$RNG" ]; then
    fail "OCF 1.1 schema $RNG missing (SHARED_DIR=$SHARED_DIR)"
else
    for f in "$SRC" "$XML11"; do
        if run_quiet "$XMLLINT" --noout --relaxng "$RNG" "$f"; then
            pass "$(basename "$f") valid against $RNG (--relaxng)"
        else
            fail "$(basename "$f") not valid against $RNG (--relaxng)"
        fi
    done
fi

# 3. What each version says.  The schemas do not require the mandatory
#    actions; OCF does.  Monitor is advertised once per depth (0, and 10
#    for OCF_CHECK_LEVEL=10).
for action in start stop monitor meta-data validate-all; do
    for f in "$XML10" "$XML11"; do
        expect "$(basename "$f"): action $action advertised once" 1 \
            "$(xpath "count(/resource-agent/actions/action[@name='$action' and (not(@depth) or @depth='0')])" "$f")"
    done
done
expect "1.0: <version>1.0</version>" 1.0 "$(xpath 'string(/resource-agent/version)' "$XML10")"
expect "1.1: <version>1.1</version>" 1.1 "$(xpath 'string(/resource-agent/version)' "$XML11")"
expect "1.1: reload-agent advertised" 1 "$(xpath "count(//action[@name='reload-agent'])" "$XML11")"
expect "1.0: no reload-agent" 0 "$(xpath "count(//action[@name='reload-agent'])" "$XML10")"
expect "1.1: reloadable=\"1\" on the tunables, timeouts, monitor settings and ignored names" \
    "api_rate_limit auth_type awscli change_try_count change_try_interval connect_timeout curl_retries curl_sleep defer_max dns_servers dns_timeout monitor_api_failure monitor_method monitor_retries monitor_retry_interval request_timeout start_api_failure stop_action ttl wait_insync " \
    "$(names "//parameter[@reloadable='1']" "$XML11")"
expect "1.1: unique-group record on what names the record" \
    "fullname hostedzoneid hostname set_identifier zone zone_id " \
    "$(names "//parameter[@unique-group='record']" "$XML11")"
expect "1.1: no other unique-group" 6 "$(xpath 'count(//parameter[@unique-group])' "$XML11")"
expect "1.1: fullname replaced with hostname" hostname \
    "$(xpath "string(//parameter[@name='fullname']/deprecated/replaced-with/@name)" "$XML11")"
expect "1.1: hostedzoneid replaced with zone_id" zone_id \
    "$(xpath "string(//parameter[@name='hostedzoneid']/deprecated/replaced-with/@name)" "$XML11")"
expect "1.1: exactly aws-vpc-route53's six names are <deprecated>" \
    "auth_type awscli curl_retries curl_sleep fullname hostedzoneid " \
    "$(names "//parameter[deprecated]" "$XML11")"
for n in fullname hostedzoneid awscli auth_type curl_retries curl_sleep; do
    case $(xpath "string(//parameter[@name='$n']/shortdesc)" "$XML10") in
    Deprecated*) pass "1.0: $n's shortdesc says Deprecated" ;;
    *) fail "1.0: $n's shortdesc does not say Deprecated" ;;
    esac
done
expect "1.0: no reloadable, unique-group or deprecated" 0 \
    "$(xpath 'count(//@reloadable|//@unique-group|//deprecated)' "$XML10")"
# Less its 1.1 additions, the 1.1 text is the 1.0 text: same parameters,
# types, defaults, descriptions and timeouts.
if diff <(sed -f "$TOP_SRCDIR/metadata/ocf-1.0.sed" "$XML11") \
    <(grep -v '^<!DOCTYPE' "$XML10") >"$tmp/d"; then
    pass "the two versions differ only in OCF 1.1's additions and the DOCTYPE"
else
    fail "the two versions differ beyond OCF 1.1's additions"
    sed 's/^/    /' "$tmp/d" | head -20
fi
expect "1.1: no DOCTYPE naming the OCF 1.0 DTD" 0 "$(grep -c '^<!DOCTYPE' "$XML11")"

# 4. The agent prints the right text byte for byte, from an empty
#    environment (but for OCF_RA_VERSION_*) and, when we are root, as
#    nobody (ocf-tester's meta-data run).
if [ -z "$AGENT" ]; then
    skip "agent checks: AGENT unset; only the file checks ran"
elif [ ! -x "$AGENT" ]; then
    skip "agent checks: $AGENT missing or not executable; only the file checks ran"
else
    agent=$(readlink -f "$AGENT")
    if [ "$(id -u)" -eq 0 ]; then
        if command -v runuser >/dev/null 2>&1; then
            as_user=(runuser -u nobody --)
        else
            as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
        fi
        who="as nobody"
    else
        as_user=()
        who="as $(id -un)"
    fi
    # Sanitizer options survive env -i, so a report fails this run too.
    san=()
    for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
        [ -n "${!v:-}" ] && san+=("$v=${!v}")
    done
    # Each line: the caller's OCF_RA_VERSION_* | the text it must get.
    while IFS='|' read -r callenv want; do
        desc="meta-data with ${callenv:-no OCF_RA_VERSION}"
        read -r -a callvars <<<"$callenv"
        (cd / && "${as_user[@]}" env -i ${san[@]+"${san[@]}"} ${callvars[@]+"${callvars[@]}"} \
            "$agent" meta-data) >"$tmp/stdout" 2>"$tmp/stderr"
        rc=$?
        if [ "$rc" -eq 0 ]; then
            pass "$desc exits 0, $who"
        else
            fail "$desc exits $rc, $who"
            sed 's/^/    stderr: /' "$tmp/stderr"
        fi
        if cmp -s "$tmp/stdout" "$want"; then
            pass "$desc prints $(basename "$want") byte for byte"
        else
            fail "$desc does not print $(basename "$want")"
            diff -u "$want" "$tmp/stdout" | head -40 | sed 's/^/    /'
        fi
        if [ -s "$tmp/stderr" ] && [ "$rc" -eq 0 ]; then
            echo "NOTE: meta-data wrote to stderr:"
            sed 's/^/    /' "$tmp/stderr"
        fi
    done <<END
|$XML10
OCF_RA_VERSION_MAJOR=1 OCF_RA_VERSION_MINOR=0|$XML10
OCF_RA_VERSION_MAJOR=1|$XML10
OCF_RA_VERSION_MAJOR=0 OCF_RA_VERSION_MINOR=9|$XML10
OCF_RA_VERSION_MAJOR=x OCF_RA_VERSION_MINOR=1|$XML10
OCF_RA_VERSION_MAJOR=1 OCF_RA_VERSION_MINOR=1|$XML11
OCF_RA_VERSION_MAJOR=1 OCF_RA_VERSION_MINOR=12|$XML11
OCF_RA_VERSION_MAJOR=2 OCF_RA_VERSION_MINOR=0|$XML11
END
fi

if [ "$failures" -ne 0 ]; then
    echo "metadata.sh: $failures check(s) failed"
    exit 1
fi
echo "metadata.sh: all checks that ran passed"
exit 0
