"""Measures score fusion on paired speech + text sets (build_sets.py, score.sh) and fits the learned gate.

  /usr/bin/python3 training/fusion/fusion_eval.py [--scores /tmp/emostream-fusion/scores] [--sets /tmp/emostream-fusion]
        [--ser-a F --ser-b F --ter-a F --ter-b F --ser-speech-only F] [--out training/fusion/results.json]
        [--shipped F (a results JSON whose gate.theta to report as `shipped`; default: ScoreFusion.DEFAULT_GATE)]
  /usr/bin/python3 training/fusion/fusion_eval.py --b-only SER_B.csv [SER_B2.csv ...]   # set B alone, shipped θ

Each score file has columns key,truth,neutral,happy,sad,angry,fear,disgust,surprise (emotion-models/evaluate
--scores). Pass another SER's out-of-fold scores with --ser-a/--ser-b to re-run everything for a new SER.

Methods (all produce p = w_s·p_speech + w_t·p_text with w_s + w_t = 1, as the fusion service does):
  speech, text       one modality alone
  fixed              w1 = 0.6, w2 = 1.0 (seed 003), normalised
  confidence         each weight scaled by 1 - H(p)/log 7 (the service's CONFIDENCE mode)
  shipped            GATED with the θ the platform ships: ScoreFusion.DEFAULT_GATE, read from the Java source
                     (--shipped F: gate.theta of a results file instead; note a file's gate.theta is that run's
                     re-fit, not necessarily what ships), for comparison with the θ re-fitted on the current scores
  gated              learned: w_s = sigmoid(theta . phi), phi = [1, c_s, c_t, ln p_speech(7), ln p_text(7)],
                     c = 1 - H/log 7, probabilities clipped at 1e-4 before the log; theta maximises the class- and
                     set-balanced log-likelihood of the true label under the mixture on the dev part, L2 strength
                     chosen by 3-fold CV on dev, which inputs it may use chosen on dev with RAVDESS's sentence held
                     out, among the input sets whose θ passes the product's behaviour cases (BEHAVIOUR: the fusion
                     service tests' angry voice with neutral-ish text, neutral-ish voice with angry text). The
                     service's GATED mode (FusionGate) computes exactly this.
Parts: the gate is fitted on `dev` (RAVDESS actors 01-10, MELD dev, half of GoEmotions dev) and every method is
reported on `test` (RAVDESS actors 11-20, MELD test, the other half of GoEmotions dev). Robustness: the gate fitted
with only RAVDESS statement 01 ("Kids are talking by the door") in dev and tested on statement 02 clips, so the
transcript it is tested on was never seen while fitting.
"""
import argparse
import csv
import json
import math
import os
import re
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "training"))
from common import metrics  # noqa: E402

LABELS = metrics.CANONICAL
FIXED = (0.6, 1.0)


def read_scores(path):
    out = {}
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            out[r["key"]] = (r["truth"], np.array([float(r[l]) for l in LABELS]))
    return out


def read_manifest(path):
    with open(path, newline="", encoding="utf-8") as f:
        return {r["id"]: r for r in csv.DictReader(f)}


def certainty(p):
    q = np.clip(p, 1e-12, 1.0)
    return 1.0 - (-(q * np.log(q)).sum(1)) / math.log(7)


LOG_FLOOR = 1e-4  # probabilities are clipped here before the log (FusionGate.LOG_FLOOR)


def features(ps, pt):
    """phi = [1, c_speech, c_text, ln p_speech (7), ln p_text (7)], as FusionGate computes it."""
    return np.concatenate([np.ones((len(ps), 1)), certainty(ps)[:, None], certainty(pt)[:, None],
                           np.log(np.clip(ps, LOG_FLOOR, 1.0)), np.log(np.clip(pt, LOG_FLOOR, 1.0))], 1)


def fuse(method, ps, pt, theta=None):
    if method == "speech":
        w = np.ones(len(ps))
    elif method == "text":
        w = np.zeros(len(ps))
    elif method == "fixed":
        w = np.full(len(ps), FIXED[0] / sum(FIXED))
    elif method == "confidence":
        a, b = FIXED[0] * certainty(ps), FIXED[1] * certainty(pt)
        tot = a + b
        w = np.where(tot > 0, a / np.where(tot > 0, tot, 1), FIXED[0] / sum(FIXED))
    elif method in ("gated", "shipped"):
        w = 1.0 / (1.0 + np.exp(-(features(ps, pt) @ theta)))
    else:
        raise ValueError(method)
    return w[:, None] * ps + (1 - w[:, None]) * pt, w


