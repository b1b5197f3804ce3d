"""Train the text emotion head on encoder token features dumped by the Java TextEncoder, export TorchScript.

  bash training/ter/dump_features.sh                 # Java: token features of MELD, EmoryNLP, GoEmotions subset -> /tmp/terfeat
  /usr/bin/python3 training/ter/train_ter.py         # train on MELD train (+ extra data), select on MELD dev,
                                                      # report MELD test, export models/ter-default/head.pt

Selection (epoch, class-weight exponent, logit bias) uses MELD dev only; MELD test is evaluated once at the end.
"""
import argparse
import csv
import json
import os
import re
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
from head import LABELS, Ensemble, TerHead  # noqa: E402

H = 384


def load_feats(prefix):
    lens = np.fromfile(prefix + ".len", dtype="<i4")
    flat = np.fromfile(prefix + ".f32", dtype="<f4").reshape(-1, H)
    assert flat.shape[0] == lens.sum(), prefix
    offs = np.concatenate([[0], np.cumsum(lens)])
    return [flat[offs[i]:offs[i + 1]] for i in range(len(lens))]


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def norm_text(t):
    return re.sub(r"[^a-z0-9]+", " ", t.lower().replace("\u2019", "'")).strip()


def load_all(data_dir, feat_dir, extra):
    sets = {}
    meld = read_csv(os.path.join(data_dir, "text", "meld", "meld.csv"))
    mf = load_feats(os.path.join(feat_dir, "meld"))
    assert len(mf) == len(meld)
    for split in ("train", "dev", "test"):
        idx = [i for i, r in enumerate(meld) if r["split"] == split and metrics.to_canonical(r["emotion_original"])]
        sets[split] = ([mf[i] for i in idx], [metrics.to_canonical(meld[i]["emotion_original"]) for i in idx])
    held = {norm_text(r["text"]) for r in meld if r["split"] in ("dev", "test")}
    extra_x, extra_y, info = [], [], {}
    if "emorynlp" in extra:
        rows = read_csv(os.path.join(data_dir, "text", "emorynlp", "emorynlp.csv"))
        ef = load_feats(os.path.join(feat_dir, "emorynlp"))
        assert len(ef) == len(rows)
        skipped = leaked = 0
        for r, f in zip(rows, ef):
            lab = metrics.to_canonical(r["emotion_original"])
            if lab is None:
                skipped += 1
                continue
            if norm_text(r["text"]) in held:
                leaked += 1
                continue
            extra_x.append(f)
            extra_y.append(lab)
        info["emorynlp"] = {"used": len(rows) - skipped - leaked, "unmappable": skipped, "dropped_overlap_meld_dev_test": leaked}
    if "goemotions" in extra:
        rows = read_csv(os.path.join(feat_dir, "goemotions_subset.csv"))  # written by select_extra_rows.py
        gf = load_feats(os.path.join(feat_dir, "goemotions_subset"))
        assert len(gf) == len(rows)
        used = 0
        for r, f in zip(rows, gf):
            e = r["ekman"]
            if "|" in e:
                continue
            lab = metrics.to_canonical(e)
            if lab is None:
                continue
            extra_x.append(f)
            extra_y.append(lab)
            used += 1
        info["goemotions"] = {"used_single_label_ekman_subset": used}
    return sets, (extra_x, extra_y), info


def pad(batch):
    lengths = torch.tensor([len(b) for b in batch], dtype=torch.long)
    x = torch.zeros(len(batch), int(lengths.max()), H)
    for i, b in enumerate(batch):
        x[i, :len(b)] = torch.from_numpy(np.asarray(b, dtype=np.float32))
    return x, lengths


@torch.no_grad()
def logits_of(model, xs, bs=256):
    model.eval()
    out = []
    order = np.argsort([len(x) for x in xs])
    res = [None] * len(xs)
    for b in range(0, len(xs), bs):
        idx = order[b:b + bs]
        x, l = pad([xs[i] for i in idx])
        lg = model.logits(x, l)
        for j, i in enumerate(idx):
            res[i] = lg[j]
    return torch.stack(res)


def objective(m):
    """Dev selection score: 7-class weighted F1 plus 4-class UA (the two targets)."""
    return m["7class"]["wf1"] + m["4class"]["ua"]


def eval_logits(lg, labels, bias=None):
    lg = lg if bias is None else lg + bias
    return metrics.evaluate(labels, torch.softmax(lg, 1).numpy())


def tune_bias(lg, labels, rounds=3, grid=np.linspace(-1.5, 1.5, 31)):
    """Coordinate ascent on a per-class logit bias (MELD dev only)."""
    bias = torch.zeros(len(LABELS))
    best = objective(eval_logits(lg, labels, bias))
    for _ in range(rounds):
        for c in range(1, len(LABELS)):  # neutral's bias stays 0 (only differences matter)
            for v in grid:
                b = bias.clone()
                b[c] = float(v)
                s = objective(eval_logits(lg, labels, b))
                if s > best + 1e-9:
                    best, bias = s, b
    return bias, best


