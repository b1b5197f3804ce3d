#!/usr/bin/env bash
# Where each JVM spends CPU under pipeline load: the whole platform (as bench/pipeline.sh starts it) fed at
# EMOSTREAM_PROFILE_RATE utterances/s (default 20, above what 2 cores sustain) for [seconds], each named JVM
# recorded with JFR (jcmd JFR.start/stop, settings=profile), then a top-frames table per JVM in
# bench/target/profile/<jvm>.txt (the recording next to it as <jvm>.jfr), printed too.
#   bench/profile.sh [seconds, default 60] [jvm... : ingest inference fusion reporting kafka (default: all five)]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
seconds="${1:-60}"
shift || true
jvms="${*:-ingest inference fusion reporting kafka}"
exec bench/run-java.sh io.emostream.bench.PipelineBench profile "$seconds" "${jvms// /,}"
