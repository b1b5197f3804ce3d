"""Writes the metrics of models/ter-default/training-report.json (from train_ter.py) into its manifest.json.

  /usr/bin/python3 training/ter/update_manifest.py [model dir]
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def r4(m):
    return {k: round(m[k], 4) for k in ("accuracy", "ua", "wf1")} | {"n": m["n"]}


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "models", "ter-default")
    rep = json.load(open(os.path.join(d, "training-report.json")))
    man = json.load(open(os.path.join(d, "manifest.json")))
    a = rep["args"]
    man["training"] = {
        "data": "MELD train (text/meld, GPL-3.0)" + (" + " + a["extra"] if a["extra"] not in ("", "none") else "")
                + "; EmoryNLP rows whose normalised text occurs in MELD dev/test dropped, unmappable labels "
                  "(Powerful, Peaceful) skipped",
        "extra_data": rep["extra_data"],
        "features": "MiniLM-L6 last_hidden_state of every token, computed by the Java TextEncoder "
                    "(training/ter/dump_features.sh), i.e. the serving tokenizer + encoder",
        "recipe": "training/ter/train_ter.py --extra %s --alphas %s --seeds 3 (seed %d): 3 heads with different seeds, "
                  "each AdamW lr %g, up to %d epochs, batch %d, dropout %g, class weights (n/count)^%g, label "
                  "smoothing 0.1, the epoch with the best MELD-dev objective (7-class wF1 + 4-class UA); then "
                  "training/ter/select_head.py keeps the single head with the best MELD-dev objective after a "
                  "per-class logit bias is tuned on dev (coordinate ascent, same objective). The 3-head ensemble "
                  "cost ~2.5 ms more per utterance for no dev gain." % (
                      a["extra"], a["alphas"], a["seed"], a["lr"], a["epochs"], a["batch"], a["dropout"],
                      rep["selected"]["alpha"]),
        "selected": rep["selected"],
    }
    man["metrics"] = {
        "protocol": "trained on MELD train (+ extra data above), every choice (epochs, class weights, logit bias) "
                    "made on MELD dev, MELD test evaluated once. Utterance-level, no dialogue context. 7-class = "
                    "canonical labels; 4-class = rows labelled neutral/happy/sad/angry, prediction = argmax among "
                    "those four. UA = mean per-class recall, WA = accuracy, wF1 = support-weighted F1.",
        "meld_test": {"7class": r4(rep["meld_test"]["7class"]), "4class": r4(rep["meld_test"]["4class"]),
                      "confusion_7class_rows_truth": rep["meld_test"]["7class"]["confusion"],
                      "confusion_4class_rows_truth": rep["meld_test"]["4class"]["confusion"]},
        "meld_dev": {"7class": r4(rep["meld_dev"]["7class"]), "4class": r4(rep["meld_dev"]["4class"])},
        "labels_confusion_7class": ["neutral", "happy", "sad", "angry", "fear", "disgust", "surprise"],
        "labels_confusion_4class": ["neutral", "happy", "sad", "angry"],
    }
    with open(os.path.join(d, "manifest.json"), "w") as f:
        json.dump(man, f, indent=2)
    print("updated", os.path.join(d, "manifest.json"))


if __name__ == "__main__":
    main()
