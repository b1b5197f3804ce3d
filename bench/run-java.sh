#!/usr/bin/env bash
# Builds the platform if needed and runs a benchmark main class: bench/run-java.sh io.emostream.bench.X [args]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
./emostream build
export EMOSTREAM_REPO="$REPO"
source "$REPO/emotion-models/native-malloc.sh"
exec java -Xmx2g -cp "bench/target/bench.jar:bench/target/lib/*" "$@"
