"""Out-of-fold models of the shipped SER recipe, for scoring RAVDESS without training-data leakage.

The shipped SER (models/ser-default) was trained on all 20 RAVDESS actors, so its scores on RAVDESS are training
scores. This retrains the shipped recipe (training/ser/train_stats.py: statistics + 3 MLPs, 3 augmented copies,
30 epochs) once per speaker fold and exports each fold model as TorchScript with the shipped manifest, so the Java
path (emotion-models/evaluate) can score each fold's held-out actors:

  nice -n 19 /usr/bin/python3 training/fusion/ser_fold_models.py --out /tmp/emostream-ser-folds   # ~15-40 min
  -> /tmp/emostream-ser-folds/fold{0..4}/{ser.pt,manifest.json}, heldout.csv (file,fold)

Folds are those of the shipped cross-validation (actor a is held out in fold (a-1) mod 5).
"""
import argparse
import json
import os
import shutil
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "training", "ser"))
sys.path.insert(0, os.path.join(REPO, "training"))
import train_stats  # noqa: E402
from stats_model import StatsNet  # noqa: E402
from train_ser import augment, fold_of, load_corpus  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(REPO, "..", "shared", "data"))
    ap.add_argument("--out", default="/tmp/emostream-ser-folds")
    ap.add_argument("--copies", type=int, default=3)
    ap.add_argument("--heads", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--seed", type=int, default=20240601)
    a = ap.parse_args()
    torch.set_num_threads(1)
    # the shipped settings (training/README.md), everything else train_stats' defaults
    args = argparse.Namespace(batch=64, lr=1e-3, wd=1e-2, feat_noise=0.0, hidden=256, dropout=0.3,
                              epochs=a.epochs, heads=a.heads)
    items = load_corpus(a.data)
    rng = np.random.default_rng(a.seed)
    feat = StatsNet(hidden=256, dropout=0.3).stats.eval()
    cache = os.path.join(a.out, "stats_c%d_s%d.pt" % (a.copies, a.seed))
    os.makedirs(a.out, exist_ok=True)
    if os.path.exists(cache):
        S, owner = torch.load(cache)
    else:
        waves, owner = [], []
        for i, it in enumerate(items):
            waves.append(it["wav"])
            owner.append(i)
            for _ in range(a.copies):
                waves.append(augment(it["wav"], rng, 4.0))
                owner.append(i)
        S = train_stats.stats_of(feat, waves)
        owner = np.array(owner)
        torch.save((S, owner), cache)
    y_all = np.array([items[i]["label"] for i in owner])
    with open(os.path.join(a.out, "heldout.csv"), "w") as f:
        f.write("file,fold\n")
        for it in items:
            f.write("%s,%d\n" % (it["file"], fold_of(it["actor"])))
    for k in range(5):
        d = os.path.join(a.out, "fold%d" % k)
        if os.path.exists(os.path.join(d, "ser.pt")):
            continue
        tr = np.array([fold_of(items[i]["actor"]) != k for i in owner])
        model = train_stats.train_mlp(StatsNet(hidden=256, dropout=0.3, heads=a.heads), S[tr], y_all[tr], args,
                                      a.seed + k)
        os.makedirs(d, exist_ok=True)
        torch.jit.script(model).save(os.path.join(d, "ser.pt"))
        m = json.load(open(os.path.join(REPO, "models", "ser-default", "manifest.json")))
        m["name"] = m["name"] + "-fold%d" % k
        m.pop("metrics", None)
        json.dump(m, open(os.path.join(d, "manifest.json"), "w"), indent=1)
        print("fold %d exported" % k, flush=True)


if __name__ == "__main__":
    main()
