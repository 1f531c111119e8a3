#!/usr/bin/env bash
# resource-agents' ocf-tester on the agent as `make install` places it,
# against the project's Route 53 simulator.
set -u
. "$(dirname "$0")/../lib.sh"

command -v ocf-tester >/dev/null || [ -x /usr/sbin/ocf-tester ] \
    || skip_test "ocf-tester not installed (Debian: resource-agents)"
OCF_TESTER=$(command -v ocf-tester || echo /usr/sbin/ocf-tester)
: "${TOP_BUILDDIR:?}"

# ocf-tester runs meta-data as nobody: every directory on the way must be open.
chmod 755 "$TEST_TMP"
DEST=$TEST_TMP/dest
make -s -C "$TOP_BUILDDIR" install-heartbeatPROGRAMS DESTDIR="$DEST" >/dev/null \
    || fail "make install-heartbeatPROGRAMS failed"
INSTALLED=$(find "$DEST" -path '*/resource.d/heartbeat/route53' -type f)
[ -x "$INSTALLED" ] && ok "make install put the agent at ${INSTALLED#"$DEST"}" \
    || fail "agent not installed under resource.d/heartbeat"

sim_start "$TEST_TMP/sim" --pending-seconds 0.5 --dns-port 0
sim_ctl POST /_sim/zone '{"name":"example.com"}' >/dev/null || fail "zone"

export HA_RSCTMP=$TEST_TMP/run AWS_ACCESS_KEY_ID=$SIM_AKID AWS_SECRET_ACCESS_KEY=$SIM_SECRET
export AWS_EC2_METADATA_DISABLED=true AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_CONFIG_FILE=/nonexistent
out=$("$OCF_TESTER" -n dns -o hostname=www -o zone=example.com -o ip=192.0.2.10 \
    -o endpoint="$SIM_URL" -o ca_bundle="$SIM_CA" -o dns_servers="127.0.0.1:$SIM_DNS_PORT" -o owner=ocf-tester \
    -o change_try_interval=0.2 "$INSTALLED" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
[ "$rc" = 0 ] && ok "ocf-tester passes" || not_ok "ocf-tester exit $rc"
printf '%s\n' "$out" | grep -q "passed all tests" && ok "ocf-tester says it passed all tests" \
    || not_ok "no 'passed all tests' line"
finish
