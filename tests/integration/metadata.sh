#!/bin/bash
# The meta-data: metadata/route53.xml is valid OCF 1.0 (the DTD ocf-tester
# uses) and OCF 1.1 (RelaxNG), and the agent prints exactly that file, with
# an empty environment and as an unprivileged user, as ocf-tester runs it.
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

XML=$TOP_SRCDIR/metadata/route53.xml
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

if ! command -v "$XMLLINT" >/dev/null 2>&1; then
    fail "xmllint not found (XMLLINT=$XMLLINT)"
    exit 1
fi
if [ ! -r "$XML" ]; then
    fail "$XML not readable (TOP_SRCDIR=$TOP_SRCDIR)"
    exit 1
fi
echo "meta-data file: $XML"

# 1. OCF 1.0: ocf-tester pipes the output into `xmllint --valid` from the
#    DTD's directory, so the DOCTYPE line itself must resolve there; check
#    that way and against the DTD named explicitly.
if [ -r "$RA_DTD" ]; then
    dtd_dir=$(dirname "$RA_DTD")
    if run_quiet "$XMLLINT" --noout --dtdvalid "$RA_DTD" "$XML"; then
        pass "valid against $RA_DTD (--dtdvalid)"
    else
        fail "not valid against $RA_DTD (--dtdvalid)"
    fi
    if (cd "$dtd_dir" && run_quiet "$XMLLINT" --noout --valid - <"$XML"); then
        pass "valid through its DOCTYPE from $dtd_dir (as ocf-tester checks)"
    else
        fail "not valid through its DOCTYPE from $dtd_dir (as ocf-tester checks)"
    fi
else
    skip "OCF 1.0 DTD check: $RA_DTD missing (install resource-agents)"
fi

# 2. OCF 1.1: the schema ships with the shared test data; missing is a failure.
if [ ! -r "$RNG" ]; then
    fail "OCF 1.1 schema $RNG missing (SHARED_DIR=$SHARED_DIR)"
elif run_quiet "$XMLLINT" --noout --relaxng "$RNG" "$XML"; then
    pass "valid against $RNG (--relaxng)"
else
    fail "not valid against $RNG (--relaxng)"
fi

# The schemas do not require the mandatory actions; OCF does.  Monitor
# is advertised once per depth (0, and 10 for OCF_CHECK_LEVEL=10).
n=$("$XMLLINT" --xpath "count(/resource-agent/actions/action[@name='monitor' and @depth='10'])" \
    "$XML" 2>/dev/null)
[ "$n" = 1 ] && pass "monitor depth 10 advertised once" || fail "monitor depth 10 advertised ${n:-?} times"
for action in start stop monitor meta-data validate-all; do
    n=$("$XMLLINT" --xpath \
        "count(/resource-agent/actions/action[@name='$action' and (not(@depth) or @depth='0')])" \
        "$XML" 2>/dev/null)
    if [ "$n" = 1 ]; then
        pass "action $action advertised once"
    else
        fail "action $action advertised ${n:-?} times, expected once"
    fi
done

# 3. The agent prints the file byte for byte, from an empty environment
#    and, when we are root, as nobody (ocf-tester's meta-data run).
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
    (cd / && "${as_user[@]}" env -i ${san[@]+"${san[@]}"} "$agent" meta-data) \
        >"$tmp/stdout" 2>"$tmp/stderr"
    rc=$?
    if [ "$rc" -eq 0 ]; then
        pass "$agent meta-data exits 0 with an empty environment, $who"
    else
        fail "$agent meta-data exits $rc with an empty environment, $who"
        sed 's/^/    stderr: /' "$tmp/stderr"
    fi
    if cmp -s "$tmp/stdout" "$XML"; then
        pass "meta-data output is byte-identical to $XML"
    else
        fail "meta-data output differs from $XML"
        diff -u "$XML" "$tmp/stdout" | head -40 | sed 's/^/    /'
    fi
    if [ -s "$tmp/stderr" ] && [ "$rc" -eq 0 ]; then
        echo "NOTE: meta-data wrote to stderr:"
        sed 's/^/    /' "$tmp/stderr"
    fi
fi

if [ "$failures" -ne 0 ]; then
    echo "metadata.sh: $failures check(s) failed"
    exit 1
fi
echo "metadata.sh: all checks that ran passed"
exit 0
