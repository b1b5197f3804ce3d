#!/usr/bin/env bash
# Fusion throughput (fused utterances/s) and join latency through the real broker, with the fusion service running
# as its own JVM exactly as deployed. Builds what is stale first (./emostream build).
#   bench/fusion.sh [--pairs N] [--latency-pairs M] [--rate utterances/s]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
exec bench/run-java.sh io.emostream.bench.FusionBench "$@"
