"""P1 (RAVDESS, 5 actor folds) of RAVDESS-only CNN runs (mc_cnn.py --train-corpora ravdess), each alone and averaged
1:1 with the statistics part of `forward`, (rav + a0) / 2, out of fold; a group of runs (comma-separated tags, e.g.
seeds of one recipe) gets the mean of its runs and the CNN's 7-class recall per class. Last epoch vs checkpoint average per run as cnn_ensemble.py chooses
(validation actors). Used for "speed perturbation of the RAVDESS-only CNN" in training/README.md:

  /usr/bin/python3 training/ser/p1_compare.py ravcnn,ravcnn_s2,ravcnn_s3 spd,spd_s2,spd_s3 [--stats ravf,a0]

The statistics probabilities are /tmp/serv2/probs_<tag>_p1.npy (mc_stats.py; ravf/a0 as
training/fusion/ser_fold_models.sh writes them, rav/a0 as the 2.1 recipe does).
"""
import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
import corpora  # noqa: E402
from cnn_ensemble import cnn_probs  # noqa: E402
from mc_cnn import CACHE, STATS, ua  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("groups", nargs="+", help="comma-separated mc_cnn.py tags, one group per argument")
    ap.add_argument("--stats", default="ravf,a0", help="the two statistics groups averaged as forward's first half")
    a = ap.parse_args()
    items = corpora.rows(corpora.default_data())
    y = np.array([it["label"] for it in items])
    st = np.mean([np.load(os.path.join(STATS, "probs_%s_p1.npy" % t)) for t in a.stats.split(",")], 0)
    folds = corpora.p1_folds(items)

    def p1(p):
        per = []
        for _, _, te in folds:
            m = te & (y >= 0)
            v7, v4 = ua(y[m], p[m])
            per.append((v4, v7))
        return np.mean(per, 0), per

    print("statistics (%s) alone: %.3f / %.3f (4c / 7c UA, P1 mean of folds)" % (a.stats, *p1(st)[0]))
    for group in a.groups:
        alone, both, recall = [], [], []
        for t in group.split(","):
            c = cnn_probs(os.path.join(CACHE, t), len(items), [], t)["p1"]
            m = ~np.isnan(c[:, 0]) & (y >= 0)
            recall.append([float((c[m].argmax(1)[y[m] == k] == k).mean()) for k in range(len(corpora.LABELS))])
            (m_a, _), (m_b, per) = p1(c), p1((st + c) / 2)
            alone.append(m_a)
            both.append(m_b)
            print("  %s: alone %.3f / %.3f, with the statistics %.3f / %.3f (folds 4c %s)"
                  % (t, *m_a, *m_b, ", ".join("%.3f" % v[0] for v in per)))
        print("%s, mean of %d runs: alone %.3f / %.3f, with the statistics %.3f / %.3f"
              % (group, len(alone), *np.mean(alone, 0), *np.mean(both, 0)))
        print("  CNN alone, 7-class argmax recall pooled over the folds, mean of the runs: "
              + ", ".join("%s %.3f" % (k, v) for k, v in zip(corpora.LABELS, np.mean(recall, 0))))


if __name__ == "__main__":
    main()
