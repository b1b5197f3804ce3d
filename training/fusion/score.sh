#!/usr/bin/env bash
# Scores the fusion evaluation sets (training/fusion/build_sets.py) through the Java serving path
# (emotion-models/evaluate --scores): one CSV per set and modality, columns key,truth,<7 canonical probabilities>.
#
#   bash training/fusion/score.sh [--ser DIR] [--ser-folds DIR] [--ter DIR] [--sets DIR] [--out DIR] [--only ser|ser-a|ter]
#
# --ser        SER model for the sets it never saw (B, speech-only corpora); default models/ser-default
# --ser-folds  directory with fold0..fold4 model dirs: RAVDESS clips of fold k are scored by fold k's model
#              (out of fold); default /tmp/emostream-ser-folds (training/fusion/ser_fold_models.sh). A new SER
#              trained on RAVDESS needs its own fold models here, or pass its out-of-fold scores directly to
#              fusion_eval.py (--ser-a).
# --ter        TER model; default models/ter-default
# Outputs in --out (default /tmp/emostream-fusion/scores): ser_a.csv ser_b.csv ser_speech_only.csv ter_a.csv ter_b.csv
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
ser=models/ser-default; folds=/tmp/emostream-ser-folds; ter=models/ter-default
sets=/tmp/emostream-fusion; out=/tmp/emostream-fusion/scores; only=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --ser) ser="$2"; shift 2;; --ser-folds) folds="$2"; shift 2;; --ter) ter="$2"; shift 2;;
    --sets) sets="$2"; shift 2;; --out) out="$2"; shift 2;; --only) only="$2"; shift 2;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
mkdir -p "$out"
ev() { JAVA_OPTS="-Dorg.slf4j.simpleLogger.defaultLogLevel=warn" emotion-models/evaluate --threads 1 "$@" | grep -E "rows evaluated|wrote"; }
if [[ "$only" != ter ]]; then
  : > "$out/ser_a.csv.parts"
  for k in 0 1 2 3 4; do
    ev --model "$folds/fold$k" --manifest "$sets/a_ravdess.csv" --filter fold=$k --scores "$out/ser_a_fold$k.csv"
  done
  { head -1 "$out/ser_a_fold0.csv"; for k in 0 1 2 3 4; do tail -n +2 "$out/ser_a_fold$k.csv"; done; } > "$out/ser_a.csv"
  rm -f "$out"/ser_a_fold?.csv "$out/ser_a.csv.parts"
  [[ "$only" == ser-a ]] && exit 0
  ev --model "$ser" --manifest "$sets/b.csv" --scores "$out/ser_b.csv"
  ev --model "$ser" --manifest "$sets/a_speech_only.csv" --scores "$out/ser_speech_only.csv"
fi
if [[ "$only" != ser ]]; then
  ev --model "$ter" --manifest "$sets/a_ravdess.csv" --scores "$out/ter_a.csv"
  ev --model "$ter" --manifest "$sets/b.csv" --scores "$out/ter_b.csv"
fi
