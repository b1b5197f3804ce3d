"""SER v2, statistics-model candidates on all five speech corpora (corpora.py): protocols P1 and P2, and export.

The shipped architecture (stats_model.StatsNet: in-model log-mel + pitch utterance statistics, MLP heads) retrained on
ravdess + emovo + nemo + turevdb + baved. Statistics of every utterance (scored by 4 s windows / 2 s hop as the Java
service does) and of augmented copies are computed once and cached in /tmp/serv2 (never in the repo).

  nice -n 19 /usr/bin/python3 training/ser/mc_stats.py --candidate a            # P1 + P2 tables, probs in /tmp/serv2
  nice -n 19 /usr/bin/python3 training/ser/mc_stats.py --candidate b            # + per-speaker normalisation
  nice -n 19 /usr/bin/python3 training/ser/mc_stats.py --candidate e --tel 2    # + telephone-band copies
  nice -n 19 /usr/bin/python3 training/ser/mc_stats.py --candidate shipped      # the shipped 1.0 model, same rows
  /usr/bin/python3 training/ser/mc_stats.py --candidate e --tel 2 --export models/ser-default   # all rows -> ser.pt

Candidates: shipped (models/ser-default 1.0 weights, no training), rav (same recipe, RAVDESS rows only: the 1.0
recipe inside this pipeline), a (all corpora), b (a + per-speaker z-normalisation of the statistics over the
speaker's own utterances, labels unused: training-only, the Java path scores single utterances), e (a + telephone
band copies: 300-3400 Hz, 8 kHz, mu-law round trip).

Training methods of the seeds (any of them switches to train_ext; settings fixed a priori, nothing chosen on test data):
  --avg K      checkpoint averaging (seed 001): every head's weights averaged over its last K epochs. The same run
               also writes the last-epoch model as <tag>_last (the plain recipe, same initialisation: a paired baseline).
  --dann G     domain-adversarial training (seed 004): a corpus classifier (5 corpora, baved included) on each head's
               penultimate layer behind a gradient reversal layer, weight G * (2 / (1 + exp(-10 p)) - 1), p = progress.
  --dann-weight cell   the adversary's loss balanced over (corpus, emotion) cells instead of corpora (label shift).
  --center L   centre loss (seed 004) on each head's penultimate layer, weight L, centres by SGD (lr 0.5).
  nice -n 19 /usr/bin/python3 training/ser/mc_stats.py --candidate b --copies 0 --batch 256 --lr 2e-3 --avg 5 --dann 0.3 --tag b0dann
"""
import argparse
import copy
import hashlib
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torchaudio.functional as AF

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "training"))
sys.path.insert(0, HERE)
import corpora  # noqa: E402
from common import metrics  # noqa: E402
from common.threads import set_threads  # noqa: E402
from stats_model import StatsNet  # noqa: E402
from train_ser import GradReverse, augment, collate, dann_lambda, windows  # noqa: E402
from train_stats import train_mlp  # noqa: E402

CACHE = "/tmp/serv2"
LABELS = corpora.LABELS


def telephone(w, rng):
    """Narrow-band phone channel: band 300-3400 Hz (edges jittered), 8 kHz, 8-bit mu-law round trip, back to 16 kHz."""
    spec = np.fft.rfft(w)
    f = np.fft.rfftfreq(len(w), 1.0 / corpora.SR)
    lo, hi = rng.uniform(250, 350), rng.uniform(3200, 3500)
    spec[(f < lo) | (f > hi)] = 0
    x = torch.from_numpy(np.fft.irfft(spec, len(w)).astype(np.float32))
    x = x / (x.abs().max() + 1e-6) * rng.uniform(0.3, 0.9)
    x = AF.resample(x, 16000, 8000)
    x = AF.mu_law_decoding(AF.mu_law_encoding(x, 256), 256)
    if rng.random() < 0.5:
        x = x + torch.randn_like(x) * float(x.pow(2).mean().sqrt()) * 10 ** (-rng.uniform(15, 35) / 20)
    x = AF.resample(x, 8000, 16000)[: len(w)]
    return np.clip(x.numpy(), -1, 1).astype(np.float32)


