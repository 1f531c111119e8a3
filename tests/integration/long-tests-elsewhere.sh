#!/bin/sh
# Stands in for the long scenario suites when configure was given
# --disable-long-tests (make distcheck): make check and the sanitizer copy
# ran them on the same code; say so, loudly.
echo "SKIP: the long scenario suites (credentials.sh, faults.sh, control-plane.sh, defer.sh) run in the main make check and the ASan copy, not in this copy (--disable-long-tests)" >&2
exit 77
