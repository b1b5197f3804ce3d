#!/usr/bin/env bash
# Token features for TER head training, computed by the Java TextEncoder (the serving tokenizer + ONNX encoder):
# MELD, EmoryNLP and a GoEmotions subset -> $out/{meld,emorynlp,goemotions_subset}.{f32,len,ids}  (~1 GB, /tmp).
#   bash training/ter/dump_features.sh [data dir, default ../shared/data] [out dir, default /tmp/terfeat]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
data="${1:-$root/../shared/data}"
out="${2:-/tmp/terfeat}"
mkdir -p "$out"
[[ -d emotion-models/target/lib ]] || ./mvnw -q -B -pl emotion-models -am package -DskipTests
run() { java -Dai.djl.offline=true -cp "emotion-models/target/classes:emotion-models/target/lib/*" \
  io.emostream.models.tools.DumpTextFeatures models/ter-default "$1" "$2" 64; }
run "$data/text/meld/meld.csv" "$out/meld"
run "$data/text/emorynlp/emorynlp.csv" "$out/emorynlp"
/usr/bin/python3 training/ter/select_extra_rows.py "$data" "$out/goemotions_subset.csv"
run "$out/goemotions_subset.csv" "$out/goemotions_subset"
