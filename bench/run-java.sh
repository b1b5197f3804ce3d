#!/usr/bin/env bash
# Builds the platform if needed and runs a benchmark main class: bench/run-java.sh io.emostream.bench.X [args]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
./emostream build
export EMOSTREAM_REPO="$REPO"
# glibc malloc as the inference service runs (ServiceProcess.NATIVE_MALLOC): libtorch's forward buffers reused, not re-mapped
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-67108864}" MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-268435456}"
exec java -Xmx2g -cp "bench/target/bench.jar:bench/target/lib/*" "$@"
