#!/usr/bin/env bash
# Inference: (1) the shipped TorchScript models' forward pass in Java (DJL) and in Python PyTorch, same file, same
# inputs, 1 thread, batch 1 and 16 (SER also 2, 4, 8), side by side with the ratio; (2) the inference service
# through the real broker with micro-batches of 1 and of 16, and of 16 with 2 workers per modality: utterances/s,
# per-utterance latency p50/p99, and where the service's time per utterance goes (its meters: forward, decode, other
# scoring work, commit, polls) with the CPU per utterance of the service, the broker and the bench; (3) a table of
# the speech service against the bare SER forward of (1).
# Usage: bench/inference.sh [iterations] [speech-utterances] [text-utterances]   (defaults 200 300 1000)
# Part 1 needs /usr/bin/python3 with torch (Debian python3-torch); it is skipped without it.
set -euo pipefail
cd "$(dirname "$0")/.."
iters="${1:-200}"; nspeech="${2:-300}"; ntext="${3:-1000}"
./emostream build
cp="bench/target/bench.jar:bench/target/lib/*"
# the bare forward runs with the same glibc malloc settings as the service (without them a pass faults its buffers
# in afresh: bimodal, p99 ~5x p50), so the service-vs-bare ratio compares like with like
source "$(pwd)/emotion-models/native-malloc.sh"

echo "== TorchScript forward pass: Java (DJL, libtorch 2.7.1) vs Python (PyTorch), 1 thread"
printf '  %-9s %-5s %12s %12s %12s %12s %8s\n' model batch java_p50_ms py_p50_ms java_items/s py_items/s py/java
# SER also at 2, 4 and 8: where batching stops paying on CPU (SpeechEmotionModel.MAX_PASS_SAMPLES)
for m in "ser models/ser-default/ser.pt 1,2,4,8,16" "ter-head models/ter-default/head.pt 1,16"; do
  set -- $m
  java -Xmx1g -cp "$cp" io.emostream.bench.TorchScriptBench "$1" "$2" "$iters" "$3" 2>/dev/null | grep '^{' > /tmp/ts-java.json
  [ "$1" = ser ] && cp /tmp/ts-java.json /tmp/ts-ser.json
  if /usr/bin/python3 -c "import torch" 2>/dev/null; then
    /usr/bin/python3 bench/torchscript_bench.py "$1" "$2" "$iters" > /tmp/ts-py.json
  else
    : > /tmp/ts-py.json
  fi
  /usr/bin/python3 - "$1" <<'PY' 2>/dev/null || cat /tmp/ts-java.json
import json, sys
java = [json.loads(l) for l in open('/tmp/ts-java.json')]
py = {d['batch']: d for d in (json.loads(l) for l in open('/tmp/ts-py.json'))}
for j in java:
    p = py.get(j['batch'], {})
    ratio = (p['p50_ms'] / j['p50_ms']) if p else float('nan')
    print('  %-9s %-5d %12.2f %12s %12.1f %12s %8.2f' % (sys.argv[1], j['batch'], j['p50_ms'],
          '%.2f' % p['p50_ms'] if p else '-', j['items_per_s'], '%.1f' % p['items_per_s'] if p else '-', ratio))
    print('JSON ' + json.dumps({'benchmark': 'torchscript', 'java': j, 'python': p, 'python_over_java_p50': ratio}))
PY
done

echo
# each run also prints where the service's time per utterance went (forward, decode, other scoring work, commit,
# polls with and without records, from its own meters) and the CPU per utterance of the service, the broker and
# the bench itself, which share the machine
: > /tmp/inference-runs.json
java -Xmx2g -cp "$cp" io.emostream.bench.InferenceBench 1 "$nspeech" "$ntext" | tee -a /tmp/inference-runs.json
java -Xmx2g -cp "$cp" io.emostream.bench.InferenceBench 16 "$nspeech" "$ntext" | tee -a /tmp/inference-runs.json
# two workers per modality: one forward pass at a time per worker, so this is what a 2-core pod gains
java -Xmx2g -cp "$cp" io.emostream.bench.InferenceBench 16 "$nspeech" "$ntext" 2 | tee -a /tmp/inference-runs.json

# the speech service against the bare SER forward (batch 1, 1 thread, 3 s, the same utterance length) of this run
/usr/bin/python3 - <<'PY' 2>/dev/null || true
import json
bare = [json.loads(l) for l in open('/tmp/ts-ser.json')]
bare1 = next(b for b in bare if b['batch'] == 1)
print()
print('== speech service vs bare SER forward (%.1f windows/s, p50 %.2f ms)' % (bare1['items_per_s'], bare1['p50_ms']))
print('  %-5s %-7s %8s %9s %11s %9s %9s %9s %9s %9s %10s' % ('batch', 'workers', 'utt/s', 'of bare', 'forward_ms',
      'decode', 'other', 'commit', 'poll', 'idle_poll', 'cpu svc/brk/bench'))
for l in open('/tmp/inference-runs.json'):
    if not l.startswith('JSON '):
        continue
    d = json.loads(l[5:])
    if d.get('modality') != 'speech':
        continue
    print('  %-5d %-7d %8.1f %8.0f%% %11.2f %9.2f %9.2f %9.2f %9.2f %9.2f %6.1f/%.1f/%.1f' % (
        d['batch_max_size'], d['workers'], d['utterances_per_s'], 100 * d['utterances_per_s'] / bare1['items_per_s'],
        d['forward_ms_per_utterance'], d['decode_ms_per_utterance'], d['score_other_ms_per_utterance'],
        d['commit_ms_per_utterance'], d['poll_ms_per_utterance'], d['poll_empty_ms_per_utterance'],
        d['cpu_ms_per_utterance_service'], d['cpu_ms_per_utterance_broker'], d['cpu_ms_per_utterance_bench']))
PY