def bucketed_batches(lens, batch, rng, chunk=50):
    """Shuffled batches of similar lengths (less padding): sort within random chunks of `chunk` batches."""
    perm = rng.permutation(len(lens))
    batches = []
    for c in range(0, len(perm), batch * chunk):
        part = perm[c:c + batch * chunk]
        part = part[np.argsort(lens[part], kind="stable")]
        batches += [part[b:b + batch] for b in range(0, len(part), batch)]
    order = rng.permutation(len(batches))
    return [batches[i] for i in order]


def train_one(train_x, train_y, dev, args, seed, alpha):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = TerHead(dropout=args.dropout, channels=args.channels, fc=args.fc, proj=args.proj)
    y = np.array([LABELS.index(l) for l in train_y])
    counts = np.bincount(y, minlength=len(LABELS)).astype(np.float64)
    w = (counts.sum() / (len(LABELS) * np.maximum(counts, 1))) ** alpha
    ce = nn.CrossEntropyLoss(weight=torch.tensor(w / w.mean(), dtype=torch.float32), label_smoothing=0.1)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    steps = (len(y) + args.batch - 1) // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps * args.epochs, pct_start=0.1)
    best = (-1, None, None)
    lens = np.array([len(x) for x in train_x])
    for ep in range(args.epochs):
        model.train()
        t0 = time.time()
        for idx in bucketed_batches(lens, args.batch, rng):
            x, l = pad([train_x[i] for i in idx])
            loss = ce(model.logits(x, l), torch.from_numpy(y[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        lg = logits_of(model, dev[0])
        m = eval_logits(lg, dev[1])
        s = objective(m)
        print("  alpha %.2f seed %d epoch %d dev %s obj %.4f (%.0fs)" % (alpha, seed, ep + 1, metrics.summary(m), s,
                                                                       time.time() - t0), flush=True)
        if s > best[0]:
            best = (s, {k: v.clone() for k, v in model.state_dict().items()}, ep + 1)
    model.load_state_dict(best[1])
    return model, best[0], best[2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(REPO, "..", "shared", "data"))
    ap.add_argument("--features", default="/tmp/terfeat")
    ap.add_argument("--extra", default="emorynlp", help="comma list: emorynlp,goemotions or none")
    ap.add_argument("--extra-weight", type=float, default=1.0)
    ap.add_argument("--alphas", default="0.5,0.75")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--dropout", type=float, default=0.5)
    ap.add_argument("--channels", type=int, default=128)
    ap.add_argument("--fc", type=int, default=128)
    ap.add_argument("--proj", type=int, default=0, help="per-token bottleneck before the CNN (0 = none)")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--seeds", type=int, default=1, help="heads trained with different seeds, logits averaged")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=os.path.join(REPO, "models", "ter-default"))
    ap.add_argument("--no-export", action="store_true")
    args = ap.parse_args()
    set_threads(args.threads)
    extra = [] if args.extra in ("", "none") else args.extra.split(",")
    sets, (ex, ey), info = load_all(args.data, args.features, extra)
    print("MELD train %d dev %d test %d; extra %d %s" % (len(sets["train"][0]), len(sets["dev"][0]),
                                                       len(sets["test"][0]), len(ex), info), flush=True)
    train_x = sets["train"][0] + ex
    train_y = sets["train"][1] + ey
    best = None
    for alpha in [float(a) for a in args.alphas.split(",")]:
        heads, epochs = [], []
        for k in range(args.seeds):
            h, score, epoch = train_one(train_x, train_y, sets["dev"], args, args.seed + 1000 * k, alpha)
            heads.append(h)
            epochs.append(epoch)
        model = Ensemble(heads).eval()
        lg = logits_of(model, sets["dev"][0])
        plain = objective(eval_logits(lg, sets["dev"][1]))
        bias, tuned = tune_bias(lg, sets["dev"][1])
        print("alpha %.2f: %d heads (best epochs %s) dev obj %.4f, with tuned bias %.4f %s" % (
            alpha, len(heads), epochs, plain, tuned, bias.numpy().round(2)), flush=True)
        if best is None or tuned > best[0]:
            best = (tuned, model, bias, alpha, epochs)
    _, model, bias, alpha, epoch = best
    model.bias.copy_(bias)
    model.eval()
    print("SELECTED alpha %.2f epochs %s bias %s" % (alpha, epoch, bias.numpy().round(2)))
    dev_m = eval_logits(logits_of(model, sets["dev"][0]), sets["dev"][1])
    test_m = eval_logits(logits_of(model, sets["test"][0]), sets["test"][1])
    print("MELD dev : " + metrics.summary(dev_m))
    print("MELD test: " + metrics.summary(test_m), flush=True)
    report = {"selected": {"alpha": alpha, "epochs": epoch, "bias": bias.tolist()}, "args": vars(args),
              "extra_data": info, "meld_dev": dev_m, "meld_test": test_m}
    with open(os.path.join("/tmp", "ter_report_%s.json" % os.path.basename(args.out.rstrip("/"))), "w") as f:
        json.dump(report, f, indent=1)
    if not args.no_export:
        os.makedirs(args.out, exist_ok=True)
        torch.jit.script(model).save(os.path.join(args.out, "head.pt"))
        with open(os.path.join(args.out, "training-report.json"), "w") as f:
            json.dump(report, f, indent=1)
        print("exported", args.out)


if __name__ == "__main__":
    main()
