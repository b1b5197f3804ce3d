"""Multi-corpus speech data for SER v2: every row of ../shared/data/speech/{ravdess,emovo,nemo,turevdb,baved} with its
corpus, speaker and canonical label, plus the two evaluation protocols.

Labels: canonical 7 classes through common/metrics.to_canonical (calm -> neutral for RAVDESS and TurEV-DB). BAVED's
labels are emotion *levels*: only its `neutral` rows are labelled (neutral); its low/high-emotion rows are kept
unlabelled (label -1) so they still count as that speaker's speech for per-speaker normalisation.
RAVDESS `03-01-03-01-02-02-07.wav` is dropped (byte-identical to `...-01-07`, data README).

Protocols (nothing is chosen on a held-out part):
  P1  RAVDESS 5 folds by actor (fold k = actors a with (a-1) % 5 == k); train on everything else (all other corpora
      and the other 16 actors), test on the held-out actors.
  P2  leave one corpus out over ravdess, emovo, nemo, turevdb: train on the other three + baved, test on the held-out one.
"""
import csv
import os
import sys

import numpy as np
import torchaudio

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "training"))
from common import metrics  # noqa: E402

LABELS = list(metrics.CANONICAL)
CORPORA = ["ravdess", "emovo", "nemo", "turevdb", "baved"]
LOCO = ["ravdess", "emovo", "nemo", "turevdb"]
DUPLICATES = {"03-01-03-01-02-02-07.wav"}
SR = 16000
LICENCES = {
    "ravdess": "RAVDESS speech actors 01-20 (Livingstone & Russo 2018), CC BY-NC-SA 4.0",
    "emovo": "EMOVO (Costantini et al. 2014), licence not verified: research-only",
    "nemo": "nEMO subset (Christop 2024), CC BY-NC-SA 4.0",
    "turevdb": "TurEV-DB (Canpolat et al. 2020), CC BY-NC-ND 4.0 (unmodified audio; the model is trained on it)",
    "baved": "BAVED subset (github.com/40uf411/Basic-Arabic-Vocal-Emotions-Dataset), no licence stated: research-only",
}


def default_data():
    """../shared/data next to the checkout; a worktree under /work/wt/<branch> finds /work/shared/data too."""
    for d in (os.path.join(REPO, "..", "shared", "data"), os.path.join(REPO, "..", "..", "shared", "data")):
        if os.path.isdir(d):
            return os.path.normpath(d)
    return os.path.join(REPO, "..", "shared", "data")


def rows(data_dir):
    """Manifest rows (no audio) in a fixed order: corpus order above, then manifest order."""
    out = []
    for c in CORPORA:
        root = os.path.join(data_dir, "speech", c)
        with open(os.path.join(root, "manifest.csv"), newline="") as f:
            for r in csv.DictReader(f):
                if c == "ravdess" and r["file"] in DUPLICATES:
                    continue
                lab = metrics.to_canonical(r["emotion_original"])
                if c == "baved":
                    lab = "neutral" if r["emotion_original"] == "neutral" else None
                elif lab is None:
                    continue
                out.append({"path": os.path.join(root, r["file"]), "file": r["file"], "corpus": c,
                            "speaker": r["speaker"], "label": LABELS.index(lab) if lab else -1})
    return out


def load_wave(path):
    w, sr = torchaudio.load(path)
    assert sr == SR, path
    return w.mean(0).numpy().astype(np.float32)


def actor(row):
    return int(row["speaker"][-2:])


def p1_folds(items):
    """[(name, train_mask, test_mask)] for RAVDESS 5-fold by actor (train = everything else)."""
    out = []
    rav = np.array([it["corpus"] == "ravdess" for it in items])
    fold = np.array([(actor(it) - 1) % 5 if it["corpus"] == "ravdess" else -1 for it in items])
    for k in range(5):
        te = rav & (fold == k)
        out.append(("p1_fold%d" % k, ~te, te))
    return out


def p2_folds(items):
    corpus = np.array([it["corpus"] for it in items])
    return [("p2_" + c, corpus != c, corpus == c) for c in LOCO]


def ece(probs, y, bins=10):
    conf = probs.max(1)
    ok = (probs.argmax(1) == y).astype(np.float64)
    e = 0.0
    for b in range(bins):
        m = (conf > b / bins) & (conf <= (b + 1) / bins)
        if m.any():
            e += m.mean() * abs(conf[m].mean() - ok[m].mean())
    return float(e)


def nll_temperature(probs, y):
    """(T, NLL): the calibration temperature (p^(1/T) renormalised, 0.5-3 in steps of 0.05) with the lowest mean
    negative log-likelihood of the true labels y."""
    best = None
    for t in np.arange(0.5, 3.001, 0.05):
        q = np.exp(np.log(np.clip(probs, 1e-12, 1)) / t)
        q /= q.sum(1, keepdims=True)
        nll = float(-np.log(q[np.arange(len(y)), y]).mean())
        if best is None or nll < best[1]:
            best = (round(float(t), 2), nll)
    return best


def report(items, probs, title):
    """Per-corpus table of the protocol predictions `probs` [N,7] (NaN rows = not scored). Returns a dict."""
    res = {}
    labelled = np.array([it["label"] >= 0 for it in items])
    corpus = np.array([it["corpus"] for it in items])
    y = np.array([it["label"] for it in items])
    scored = ~np.isnan(probs[:, 0])
    print("== %s" % title)
    print("| part | n | 7c UA | 4c UA | 7c WA | ECE |")
    print("|---|---|---|---|---|---|")
    for c in CORPORA:
        m = scored & labelled & (corpus == c)
        if not m.any():
            continue
        ev = metrics.evaluate([LABELS[i] for i in y[m]], probs[m])
        r = {"n": int(m.sum()), "7class_ua": ev["7class"]["ua"], "4class_ua": ev["4class"]["ua"],
             "7class_wa": ev["7class"]["accuracy"], "ece": ece(probs[m], y[m])}
        res[c] = r
        print("| %s | %d | %.3f | %.3f | %.3f | %.3f |" % (c, r["n"], r["7class_ua"], r["4class_ua"], r["7class_wa"], r["ece"]))
    return res
