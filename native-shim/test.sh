#!/usr/bin/env bash
# Builds and runs the C tests twice: the normal Release build (native-shim/build) and an
# AddressSanitizer + UBSan build (native-shim/build-asan). Any sanitizer finding aborts its test.
# Usage: native-shim/test.sh [--no-sanitize]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jobs="${SC_TEST_JOBS:-2}"

echo "== native-shim: Release build, ctest"
# The same lock as SuperCloud.NativeShim.csproj's cmake runs: a dotnet build may be using build/ right now.
flock "$here/.build.lock" sh -c 'cmake -S "$1" -B "$1/build" -DCMAKE_BUILD_TYPE=Release >/dev/null &&
                                 cmake --build "$1/build" -j"$2" >/dev/null' sh "$here" "$jobs"
ctest --test-dir "$here/build" --output-on-failure -j"$jobs"

if [[ "${1:-}" == "--no-sanitize" ]]; then
  exit 0
fi

echo "== native-shim: AddressSanitizer + UBSan build, ctest"
cmake -S "$here" -B "$here/build-asan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSC_SANITIZE=address,undefined >/dev/null
cmake --build "$here/build-asan" -j"$jobs" >/dev/null
# detect_leaks: the tests free everything they allocate, so a leak is a bug.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
ctest --test-dir "$here/build-asan" --output-on-failure -j"$jobs"