def balanced_weights(truth, group):
    """Each group (set) weighs the same in total, and inside it each class weighs the same."""
    w = np.zeros(len(truth))
    groups = sorted(set(group))
    for g in groups:
        gi = np.array([x == g for x in group])
        classes = sorted(set(truth[gi]))
        for c in classes:
            ci = gi & (truth == c)
            w[ci] = 1.0 / (len(groups) * len(classes) * ci.sum())
    return w / w.sum() * len(w)


L2_GRID = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
FEATURE_SETS = {  # which of phi = [1, c_s, c_t, p_speech(7), p_text(7)] the gate may use
    "certainty": [0, 1, 2],
    "certainty+speech": [0, 1, 2] + list(range(3, 10)),
    "certainty+text": [0, 1, 2] + list(range(10, 17)),
    "all": list(range(17)),
}

# The product's behaviour cases (fusion-service tests: TopologyTest, FusionGateTest): a gate whose θ labels any of
# them otherwise is not chosen. (speech distribution, text distribution, expected label), LABELS order.
_ANGRY_VOICE = [0.025, 0.025, 0.025, 0.85, 0.025, 0.025, 0.025]
_NEUTRALISH = [0.7, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05]
BEHAVIOUR = [
    ("angry voice, neutral-ish text: the voice decides", _ANGRY_VOICE, _NEUTRALISH, "angry"),
    ("angry voice, 'Kids are talking by the door' as TER 2.0 scored it", _ANGRY_VOICE,
     [0.4940, 0.0675, 0.0579, 0.0898, 0.0945, 0.1248, 0.0716], "angry"),
    ("neutral-ish voice, angry text: the text decides", _NEUTRALISH, [0.05, 0.05, 0.05, 0.8, 0.02, 0.02, 0.01],
     "angry"),
]


def unit(p):
    """One distribution as a [1, 7] row summing to 1 (as the service's Distribution normalises it)."""
    p = np.array([p], dtype=np.float64)
    return p / p.sum()


def behaviour_failures(theta):
    """Names of the BEHAVIOUR cases the gate θ labels otherwise."""
    out = []
    for name, s, t, want in BEHAVIOUR:
        p, _ = fuse("gated", unit(s), unit(t), theta)
        if LABELS[int(p[0].argmax())] != want:
            out.append(name)
    return out


