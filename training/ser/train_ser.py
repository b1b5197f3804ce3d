"""Train the speech emotion model on RAVDESS (actors 01-20) and export TorchScript.

  /usr/bin/python3 training/ser/train_ser.py --mode cv     # 5 speaker-grouped folds, prints mean metrics
  /usr/bin/python3 training/ser/train_ser.py --mode final  # all 20 actors -> /tmp/ser-crnn/ser.pt (--out to change)

The shipped SER is the statistics model (train_stats.py); this CRNN did not reach it within the compute available
(see training/README.md).

Folds: fold k holds out the actors a with (a-1) % 5 == k (2 male + 2 female). No early stopping and no model
selection on the held-out actors: fixed epochs, weights averaged over the last epochs (seed 001).
Held-out utterances are scored like the Java service scores them: 4 s windows, 2 s hop, probabilities averaged.
"""
import argparse
import copy
import csv
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchaudio

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "training"))
sys.path.insert(0, HERE)
from common import metrics  # noqa: E402
from common.threads import set_threads  # noqa: E402
from model import LABELS, SerNet  # noqa: E402

SR = 16000
WINDOW_S = 4.0
HOP_S = 2.0
MIN_S = 0.25
DUPLICATES = {"03-01-03-01-02-02-07.wav"}  # byte-identical to 03-01-03-01-02-01-07.wav (data README)


def load_corpus(data_dir):
    root = os.path.join(data_dir, "speech", "ravdess")
    items = []
    with open(os.path.join(root, "manifest.csv"), newline="") as f:
        for r in csv.DictReader(f):
            if r["file"] in DUPLICATES:
                continue
            lab = metrics.to_canonical(r["emotion_original"])
            if lab is None:
                continue
            wav, sr = torchaudio.load(os.path.join(root, r["file"]))
            assert sr == SR, r["file"]
            actor = int(r["speaker"][-2:])
            items.append({"file": r["file"], "wav": wav.mean(0).numpy().astype(np.float32),
                          "label": LABELS.index(lab), "actor": actor})
    return items


# ---------------------------------------------------------------- augmentation (numpy/torch, per sample)
def speed(w, factor):
    n = int(len(w) / factor)
    return F.interpolate(torch.from_numpy(w)[None, None], size=n, mode="linear", align_corners=False)[0, 0].numpy()


def colored_noise(n, rng):
    white = rng.standard_normal(n).astype(np.float32)
    kind = rng.integers(0, 3)
    if kind == 0:
        return white
    spec = np.fft.rfft(white)
    f = np.arange(len(spec)) + 1.0
    spec = spec / (f ** (0.5 if kind == 1 else 1.0))  # pink / brown-ish
    out = np.fft.irfft(spec, n).astype(np.float32)
    return out / (out.std() + 1e-8)


def reverb(w, rng):
    rt60 = rng.uniform(0.15, 0.7)
    n = int(SR * min(0.5, rt60))
    t = np.arange(n) / SR
    rir = rng.standard_normal(n).astype(np.float32) * np.exp(-6.9 * t / rt60).astype(np.float32)
    rir[0] = 1.0
    rir /= np.sqrt((rir ** 2).sum())
    out = np.fft.irfft(np.fft.rfft(w, len(w) + n) * np.fft.rfft(rir, len(w) + n), len(w) + n)[:len(w)]
    return out.astype(np.float32)


def band_limit(w, rng):
    spec = np.fft.rfft(w)
    freqs = np.fft.rfftfreq(len(w), 1.0 / SR)
    hi = rng.uniform(3400, 7000)
    lo = rng.uniform(0, 300)
    spec[(freqs > hi) | (freqs < lo)] = 0
    return np.fft.irfft(spec, len(w)).astype(np.float32)


def tilt(w, rng):
    """Mild random spectral tilt (microphone / channel colouring), +-3 dB per octave at most."""
    spec = np.fft.rfft(w)
    f = np.maximum(np.fft.rfftfreq(len(w), 1.0 / SR), 50.0)
    spec = spec * (f / 1000.0) ** (rng.uniform(-0.5, 0.5))
    return np.fft.irfft(spec, len(w)).astype(np.float32)


