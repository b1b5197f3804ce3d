#!/usr/bin/env bash
# Ingest: decode + segment speed (x real time per core) and peak heap for 1-hour recordings (MP3, FLAC, u-law WAV).
# Usage: bench/ingest.sh [minutes] [max-heap]   (default 60 256m; the run fails if the heap does not suffice)
set -euo pipefail
exec "$(dirname "$0")/run-java.sh" io.emostream.bench.IngestBench "$@"
