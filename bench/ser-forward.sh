#!/usr/bin/env bash
# The SER TorchScript forward pass as the service runs it (DJL, libtorch, 1 thread): per window ms and windows/s with
# the graph optimizer off (the service's setting) and on, one input shape or changing ones, batch 1 and N, each
# phase on a fresh model in one JVM so they compare as ratios. Prints one JSON line per phase.
#   bench/ser-forward.sh [iterations, default 100] [batch, default 16] [buckets: the CPU path only, padding
#   3 s and 1.2-3.9 s utterances to 4 s or to whole seconds, one module or one per length]
set -euo pipefail
cd "$(dirname "$0")/.."
./emostream build
source "$(pwd)/emotion-models/native-malloc.sh" # as the service runs libtorch
java -Xmx1g -cp "bench/target/bench.jar:bench/target/lib/*" io.emostream.bench.SerForwardBench \
  models/ser-default/ser.pt "${1:-100}" "${2:-16}" ${3:-} 2>/dev/null | grep '^{'
