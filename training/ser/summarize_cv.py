"""Aggregates the per-fold results of `train_ser.py --mode cv` (JSON files) into fold means and writes them,
with the protocol, into models/ser-default/manifest.json (and prints a table).

  /usr/bin/python3 training/ser/summarize_cv.py /tmp/ser_stats_cv.json
"""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from model import LABELS  # noqa: E402
from train_ser import HOP_S, WINDOW_S  # noqa: E402


def main():
    folds = {}
    args = None
    for p in sys.argv[1:]:
        d = json.load(open(p))
        args = d["args"]
        folds.update(d["folds"])
    keys = [("7class", "accuracy"), ("7class", "ua"), ("7class", "wf1"), ("4class", "accuracy"), ("4class", "ua"),
            ("4class", "wf1")]
    table = {}
    print("fold  actors            7c-acc  7c-UA  7c-wF1  4c-acc  4c-UA  4c-wF1")
    for k in sorted(folds, key=int):
        m = folds[k]["metrics"]
        print("%4s  %-16s  " % (k, folds[k]["actors"]) + "  ".join("%.4f" % m[a][b] for a, b in keys))
    for a, b in keys:
        v = np.array([folds[k]["metrics"][a][b] for k in folds])
        table["%s_%s" % (a, b)] = {"mean": round(float(v.mean()), 4), "std": round(float(v.std()), 4),
                                   "min": round(float(v.min()), 4), "max": round(float(v.max()), 4)}
    print("mean  " + " " * 16 + "  " + "  ".join("%.4f" % table["%s_%s" % k]["mean"] for k in keys))
    cm7 = np.sum([np.array(folds[k]["metrics"]["7class"]["confusion"]) for k in folds], 0)
    cm4 = np.sum([np.array(folds[k]["metrics"]["4class"]["confusion"]) for k in folds], 0)
    metrics = {
        "protocol": "RAVDESS speech actors 01-20 (1199 files: one of two byte-identical files dropped), calm->neutral, "
                    "5 speaker-independent folds (fold k holds out the actors a with (a-1) %% 5 == k: 2 male + 2 "
                    "female); each fold trained from scratch on the other 16 actors with the shipped recipe and "
                    "settings %s, no early stopping or selection on held-out actors; held-out utterances scored in "
                    "%.0f s windows / %.0f s hop, probabilities averaged (as the Java service does); numbers are means "
                    "over the 5 held-out folds. 7-class = canonical labels; 4-class = rows labelled "
                    "neutral/happy/sad/angry, prediction = argmax among those four. UA = mean per-class recall, "
                    "WA = accuracy, wF1 = support-weighted F1." % (
                        json.dumps({k: v for k, v in args.items() if k not in ("data", "out", "mode", "folds")}),
                        WINDOW_S, HOP_S),
        "cv5_speaker_independent": table,
        "per_fold": {k: {"heldOutActors": folds[k]["actors"],
                         **{"%s_%s" % (a, b): round(folds[k]["metrics"][a][b], 4) for a, b in keys}} for k in folds},
        "pooled_confusion_7class": {"labels": LABELS, "rows_truth": cm7.tolist()},
        "pooled_confusion_4class": {"labels": ["neutral", "happy", "sad", "angry"], "rows_truth": cm4.tolist()},
        "shipped_model": "retrained with the same recipe on all 20 actors (no held-out numbers exist for it; the "
                         "fold numbers above estimate it)",
    }
    path = os.path.join(REPO, "models", "ser-default", "manifest.json")
    man = json.load(open(path)) if os.path.exists(path) else {}
    man["metrics"] = metrics
    with open(path, "w") as f:
        json.dump(man, f, indent=2)
    print("updated", path)


if __name__ == "__main__":
    main()
