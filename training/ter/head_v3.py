"""TER v3 head: the top encoder layers, fine-tuned, in front of the v2 head (head_v2.TerHeadV2).

The serving encoder (bge-small int8, ONNX Runtime, frozen) exposes the token states after its layer `12 - top`
(the manifest's encoder.headInput; TextEncoder adds that tensor to the graph's outputs). This head continues from
there with its own fp32 copies of the encoder's top layers, initialised from the jar's dequantised int8 weights and
fine-tuned with the classifier, then runs the v2 CNN/context/V-A-D head on their output. Context turns are still the
mean of the frozen encoder's last hidden states (unchanged from v2).

forward(features[B,T,H] = states after layer 12-top, lengths[B], ctx[B,K,H], ctx_info[B,K,2]) -> out[B,10]

Three ways of giving the top layers the previous turns' tokens were tried and not shipped (training/README.md, TER:
`--ctx-tokens`, `--joint`, `--turn-attn`); their code is in git at c49abd1 (train_v2.py, head_v3.py, joint_context.py).
"""
import os
import sys
import zipfile

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


class TerHeadV3(TerHeadV2):
    def __init__(self, top: int = 2, **kw):
        super().__init__(**kw)
        self.top = nn.ModuleList([Layer(kw.get("hidden", 384), dropout=0.1) for _ in range(top)])

    def encode_top(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        mask = torch.arange(x.shape[1], device=x.device)[None, :] < lengths[:, None]
        ext = (~mask).to(x.dtype)[:, None, None, :] * -1e9
        for layer in self.top:
            x = layer(x, ext)
        return x

    def logits_vad(self, x: torch.Tensor, lengths: torch.Tensor, ctx: torch.Tensor, ctx_info: torch.Tensor):
        hid = self.drop(self.hidden_of(self.encode_top(x, lengths), lengths, ctx, ctx_info))
        return self.fc2(hid), 3.0 + 2.0 * torch.tanh(self.vad(hid))


def jar_path(maven: str) -> str:
    g, a, v = maven.split(":")
    return os.path.expanduser("~/.m2/repository/%s/%s/%s/%s-%s.jar" % (g.replace(".", "/"), a, v, a, v))


def load_top_layers(model: TerHeadV3, jar: str, n_layers: int = 12, patch: str = None):
    """Copies the jar's top encoder layers (int8 weights dequantised: (q - zero point) * scale) into model.top; with
    patch (a shipped model's encoder-top.pb, export_int8_top.py) its initializers replace the jar's of the same name,
    as TextEncoder swaps them in, so model.top holds the shipped fine-tuned layers."""
    import onnx
    from onnx import numpy_helper
    with zipfile.ZipFile(jar) as z:
        name = [n for n in z.namelist() if n.endswith(".onnx")][0]
        g = onnx.load_model_from_string(z.read(name)).graph
    init = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    if patch is not None:
        pg = onnx.GraphProto()
        with open(patch, "rb") as f:
            pg.ParseFromString(f.read())
        for t in pg.initializer:
            assert t.name in init, t.name
            init[t.name] = numpy_helper.to_array(t)
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
