#!/usr/bin/env bash
# Sink throughput: rows/s the reporting-service lands in PostgreSQL from emostream.emotions (goal >= 5k/s).
# Starts a real broker, PostgreSQL and the reporting-service JVM.
#   bench/reporting-sink.sh [records, default 200000]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
exec bench/run-java.sh io.emostream.bench.ReportingSinkBench "$@"
