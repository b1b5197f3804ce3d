#!/usr/bin/env bash
# The whole pipeline (real broker, PostgreSQL, the four services as their own JVMs, shipped models), fed with the
# sample recordings and their transcripts. Builds everything first.
#   bench/pipeline.sh                         throughput (1000 recordings = 1500 utterances), then latency at 10 and 50 utt/s, 60 s each
#   bench/pipeline.sh throughput [recordings]  sustained utterances/s, CPU ms per utterance per stage, peak lag, bottleneck
#   bench/pipeline.sh latency [rates] [seconds] publish → complete row p50/p99/max at each fixed rate (default 10,50)
#   bench/pipeline.sh soak [rate] [seconds]    default 10 utt/s (what 2 cores sustain) for 600 s: heap/RSS/lag at start and end, sustained rate, latency of the first and last minute (after a drain of at most 10 min)
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
exec bench/run-java.sh io.emostream.bench.PipelineBench "$@"
