#!/usr/bin/env bash
# Fusion throughput (fused utterances/s) and join latency through the real broker, with the fusion service running
# as its own JVM exactly as deployed. Builds the service and the bench module first.
#   bench/fusion.sh [--pairs N] [--latency-pairs M] [--rate utterances/s]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
./mvnw -B -q package -DskipTests -pl fusion-service,bench -am
exec bench/run-java.sh io.emostream.bench.FusionBench "$@"