def fit_gate(ps, pt, y, sw, l2, used=None):
    mask = torch.zeros(17, dtype=torch.float64)
    mask[used if used is not None else list(range(17))] = 1.0
    phi = torch.tensor(features(ps, pt), dtype=torch.float64) * mask
    ps_t = torch.tensor(ps, dtype=torch.float64)
    pt_t = torch.tensor(pt, dtype=torch.float64)
    idx = torch.tensor(y)
    w = torch.tensor(sw, dtype=torch.float64)
    theta = torch.zeros(phi.shape[1], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([theta], lr=0.5, max_iter=500, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        a = torch.sigmoid(phi @ theta)[:, None]
        p = a * ps_t + (1 - a) * pt_t
        nll = -(w * torch.log(p.gather(1, idx[:, None])[:, 0].clamp(min=1e-9))).sum() / w.sum()
        loss = nll + l2 * (theta[1:] ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return (theta.detach() * mask).numpy()


def ua4(truth, p):
    return metrics.evaluate(list(truth), p)["4class"]["ua"]


def report(truth, p):
    m = metrics.evaluate(list(truth), p)
    return {"n4": m["4class"]["n"], "ua4": m["4class"]["ua"], "wa4": m["4class"]["accuracy"],
            "n7": m["7class"]["n"], "ua7": m["7class"]["ua"], "wf17": m["7class"]["wf1"]}


SCORE_FUSION = os.path.join(REPO, "contracts", "src", "main", "java", "io", "emostream", "contracts",
                            "ScoreFusion.java")


def shipped_theta():
    """The gate θ the platform ships: ScoreFusion.DEFAULT_GATE, parsed from the Java source."""
    with open(SCORE_FUSION, encoding="utf-8") as fi:
        src = fi.read()
    m = re.search(r"DEFAULT_GATE\s*=\s*((?:\"[^\"]*\"\s*\+?\s*)+);", src)
    theta = [float(x) for x in "".join(re.findall(r"\"([^\"]*)\"", m.group(1))).split(",")]
    if len(theta) != 17:
        raise ValueError("ScoreFusion.DEFAULT_GATE has %d numbers, expected 17" % len(theta))
    return theta


def read_shipped(path):
    """θ to report as `shipped`: a results file's gate.theta, or ScoreFusion.DEFAULT_GATE without one."""
    if path:
        with open(path) as fi:
            return json.load(fi)["gate"]["theta"]
    return shipped_theta()


def b_only(ser_files, ter_file, manifest, theta):
    """Set B's table for several SER score files (the same TER scores and θ): what a new SER changes on B when A's
    out-of-fold scores are not available."""
    man = read_manifest(manifest)
    t = read_scores(ter_file)
    for name in ser_files:
        s = read_scores(name)
        keys = sorted(set(s) & set(t))
        for part in ("dev", "test"):
            k = [x for x in keys if man[x]["part"] == part]
            truth = np.array([s[x][0] for x in k])
            ps, pt = np.stack([s[x][1] for x in k]), np.stack([t[x][1] for x in k])
            cells = []
            for m in ("speech", "text", "fixed", "confidence", "shipped"):
                p, w = fuse("gated" if m == "shipped" else m, ps, pt, theta if m == "shipped" else None)
                cells.append("%s %.3f" % (m, ua4(truth, p)))
            top = float(np.mean(ps.argmax(1) == LABELS.index("angry")))
            print("B %s %s (%d rows): 4-class UA %s; shipped θ mean speech weight %.3f; SER top class angry %.2f"
                  % (part, os.path.basename(name), len(k), ", ".join(cells), float(w.mean()), top))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scores", default="/tmp/emostream-fusion/scores")
    ap.add_argument("--sets", default="/tmp/emostream-fusion")
    for k in ("ser-a", "ser-b", "ter-a", "ter-b", "ser-speech-only"):
        ap.add_argument("--" + k, default=None)
    ap.add_argument("--out", default=os.path.join(HERE, "results.json"))
    ap.add_argument("--shipped", default=None,
                    help="results JSON whose gate.theta to report as `shipped` (default: ScoreFusion.DEFAULT_GATE)")
    ap.add_argument("--b-only", nargs="+", default=None, metavar="SER_B",
                    help="set B alone (no A scores needed, no fitting): these SER score files of B (e.g. two SER "
                         "versions, paired) with --ter-b, every fixed method and the shipped θ, per part")
    a = ap.parse_args()
    if a.b_only:
        b_only(a.b_only, a.ter_b or os.path.join(a.scores, "ter_b.csv"), os.path.join(a.sets, "b.csv"),
               np.array(read_shipped(a.shipped), dtype=np.float64))
        return
    shipped_file = a.shipped or "ScoreFusion.DEFAULT_GATE"
    shipped = np.array(read_shipped(a.shipped), dtype=np.float64)
    f = lambda k: getattr(a, k.replace("-", "_")) or os.path.join(a.scores, k.replace("-", "_") + ".csv")  # noqa
    man = {**read_manifest(os.path.join(a.sets, "a_ravdess.csv")), **read_manifest(os.path.join(a.sets, "b.csv"))}
    rows = []
    for sk, tk in (("ser-a", "ter-a"), ("ser-b", "ter-b")):
        s, t = read_scores(f(sk)), read_scores(f(tk))
        for key in sorted(set(s) & set(t)):
            m = man[key]
            rows.append({"key": key, "truth": s[key][0], "ps": s[key][1], "pt": t[key][1], "set": m["set"],
                         "part": m["part"], "corpus": m["corpus"], "statement": m.get("statement", "")})
        missing = len(set(s) ^ set(t))
        if missing:
            print("warning: %d keys scored by only one modality in %s/%s" % (missing, sk, tk))
    truth = np.array([r["truth"] for r in rows])
    ps = np.stack([r["ps"] for r in rows])
    pt = np.stack([r["pt"] for r in rows])
    sets = np.array([r["set"] for r in rows])
    part = np.array([r["part"] for r in rows])
    corpus = np.array([r["corpus"] for r in rows])
    stmt = np.array([r["statement"] for r in rows])
    y = np.array([LABELS.index(t) for t in truth])
    four = np.isin(truth, metrics.FOUR)

    def fit(sel, used, check=False):
        """θ on the rows sel; L2 strength by CV. check: only L2 strengths whose θ passes the behaviour cases (None
        when none does)."""
        sw = balanced_weights(truth[sel], sets[sel])
        # L2 strength by 3-fold CV on the fitting rows (objective: mean 4-class UA over A and B)
        rng = np.random.default_rng(7)
        fold = rng.integers(0, 3, sel.sum())
        best = None
        if shipped is not None:  # the shipped θ on the same CV test folds (not fitted on them with these scores)
            shipped_cv.append(float(np.mean([np.mean([
                ua4(truth[sel][fold == k][sets[sel][fold == k] == g],
                    fuse("gated", ps[sel][fold == k], pt[sel][fold == k], shipped)[0][sets[sel][fold == k] == g])
                for g in ("A", "B")]) for k in range(3)])))
        for l2 in L2_GRID:
            full = fit_gate(ps[sel], pt[sel], y[sel], sw, l2, used)
            if check and behaviour_failures(full):
                continue
            scores = []
            for k in range(3):
                trk, tek = fold != k, fold == k
                th = fit_gate(ps[sel][trk], pt[sel][trk], y[sel][trk], sw[trk], l2, used)
                p, _ = fuse("gated", ps[sel][tek], pt[sel][tek], th)
                scores.append(np.mean([ua4(truth[sel][tek][sets[sel][tek] == g], p[sets[sel][tek] == g])
                                       for g in ("A", "B")]))
            if best is None or np.mean(scores) > best[0]:
                best = (float(np.mean(scores)), l2, full)
        if best is None:
            return None, (float("nan"), None)
        return best[2], best[:2]

    dev = part == "dev"
    shipped_cv = []
    # which inputs the gate may use, chosen on dev with the transcript of A held out: RAVDESS has two sentences,
    # so a gate that reads the text probabilities can learn the two sentences rather than when to trust text
    choice = {}
    for name, used in FEATURE_SETS.items():
        sc = []
        for held in ("01", "02"):
            fit_sel = dev & ((sets == "B") | (stmt != held))
            th, _ = fit(fit_sel, used)
            ev_a = dev & (sets == "A") & (stmt == held)
            p, _ = fuse("gated", ps[ev_a], pt[ev_a], th)
            sc.append(ua4(truth[ev_a], p))
        th, (cvb, _) = fit(dev, used, check=True)
        if th is None:  # no L2 strength passes: reported with the unconstrained fit
            th, (cvb, _) = fit(dev, used)
        p, _ = fuse("gated", ps[dev & (sets == "B")], pt[dev & (sets == "B")], th)
        choice[name] = {"A_unseen_sentence_ua4": float(np.mean(sc)),
                        "B_dev_ua4": ua4(truth[dev & (sets == "B")], p)}
        choice[name]["score"] = (choice[name]["A_unseen_sentence_ua4"] + choice[name]["B_dev_ua4"]) / 2
        choice[name]["behaviour_failures"] = behaviour_failures(th)
        print("gate inputs %-18s dev: A (sentence held out) %.4f, B %.4f; behaviour cases failed: %s" % (
            name, choice[name]["A_unseen_sentence_ua4"], choice[name]["B_dev_ua4"],
            choice[name]["behaviour_failures"] or "none"))
    passing = [k for k in choice if not choice[k]["behaviour_failures"]]
    if not passing:  # reported for the record, not to be shipped
        print("NO gate input set passes the behaviour cases: keep the shipped θ; the re-fit below (best dev score) "
              "is for the record only")
    chosen = max(passing or choice, key=lambda k: choice[k]["score"])
    used = FEATURE_SETS[chosen]
    shipped_cv.clear()
    theta, (cv, l2) = fit(dev, used, check=bool(passing))
    if shipped is not None:
        print("shipped theta, same 3-fold dev CV test folds: mean UA4 %.4f (re-fitted: %.4f)" % (shipped_cv[0], cv))
    print("gate: inputs %s, l2 %g (3-fold dev CV mean UA4 %.4f), theta %s" % (chosen, l2, cv,
                                                                           np.round(theta, 4).tolist()))
    cases = []
    for name, sp, tx, want in BEHAVIOUR:
        p_, w_ = fuse("gated", unit(sp), unit(tx), theta)
        cases.append({"case": name, "speech_weight": float(w_[0]), "label": LABELS[int(p_[0].argmax())],
                      "expected": want})
        print("behaviour: %s -> speech weight %.8f, %s" % (name, w_[0], cases[-1]["label"]))
    methods = ["speech", "text", "fixed", "confidence"] + (["shipped"] if shipped is not None else []) + ["gated"]
    th_of = lambda m, th: shipped if m == "shipped" else th  # noqa
    table = {}
    for pname in ("dev", "test"):
        for sname, ssel in (("A", sets == "A"), ("B", sets == "B"), ("A+B", np.ones(len(rows), bool)),
                            ("B meld", (sets == "B") & (corpus == "meld")),
                            ("B goemotions", (sets == "B") & (corpus == "goemotions"))):
            sel = ssel & (part == pname)
            for mth in methods:
                p, w = fuse(mth, ps[sel], pt[sel], th_of(mth, theta))
                r = report(truth[sel], p)
                r["mean_speech_weight"] = float(w.mean())
                table["%s|%s|%s" % (pname, sname, mth)] = r
            if sname == "B":
                for mth in methods:
                    a_, b_ = table["%s|A|%s" % (pname, mth)], table["%s|B|%s" % (pname, mth)]
                    table["%s|A,B balanced|%s" % (pname, mth)] = {"ua4": (a_["ua4"] + b_["ua4"]) / 2,
                                                                  "ua7": (a_["ua7"] + b_["ua7"]) / 2}
    # the pooled target's ceiling for a fusion that picks one modality per row: speech on every A row, text on every
    # B row (reads the set label, which no fusion has; beating it needs a fused score better than both inside a set)
    ceiling = {}
    for pname in ("dev", "test"):
        sel = part == pname
        p = np.where((sets[sel] == "A")[:, None], ps[sel], pt[sel])
        ceiling[pname] = {"ua4": ua4(truth[sel], p), "text_ua4": ua4(truth[sel], pt[sel])}
    # robustness: gate fitted with RAVDESS statement 01 only, tested on statement 02 (unseen transcript)
    sel_fit = dev & ((sets == "B") | (stmt == "01"))
    theta_s1, _ = fit(sel_fit, used)
    rob = {}
    for mth in methods:
        sel = (part == "test") & (sets == "A") & (stmt == "02")
        p, _ = fuse(mth, ps[sel], pt[sel], th_of(mth, theta_s1))
        rob[mth] = report(truth[sel], p)
    # speech-only corpora: no transcript, the service emits the speech score alone
    so = {}
    if os.path.exists(f("ser-speech-only")):
        s = read_scores(f("ser-speech-only"))
        sm = read_manifest(os.path.join(a.sets, "a_speech_only.csv"))
        for c in sorted({m["corpus"] for m in sm.values()}):
            keys = [k for k in s if sm[k]["corpus"] == c]
            so[c] = report(np.array([s[k][0] for k in keys]), np.stack([s[k][1] for k in keys]))
    res = {"protocol": __doc__.strip().split("\n\n")[-1], "fixed_weights": FIXED,
           "gate": {"theta": theta.tolist(), "phi": ["1", "c_speech", "c_text"] + ["ln p_speech." + l for l in LABELS]
                    + ["ln p_text." + l for l in LABELS], "l2": l2, "dev_cv_mean_ua4": cv, "inputs": chosen, "behaviour": cases,
                    "passes_behaviour": bool(passing),
                    "input_choice_on_dev": choice},
           "shipped_gate": None if shipped is None else {
               "theta": shipped.tolist(), "source": shipped_file,
               "dev_cv_mean_ua4_same_folds": shipped_cv[0] if shipped_cv else None},
           "table": table, "per_set_choice_ceiling": ceiling, "robustness_statement02_unseen": rob,
           "speech_only_corpora": so,
           "counts": {"%s|%s" % (p_, s_): int(((part == p_) & (sets == s_)).sum()) for p_ in ("dev", "test")
                      for s_ in ("A", "B")}}
    with open(a.out, "w") as fo:
        json.dump(res, fo, indent=1)
    print("\n| part | set | " + " | ".join(methods) + " |")
    print("|---|---|" + "---|" * len(methods))
    for pname in ("dev", "test"):
        for sname in ("A", "B", "A+B", "A,B balanced", "B meld", "B goemotions"):
            print("| %s | %s | %s |" % (pname, sname, " | ".join(
                "%.3f" % table["%s|%s|%s" % (pname, sname, m)]["ua4"] for m in methods)))
    for pname, c in ceiling.items():
        print("%s A+B: speech on every A row, text on every B row (the per-set choice ceiling) %.3f, %+.1f points "
              "over text alone" % (pname, c["ua4"], 100 * (c["ua4"] - c["text_ua4"])))
    print("\nrobustness (gate fitted without statement 02, 4-class UA on test statement-02 clips): "
          + ", ".join("%s %.3f" % (m, rob[m]["ua4"]) for m in methods))
    for c, r in so.items():
        print("speech-only %s: 4-class UA %.3f, 7-class UA %.3f (n=%d)" % (c, r["ua4"], r["ua7"], r["n7"]))
    print("wrote", a.out)


if __name__ == "__main__":
    main()
