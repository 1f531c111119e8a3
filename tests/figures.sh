#!/usr/bin/env bash
# Print the agent's per-action figures against the Route 53 simulator
# (see tests/figures.py).  Usage: tests/figures.sh [RUNS]  (after make)
set -u
. "$(dirname "$0")/lib.sh"
AGENT=${AGENT:-$(cd "$(dirname "$0")/.." && pwd)/heartbeat/route53}
[ -x "$AGENT" ] || fail "build the agent first (make)"
sim_start "$TEST_TMP/sim" --pending-seconds 0
"$PYTHON3" "$LIB_DIR/figures.py" "$AGENT" "$SIM_URL" "$SIM_CA" "$SIM_AKID" "$SIM_SECRET" \
    "$TEST_TMP/run" "${1:-30}"