@torch.no_grad()
def stats_of(feat, waves, bs=32):
    out = []
    order = np.argsort([len(w) for w in waves])  # similar lengths per batch: less padding work
    res = [None] * len(waves)
    for b in range(0, len(waves), bs):
        idx = order[b:b + bs]
        x, l = collate([waves[i] for i in idx])
        s = feat(x, l)
        for j, i in enumerate(idx):
            res[i] = s[j]
    return torch.stack(res) if res else torch.zeros(0)


def features(items, copies, tel, seed, parts=("clean", "aug", "tel"), stride=1):
    """Returns dict: win (clean window stats), win_owner, aug (copy stats), aug_owner, aug_kind (0 aug, 1 tel)."""
    code = hashlib.sha256(open(os.path.join(HERE, "stats_model.py"), "rb").read()
                          + open(os.path.join(HERE, "train_ser.py"), "rb").read()
                          + open(os.path.join(HERE, "corpora.py"), "rb").read()).hexdigest()[:10]
    os.makedirs(CACHE, exist_ok=True)
    feat = StatsNet().stats.eval()
    out = {}
    for part, n in (("clean", 0), ("aug", copies), ("tel", tel)):
        if (part != "clean" and n == 0) or part not in parts:
            continue
        st = 1 if part == "clean" else stride  # copies of every `stride`-th utterance only (compute budget)
        path = os.path.join(CACHE, "stats_%s_n%d_s%d_k%d_%s.pt" % (part, n, seed, st, code))
        if os.path.exists(path):
            out[part] = torch.load(path)
            continue
        t0 = time.time()
        rng = np.random.default_rng(seed + {"clean": 0, "aug": 1, "tel": 2}[part])
        S, owner = [], []
        for b in range(0, len(items), 256):  # chunks: bounded memory
            waves, own = [], []
            for i in range(b, min(len(items), b + 256)):
                if i % st:
                    continue
                w = corpora.load_wave(items[i]["path"])
                if part == "clean":
                    segs = windows(w)
                elif part == "aug":
                    segs = [augment(w, rng, 4.0) for _ in range(n)]
                else:
                    segs = [augment(telephone(w, rng), rng, 4.0) if rng.random() < 0.5 else
                            telephone(w[:64000], rng) for _ in range(n)]
                waves += segs
                own += [i] * len(segs)
            S.append(stats_of(feat, waves))
            owner += own
            print("  %s %d/%d %.0fs" % (part, min(len(items), b + 256), len(items), time.time() - t0), flush=True)
        out[part] = (torch.cat(S), np.array(owner))
        torch.save(out[part], path)
    return out


def speaker_norm(S, owner, items, ref_S=None, ref_owner=None):
    """z-normalise each row by the mean/std of its speaker's reference rows (default: the rows themselves)."""
    if ref_S is None:
        ref_S, ref_owner = S, owner
    spk = np.array([items[i]["speaker"] for i in owner])
    rspk = np.array([items[i]["speaker"] for i in ref_owner])
    out = S.clone()
    for s in np.unique(spk):
        r = ref_S[torch.from_numpy(rspk == s)]
        m = r.mean(0, keepdim=True)
        sd = r.std(0, keepdim=True) + 1e-3 if len(r) > 1 else torch.ones_like(m)
        sel = torch.from_numpy(spk == s)
        out[sel] = (S[sel] - m) / sd
    return out


def train_heads(S, y, args, seed, dom=None):
    """{suffix: model}: "" is the candidate; with --avg also "_last" (the last epoch of the same run)."""
    if not (args.avg or args.dann or args.center):
        # the heads' initial weights come from torch's global generator: seeded here, so a fold's model depends on
        # its seed only (before 2026-12-06 it was unseeded, and a process's first fold varied from run to run)
        torch.manual_seed(seed)
        return {"": train_mlp(StatsNet(hidden=args.hidden, dropout=args.dropout, heads=args.heads), S, y, args, seed)}
    return train_ext(S, y, dom, args, seed)


