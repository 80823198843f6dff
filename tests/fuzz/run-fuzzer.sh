#!/bin/sh
# run-fuzzer.sh TARGET SCRATCH_CORPUS SEED_CORPUS SECONDS
# Runs a libFuzzer target for a bounded time; any crash fails the test and
# its input is left in the build folder as crash-* for replaying.
set -eu
target=$(readlink -f "$1") scratch=$2 seeds=$3 seconds=$4
mkdir -p "$scratch"
scratch=$(readlink -f "$scratch")
if [ -n "$seeds" ]; then seeds=$(readlink -f "$seeds"); fi
# Crash inputs land in the working folder: keep them beside the build.
cd "$(dirname "$scratch")"
# libFuzzer reports a crash with exit code 77 by default, which meson would
# count as a skip: make every finding a failure.
set -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -error_exitcode=1 -timeout_exitcode=1 "$scratch"
if [ -n "$seeds" ] && [ -d "$seeds" ]; then
    set -- "$@" "$seeds"
fi
exec "$target" "$@"
