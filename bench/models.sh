#!/usr/bin/env bash
# Latency of the shipped models through the inference service's code (single thread, batch 1), and the
# ONNX Runtime vs TorchScript comparison for the text encoder that justifies running the encoder on ORT.
#   bash bench/models.sh [iterations]
# Needs /usr/bin/python3 with torch + onnx only to rebuild the TorchScript encoder from the Maven jar into /tmp.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
iters="${1:-300}"
ts=/tmp/emostream-minilm/encoder.pt
if [[ ! -f "$ts" ]]; then
  if /usr/bin/python3 -c "import torch, onnx" 2>/dev/null; then
    /usr/bin/python3 training/ter/onnx_to_torch.py --out "$ts"
  else
    echo "python3 with torch+onnx not found: the TorchScript encoder comparison is skipped" >&2
  fi
fi
./emostream build
source "$root/emotion-models/native-malloc.sh"
exec java -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "emotion-models/target/emotion-models.jar:emotion-models/target/lib/*" \
  io.emostream.models.tools.Benchmark models --iterations "$iters" --torchscript-encoder "$ts"
