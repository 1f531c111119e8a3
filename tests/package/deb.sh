#!/usr/bin/env bash
# tests/package/deb.sh [OUTDIR]: build the Debian package as a user would,
# from a clean clone of the committed HEAD (uncommitted changes are not
# in it): dpkg-buildpackage -us -uc -b, then lintian, which must report no
# error and no warning (debian/*.lintian-overrides hold the justified
# tags, each with its reason; today one pedantic tag).  The .deb, .changes and
# .buildinfo go to OUTDIR (default build/packages).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mkdir -p "${1:-$src/build/packages}" && cd "${1:-$src/build/packages}" && pwd)
for tool in git dpkg-buildpackage lintian; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (see .ci/packages)"; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/r53deb.XXXXXX")
trap 'rm -rf "$work"' EXIT

git clone -q "$src" "$work/route53"
git -C "$work/route53" checkout -q --detach "$(git -C "$src" rev-parse HEAD)"
echo "# building $(git -C "$work/route53" log --oneline -1) in a clean clone"
SECONDS=0
if ! (cd "$work/route53" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
    tail -n 40 "$work/build.log"
    echo "FAIL: dpkg-buildpackage"
    exit 1
fi
grep -E '^(PASS|FAIL|SKIP|ERROR): ' "$work/build.log" | sed 's/^/#   build-time test: /'
echo "# dpkg-buildpackage -us -uc -b: ${SECONDS} s"
rm -f "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo
mv "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$out/"
for deb in "$out"/*.deb; do
    echo "# $(basename "$deb"): Depends: $(dpkg-deb -f "$deb" Depends)"
done
# libcurl is loaded at the first request through a proxy (dlopen):
# shlibs cannot see it.  mbedTLS's TLS and X.509 libraries are linked:
# shlibs must find them.
deb=$(ls "$out"/resource-agents-route53_*.deb) # (not the -dbgsym package)
for dep in libcurl4 libmbedtls14 libmbedx509-1; do
    if dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/[|(].*//; s/ //g' | grep -qx "$dep"; then
        echo "ok - the .deb depends on $dep"
    else
        echo "FAIL: the .deb does not depend on $dep"
        exit 1
    fi
done

SECONDS=0
changes=$(ls "$out"/*.changes)
echo "# lintian $(lintian --version | sed 's/^Lintian v//') on $(basename "$changes") (all levels shown):"
lintian --info --display-level '>=pedantic' --show-overrides "$changes" 2>&1 \
    | grep -v '^running with root privileges' | sed 's/^/#   /' || true
if lintian --fail-on error,warning "$changes" >/dev/null 2>&1; then
    echo "ok - lintian: no error, no warning (${SECONDS} s)"
else
    echo "FAIL: lintian reports errors or warnings"
    exit 1
fi
