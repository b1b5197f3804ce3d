#!/usr/bin/env bash
# Kafka compression codecs (none, lz4, snappy, zstd) on the platform's payloads, one thread, Kafka's own batch code:
# 3-s PCM utterances (the samples as FFmpeg decodes them to 16 kHz s16le, as they are and with a line's noise floor)
# and small JSON score batches; bytes per batch and CPU per batch in the producer, the broker and the consumer.
# Usage: bench/compression.sh [seconds-per-case=3]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pcm="$(mktemp -d)"; trap 'rm -rf "$pcm"' EXIT
for f in "$REPO"/samples/*.wav "$REPO"/samples/*.mp3; do
  ffmpeg -v error -y -i "$f" -ac 1 -ar 16000 -f s16le "$pcm/$(basename "${f%.*}").pcm"
done
"$(dirname "$0")/run-java.sh" io.emostream.bench.CompressionBench "$pcm" "${1:-3}"
