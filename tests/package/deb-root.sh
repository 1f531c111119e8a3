#!/usr/bin/env bash
# tests/package/deb-root.sh DEB: install the .deb into a fresh Debian 12
# root and use it there: meta-data (OCF 1.0 valid against the root's own
# ra-api-1.dtd, OCF 1.1 against the OCF 1.1 schema), man -w and man,
# ocf-tester against the project's Route 53 simulator (which runs outside
# the root, on loopback), then removal.  Root only; network only to the
# Debian mirror, and only to build the cached root or to fetch a
# dependency the cache lacks.
#
# The root is debootstrap's minbase plus the tools the test uses (man-db,
# libxml2-utils, resource-agents for ocf-tester) and, downloaded but not
# installed, the package's dependencies: made once, kept in
# $ROUTE53_TEST_CACHE (default /var/cache/route53-test) and rebuilt when
# missing.  Each run mounts a fresh overlay on it in a private mount
# namespace, so the cached root itself is never changed.
#
# Environment: DEBIAN_MIRROR (default: the bookworm mirror of this
# machine's apt sources, else http://deb.debian.org/debian),
# ROUTE53_TEST_CACHE, SHARED_DIR (for the OCF 1.1 schema; default
# beside the repository).
set -u
deb=$(readlink -f "${1:?usage: tests/package/deb-root.sh DEB}")
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

# A private mount namespace: every mount below goes away with us.
if [ -z "${R53_DEBROOT_NS:-}" ]; then
    [ "$(id -u)" = 0 ] || { echo "SKIP: deb-root.sh needs root (debootstrap, chroot, mounts)" >&2; exit 77; }
    exec unshare --mount --propagation private env R53_DEBROOT_NS=1 bash "$0" "$@"
fi
. "$top/tests/lib.sh"

for tool in debootstrap chroot dpkg-deb xmllint openssl curl "$PYTHON3"; do
    command -v "$tool" >/dev/null || fail "$tool is not installed (see .ci/packages)"
done
[ -f "$deb" ] || fail "no such .deb: $deb"
SHARED_DIR=${SHARED_DIR:-$top/../shared}
RNG=$SHARED_DIR/ocf/ra-api-1.1.rng
SUITE=bookworm
TOOLS="man-db libxml2-utils resource-agents"
CACHE=${ROUTE53_TEST_CACHE:-/var/cache/route53-test}
key=$(printf '%s\n' "v1 $SUITE $TOOLS" | sha256sum | cut -c1-12)
BASE=$CACHE/$SUITE-$key
t_all=$(date +%s.%N)
since() { printf '%.1f' "$(echo "$(date +%s.%N) - $1" | bc)"; }

