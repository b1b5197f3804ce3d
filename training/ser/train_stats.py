"""Train the utterance-statistics SER model (stats_model.py): 5-fold speaker-independent CV and/or final export.

Statistics are computed once per utterance and per augmented copy (same augmentation as train_ser.py), so the MLP
trains in seconds. Held-out utterances are scored in 4 s windows / 2 s hop, probabilities averaged.

  /usr/bin/python3 training/ser/train_stats.py --mode cv      # prints per-fold + mean metrics, saves fold probs
  /usr/bin/python3 training/ser/train_stats.py --mode final --out /tmp/ser-stats
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "training"))
sys.path.insert(0, HERE)
from common import metrics  # noqa: E402
from common.threads import set_threads  # noqa: E402
from model import LABELS  # noqa: E402
from stats_model import StatsNet  # noqa: E402
from train_ser import augment, collate, fold_of, load_corpus, windows  # noqa: E402


@torch.no_grad()
def stats_of(feat, waves, bs=32):
    out = []
    for b in range(0, len(waves), bs):
        x, l = collate(waves[b:b + bs])
        out.append(feat(x, l))
    return torch.cat(out)


def train_mlp(model, S, y, args, seed):
    """Trains each MLP head of `model` on the statistics (its own seed and shuffling)."""
    counts = np.bincount(y, minlength=len(LABELS)).astype(np.float64)
    cw = torch.tensor(counts.sum() / (len(LABELS) * np.maximum(counts, 1)), dtype=torch.float32)
    ce = nn.CrossEntropyLoss(weight=cw, label_smoothing=0.1)
    yt = torch.from_numpy(y)
    for h_i, head in enumerate(model.heads):
        torch.manual_seed(seed + 7919 * h_i)
        rng = np.random.default_rng(seed + 7919 * h_i)
        opt = torch.optim.AdamW(head.parameters(), lr=args.lr, weight_decay=args.wd)
        head.train()
        for ep in range(args.epochs):
            perm = rng.permutation(len(y))
            for b in range(0, len(y), args.batch):
                idx = perm[b:b + args.batch]
                if len(idx) < 2:
                    continue
                s = S[idx]
                noise = getattr(args, "feat_noise", 0.0)
                if noise > 0:
                    s = s + noise * torch.randn(len(idx), S.shape[1]) * S.std(0, keepdim=True)
                loss = ce(head(s), yt[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
        head.eval()
    model.eval()
    return model


@torch.no_grad()
def predict(model, waves):
    segs, owner = [], []
    for i, w in enumerate(waves):
        for s in windows(w):
            segs.append(s)
            owner.append(i)
    p = []
    for b in range(0, len(segs), 32):
        x, l = collate(segs[b:b + 32])
        p.append(model(x, l))
    p = torch.cat(p).numpy()
    owner = np.array(owner)
    return np.stack([p[owner == i].mean(0) for i in range(len(waves))])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(REPO, "..", "shared", "data"))
    ap.add_argument("--mode", default="cv", help="cv, final or cv,final")
    ap.add_argument("--heads", type=int, default=1, help="MLP heads (seeds) averaged")
    ap.add_argument("--copies", type=int, default=4, help="augmented copies per training utterance")
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--wd", type=float, default=1e-2)
    ap.add_argument("--feat-noise", type=float, default=0.0)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--dropout", type=float, default=0.3)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    set_threads(1)
    items = load_corpus(args.data)
    rng = np.random.default_rng(args.seed)
    feat = StatsNet(hidden=args.hidden, dropout=args.dropout).stats.eval()
    t0 = time.time()
    import hashlib
    code = hashlib.sha256(open(os.path.join(HERE, "stats_model.py"), "rb").read()
                          + open(os.path.join(HERE, "train_ser.py"), "rb").read()).hexdigest()[:12]
    cache = "/tmp/ser_stats_cache_c%d_s%d_%s.pt" % (args.copies, args.seed, code)  # keyed by the feature code
    if os.path.exists(cache):
        S, owner = torch.load(cache)
    else:
        waves, owner = [], []
        for i, it in enumerate(items):
            waves.append(it["wav"])
            owner.append(i)
            for _ in range(args.copies):
                waves.append(augment(it["wav"], rng, 4.0))
                owner.append(i)
        S = stats_of(feat, waves)
        owner = np.array(owner)
        torch.save((S, owner), cache)
    y_all = np.array([items[i]["label"] for i in owner])
    print("stats %s in %.0fs" % (tuple(S.shape), time.time() - t0), flush=True)
    net = lambda: StatsNet(hidden=args.hidden, dropout=args.dropout, heads=args.heads)  # noqa: E731
    if "cv" in args.mode:
        folds, all_probs = {}, np.zeros((len(items), len(LABELS)))
        for k in range(5):
            tr = np.array([fold_of(items[i]["actor"]) != k for i in owner])
            model = train_mlp(net(), S[tr], y_all[tr], args, args.seed + k)
            te = [i for i, it in enumerate(items) if fold_of(it["actor"]) == k]
            probs = predict(model, [items[i]["wav"] for i in te])
            all_probs[te] = probs
            m = metrics.evaluate([LABELS[items[i]["label"]] for i in te], probs)
            folds[k] = {"actors": sorted({items[i]["actor"] for i in te}), "metrics": m}
            print("[fold %d] %s" % (k, metrics.summary(m)), flush=True)
        for key in ("7class", "4class"):
            print("mean %s UA %.4f acc %.4f wF1 %.4f" % (key, np.mean([folds[k]["metrics"][key]["ua"] for k in folds]),
                                                       np.mean([folds[k]["metrics"][key]["accuracy"] for k in folds]),
                                                       np.mean([folds[k]["metrics"][key]["wf1"] for k in folds])))
        out = "/tmp/ser_stats_cv.json"
        json.dump({"args": vars(args), "folds": folds}, open(out, "w"), indent=1)
        np.save(out.replace(".json", "_probs.npy"), all_probs)
    if "final" in args.mode:
        model = train_mlp(net(), S, y_all, args, args.seed)
        args.out = args.out or os.path.join(REPO, "models", "ser-default")
        os.makedirs(args.out, exist_ok=True)
        torch.jit.script(model).save(os.path.join(args.out, "ser.pt"))
        print("exported", args.out)


if __name__ == "__main__":
    main()
