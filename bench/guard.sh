#!/usr/bin/env bash
# What the consumer guard costs per record: normal mode (the hot path of every consumer) and careful mode (a
# synchronous marker per record), against the real broker of the local runtime. Builds the bench module first.
#   bench/guard.sh [--records N] [--careful-records M]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
./mvnw -B -q package -DskipTests -pl bench -am
exec bench/run-java.sh io.emostream.bench.GuardBench "$@"
