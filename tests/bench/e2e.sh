#!/bin/sh
# e2e.sh: glass-to-glass latency of Parallax on this machine, from pixels.
#
#   tests/bench/e2e.sh [--seconds N] [--receivers N] [--build DIR] [--scale] [--no-audio]
#
# Builds what it needs (meson, in _build or DIR), then runs px-e2e: a private
# PipeWire, the synthetic studio's two 640x480 cameras at 30 fps with each
# frame's number drawn on the person, a rig publisher capturing them
# (VP8), a parallax-server reconstructing, and N receiving sessions (the
# first draws offscreen with EGL and reads the numbers back off the pixels).
# Then audio mouth-to-ear with bench-call-latency (tone bursts into a fake
# microphone, heard at the receiver's speaker).
#
# --scale: the same with 1, 5, 20 and 50 receiving sessions, a table of the
# server's CPU and the latency each step adds.
#
# The last line is machine-readable:
#   e2e p50_ms=… p95_ms=… p99_ms=… fps=… down_kbps=… up_kbps=… audio_p50_ms=… audio_p95_ms=…
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu

source_dir=$(cd "$(dirname "$0")/../.." && pwd)
build_dir="$source_dir/_build"
seconds=20
receivers=1
scale=0
audio=1
bursts=30

usage() {
    echo "usage: $0 [--seconds N] [--receivers N] [--build DIR] [--scale] [--no-audio]" >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) [ $# -ge 2 ] || usage; seconds=$2; shift 2 ;;
        --receivers) [ $# -ge 2 ] || usage; receivers=$2; shift 2 ;;
        --build) [ $# -ge 2 ] || usage; build_dir=$2; shift 2 ;;
        --scale) scale=1; shift ;;
        --no-audio) audio=0; shift ;;
        -h|--help) usage ;;
        *) echo "$0: unknown option $1" >&2; usage ;;
    esac
done
case "$seconds$receivers" in
    *[!0-9]*|'') echo "$0: --seconds and --receivers take whole numbers" >&2; exit 2 ;;
esac

if [ ! -f "$build_dir/build.ninja" ]; then
    meson setup "$build_dir" "$source_dir" >/dev/null
fi
meson compile -C "$build_dir" parallax-server px-e2e bench-call-latency >/dev/null

# As under `meson test`: settings in memory, schemas from the build tree.
export GSETTINGS_BACKEND=memory
export GSETTINGS_SCHEMA_DIR="$build_dir/data"
export PX_BUILD_DIR="$build_dir"
export PX_SOURCE_DIR="$source_dir"

e2e="$build_dir/tests/bench/e2e/px-e2e"
run_e2e() {
    "$e2e" "$@"
}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

if [ "$scale" = 1 ]; then
    echo "Scale: 1 studio publisher, N receiving sessions (the first draws, the others decode), $seconds s each"
    printf '%-10s %12s %12s %12s %12s %14s %14s %12s\n' receivers server_cpu_% server_MB \
        p50_ms p95_ms fanout_p50_ms added_p50_ms slowest_fps
    base=""
    for n in 1 5 20 50; do
        run_e2e run --seconds "$seconds" --receivers "$n" > "$out" 2>&1 || true
        line=$(grep '^e2e-scale ' "$out" || true)
        if [ -z "$line" ]; then
            echo "$n receivers: no result"; tail -5 "$out"; continue
        fi
        value() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
        p50=$(value p50_ms)
        [ -n "$base" ] || base=$p50
        added=$(awk -v a="$p50" -v b="$base" 'BEGIN { printf "%.1f", a - b }')
        printf '%-10s %12s %12s %12s %12s %14s %14s %12s\n' "$n" "$(value server_cpu_pct)" \
            "$(value server_rss_mb)" "$p50" "$(value p95_ms)" "$(value fanout_p50_ms)" "$added" \
            "$(value slowest_fps)"
    done
    echo
fi

run_e2e run --seconds "$seconds" --receivers "$receivers" > "$out" 2>&1 || {
    cat "$out"
    echo "$0: px-e2e failed" >&2
    exit 1
}
grep -v '^e2e ' "$out" | grep -v '^e2e-scale ' || true
video=$(grep '^e2e ' "$out" | tail -n 1)

audio_p50=nan
audio_p95=nan
if [ "$audio" = 1 ]; then
    if "$build_dir/tests/bench/call/bench-call-latency" "$bursts" -p /bench/call/mouth-to-ear/10ms \
            > "$out" 2>&1; then
        line=$(grep '^mouth-to-ear ' "$out" | head -n 1)
        echo "$line"
        audio_p50=$(echo "$line" | sed -n 's/.*p50 \([0-9.]*\) ms.*/\1/p')
        audio_p95=$(echo "$line" | sed -n 's/.*p95 \([0-9.]*\) ms.*/\1/p')
    else
        echo "audio: bench-call-latency failed:"
        tail -5 "$out"
    fi
fi

echo "$video audio_p50_ms=${audio_p50:-nan} audio_p95_ms=${audio_p95:-nan}"