def train_ext(S, y, dom, args, seed):
    """train_stats.train_mlp (same class-weighted CE, optimiser, shuffling and per-head seeds) plus the seeds' methods:
    domain-adversarial corpus classifier (--dann), centre loss (--center), checkpoint averaging (--avg). Unlike
    train_mlp, the heads' initial weights are seeded too (train_mlp's depend on torch's unseeded global state)."""
    torch.manual_seed(seed)
    model = StatsNet(hidden=args.hidden, dropout=args.dropout, heads=args.heads)
    counts = np.bincount(y, minlength=len(LABELS)).astype(np.float64)
    cw = torch.tensor(counts.sum() / (len(LABELS) * np.maximum(counts, 1)), dtype=torch.float32)
    ce = nn.CrossEntropyLoss(weight=cw, label_smoothing=0.1)
    nd = len(corpora.CORPORA)
    # adversary's loss weights: corpora balanced ("corpus"), or every (corpus, emotion) cell balanced ("cell": the
    # corpora's emotion mixes differ, BAVED's labelled rows are all neutral, so with "corpus" the emotion itself
    # tells the corpus apart and the reversed gradient also removes emotion information)
    key = dom if args.dann_weight == "corpus" else dom * len(LABELS) + y
    kc = np.bincount(key).astype(np.float64)
    rw = len(key) / ((kc > 0).sum() * kc[key])  # mean 1 over the rows
    rwt = torch.tensor(rw, dtype=torch.float32)
    dce = nn.CrossEntropyLoss(reduction="none")
    yt, dt = torch.from_numpy(y), torch.from_numpy(dom)
    emb_dim = args.hidden // 2
    last = []
    for h_i, head in enumerate(model.heads):
        torch.manual_seed(seed + 7919 * h_i)
        rng = np.random.default_rng(seed + 7919 * h_i)
        params = list(head.parameters())
        if args.dann:
            adv = nn.Sequential(nn.Linear(emb_dim, 64), nn.ReLU(), nn.Linear(64, nd))
            params += list(adv.parameters())
        opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=args.wd)
        if args.center:
            centers = nn.Parameter(torch.randn(len(LABELS), emb_dim) * 0.1)
            copt = torch.optim.SGD([centers], lr=0.5)
        head.train()
        steps = math.ceil(len(y) / args.batch) * args.epochs
        step, snaps = 0, []
        for ep in range(args.epochs):
            perm = rng.permutation(len(y))
            for b in range(0, len(y), args.batch):
                idx = perm[b:b + args.batch]
                step += 1
                if len(idx) < 2:
                    continue
                e = head.mlp[:5](head.norm(S[idx]))  # penultimate layer (after the 2nd ReLU, before dropout)
                loss = ce(head.mlp[5:](e), yt[idx])
                if args.dann:
                    lam = dann_lambda(args.dann, step / steps)
                    loss = loss + (dce(adv(GradReverse.apply(e, lam)), dt[idx]) * rwt[idx]).sum() / rwt[idx].sum()
                if args.center:
                    loss = loss + args.center * ((e - centers[yt[idx]]) ** 2).sum(1).mean() / 2
                    copt.zero_grad()
                opt.zero_grad()
                loss.backward()
                opt.step()
                if args.center:
                    copt.step()
            if args.avg and ep >= args.epochs - args.avg:
                snaps.append({k: v.detach().clone() for k, v in head.state_dict().items()})
        head.eval()
        last.append(copy.deepcopy(head.state_dict()))
        if args.avg:  # float tensors averaged (batch-norm running statistics too), counters from the last epoch
            head.load_state_dict({k: (sum(s[k] for s in snaps) / len(snaps)) if snaps[-1][k].is_floating_point()
                                  else snaps[-1][k] for k in snaps[-1]})
    model.eval()
    out = {"": model}
    if args.avg:
        m_last = copy.deepcopy(model)
        for head, sd in zip(m_last.heads, last):
            head.load_state_dict(sd)
        out["_last"] = m_last.eval()
    return out


