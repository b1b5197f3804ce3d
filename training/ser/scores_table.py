"""4-class / 7-class UA and ECE from `emotion-models/evaluate --scores` CSVs (the Java path's per-row canonical
probabilities), e.g. with and without `--speaker`:

  /usr/bin/python3 training/ser/scores_table.py /tmp/serspk/out/emovo_si.csv /tmp/serspk/out/emovo_sp.csv
  /usr/bin/python3 training/ser/scores_table.py --pool /tmp/serspk/out/rav{0,1,2,3,4}_sp.csv   # folds pooled

UA as in common/metrics (4-class: argmax among neutral/happy/sad/angry on those rows); ECE: top probability, 10 bins,
7-class (corpora.ece). With several files and no --pool: one line each; P1 folds: also the mean over the files.
"""
import argparse
import csv
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE)))
sys.path.insert(0, HERE)
import corpora  # noqa: E402
from common import metrics  # noqa: E402


def load(path):
    y, p = [], []
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            y.append(corpora.LABELS.index(r["truth"]))
            p.append([float(r[c]) for c in corpora.LABELS])
    return np.array(y), np.array(p)


def row(y, p):
    ev = metrics.evaluate([corpora.LABELS[i] for i in y], p)
    return ev["4class"]["ua"], ev["7class"]["ua"], corpora.ece(p, y)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--pool", action="store_true")
    a = ap.parse_args()
    data = [load(f) for f in a.files]
    if a.pool:
        y = np.concatenate([d[0] for d in data])
        p = np.concatenate([d[1] for d in data])
        print("pooled %d rows: 4c UA %.3f  7c UA %.3f  ECE %.3f" % ((len(y),) + row(y, p)))
        return
    rs = []
    for f, (y, p) in zip(a.files, data):
        rs.append(row(y, p))
        print("%s: n=%d 4c UA %.3f  7c UA %.3f  ECE %.3f" % ((f, len(y)) + rs[-1]))
    if len(rs) > 1:
        print("mean: 4c UA %.3f  7c UA %.3f  ECE %.3f" % tuple(np.mean(rs, 0)))


if __name__ == "__main__":
    main()
