"""Writes models/ser-default/manifest.json for a SER v2 candidate exported by mc_stats.py --export.

  /usr/bin/python3 training/ser/mc_manifest.py --tag e --recipe "training/ser/mc_stats.py --candidate e --tel 1 ..."
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import corpora  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tag", required=True)
    ap.add_argument("--recipe", required=True)
    ap.add_argument("--model-dir", default=os.path.join(REPO, "models", "ser-default"))
    ap.add_argument("--name", default="ser-stats-multicorpus")
    ap.add_argument("--architecture", default=None)
    ap.add_argument("--version", default="2.0.0")
    args = ap.parse_args()
    res = json.load(open("/tmp/serv2/result_%s.json" % args.tag))
    path = os.path.join(args.model_dir, "manifest.json")
    old = json.load(open(path))
    items = corpora.rows(corpora.default_data())
    counts = {}
    for it in items:
        if it["label"] >= 0:
            counts[it["corpus"]] = counts.get(it["corpus"], 0) + 1
    r4 = lambda d: {k: round(v, 4) if isinstance(v, float) else v for k, v in d.items()}  # noqa: E731
    m = {
        "name": args.name,
        "version": args.version,
        "modality": "speech",
        "labels": old["labels"],
        "artifacts": old["artifacts"],
        "input": old["input"],
        "architecture": args.architecture or old["architecture"],
        "interface": old["interface"],
        "training": {
            "data": "; ".join("%s: %d labelled rows (%s)" % (c, counts.get(c, 0), corpora.LICENCES[c]) for c in corpora.CORPORA),
            "licences": corpora.LICENCES,
            "labels": "canonical 7 classes; calm -> neutral (RAVDESS, TurEV-DB); BAVED: only its 'neutral' level is labelled (neutral), its low/high-emotion levels are unused",
            "recipe": args.recipe + ": statistics of every utterance (4 s windows / 2 s hop) and of augmented copies (the 1.0 augmentation: speed, crops, silence, reverb, band limit, tilt, gain, noise; plus telephone-band copies: 300-3400 Hz, 8 kHz, 8-bit mu-law round trip, optional noise); each MLP: AdamW, class-weighted CE with label smoothing 0.1, fixed epochs; the final model is trained on every labelled row its candidate uses (no held-out part)",
            "settings": {t: {k: a[k] for k in ("candidate", "copies", "tel", "stride", "dup", "heads", "epochs", "batch", "lr", "wd", "hidden", "dropout", "seed")}
                         for t, a in (res["args"].items() if "+" in args.tag else [(args.tag, res["args"])])},
            "note": "licences: RAVDESS, nEMO CC BY-NC-SA 4.0, TurEV-DB CC BY-NC-ND 4.0, EMOVO and BAVED research-only (not verified): this model is for non-commercial research use",
        },
        "metrics": {
            "protocol": "P1: RAVDESS speech actors 01-20, 5 folds by actor (fold k holds out actors a with (a-1) % 5 == k), each fold trained from scratch on every other labelled row (the other 16 actors + emovo, nemo, turevdb, baved neutral); P2: leave one corpus out over ravdess, emovo, nemo, turevdb (train on the other three + baved, test on the held-out corpus). Fixed settings, nothing chosen on a held-out part; utterances scored in 4 s windows / 2 s hop, probabilities averaged (as the Java service). UA = mean per-class recall; 4-class = neutral/happy/sad/angry rows, argmax among those four; ECE = expected calibration error of the top probability (10 bins, 7-class).",
            "p1_ravdess_by_actor": {"mean_of_folds": r4(res["p1_mean_of_folds"]),
                                    "per_fold": {k: r4(v) for k, v in res["folds"].items() if k.startswith("p1_")},
                                    "pooled": r4(res["p1"]["ravdess"])},
            "p2_leave_one_corpus_out": {"mean": r4(res["p2_mean"]),
                                        "per_corpus": {c: r4(res["p2"][c]) for c in corpora.LOCO if c in res["p2"]},
                                        "per_fold": {k: r4(v) for k, v in res["folds"].items() if k.startswith("p2_")}},
            "previous_version": {"name": old["name"], "version": old["version"],
                                 "p1_mean_of_folds": {"7class_ua": 0.5177, "4class_ua": 0.6692},
                                 "unseen_corpora_4class_ua_7class_ua": "see training/README.md (SER v2 table, candidate 'shipped')"},
        },
    }
    json.dump(m, open(path, "w"), indent=2)
    print("wrote", path)


if __name__ == "__main__":
    main()
