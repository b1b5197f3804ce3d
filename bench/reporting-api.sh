#!/usr/bin/env bash
# API latency: seeds 1 M utterance rows (bench/reporting-seed.sql), then drives an open-loop mix of every endpoint
# at a fixed rate against the real reporting-service JVM (goal: p99 <= 50 ms at 200 req/s).
#   bench/reporting-api.sh [rate/s, default 200] [seconds, default 60] [recordings, default 50000 = 1 M rows]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
exec bench/run-java.sh io.emostream.bench.ReportingApiBench "$@"
