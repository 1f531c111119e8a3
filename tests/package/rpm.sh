#!/usr/bin/env bash
# tests/package/rpm.sh TARBALL DEB: build route53.spec from make dist's
# tarball with this machine's (Debian's) rpm, as far as it can go without
# RHEL's packages (rpmbuild -bb --nodeps: the spec's %configure, build,
# %check and %install all run), then check that the RPM holds the same
# files as the .deb: the agent, the man page, the README and doc/*.md.
# Debian's own files (changelog.gz, copyright, the lintian overrides), the
# RPM's licence file (COPYING in /usr/share/licenses, where RHEL keeps
# them; Debian points at common-licenses instead) and RHEL's build-id
# links are left out of the comparison, and a man page's compression
# suffix too (Debian's rpm does not compress it; RHEL's brp-compress would).
set -u
. "$(dirname "$0")/../lib.sh"
tarball=$(readlink -f "${1:?usage: tests/package/rpm.sh TARBALL DEB}")
deb=$(readlink -f "${2:?usage: tests/package/rpm.sh TARBALL DEB}")
command -v rpmbuild >/dev/null || fail "rpmbuild is not installed (Debian: rpm)"
[ -f "$tarball" ] && [ -f "$deb" ] || fail "no tarball $tarball or no .deb $deb"

top=$TEST_TMP/rpmbuild
mkdir -p "$top/SOURCES"
cp "$tarball" "$top/SOURCES/"
name=$(basename "$tarball" .tar.gz)
tar -xzOf "$tarball" "$name/route53.spec" >"$top/route53.spec" || fail "no route53.spec in $tarball"
t0=$(date +%s.%N)
if rpmbuild -bb --nodeps --define "_topdir $top" "$top/route53.spec" >"$TEST_TMP/rpmbuild.log" 2>&1; then
    ok "rpmbuild -bb --nodeps route53.spec from $(basename "$tarball") ($(echo "$(date +%s.%N) - $t0" | bc | xargs printf '%.1f') s)"
else
    tail -n 30 "$TEST_TMP/rpmbuild.log" | sed 's/^/# /'
    fail "rpmbuild failed"
fi
check "the spec's %configure ran" grep -q -- '--with-ocfdir=/usr/lib/ocf --enable-man' "$TEST_TMP/rpmbuild.log"
checks=$(grep -c '^PASS: ' "$TEST_TMP/rpmbuild.log")
[ "$checks" -ge 6 ] && ! grep -q '^FAIL: ' "$TEST_TMP/rpmbuild.log" \
    && ok "its %check ran and passed ($checks tests)" || not_ok "its %check ran and passed" "$checks passed"
rpm=$(find "$top/RPMS" -name '*.rpm' | head -n 1)
[ -n "$rpm" ] || fail "no .rpm written"

same_list() { [ "$2" = "$3" ] && ok "$1" || not_ok "$1" "rpm: $2 | deb: $3"; }
same_list "package name" "$(rpm -qp --qf '%{NAME}' "$rpm" 2>/dev/null)" "$(dpkg-deb -f "$deb" Package)"
same_list "version" "$(rpm -qp --qf '%{VERSION}' "$rpm" 2>/dev/null)" "$(dpkg-deb -f "$deb" Version | sed 's/-[^-]*$//')"
same_list "licence" "$(rpm -qp --qf '%{LICENSE}' "$rpm" 2>/dev/null)" GPL-2.0-or-later
check "it requires pacemaker-cli (crm_resource)" sh -c "rpm -qp --requires '$rpm' 2>/dev/null | grep -qx pacemaker-cli"
# libcurl is loaded at the first request (dlopen): the spec names it.
check "it requires libcurl (loaded at run time, so named in the spec)" \
    sh -c "rpm -qp --requires '$rpm' 2>/dev/null | grep -qx libcurl"
for lib in libexpat.so.1 libjson-c.so.5 libmbedcrypto.so.7 libmbedtls.so.14 libmbedx509.so.1 libqb.so.100; do
    check "it requires $lib (found by rpm's dependency generator)" \
        sh -c "rpm -qp --requires '$rpm' 2>/dev/null | grep -q '^$lib'"
done

# Files (not directories), compared.
pkg=$(dpkg-deb -f "$deb" Package)
# (rpm -qlp, with each path's mode to tell files from directories.)
rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$rpm" 2>/dev/null \
    | awk '$1 ~ /^-/ { print $2 }' | grep -v -e '^/usr/lib/.build-id/' -e '^/usr/share/licenses/' \
    | sed -E 's#(/man/man[0-9]/.*)\.(gz|xz|bz2)$#\1#' | sort >"$TEST_TMP/rpm.files"
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print substr($6, 2) }' \
    | grep -v -x -e "/usr/share/doc/$pkg/changelog.gz" -e "/usr/share/doc/$pkg/copyright" \
        -e "/usr/share/lintian/overrides/$pkg" \
    | sed -E 's#(/man/man[0-9]/.*)\.(gz|xz|bz2)$#\1#' | sort >"$TEST_TMP/deb.files"
echo "# rpm -qlp (files):"; sed 's/^/#   /' "$TEST_TMP/rpm.files"
if [ -s "$TEST_TMP/rpm.files" ] && diff "$TEST_TMP/deb.files" "$TEST_TMP/rpm.files" >"$TEST_TMP/diff"; then
    ok "rpm -qlp shows the same paths as the .deb ($(wc -l <"$TEST_TMP/rpm.files") files)"
else
    not_ok "rpm -qlp shows the same paths as the .deb" "$(cat "$TEST_TMP/diff")"
fi
for f in /usr/lib/ocf/resource.d/heartbeat/route53 /usr/share/man/man7/ocf_heartbeat_route53.7 \
    "/usr/share/doc/$pkg/README" "/usr/share/doc/$pkg/doc/failures.md"; do
    check "the RPM holds $f" grep -qx "$f" "$TEST_TMP/rpm.files"
done
check "the RPM holds COPYING as its licence, /usr/share/licenses/$pkg/COPYING" \
    sh -c "rpm -qp --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' '$rpm' 2>/dev/null | grep -qx 'l /usr/share/licenses/$pkg/COPYING'"
check "the agent is executable in the RPM" \
    sh -c "rpm -qp --qf '[%{FILENAMES} %{FILEMODES:perms}\n]' '$rpm' 2>/dev/null | grep -qx '/usr/lib/ocf/resource.d/heartbeat/route53 -rwxr-xr-x'"
finish
