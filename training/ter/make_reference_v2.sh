#!/usr/bin/env bash
# TER v2 parity fixtures: the candidate texts through the Java tokenizer + encoder (DumpTextFeatures), then the
# ORT-independent PyTorch forward (make_reference_v2.py) -> <model dir>/reference/reference.json.
#   bash training/ter/make_reference_v2.sh [model dir, default models/ter-default]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
model="${1:-models/ter-default}"
tmp="$(mktemp -d /tmp/ter-ref.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
[[ -d emotion-models/target/lib ]] || ./mvnw -q -B -pl emotion-models -am package -DskipTests
/usr/bin/python3 training/ter/make_reference_v2.py --model-dir "$model" --dump "$tmp/ref" --write-texts "$tmp/texts.csv"
java -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "emotion-models/target/classes:emotion-models/target/lib/*" \
  io.emostream.models.tools.DumpTextFeatures "$model" "$tmp/texts.csv" "$tmp/ref" 1
/usr/bin/python3 training/ter/make_reference_v2.py --model-dir "$model" --dump "$tmp/ref"
