#!/usr/bin/env bash
# The table of bad parameter values in doc/failures.md (once the README's,
# hence the name), executed: each row's value goes to validate-all with
# the README example's other parameters, and must get the row's exit code
# and a reason containing its words.
set -u
. "$(dirname "$0")/../lib.sh"

: "${AGENT:?AGENT must name the built agent}"
: "${TOP_SRCDIR:?}"
TABLE_DOC=$TOP_SRCDIR/doc/failures.md

# Rows of the table under the heading "What a bad value gets".
rows=$(awk '/^What a bad value gets$/ { on = 1 } on && /^\| `/ { print } on && /^Exit codes$/ { exit }' "$TABLE_DOC")
[ "$(printf '%s\n' "$rows" | grep -c .)" -ge 20 ] || fail "doc/failures.md's bad-value table not found"

while IFS='|' read -r _ param value want words _; do
    param=$(echo "$param" | tr -d ' `')
    value=$(echo "$value" | sed 's/^ *//; s/ *$//')
    [ "$value" = "(empty)" ] && value="" || value=$(echo "$value" | sed 's/^`//; s/`$//')
    want=$(echo "$want" | tr -d ' ')
    words=$(echo "$words" | sed 's/^ *//; s/ *$//')
    vars=(OCF_RESKEY_hostname=www OCF_RESKEY_zone=example.com OCF_RESKEY_ip=192.0.2.10)
    case $param in
    zone_id) vars+=(OCF_RESKEY_zone=) ;;
    ip_resource | interface) vars+=(OCF_RESKEY_ip=) ;;
    esac
    vars+=("OCF_RESKEY_$param=$value")
    out=$(env -i PATH="$PATH" OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=dns \
        HA_RSCTMP="$TEST_TMP" HOME="$TEST_TMP" ${AGENT_ENV[@]+"${AGENT_ENV[@]}"} "${vars[@]}" \
        ${AGENT_WRAP[@]+"${AGENT_WRAP[@]}"} "$AGENT" validate-all 2>&1)
    rc=$?
    reason=$(printf '%s\n' "$out" | sed -n 's/^ocf-exit-reason://p')
    if [ "$rc" != "$want" ]; then
        not_ok "$param='$value': exit $rc, doc/failures.md says $want" "$out"
    elif [[ "$reason" != *"$words"* ]]; then
        not_ok "$param='$value': reason lacks '$words'" "$out"
    elif [ "$(printf '%s\n' "$out" | grep -c '^ocf-exit-reason:')" != 1 ]; then
        not_ok "$param='$value': not exactly one exit-reason line" "$out"
    else
        ok "$param='$value' → $rc ($reason)"
    fi
done <<<"$rows"
finish