debian_mirror()
{
    local m=${DEBIAN_MIRROR:-}
    [ -n "$m" ] || m=$(awk '/^URIs:/ { u = $2 } /^Suites:/ && / '"$SUITE"'( |$)/ { print u; exit }' \
        /etc/apt/sources.list.d/*.sources 2>/dev/null)
    [ -n "$m" ] || m=$(awk '$1 == "deb" && $3 == "'"$SUITE"'" { print $2; exit }' \
        /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null)
    echo "${m:-http://deb.debian.org/debian}"
}

# in_root ROOT CMD...: run CMD in the root with a clean environment.
in_root()
{
    local root=$1
    shift
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
        DEBIAN_FRONTEND=noninteractive "$@"
}

# The package's dependencies, by name (versions and alternatives dropped).
deb_depends() { dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/[|(].*//; s/ //g' | sed '/^$/d'; }

build_base()
{
    local tmp mirror t0
    t0=$(date +%s.%N)
    mirror=$(debian_mirror)
    mkdir -p "$CACHE"
    tmp=$(mktemp -d "$CACHE/.build.XXXXXX")
    echo "# building the cached root $BASE from $mirror (first run only)"
    debootstrap --variant=minbase "$SUITE" "$tmp/root" "$mirror" >"$tmp/debootstrap.log" 2>&1 \
        || { tail -n 20 "$tmp/debootstrap.log" >&2; rm -rf "$tmp"; fail "debootstrap failed"; }
    echo "# debootstrap --variant=minbase: $(since "$t0") s"
    # No daemon starts in the root; /proc for the maintainer scripts.
    printf '#!/bin/sh\nexit 101\n' >"$tmp/root/usr/sbin/policy-rc.d"
    chmod 755 "$tmp/root/usr/sbin/policy-rc.d"
    mount -t proc proc "$tmp/root/proc"
    if ! { in_root "$tmp/root" apt-get update -qq &&
        in_root "$tmp/root" apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 $TOOLS &&
        in_root "$tmp/root" apt-get install -y -qq --no-install-recommends --download-only \
            $(deb_depends); } >"$tmp/apt.log" 2>&1; then
        umount "$tmp/root/proc"
        tail -n 20 "$tmp/apt.log" >&2
        rm -rf "$tmp"
        fail "installing the test tools in the root failed"
    fi
    umount "$tmp/root/proc"
    mv "$tmp/root" "$BASE.new" && rm -rf "$BASE" && mv "$BASE.new" "$BASE" && rm -rf "$tmp"
    echo "# cached root ready in $(since "$t0") s ($(du -sh "$BASE" | cut -f1))"
}

# One builder at a time; a second run waits, then finds the root made.
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
if [ -x "$BASE/usr/sbin/ocf-tester" ] && [ -x "$BASE/usr/bin/man" ]; then
    echo "# cached root: $BASE"
else
    build_base
fi
flock -u 9

# A fresh root for this run: an overlay on the cached one.
ROOT=$TEST_TMP/root
mkdir -p "$ROOT" "$TEST_TMP/upper" "$TEST_TMP/work"
mount -t overlay r53-debroot -o "lowerdir=$BASE,upperdir=$TEST_TMP/upper,workdir=$TEST_TMP/work" "$ROOT" \
    || fail "cannot mount an overlay on $BASE"
mount -t proc proc "$ROOT/proc" || fail "cannot mount /proc in the root"
# On exit: unmount, and keep in the cache any dependency this run had to
# fetch (apt leaves it in the overlay's upper layer), so the next run
# finds it there.
keep_fetched()
{
    local d
    umount "$ROOT/proc" "$ROOT" 2>/dev/null
    for d in "$TEST_TMP"/upper/var/cache/apt/archives/*.deb; do
        [ -f "$d" ] || continue
        flock "$CACHE/.lock" cp -n "$d" "$BASE/var/cache/apt/archives/" \
            && echo "# kept $(basename "$d") in the cached root"
    done
}
trap 'st=$?; keep_fetched; (exit "$st"); lib_cleanup' EXIT
check "the root is Debian 12" grep -qx 'VERSION_CODENAME=bookworm' "$ROOT/etc/os-release"
[ -e "$ROOT/usr/lib/ocf/resource.d/heartbeat/route53" ] && fail "the root already has the agent"

# 1. Install, resolving Depends from the root's apt (cached downloads; the
#    mirror only for what the cache lacks).
t0=$(date +%s.%N)
cp "$deb" "$ROOT/tmp/" || fail "cannot copy the .deb into the root"
pkg=$(dpkg-deb -f "$deb" Package)
# (apt takes what the cached lists name from the cached downloads and
#  fetches only what is missing; each fetch is a "Get:" line.)
if in_root "$ROOT" apt-get install -y --no-install-recommends -o Dpkg::Use-Pty=0 \
    "/tmp/${deb##*/}" >"$TEST_TMP/install.log" 2>&1; then
    ok "apt-get install ./${deb##*/} in the root ($(since "$t0") s)"
else
    not_ok "apt-get install ./${deb##*/} in the root" "$(tail -n 15 "$TEST_TMP/install.log")"
fi
fetched=$(grep -c "^Get:[0-9]* http" "$TEST_TMP/install.log")
grep "^Get:[0-9]* http" "$TEST_TMP/install.log" | sed "s/^/#   /"
echo "# dependencies fetched from the mirror: $fetched (0 when the cache has them all)"
status=$(in_root "$ROOT" dpkg-query -W -f='${Status}' "$pkg" 2>&1)
[ "$status" = "install ok installed" ] && ok "dpkg: $pkg is installed" || fail "dpkg: $pkg: $status"
for dep in $(deb_depends); do
    check "dependency $dep is installed" in_root "$ROOT" dpkg-query -W "$dep"
done
AGENT_PATH=/usr/lib/ocf/resource.d/heartbeat/route53
check "the agent is at $AGENT_PATH, executable" test -x "$ROOT$AGENT_PATH"
missing=$(in_root "$ROOT" ldd "$AGENT_PATH" 2>&1 | grep 'not found')
[ -z "$missing" ] && ok "every shared library the agent needs is in the root" \
    || not_ok "every shared library the agent needs is in the root" "$missing"
check "the README is at /usr/share/doc/$pkg/README" test -s "$ROOT/usr/share/doc/$pkg/README"
# The README sends its reader to doc/*.md: each file it names is beside it.
named=$(grep -o 'doc/[a-z]*\.md' "$ROOT/usr/share/doc/$pkg/README" 2>/dev/null | sort -u)
[ "$(printf '%s\n' "$named" | grep -c .)" -ge 8 ] && ok "the README names the reference in doc/ ($(echo $named))" \
    || not_ok "the README names the reference in doc/" "named: ${named:-none}"
for f in $named; do
    check "$f is at /usr/share/doc/$pkg/$f, uncompressed" test -s "$ROOT/usr/share/doc/$pkg/$f"
done
check "copyright says GPL-2+ and points at common-licenses/GPL-2" \
    sh -c "grep -qx 'License: GPL-2+' '$ROOT/usr/share/doc/$pkg/copyright' && grep -q '/usr/share/common-licenses/GPL-2' '$ROOT/usr/share/doc/$pkg/copyright'"
check "crm_resource (pacemaker-cli-utils) is in the root, for ip_resource" \
    in_root "$ROOT" sh -c 'command -v crm_resource'

# 2. meta-data: 1.0 to a caller that announces no version, valid against
#    the root's own DTD as ocf-tester checks it; 1.1 to one that announces 1.1.
in_root "$ROOT" "$AGENT_PATH" meta-data >"$TEST_TMP/md10.xml" 2>"$TEST_TMP/md.err"
check "meta-data exits 0 in the root" test -s "$TEST_TMP/md10.xml"
check "its OCF 1.0 text is valid against the root's ra-api-1.dtd" \
    in_root "$ROOT" sh -c "cd /usr/share/resource-agents && xmllint --noout --valid - <&3" \
    3<"$TEST_TMP/md10.xml"
in_root "$ROOT" env OCF_RA_VERSION_MAJOR=1 OCF_RA_VERSION_MINOR=1 "$AGENT_PATH" meta-data \
    >"$TEST_TMP/md11.xml"
same_text() { [ "$(xmllint --xpath "$1" "$2" 2>/dev/null)" = "$3" ]; }
check "with OCF_RA_VERSION 1.1 it prints <version>1.1</version>" \
    same_text 'string(/resource-agent/version)' "$TEST_TMP/md11.xml" 1.1
if [ -r "$RNG" ]; then
    check "its OCF 1.1 text is valid against $RNG" xmllint --noout --relaxng "$RNG" "$TEST_TMP/md11.xml"
else
    echo "########## SKIP: OCF 1.1 schema check: $RNG missing ##########"
fi

# 3. The man page: where man finds it, and what it says.
where=$(in_root "$ROOT" man -w ocf_heartbeat_route53 2>&1)
[ "$where" = /usr/share/man/man7/ocf_heartbeat_route53.7.gz ] \
    && ok "man -w ocf_heartbeat_route53: $where" || not_ok "man -w ocf_heartbeat_route53" "$where"
in_root "$ROOT" env MANWIDTH=200 man ocf_heartbeat_route53 2>&1 | col -b >"$TEST_TMP/man.txt"
shortdesc=$(xmllint --xpath 'normalize-space(/resource-agent/shortdesc)' "$TEST_TMP/md11.xml")
check "man ocf_heartbeat_route53 shows the meta-data's shortdesc" \
    grep -qF "ocf_heartbeat_route53 - $shortdesc" "$TEST_TMP/man.txt"
for n in $(xmllint --xpath '//parameter/@name' "$TEST_TMP/md11.xml" | sed 's/ name="\([^"]*\)"/\1 /g'); do
    grep -qE "^ {7}$n( |$)" "$TEST_TMP/man.txt" || not_ok "man page lists parameter $n"
done
ok "man page lists every parameter of the installed agent's meta-data"

# 4. ocf-tester, the root's own, against the simulator outside the root.
# The simulator's DNS too: the monitor asks it, not the host's resolver.
sim_start "$TEST_TMP/sim" --pending-seconds 0.2 --dns-port 0
zone=$(sim_ctl POST /_sim/zone '{"name":"example.com"}' | sim_json_field - id) || fail "zone"
cp "$SIM_CA" "$ROOT/tmp/ca.pem" && chmod 644 "$ROOT/tmp/ca.pem"
t0=$(date +%s.%N)
out=$(in_root "$ROOT" HA_RSCTMP=/run/resource-agents AWS_ACCESS_KEY_ID="$SIM_AKID" \
    AWS_SECRET_ACCESS_KEY="$SIM_SECRET" AWS_EC2_METADATA_DISABLED=true \
    ocf-tester -n dns -o hostname=www -o zone=example.com -o ip=192.0.2.10 \
    -o endpoint="$SIM_URL" -o ca_bundle=/tmp/ca.pem -o change_try_interval=0.2 -o owner=deb-root \
    -o dns_servers="127.0.0.1:$SIM_DNS_PORT" \
    "$AGENT_PATH" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
[ "$rc" = 0 ] && ok "ocf-tester in the root passes ($(since "$t0") s)" || not_ok "ocf-tester in the root: exit $rc"
printf '%s\n' "$out" | grep -q "passed all tests" && ok "ocf-tester says it passed all tests" \
    || not_ok "ocf-tester says it passed all tests"
rec=$(sim_ctl GET "/_sim/record?zone=$zone&name=www.example.com.&type=A" | sim_json_field - values)
[ "$rec" = '["192.0.2.10"]' ] && ok "the simulator holds the record the root's agent wrote" \
    || not_ok "the simulator holds the record the root's agent wrote" "$rec"

# 5. Removal leaves no agent behind.
check "apt-get purge $pkg" in_root "$ROOT" apt-get purge -y -qq -o Dpkg::Use-Pty=0 "$pkg"
check "the agent is gone after purge" test ! -e "$ROOT$AGENT_PATH"

echo "# deb-root.sh took $(since "$t_all") s"
finish
