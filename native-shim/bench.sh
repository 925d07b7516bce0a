#!/usr/bin/env bash
# Builds the shim (Release) and prints pump throughput for 4 GiB through socket pairs next to a plain
# read/write copy loop, cat and socat measured in the same run, with CPU seconds per GB of each stage,
# as a table of figure, baseline and ratio (progress lines go to stderr).
# Usage: native-shim/bench.sh [bytes]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cmake -S "$here" -B "$here/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$here/build" --target sc_bench -j2 >/dev/null
exec "$here/build/sc_bench" "$@"
