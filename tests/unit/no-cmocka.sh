#!/bin/sh
# Stands in for the unit tests when configure found no cmocka: a hard
# error (99), never a pass or a skip.
echo "ERROR: the unit tests need cmocka; install libcmocka-dev (Debian) and re-run ./configure" >&2
exit 99
