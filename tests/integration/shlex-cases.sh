#!/usr/bin/env bash
# tests/unit/data/shlex-cases.txt, the cases test_shlex holds src/shlex.c
# to, is what Python's shlex.split answers today: shlex-cases.py run again
# prints it byte for byte.  (After a change to the cases, regenerate:
#     python3 tests/unit/data/shlex-cases.py > tests/unit/data/shlex-cases.txt)
#
# Exit 0 pass, 1 fail, 77 skip.
set -u
. "$(dirname "$0")/../lib.sh"

TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
DATA=$TOP_SRCDIR/tests/unit/data
"$PYTHON3" -c 'import shlex' 2>/dev/null || skip_test "$PYTHON3 cannot run"

if ! "$PYTHON3" "$DATA/shlex-cases.py" >"$TEST_TMP/cases.txt" 2>"$TEST_TMP/err"; then
    not_ok "shlex-cases.py runs" "$(cat "$TEST_TMP/err")"
elif diff -u "$DATA/shlex-cases.txt" "$TEST_TMP/cases.txt" >"$TEST_TMP/diff"; then
    ok "shlex-cases.txt is what $("$PYTHON3" --version 2>&1)'s shlex.split answers ($(grep -c '^in ' "$TEST_TMP/cases.txt") cases)"
else
    not_ok "shlex-cases.txt is what Python's shlex.split answers" "$(head -n 40 "$TEST_TMP/diff")"
fi
finish
