"""Prints the SER v2 candidate table (candidate -> per-corpus protocol numbers) from /tmp/serv2/result_<tag>.json.

  /usr/bin/python3 training/ser/mc_table.py shipped a b e         # markdown table
  /usr/bin/python3 training/ser/mc_table.py --mean a+e            # also an ensemble: saved protocol probabilities averaged
  /usr/bin/python3 training/ser/mc_table.py --paired b0dann:b0avg_last   # P1 per fold, candidate - baseline

P1 = mean over the 5 RAVDESS actor folds (as the 1.0 manifest reports it); P2 = UA on each held-out corpus and the mean
over the four. For `shipped` (trained on all 20 RAVDESS actors, nothing else) its P1 is the 1.0 manifest's
cross-validation and its P2 on RAVDESS is undefined (it saw RAVDESS); the other corpora were never seen by it.
"""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import corpora  # noqa: E402
from common import metrics  # noqa: E402

CACHE = "/tmp/serv2"
SHIPPED_P1 = {"7class_ua": 0.5177, "4class_ua": 0.6692}  # models/ser-default 1.0.0 manifest, cv5_speaker_independent


def load(tag, items):
    if "+" in tag:  # ensemble: average of the saved protocol probabilities
        parts = tag.split("+")
        res = {"folds": {}}
        for proto in ("p1", "p2"):
            ps = [np.load(os.path.join(CACHE, "probs_%s_%s.npy" % (t, proto))) for t in parts]
            p = np.mean(ps, 0)
            res[proto] = corpora.report(items, p, tag + " " + proto)
            folds = corpora.p1_folds(items) if proto == "p1" else corpora.p2_folds(items)
            y = np.array([it["label"] for it in items])
            for name, _, te in folds:
                m = te & (y >= 0) & ~np.isnan(p[:, 0])  # a part without a model for this fold -> not scored
                if not m.any():
                    continue
                ev = metrics.evaluate([corpora.LABELS[i] for i in y[m]], p[m])
                res["folds"][name] = {"7class_ua": ev["7class"]["ua"], "4class_ua": ev["4class"]["ua"]}
        mean = lambda pre: {k: float(np.mean([v[k] for n, v in res["folds"].items() if n.startswith(pre)]))  # noqa
                            for k in ("7class_ua", "4class_ua")}
        res["p1_mean_of_folds"] = mean("p1_")
        res["p2_mean"] = mean("p2_")
        res["args"] = {t: json.load(open(os.path.join(CACHE, "result_%s.json" % t)))["args"] for t in parts}
        json.dump(res, open(os.path.join(CACHE, "result_%s.json" % tag), "w"), indent=1)
        return res
    return json.load(open(os.path.join(CACHE, "result_%s.json" % tag)))


def paired(pairs):
    """P1 4-class UA per fold of each candidate, its difference to the baseline per fold, mean differences, and the
    baseline's fold spread (standard deviation of its 5 fold UAs)."""
    print("| candidate | vs | P1 4c per fold (candidate) | candidate − baseline per fold | mean 4c / 7c | baseline fold sd |")
    print("|---|---|---|---|---|---|")
    for pr in pairs:
        t, b = pr.split(":")
        ft, fb = (json.load(open(os.path.join(CACHE, "result_%s.json" % x)))["folds"] for x in (t, b))
        p1 = [k for k in sorted(ft) if k.startswith("p1_")]
        d4 = [ft[k]["4class_ua"] - fb[k]["4class_ua"] for k in p1]
        d7 = [ft[k]["7class_ua"] - fb[k]["7class_ua"] for k in p1]
        print("| %s | %s | %s | %s | %+.3f / %+.3f | %.3f |" % (
            t, b, " ".join("%.3f" % ft[k]["4class_ua"] for k in p1), " ".join("%+.3f" % x for x in d4),
            np.mean(d4), np.mean(d7), np.std([fb[k]["4class_ua"] for k in p1])))


def main():
    if "--paired" in sys.argv:
        return paired([a for a in sys.argv[1:] if not a.startswith("--")])
    tags = [a for a in sys.argv[1:] if not a.startswith("--")]
    items = corpora.rows(corpora.default_data())
    print("| candidate | P1 RAVDESS 4c / 7c UA | P2 ravdess | P2 emovo | P2 nemo | P2 turevdb | P2 mean 4c / 7c | ECE P2 (rav/emo/nemo/tur) |")
    print("|---|---|---|---|---|---|---|---|")
    for tag in tags:
        r = load(tag, items)
        f = r["folds"]
        if tag == "shipped":
            p1 = SHIPPED_P1
        else:
            p1s = [v for k, v in f.items() if k.startswith("p1_")]
            p1 = {k: float(np.mean([v[k] for v in p1s])) for k in ("4class_ua", "7class_ua")} if p1s else None
        cells, m4, m7 = [], [], []
        for c in corpora.LOCO:
            if tag == "shipped":
                v = r["p2"].get(c) if c != "ravdess" else None
            else:
                v = f.get("p2_" + c)
            if v is None:
                cells.append("(seen)" if tag == "shipped" else "—")
                continue
            cells.append("%.3f / %.3f" % (v["4class_ua"], v["7class_ua"]))
            m4.append(v["4class_ua"])
            m7.append(v["7class_ua"])
        eces = "/".join("%.2f" % r["p2"][c]["ece"] if c in r.get("p2", {}) else "—" for c in corpora.LOCO)
        print("| %s | %s | %s | %s | %s |" % (
            tag, "%.3f / %.3f" % (p1["4class_ua"], p1["7class_ua"]) if p1 else "—", " | ".join(cells),
            "%.3f / %.3f%s" % (np.mean(m4), np.mean(m7), "" if len(m4) == 4 else " (%d corpora)" % len(m4)) if m4 else "—",
            eces))


if __name__ == "__main__":
    main()
