#!/usr/bin/env bash
# What the consumer guard costs per record: normal mode (the hot path of every consumer) and careful mode (a
# synchronous marker per record), against the real broker of the local runtime. Builds what is stale first (./emostream build).
#   bench/guard.sh [--records N] [--careful-records M]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
exec bench/run-java.sh io.emostream.bench.GuardBench "$@"
