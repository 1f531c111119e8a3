#!/bin/sh
# Stands in for the simulator's own checks when configure was given
# --disable-sim-checks (make distcheck, the sanitizer copy): they ran in
# the main make check; say so, loudly.
echo "SKIP: the simulator's checks against the AWS CLI, botocore and dig (sim-*.sh) run in the main make check, not in this copy (--disable-sim-checks)" >&2
exit 77
