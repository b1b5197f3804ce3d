"""SER 2.1 speaker path: the two choices made for it, both on training data only (never on a held-out part).

1. Minimum number of a speaker's utterances for a speaker reference (`speaker.minUtterances` in the manifest). For
   every P1 fold, on that fold's *training* rows only (the other 16 RAVDESS actors + emovo, nemo, turevdb, baved) and
   with that fold's models (ravf_p1_foldK, a0_p1_foldK, b0_p1_foldK from mc_stats.py --export-folds), each
   utterance is scored with a reference built from k utterances of its speaker (itself + k-1 others drawn at random,
   seed fixed, labels unused), for k = 1, 2, 3, 5, 10, 20, 30, 40, 50, 60 and all. Printed per k (mean over folds): 4-class /
   7-class UA of rav+b0(k) and of the speaker-independent rav+a0 on the same rows, and the top-1 agreement of
   rav+b0(k) with rav+b0(all). The minimum is the smallest k whose 4-class UA is at least the speaker-independent
   path's on the same rows (training rows flatter both paths alike; nothing here sees the held-out actors).
2. The speaker path's calibration temperature: NLL-optimal T on the P1 out-of-fold probabilities of rav+b0 (the
   same data 2.0's T = 1.1 was chosen on, mc_stats.py's probs_rav_p1.npy / probs_b0_p1.npy).

  /usr/bin/python3 training/ser/speaker_choice.py          # after mc_stats.py ... --tag b0 / --tag ravf --export-folds

SER 2.3 (`--cnn ravcnn/model_avg --spk-cnn allspk/model_last`, mc_cnn.py fold models of the same P1 fold): the same k
table for the 2.3 paths: speaker-independent ((rav+a0)/2 + CNN)/2 against the speaker path ((rav+b0(k))/2 +
speaker CNN(k))/2, where the speaker-normalised CNN's reference comes from the same k utterances (their log-mel band
moments averaged, mc_cnn.speaker_refs' rule); CNNs score whole utterances from the log-mel cache as mc_cnn.py does.
Scored rows: the fold's RAVDESS training actors only, the rows that every part of both paths was trained on (the
forward path's CNN is RAVDESS-only, the speaker CNN saw every corpus: on the other corpora's training rows the speaker
path would be flattered). Writes speaker_choice_23.json; the temperature comes from cnn_ensemble.py then.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "training"))
sys.path.insert(0, HERE)
import corpora  # noqa: E402
from common import metrics  # noqa: E402
from common.threads import set_threads  # noqa: E402
from mc_stats import CACHE, features, score  # noqa: E402

KS = [1, 2, 3, 5, 10, 20, 30, 40, 50, 60, 0]  # 0 = every utterance of the speaker


def head_probs(path, S):
    m = torch.jit.load(path).eval()
    with torch.no_grad():
        return torch.softmax(m.head(S), 1)


def ua(items_idx, y, p):
    ev = metrics.evaluate([corpora.LABELS[i] for i in y[items_idx]], p[items_idx])
    return ev["4class"]["ua"], ev["7class"]["ua"]


def cnn_fold(spec, fold):
    """'tag/model_avg' -> that fold's mc_cnn.CnnNet (eval mode)."""
    from mc_cnn import CACHE as CNN_CACHE, CnnNet
    tag, kind = spec.split("/")
    net = CnnNet()
    net.load_state_dict(torch.load(os.path.join(CNN_CACHE, tag, fold, kind + ".pt")))
    return net.eval()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cnn", default=None, help="2.3: the forward path's CNN, tag/kind of mc_cnn.py fold models")
    ap.add_argument("--spk-cnn", default=None, help="2.3: the speaker path's speaker-normalised CNN, tag/kind")
    args = ap.parse_args()
    with23 = bool(args.cnn and args.spk_cnn)
    set_threads(1)
    items = corpora.rows(corpora.default_data())
    n = len(items)
    y = np.array([it["label"] for it in items])
    spk = np.array([it["speaker"] for it in items])
    corpus = np.array([it["corpus"] for it in items])
    S, owner = features(items, 0, 0, 20240601, parts=("clean",))["clean"]
    Sn = S.numpy()
    rows_of = {}  # utterance -> its window rows
    for r, o in enumerate(owner):
        rows_of.setdefault(int(o), []).append(r)
    utts_of = {}
    for i in range(n):
        utts_of.setdefault(spk[i], []).append(i)
    res = {k: [] for k in KS}
    rng = np.random.default_rng(20240601)
    if with23:  # the CNNs score whole utterances from the log-mel cache, as mc_cnn.py's own evaluation does
        from mc_cnn import Feats, Norm, moments_to_ref, predict, utterance_moments
        lm = Feats("clean")
        mom = utterance_moments(items, lm)
    for k_fold, (name, tr, te) in enumerate(corpora.p1_folds(items)):
        d = os.path.join(CACHE, "models")
        p_rav = head_probs(os.path.join(d, "ravf_" + name, "ser.pt"), S)
        p_a0 = head_probs(os.path.join(d, "a0_" + name, "ser.pt"), S)
        b0 = torch.jit.load(os.path.join(d, "b0_" + name, "ser.pt")).eval()
        eval_idx = np.nonzero(tr & (y >= 0) & ((corpus == "ravdess") | (not with23)))[0]
        win_si = torch.log((p_rav + p_a0) / 2)
        p_si = score(lambda s: s, win_si, owner, n)
        if with23:
            cnn, spk_cnn = cnn_fold(args.cnn, name), cnn_fold(args.spk_cnn, name)
            p_si[eval_idx] = (p_si[eval_idx] + predict(cnn, lm, eval_idx, Norm())) / 2
        full = None
        for k in KS:
            refs = np.zeros((n, 2, 64), np.float32) if with23 else None
            z = np.empty(Sn.shape, dtype=np.float32)
            for s_name, utts in utts_of.items():
                utts = np.array(utts)
                for u in utts:
                    if k == 0 or k >= len(utts):
                        ref_u = utts
                    else:
                        others = utts[utts != u]
                        ref_u = np.concatenate([[u], rng.choice(others, k - 1, replace=False)])
                    ref = Sn[np.concatenate([rows_of[int(v)] for v in ref_u])]
                    m = ref.mean(0)
                    sd = ref.std(0, ddof=1) + 1e-3 if len(ref) > 1 else np.ones_like(m)
                    r = rows_of[int(u)]
                    z[r] = (Sn[r] - m) / sd
                    if with23:
                        refs[u] = moments_to_ref(mom[ref_u[y[ref_u] >= 0]].mean(0))
            z[:, 384] = 0.0  # the shipped speaker path zeroes the numerically constant statistic (speaker_model.py)
            with torch.no_grad():
                p_b0 = torch.softmax(b0.head(torch.from_numpy(z)), 1)
            p_sp = score(lambda s: s, torch.log((p_rav + p_b0) / 2), owner, n)
            if with23:
                p_sp[eval_idx] = (p_sp[eval_idx] + predict(spk_cnn, lm, eval_idx, Norm(spk=refs))) / 2
            if k == 0:
                full = p_sp
            res[k].append((p_sp, eval_idx))
        for k in KS:
            p_sp, idx = res[k][-1]
            res[k][-1] = (ua(idx, y, p_sp), ua(idx, y, p_si), float((p_sp[idx].argmax(1) == full[idx].argmax(1)).mean()))
        print(name, {k: tuple(round(v, 3) for v in res[k][-1][0]) for k in KS}, "SI", res[0][-1][1], flush=True)
    table = {}
    print("k | rav+b0(k) 4c / 7c UA | rav+a0 4c / 7c UA | agreement with all-utterance reference (mean of 5 P1 folds,"
          " each fold's training rows)" + (" [2.3 paths, RAVDESS training rows]" if with23 else ""))
    for k in KS:
        sp = np.mean([r[0] for r in res[k]], 0)
        si = np.mean([r[1] for r in res[k]], 0)
        ag = float(np.mean([r[2] for r in res[k]]))
        table[k] = {"speaker_4c": sp[0], "speaker_7c": sp[1], "si_4c": si[0], "si_7c": si[1], "agreement": ag}
        print("%s | %.3f / %.3f | %.3f / %.3f | %.3f" % (k or "all", sp[0], sp[1], si[0], si[1], ag))
    kmin = next((k for k in KS if k and table[k]["speaker_4c"] >= table[k]["si_4c"]), None)
    print("minimum utterances for a speaker reference:", kmin)
    if with23:
        json.dump({"k_table": {str(k): v for k, v in table.items()}, "min_utterances": kmin, "cnn": args.cnn,
                   "spk_cnn": args.spk_cnn}, open(os.path.join(CACHE, "speaker_choice_23.json"), "w"), indent=1)
        return
    # temperature of the speaker path on the P1 out-of-fold predictions
    p = (np.load(os.path.join(CACHE, "probs_rav_p1.npy")) + np.load(os.path.join(CACHE, "probs_b0_p1.npy"))) / 2
    m = ~np.isnan(p[:, 0]) & (y >= 0)
    best = corpora.nll_temperature(p[m], y[m])
    print("speaker path temperature (NLL-optimal on P1 out-of-fold rav+b0): T = %.2f (NLL %.4f)" % best)
    json.dump({"k_table": {str(k): v for k, v in table.items()}, "min_utterances": kmin, "temperature": best[0]},
              open(os.path.join(CACHE, "speaker_choice.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
