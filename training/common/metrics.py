"""Metric definitions shared by every training report; the Java evaluator (EvaluateCommand) implements the same.

7-class: canonical labels. 4-class: rows whose true label is neutral/happy/angry/sad, prediction = argmax of the
probabilities among those four. UA = mean per-class recall over classes present in the truth; wF1 = support-weighted F1.
"""
import numpy as np

CANONICAL = ["neutral", "happy", "sad", "angry", "fear", "disgust", "surprise"]
FOUR = ["neutral", "happy", "sad", "angry"]  # canonical (enum) order, as Emotion.FOUR_CLASS iterates
SYNONYMS = {
    "neutral": "neutral", "neu": "neutral", "calm": "neutral",
    "happy": "happy", "hap": "happy", "happiness": "happy", "joy": "happy", "joyful": "happy",
    "excited": "happy", "exc": "happy",
    "sad": "sad", "sadness": "sad",
    "angry": "angry", "ang": "angry", "anger": "angry", "mad": "angry",
    "fear": "fear", "fearful": "fear", "scared": "fear",
    "disgust": "disgust", "disgusted": "disgust",
    "surprise": "surprise", "surprised": "surprise",
}


def to_canonical(label):
    """Same table as io.emostream.contracts.EmotionLabels; None when unmappable."""
    if label is None:
        return None
    return SYNONYMS.get(label.strip().lower())


def scores(y_true, y_pred, n_classes):
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    for t, p in zip(y_true, y_pred):
        cm[t, p] += 1
    support = cm.sum(1)
    predicted = cm.sum(0)
    tp = np.diag(cm)
    present = support > 0
    recall = np.where(present, tp / np.maximum(support, 1), 0.0)
    precision = np.where(predicted > 0, tp / np.maximum(predicted, 1), 0.0)
    f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0.0)
    n = max(len(y_true), 1)
    return {
        "n": int(len(y_true)),
        "accuracy": float(tp.sum() / n),
        "ua": float(recall[present].mean()) if present.any() else 0.0,
        "wf1": float((f1 * support).sum() / n),
        "confusion": cm.tolist(),
    }


def evaluate(true_labels, probs):
    """true_labels: canonical names; probs: [N, 7] canonical-order probabilities. Returns 7- and 4-class metrics."""
    probs = np.asarray(probs, dtype=np.float64)
    yt = [CANONICAL.index(t) for t in true_labels]
    yp = probs.argmax(1)
    m7 = scores(yt, yp, 7)
    four_idx = [CANONICAL.index(c) for c in FOUR]
    sel = [i for i, t in enumerate(true_labels) if t in FOUR]
    yt4 = [FOUR.index(true_labels[i]) for i in sel]
    yp4 = probs[sel][:, four_idx].argmax(1) if sel else []
    m4 = scores(yt4, yp4, 4)
    return {"7class": m7, "4class": m4}


def summary(m):
    return ("7c acc %.4f UA %.4f wF1 %.4f | 4c acc %.4f UA %.4f wF1 %.4f (n7=%d n4=%d)" % (
        m["7class"]["accuracy"], m["7class"]["ua"], m["7class"]["wf1"],
        m["4class"]["accuracy"], m["4class"]["ua"], m["4class"]["wf1"], m["7class"]["n"], m["4class"]["n"]))
