"""Writes the parity fixtures of the TER model: models/ter-default/reference/reference.json.

Token ids come from the Java tokenizer (DumpTextFeatures writes them); the expected probabilities are computed
independently of ONNX Runtime: the MiniLM weights of the Maven jar rebuilt as a PyTorch BERT (onnx_to_torch.py),
then the exported TorchScript head.

  bash training/ter/make_reference.sh
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from onnx_to_torch import DEFAULT_JAR, convert, load_onnx  # noqa: E402

SENTENCES = [
    "Oh my God, this is the best day of my life!",
    "I can't believe you would do something like that to me.",
    "Okay.",
    "I miss her so much, I just want her back.",
    "Ew, that is absolutely disgusting, get it away from me!",
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", default=os.path.join(REPO, "models", "ter-default"))
    ap.add_argument("--ids", required=True, help="prefix of the Java dump (.len/.ids/.f32) of SENTENCES")
    ap.add_argument("--jar", default=DEFAULT_JAR)
    args = ap.parse_args()
    lens = np.fromfile(args.ids + ".len", dtype="<i4")
    ids = np.fromfile(args.ids + ".ids", dtype="<i4")
    java_feats = np.fromfile(args.ids + ".f32", dtype="<f4").reshape(-1, 384)
    offs = np.concatenate([[0], np.cumsum(lens)])
    bert = convert(load_onnx(args.jar))
    head = torch.jit.load(os.path.join(args.model_dir, "head.pt")).eval()
    inputs = []
    worst = 0.0
    for i, s in enumerate(SENTENCES):
        tok = torch.from_numpy(ids[offs[i]:offs[i + 1]].astype(np.int64))[None, :]
        with torch.no_grad():
            h = bert(tok, torch.ones_like(tok), torch.zeros_like(tok))
            worst = max(worst, float(np.abs(h[0].numpy() - java_feats[offs[i]:offs[i + 1]]).max()))
            p = head(h, torch.tensor([tok.shape[1]]))[0].numpy()
        inputs.append({"text": s, "ids": [int(v) for v in tok[0]], "probabilities": [float(v) for v in p]})
        print(s, np.round(p, 4))
    print("max |PyTorch BERT - ONNX Runtime (Java)| over token features: %.2e" % worst)
    os.makedirs(os.path.join(args.model_dir, "reference"), exist_ok=True)
    with open(os.path.join(args.model_dir, "reference", "reference.json"), "w") as f:
        json.dump({"description": "token ids from the Java tokenizer; probabilities from PyTorch %s: MiniLM "
                                  "rebuilt from the Maven jar's ONNX as a PyTorch BERT + head.pt" % torch.__version__,
                   "encoderMaxAbsDiffVsOnnxRuntime": worst, "tolerance": 1e-4, "inputs": inputs}, f, indent=1)


if __name__ == "__main__":
    main()
