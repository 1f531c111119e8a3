#!/usr/bin/env bash
# Build the libFuzzer harnesses (./configure --enable-fuzz, clang) in a
# copy of the source tree, never in it, and run each for SECONDS seconds.
# Fails on any crash, leak, timeout or broken invariant; prints the
# executions per harness.
#
#   tests/fuzz/run.sh [SECONDS] [HARNESS...]     (or: make fuzz FUZZ_SECONDS=N)
#
# FUZZ_BUILDDIR  where the copy, the build and the runs live
#                (default ${TMPDIR:-/tmp}/route53-fuzz; kept, so a second
#                run rebuilds only what changed and keeps its corpus)
# FUZZ_JOBS      harnesses run at once (default: the number of CPUs)
# FUZZ_CC        the compiler (default clang)
set -u

# All in one block, read whole before it runs: a long run is not
# disturbed when the script is edited meanwhile.
{

seconds=${1:-30}
shift || true
all=(xml credentials imds params)
if [ "$#" -gt 0 ]; then
    harnesses=("$@")
else
    harnesses=("${all[@]}")
fi
case "$seconds" in
'' | *[!0-9]*)
    echo "usage: $0 [SECONDS] [$(
        IFS='|'
        echo "${all[*]}"
    )...]" >&2
    exit 2
    ;;
esac

src=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILDDIR:-${TMPDIR:-/tmp}/route53-fuzz}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
tree=$build/tree
mkdir -p "$tree" "$build/run" || exit 1

# The copy: the files git tracks (git add a new one), as they are in the
# working tree now, so no product of an in-tree build comes along.  From
# a release tarball: everything, then cleaned.
echo "fuzz: copying $src to $tree"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$src" && git ls-files -z |
        tar --null --ignore-failed-read -T - -cf -) | tar -xf - -C "$tree" || exit 1
else
    (cd "$src" && tar -cf - .) | tar -xf - -C "$tree" || exit 1
    if [ -f "$tree/Makefile" ] && [ ! -f "$tree/.fuzz-configured" ]; then
        make -C "$tree" distclean >/dev/null 2>&1
    fi
fi

log=$build/build.log
: >"$log"
build_fail() {
    echo "fuzz: $1 failed; the end of $log:" >&2
    tail -n 30 "$log" >&2
    exit 1
}
cd "$tree" || exit 1
if [ ! -x configure ]; then
    echo "fuzz: autoreconf"
    autoreconf -fi >>"$log" 2>&1 || build_fail autoreconf
fi
if [ ! -f .fuzz-configured ] || [ ! -f Makefile ]; then
    echo "fuzz: ./configure --enable-fuzz CC=${FUZZ_CC:-clang}"
    ./configure --enable-fuzz CC="${FUZZ_CC:-clang}" --with-shared-dir="$src/../shared" \
        >>"$log" 2>&1 || build_fail configure
    touch .fuzz-configured
fi
targets=()
for h in "${harnesses[@]}"; do
    targets+=("tests/fuzz/fuzz_$h")
done
echo "fuzz: make ${targets[*]}"
make -j"$jobs" "${targets[@]}" >>"$log" 2>&1 || build_fail make

# One harness: a working corpus of its own (what it finds stays in
# $build), the seeds read-only, crash/leak/timeout inputs kept as
# artifacts.  The outer timeout bounds it even if libFuzzer would not.
run_one() {
    local h=$1 work=$build/run/$1
    local dict=$tree/tests/fuzz/dict/$h.dict
    local opts=()

    mkdir -p "$work/corpus" "$work/artifacts"
    rm -f "$work/artifacts/"*
    [ -f "$dict" ] && opts+=("-dict=$dict")
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
        timeout -k 10 $((seconds + 120)) "$tree/tests/fuzz/fuzz_$h" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/" "${opts[@]}" \
        "$work/corpus" "$tree/tests/fuzz/corpus/$h" >"$work/log" 2>&1
    echo $? >"$work/rc"
}

echo "fuzz: ${#harnesses[@]} harnesses, ${seconds}s each, $jobs at a time"
for h in "${harnesses[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
        wait -n
    done
    run_one "$h" &
done
wait

failed=0
printf '%-12s %12s %8s %8s %s\n' harness executions corpus crashes status
for h in "${harnesses[@]}"; do
    work=$build/run/$h
    rc=$(cat "$work/rc" 2>/dev/null || echo 1)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
    units=$(find "$work/corpus" -type f | wc -l)
    crashes=$(find "$work/artifacts" -type f | wc -l)
    status=ok
    if [ "$rc" != 0 ] || [ "$crashes" != 0 ]; then
        status="FAILED (exit $rc; log $work/log)"
        failed=1
    fi
    printf '%-12s %12s %8s %8s %s\n' "$h" "${execs:-?}" "$units" "$crashes" "$status"
done
if [ "$failed" != 0 ]; then
    for h in "${harnesses[@]}"; do
        work=$build/run/$h
        if [ "$(cat "$work/rc" 2>/dev/null)" != 0 ]; then
            echo "---- $h: the end of $work/log" >&2
            tail -n 40 "$work/log" >&2
            ls "$work/artifacts" >&2
        fi
    done
    exit 1
fi
exit 0
}