@torch.no_grad()
def score(model_head, S, owner, n_items):
    p = torch.softmax(model_head(S), 1).numpy()
    out = np.full((n_items, len(LABELS)), np.nan)
    acc = np.zeros((n_items, len(LABELS)))
    cnt = np.zeros(n_items)
    np.add.at(acc, owner, p)
    np.add.at(cnt, owner, 1)
    m = cnt > 0
    out[m] = acc[m] / cnt[m, None]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=corpora.default_data())
    ap.add_argument("--candidate", required=True, choices=["shipped", "rav", "a", "b", "e", "be"])
    ap.add_argument("--protocols", default="p1,p2")
    ap.add_argument("--copies", type=int, default=2)
    ap.add_argument("--tel", type=int, default=0)
    ap.add_argument("--stride", type=int, default=1, help="augmented/telephone copies of every stride-th utterance")
    ap.add_argument("--heads", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--wd", type=float, default=1e-2)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--dropout", type=float, default=0.3)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--train-seed", type=int, default=None,
                    help="seed of the training only (default: --seed); the cached features stay those of --seed")
    ap.add_argument("--dup", default="", help="repeat a corpus' training rows, e.g. ravdess=2")
    ap.add_argument("--tag", default=None, help="name of the result files (default: the candidate)")
    ap.add_argument("--features-only", default=None, help="compute (cache) only these parts, e.g. tel")
    ap.add_argument("--export-folds", action="store_true", help="also save every fold model under /tmp/serv2/models")
    ap.add_argument("--export", default=None, help="train on every row and write DIR/ser.pt")
    ap.add_argument("--avg", type=int, default=0, help="checkpoint averaging: weights of the last K epochs (seed 001)")
    ap.add_argument("--dann", type=float, default=0.0, help="gradient-reversal weight of the corpus adversary (seed 004)")
    ap.add_argument("--dann-weight", default="corpus", choices=["corpus", "cell"],
                    help="balance the adversary's loss over corpora or over (corpus, emotion) cells")
    ap.add_argument("--center", type=float, default=0.0, help="centre-loss weight on the penultimate layer (seed 004)")
    args = ap.parse_args()
    set_threads(1)
    tag = args.tag or args.candidate
    items = corpora.rows(args.data)
    n = len(items)
    y_items = np.array([it["label"] for it in items])
    corpus = np.array([it["corpus"] for it in items])
    t0 = time.time()
    if args.features_only:
        features(items, args.copies, args.tel, args.seed, args.features_only.split(","), args.stride)
        return
    F = features(items, args.copies if args.candidate != "shipped" else 0,
                 args.tel if "e" in args.candidate else 0, args.seed, stride=args.stride)
    print("features in %.0fs: %s" % (time.time() - t0, {k: tuple(v[0].shape) for k, v in F.items()}), flush=True)
    win_S, win_o = F["clean"]
    if "b" in args.candidate:
        # the speaker reference is the clean statistics of that speaker's utterances (each window), labels unused
        ref = (win_S, win_o)
        win_S = speaker_norm(win_S, win_o, items, *ref)
        F = {k: (speaker_norm(v[0], v[1], items) if k != "clean" else (win_S, win_o)) for k, v in F.items()}
    # training rows: one clean statistics row per window + the copies
    tr_S = torch.cat([v[0] for v in F.values()])
    tr_o = np.concatenate([v[1] for v in F.values()])
    tseed = args.seed if args.train_seed is None else args.train_seed
    dom_items = np.array([corpora.CORPORA.index(c) for c in corpus])
    variants = [""] + (["_last"] if args.avg else [])
    results = {v: {"args": vars(args), "folds": {}} for v in variants}
    all_probs = {v: {} for v in variants}
    if args.candidate == "shipped":
        shipped = torch.jit.load(os.path.join(REPO, "models", "ser-default", "ser.pt")).eval()
        p = score(shipped.head, win_S, win_o, n)
        all_probs[""] = {"p1": p.copy(), "p2": p.copy()}
        all_probs[""]["p1"][corpus != "ravdess"] = np.nan
        all_probs[""]["p2"][corpus == "baved"] = np.nan
    for proto in [p for p in args.protocols.split(",") if p in ("p1", "p2")]:
        if args.candidate == "shipped":
            break
        folds = corpora.p1_folds(items) if proto == "p1" else corpora.p2_folds(items)
        probs = {v: np.full((n, len(LABELS)), np.nan) for v in variants}
        for k, (name, tr_items, te_items) in enumerate(folds):
            tr_items = tr_items & (y_items >= 0)
            if args.candidate == "rav":
                tr_items = tr_items & (corpus == "ravdess")
            m = tr_items[tr_o]
            if m.sum() == 0:
                continue
            t1 = time.time()
            idx = upweight(np.nonzero(m)[0], tr_o, items, args.dup)
            models = train_heads(tr_S[torch.from_numpy(idx)], y_items[tr_o[idx]], args, tseed + k,
                                 dom_items[tr_o[idx]])
            mt = te_items[win_o]
            for v, model in models.items():
                p = score(model.head, win_S[torch.from_numpy(mt)], win_o[mt], n)
                sel = ~np.isnan(p[:, 0])
                probs[v][sel] = p[sel]
                ev = metrics.evaluate([LABELS[i] for i in y_items[sel & (y_items >= 0)]], p[sel & (y_items >= 0)])
                results[v]["folds"][name] = {"7class_ua": ev["7class"]["ua"], "4class_ua": ev["4class"]["ua"]}
                print("[%s %s] %s (%.0fs)" % (tag + v, name, metrics.summary(ev), time.time() - t1), flush=True)
                if args.export_folds:  # a model dir per fold, for emotion-models/evaluate on what the fold never saw
                    d = os.path.join(CACHE, "models", "%s_%s" % (tag + v, name))
                    os.makedirs(d, exist_ok=True)
                    torch.jit.script(model).save(os.path.join(d, "ser.pt"))
                    man = json.load(open(os.path.join(REPO, "models", "ser-default", "manifest.json")))
                    man.update({"name": "ser-%s-%s" % (tag + v, name), "version": "0.0.0-fold",
                                "metrics": {"note": "protocol fold model, not shipped"}})
                    man["training"] = {"note": "mc_stats.py fold " + name}
                    json.dump(man, open(os.path.join(d, "manifest.json"), "w"), indent=1)
        for v in variants:
            all_probs[v][proto] = probs[v]
    for v in variants:
        for proto, probs in all_probs[v].items():
            np.save(os.path.join(CACHE, "probs_%s_%s.npy" % (tag + v, proto)), probs)
            results[v][proto] = corpora.report(items, probs, "%s %s" % (tag + v, proto))
        fold_means(results[v])
        if all_probs[v]:
            json.dump(results[v], open(os.path.join(CACHE, "result_%s.json" % (tag + v)), "w"), indent=1)
    if args.export:
        keep = (y_items[tr_o] >= 0) & ((corpus[tr_o] == "ravdess") if args.candidate == "rav" else True)
        idx = upweight(np.nonzero(keep)[0], tr_o, items, args.dup)
        model = train_heads(tr_S[torch.from_numpy(idx)], y_items[tr_o[idx]], args, tseed,
                            dom_items[tr_o[idx]])[""]
        os.makedirs(args.export, exist_ok=True)
        torch.jit.script(model).save(os.path.join(args.export, "ser.pt"))
        print("exported", args.export)


