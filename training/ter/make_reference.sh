#!/usr/bin/env bash
# Parity fixtures for models/ter-default: Java tokenizes + encodes the fixed sentences, PyTorch recomputes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
py=/usr/bin/python3
tmp="$(mktemp -d)"
"$py" -c "
import csv, sys
sys.path.insert(0, 'training/ter')
from make_reference import SENTENCES
w = csv.writer(open('$tmp/s.csv', 'w', newline=''))
w.writerow(['text'])
[w.writerow([s]) for s in SENTENCES]"
[[ -d emotion-models/target/lib ]] || ./mvnw -q -B -pl emotion-models -am package -DskipTests
java -Dai.djl.offline=true -cp "emotion-models/target/classes:emotion-models/target/lib/*" \
  io.emostream.models.tools.DumpTextFeatures models/ter-default "$tmp/s.csv" "$tmp/s" 8
"$py" training/ter/make_reference.py --ids "$tmp/s"
rm -rf "$tmp"
