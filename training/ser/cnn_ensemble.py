"""SER 2.2: the 2.1 statistics ensemble + a RAVDESS-only log-mel CNN (mc_cnn.py --train-corpora ravdess), averaged 1:1.

Reads the out-of-fold probabilities (never a model that saw the test rows):
  statistics  /tmp/serv2/probs_{rav,a0,b0}_{p1,p2}.npy   (mc_stats.py, the 2.1 recipe: rav, a0, b0)
  CNN         /tmp/sercnn/<tag>/p1_fold0..4 (P1) and /tmp/sercnn/<tag>/p2_ravall (trained on every RAVDESS actor,
              scored on the other corpora = P2: the CNN never saw them)
and prints, with nothing chosen on a test fold:
  1. last epoch vs checkpoint average (seed 001) of the CNN, chosen by the mean over the P1 folds of the validation
     speakers' 4-class + 7-class UA (validation actors come from each fold's training actors);
  2. the P1 / P2 table (4-class / 7-class UA, ECE) of the statistics paths alone and of the 1:1 averages, both paths
     (speaker-independent rav+a0, speaker rav+b0; the speaker path's b0 probabilities here use all of the speaker's
     utterances as reference, as mc_stats.py scores it);
  3. each path's calibration temperature: NLL-optimal on the P1 out-of-fold probabilities (as 2.0 and 2.1 chose theirs).

  /usr/bin/python3 training/ser/cnn_ensemble.py [--tag ravcnn] [--seed-tags ravcnn_s2,ravcnn_s3] [--all-tag allcnn]
                                                [--spk-tag allspk] [--forward-tag kdall]
"""
import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "training"))
sys.path.insert(0, HERE)
import corpora  # noqa: E402
from mc_cnn import CACHE, STATS, ua  # noqa: E402

FOLDS = ["p1_fold%d" % k for k in range(5)]
FWD22 = "**2.2 forward: (rav+a0)/2 + CNN, 1:1**"
SPK22 = "**2.2 speaker path: (rav+b0)/2 + CNN, 1:1**"
SPK23 = "**2.3 speaker path: (rav+b0)/2 + speaker-normalised CNN, 1:1**"
FWD_ALL = "**forward: (rav+a0)/2 + (CNN + all-corpora CNN)/2, 1:1**"
FWD_ONE = "**forward: (rav+a0)/2 + the --forward-tag CNN, 1:1**"
SPK_MIX = "**speaker path: (rav+b0)/2 + (speaker-normalised CNN + CNN)/2, 1:1**"


def calibrate(p, t):
    q = np.exp(np.log(np.clip(p, 1e-12, 1)) / t)
    return q / q.sum(1, keepdims=True)


P2_HELD_OUT = ["p2_emovo", "p2_nemo", "p2_turevdb"]