def upweight(idx, owner, items, dup):
    """Repeats the training rows of the corpora named in `dup` ("ravdess=2,emovo=2") that many times."""
    if not dup:
        return idx
    w = {c: int(v) for c, v in (x.split("=") for x in dup.split(","))}
    rep = np.array([w.get(items[owner[i]]["corpus"], 1) for i in idx])
    return np.repeat(idx, rep)


def fold_means(results):
    f = results["folds"]
    p1 = [v for k, v in f.items() if k.startswith("p1_")]
    if p1:
        results["p1_mean_of_folds"] = {k: float(np.mean([v[k] for v in p1])) for k in ("7class_ua", "4class_ua")}
        print("P1 mean over folds: 7c UA %.4f  4c UA %.4f" % (results["p1_mean_of_folds"]["7class_ua"],
                                                               results["p1_mean_of_folds"]["4class_ua"]))
    p2 = [v for k, v in f.items() if k.startswith("p2_")]
    if p2:
        results["p2_mean"] = {k: float(np.mean([v[k] for v in p2])) for k in ("7class_ua", "4class_ua")}
        print("P2 mean over held-out corpora: 7c UA %.4f  4c UA %.4f" % (results["p2_mean"]["7class_ua"],
                                                                       results["p2_mean"]["4class_ua"]))


if __name__ == "__main__":
    main()