def augment(w, rng, crop_max):
    if rng.random() < 0.5:
        w = speed(w, rng.uniform(0.9, 1.1))
    # random crop (at least 1.2 s) and random silence padding at the edges
    if rng.random() < 0.5:
        L = int(rng.uniform(1.2, crop_max) * SR)
        if len(w) > L:
            s = rng.integers(0, len(w) - L + 1)
            w = w[s:s + L]
    if len(w) > crop_max * SR:
        s = rng.integers(0, len(w) - int(crop_max * SR) + 1)
        w = w[s:s + int(crop_max * SR)]
    if rng.random() < 0.2:
        pre = np.zeros(int(rng.uniform(0, 0.3) * SR), np.float32)
        post = np.zeros(int(rng.uniform(0, 0.3) * SR), np.float32)
        w = np.concatenate([pre, w, post])[: int(crop_max * SR)]
    if rng.random() < 0.15:
        w = reverb(w, rng)
    if rng.random() < 0.1:
        w = band_limit(w, rng)
    if rng.random() < 0.3:
        w = tilt(w, rng)
    w = w * (10 ** (rng.uniform(-20, 6) / 20))
    if rng.random() < 0.4:
        snr = rng.uniform(10, 35)
        p = float((w ** 2).mean()) + 1e-10
        w = w + colored_noise(len(w), rng) * math.sqrt(p / 10 ** (snr / 10))
    else:
        w = w + rng.standard_normal(len(w)).astype(np.float32) * 1e-4  # dither: no digital silence
    return np.clip(w, -1.0, 1.0).astype(np.float32)


def collate(waves):
    lengths = torch.tensor([len(w) for w in waves], dtype=torch.long)
    x = torch.zeros(len(waves), int(lengths.max()))
    for i, w in enumerate(waves):
        x[i, :len(w)] = torch.from_numpy(w)
    return x, lengths


# ---------------------------------------------------------------- losses
class CenterLoss(nn.Module):
    """Seed 004: pulls embeddings of one class together (centres learnt by SGD with the network)."""

    def __init__(self, n_classes, dim):
        super().__init__()
        self.centers = nn.Parameter(torch.randn(n_classes, dim) * 0.1)

    def forward(self, emb, y):
        return ((emb - self.centers[y]) ** 2).sum(1).mean() / 2


class GradReverse(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, lam):
        ctx.lam = lam
        return x.view_as(x)

    @staticmethod
    def backward(ctx, g):
        return -ctx.lam * g, None


def dann_lambda(gamma: float, progress: float) -> float:
    """DANN's gradient-reversal weight over training progress p in [0, 1]: gamma x (2 / (1 + exp(-10 p)) - 1)."""
    return gamma * (2.0 / (1.0 + math.exp(-10.0 * progress)) - 1.0)


# ---------------------------------------------------------------- windows (same as the Java SpeechEmotionModel)
def windows(w):
    win, hop = int(WINDOW_S * SR), int(HOP_S * SR)
    if len(w) <= win:
        return [w]
    starts = list(range(0, len(w) - win + 1, hop))
    if starts[-1] + win < len(w):
        starts.append(len(w) - win)
    return [w[s:s + win] for s in starts]


@torch.no_grad()
def predict(model, waves, batch=16):
    model.eval()
    segs, owner = [], []
    for i, w in enumerate(waves):
        for s in windows(w):
            segs.append(s)
            owner.append(i)
    out = []
    for b in range(0, len(segs), batch):
        x, l = collate(segs[b:b + batch])
        out.append(model(x, l))
    p = torch.cat(out).numpy()
    owner = np.array(owner)
    return np.stack([p[owner == i].mean(0) for i in range(len(waves))])