def cnn_probs(d, n, p2_folds, what):
    """Out-of-fold probabilities of a mc_cnn.py run (P1 folds + the given P2 folds): its last epoch or its checkpoint
    average, whichever has the higher mean validation 4c + 7c UA over the P1 folds."""
    done = {f: json.load(open(os.path.join(d, f, "done.json"))) for f in FOLDS}
    last = np.mean([done[f]["val_last"]["val_4c"] + done[f]["val_last"]["val_7c"] for f in FOLDS])
    avg = np.mean([done[f]["val_avg"]["val_4c"] + done[f]["val_avg"]["val_7c"] for f in FOLDS])
    kind = "probs_avg" if avg > last else "probs"
    print("%s: validation 4c+7c UA, mean of the P1 folds: last epoch %.3f, average of the last epochs %.3f -> %s"
          % (what, last, avg, "model_avg" if kind == "probs_avg" else "model_last"))
    out = {"p1": np.full((n, 7), np.nan), "p2": np.full((n, 7), np.nan)}
    for f in FOLDS + p2_folds:
        out[f[:2]][np.load(os.path.join(d, f, "test_idx.npy"))] = np.load(os.path.join(d, f, kind + ".npy"))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tag", default="ravcnn")
    ap.add_argument("--spk-tag", default=None, help="SER 2.3: a mc_cnn.py --spk-norm run (P1 folds + P2 held-out "
                    "corpora) for the speaker path")
    ap.add_argument("--seed-tags", default=None, help="other mc_cnn.py runs of --tag's recipe with other --seed "
                    "(comma-separated tags): each seed's CNN alone and in the 2.2 forward, and their mean")
    ap.add_argument("--all-tag", default=None, help="a mc_cnn.py run on all five corpora (P1 folds + P2 held-out "
                    "corpora): that CNN alone, and averaged with --tag's CNN as the forward's CNN part")
    ap.add_argument("--forward-tag", default=None, help="a mc_cnn.py run (P1 folds + P2 held-out corpora) whose CNN "
                    "replaces --tag's as the forward's CNN part (e.g. one distilled from --tag and --all-tag)")
    args = ap.parse_args()
    items = corpora.rows(corpora.default_data())
    y = np.array([it["label"] for it in items])
    n = len(items)
    d = os.path.join(CACHE, args.tag)

    # 1. last epoch or checkpoint average, on validation speakers only
    cnn = cnn_probs(d, n, ["p2_ravall"], "the RAVDESS-only CNN")
    spk = None
    if args.spk_tag:
        spk = cnn_probs(os.path.join(CACHE, args.spk_tag), n, P2_HELD_OUT, "the speaker-normalised CNN")
    st = {t: {p: np.load(os.path.join(STATS, "probs_%s_%s.npy" % (t, p))) for p in ("p1", "p2")}
          for t in ("rav", "a0", "b0")}
    def forward(p, c):
        """The speaker-independent path (2.2 on): the statistics rav + a0 averaged, then 1:1 with CNN probabilities c."""
        return ((st["rav"][p] + st["a0"][p]) / 2 + c) / 2

    def speaker(p, c):
        """The speaker path: rav + b0 (speaker-normalised statistics) averaged, then 1:1 with CNN probabilities c."""
        return ((st["rav"][p] + st["b0"][p]) / 2 + c) / 2

    rows = {
        "statistics rav+a0 (2.0 / 2.1 forward)": lambda p: (st["rav"][p] + st["a0"][p]) / 2,
        "CNN alone (RAVDESS only)": lambda p: cnn[p],
        FWD22: lambda p: forward(p, cnn[p]),
        "statistics rav+b0 (2.1 speaker path)": lambda p: (st["rav"][p] + st["b0"][p]) / 2,
        SPK22: lambda p: speaker(p, cnn[p]),
    }
    if spk is not None:
        rows["speaker-normalised CNN alone (all corpora)"] = lambda p: spk[p]
        rows[SPK23] = lambda p: speaker(p, spk[p])
        rows[SPK_MIX] = lambda p: speaker(p, (spk[p] + cnn[p]) / 2)
    if args.all_tag:
        allc = cnn_probs(os.path.join(CACHE, args.all_tag), n, P2_HELD_OUT, "the all-corpora CNN")
        rows["all-corpora CNN alone"] = lambda p: allc[p]
        rows[FWD_ALL] = lambda p: forward(p, (cnn[p] + allc[p]) / 2)
    if args.forward_tag:
        one = cnn_probs(os.path.join(CACHE, args.forward_tag), n, P2_HELD_OUT, "the CNN " + args.forward_tag)
        rows["CNN %s alone" % args.forward_tag] = lambda p: one[p]
        rows[FWD_ONE] = lambda p: forward(p, one[p])
    if args.seed_tags:
        seeds = {args.tag: cnn}
        for t in args.seed_tags.split(","):
            seeds[t] = cnn_probs(os.path.join(CACHE, t), n, ["p2_ravall"], "the RAVDESS-only CNN " + t)
        for t, c in list(seeds.items())[1:]:
            rows["CNN %s alone" % t] = lambda p, c=c: c[p]
            rows["2.2 forward with CNN %s" % t] = lambda p, c=c: forward(p, c[p])
        mean = {p: np.mean([c[p] for c in seeds.values()], 0) for p in ("p1", "p2")}
        rows["CNN: mean of the %d seeds' probabilities" % len(seeds)] = lambda p: mean[p]
        rows["2.2 forward with the %d seeds' mean" % len(seeds)] = \
            lambda p: forward(p, mean[p])
    folds = {"p1": corpora.p1_folds(items), "p2": [f for f in corpora.p2_folds(items) if f[0] != "p2_ravdess"]}
    temps = {}
    print("\n| training side, 4c / 7c UA | P1 mean of 5 folds | P1 folds 0-4 (4c/7c) | P2 emovo | P2 nemo | P2 turevdb "
          "| P2 mean (3) | ECE P1 / P2 mean (calibrated) |")
    print("|---|---|---|---|---|---|---|---|")
    for name, fn in rows.items():
        cells, per = [], {}
        for proto in ("p1", "p2"):
            p = fn(proto)
            for fname, _, te in folds[proto]:
                m = te & (y >= 0)
                v7, v4 = ua(y[m], p[m])
                per[fname] = (v4, v7)
        m1 = ~np.isnan(fn("p1")[:, 0]) & (y >= 0)
        t, _ = corpora.nll_temperature(fn("p1")[m1], y[m1])
        temps[name] = t
        e1 = corpora.ece(calibrate(fn("p1")[m1], t), y[m1])
        e2 = np.mean([corpora.ece(calibrate(fn("p2")[te & (y >= 0)], t), y[te & (y >= 0)]) for _, _, te in folds["p2"]])
        p1 = [per[f] for f in FOLDS]
        p2 = [per[f] for f, _, _ in folds["p2"]]
        cells.append("%.3f / %.3f" % tuple(np.mean(p1, 0)))
        cells.append(", ".join("%.3f/%.3f" % v for v in p1))
        cells += ["%.3f / %.3f" % v for v in p2]
        cells.append("%.3f / %.3f" % tuple(np.mean(p2, 0)))
        cells.append("%.3f / %.3f (T %.2f)" % (e1, e2, t))
        print("| %s | %s |" % (name, " | ".join(cells)))
    print("\ncalibration temperatures (NLL-optimal, P1 out-of-fold probabilities): forward %.2f, speaker path %.2f"
          % (temps[FWD22], temps[SPK22]))
    if spk is not None:
        print("2.3 speaker path (speaker-normalised CNN): %.2f" % temps[SPK23])
        print("speaker path with both CNNs: %.2f" % temps[SPK_MIX])
    if args.all_tag:
        print("forward with the all-corpora CNN: %.2f" % temps[FWD_ALL])
    if args.forward_tag:
        print("forward with the CNN %s: %.2f" % (args.forward_tag, temps[FWD_ONE]))


if __name__ == "__main__":
    main()
