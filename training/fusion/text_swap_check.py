"""Fusion with a new text model where only set B can be re-scored: B's test part (MELD test + the GoEmotions half)
with the shipped gate θ, for one or more TER score files against the same SER scores, plus what each TER says about
set A's two RAVDESS sentences (A's speech needs out-of-fold SER models; A's text side is just these two texts).

  /usr/bin/python3 training/fusion/text_swap_check.py --ser-b /tmp/emostream-fusion/scores/ser_b.csv \
      --ter-b v2=/tmp/emostream-fusion/scores/ter_b_v2.csv --ter-b v3=/tmp/emostream-fusion/scores/ter_b_v3.csv \
      [--ter-a v2=...ter_a_v2.csv --ter-a v3=...] [--theta-from results.json]

The gate θ is the one the platform ships: ScoreFusion.DEFAULT_GATE, read from its Java source (or gate.theta of a
results file given with --theta-from).
"""
import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from fusion_eval import LABELS, fuse, read_manifest, read_scores, report, shipped_theta  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default="/tmp/emostream-fusion")
    ap.add_argument("--ser-b", required=True)
    ap.add_argument("--ter-b", action="append", required=True, help="name=scores.csv (repeatable)")
    ap.add_argument("--ter-a", action="append", default=[], help="name=scores.csv of a_ravdess.csv (repeatable)")
    ap.add_argument("--theta-from", default=None, help="a results JSON whose gate.theta to use instead")
    a = ap.parse_args()
    theta = np.array(json.load(open(a.theta_from))["gate"]["theta"] if a.theta_from else shipped_theta(),
                     dtype=np.float64)
    print("gate theta", np.round(theta, 4).tolist())
    man = read_manifest(os.path.join(a.sets, "b.csv"))
    s = read_scores(a.ser_b)
    out = {}
    for spec in a.ter_b:
        name, path = spec.split("=", 1)
        t = read_scores(path)
        keys = sorted(k for k in set(s) & set(t) if man[k]["part"] == "test")
        truth = np.array([s[k][0] for k in keys])
        ps = np.stack([s[k][1] for k in keys])
        pt = np.stack([t[k][1] for k in keys])
        corpus = np.array([man[k]["corpus"] for k in keys])
        row = {}
        for method in ("speech", "text", "fixed", "confidence", "shipped"):
            p, w = fuse(method, ps, pt, theta)
            row[method] = {"B": report(truth, p)["ua4"], "mean_speech_weight": float(w.mean())}
            for c in sorted(set(corpus)):
                row[method]["B_" + c] = report(truth[corpus == c], p[corpus == c])["ua4"]
        out[name] = row
        print("%s (B test, %d rows): %s" % (name, len(keys), "  ".join(
            "%s %.3f" % (m, v["B"]) for m, v in row.items())))
        print("   per corpus: %s; GATED mean speech weight %.3f" % (
            "  ".join("%s text %.3f / GATED %.3f" % (c[2:], row["text"][c], row["shipped"][c])
                      for c in row["text"] if c.startswith("B_")), row["shipped"]["mean_speech_weight"]))
    for spec in a.ter_a:
        name, path = spec.split("=", 1)
        t = read_scores(path)
        ram = read_manifest(os.path.join(a.sets, "a_ravdess.csv"))
        for stmt in sorted({ram[k]["statement"] for k in t}):
            p = np.mean([t[k][1] for k in t if ram[k]["statement"] == stmt], 0)
            text = next(ram[k]["text"] for k in t if ram[k]["statement"] == stmt)
            print("%s A statement %s %-32s %s" % (name, stmt, '"%s"' % text, "  ".join(
                "%s %.2f" % (LABELS[i], p[i]) for i in np.argsort(-p)[:3])))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