def train(items, args, seed, log_prefix=""):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    random.seed(seed)
    model = SerNet(dropout=args.dropout)
    model.spec_aug = True
    center = CenterLoss(len(LABELS), 128)
    actors = sorted({it["actor"] for it in items})
    adv = nn.Sequential(nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, len(actors)))
    params = list(model.parameters()) + list(adv.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=1e-2)
    copt = torch.optim.SGD(center.parameters(), lr=0.5)
    steps_per_epoch = math.ceil(len(items) / args.batch)
    total = steps_per_epoch * args.epochs
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=total, pct_start=0.15)
    counts = np.bincount([it["label"] for it in items], minlength=len(LABELS)).astype(np.float64)
    cw = torch.tensor((counts.sum() / (len(LABELS) * np.maximum(counts, 1))), dtype=torch.float32)
    ce = nn.CrossEntropyLoss(weight=cw, label_smoothing=0.1)
    actor_idx = {a: i for i, a in enumerate(actors)}
    avg_state, n_avg = None, 0
    for ep in range(args.epochs):
        model.train()
        order = rng.permutation(len(items))
        t0, tot, ncorr, nn_ = time.time(), 0.0, 0, 0
        for b in range(steps_per_epoch):
            idx = order[b * args.batch:(b + 1) * args.batch]
            if len(idx) < 2:
                continue
            waves = [augment(items[i]["wav"], rng, args.crop) for i in idx]
            x, l = collate(waves)
            y = torch.tensor([items[i]["label"] for i in idx])
            spk = torch.tensor([actor_idx[items[i]["actor"]] for i in idx])
            emb = model.embedding(x, l)
            logits = model.cls(model.drop(emb))
            loss = ce(logits, y)
            if args.center > 0:
                loss = loss + args.center * center(emb, y)
            if args.adv > 0:
                lam = args.adv * min(1.0, ep / max(1, args.epochs // 3))
                loss = loss + nn.functional.cross_entropy(adv(GradReverse.apply(emb, lam)), spk)
            opt.zero_grad()
            copt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(params, 5.0)
            opt.step()
            copt.step()
            sched.step()
            tot += float(loss) * len(idx)
            ncorr += int((logits.argmax(1) == y).sum())
            nn_ += len(idx)
        if ep >= args.epochs - args.average:
            sd = {k: v.detach().clone().float() for k, v in model.state_dict().items()}
            if avg_state is None:
                avg_state = sd
            else:
                for k in avg_state:
                    avg_state[k] += sd[k]
            n_avg += 1
        print("%sepoch %d loss %.4f train-acc %.3f %.0fs" % (log_prefix, ep + 1, tot / max(nn_, 1), ncorr / max(nn_, 1),
                                                             time.time() - t0), flush=True)
    ref = model.state_dict()
    for k in avg_state:
        avg_state[k] = (avg_state[k] / n_avg).to(ref[k].dtype)
    model.load_state_dict(avg_state)
    model.spec_aug = False
    model.eval()
    return model


def fold_of(actor):
    return (actor - 1) % 5


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(REPO, "..", "shared", "data"))
    ap.add_argument("--mode", choices=["cv", "final"], default="cv")
    ap.add_argument("--folds", default="0,1,2,3,4")
    ap.add_argument("--epochs", type=int, default=24)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--dropout", type=float, default=0.3)
    ap.add_argument("--crop", type=float, default=2.5)
    ap.add_argument("--center", type=float, default=0.01)
    ap.add_argument("--adv", type=float, default=0.0)
    ap.add_argument("--average", type=int, default=5)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    set_threads(args.threads)
    items = load_corpus(args.data)
    print("loaded %d utterances from %d actors" % (len(items), len({i['actor'] for i in items})), flush=True)
    if args.mode == "cv":
        results = {}
        for k in [int(f) for f in args.folds.split(",")]:
            tr = [it for it in items if fold_of(it["actor"]) != k]
            te = [it for it in items if fold_of(it["actor"]) == k]
            model = train(tr, args, args.seed + k, log_prefix="[fold %d] " % k)
            probs = predict(model, [it["wav"] for it in te])
            m = metrics.evaluate([LABELS[it["label"]] for it in te], probs)
            held = sorted({it["actor"] for it in te})
            print("[fold %d] actors %s: %s" % (k, held, metrics.summary(m)), flush=True)
            results[k] = {"actors": held, "metrics": m}
        out = args.out or "/tmp/ser_cv_%s.json" % args.folds.replace(",", "")
        with open(out, "w") as f:
            json.dump({"args": vars(args), "folds": results}, f, indent=1)
        print("wrote", out)
    else:
        model = train(items, args, args.seed, log_prefix="[final] ")
        export(model, args, items)


def export(model, args, items):
    out_dir = args.out or "/tmp/ser-crnn"  # not the shipped model (see training/README.md)
    os.makedirs(out_dir, exist_ok=True)
    scripted = torch.jit.script(model)
    scripted.save(os.path.join(out_dir, "ser.pt"))
    with open(os.path.join(out_dir, "training-args.json"), "w") as f:
        json.dump({k: v for k, v in vars(args).items() if k not in ("data", "out")}, f, indent=1)
    print("exported", out_dir)


if __name__ == "__main__":
    main()
