"""Scripts a trained TER v2 head (TerHeadV2 weights) for serving: its 1-D convolutions as common.quiet_conv.QuietConv1d
(a transcript scored alone would otherwise make libtorch log an NNPACK warning per convolution; see quiet_conv.py),
checked against the plain head (batched and one by one). train_v2.py calls export(); for a head already scripted
(e.g. the shipped models/ter-default/head.pt) this command re-exports it from its own weights:

  /usr/bin/python3 training/ter/export_head.py models/ter-default/head.pt --turns 3 --ctx-dim 96 --out models/ter-default/head.pt
"""
import argparse
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
from common.quiet_conv import QuietConv1d  # noqa: E402
from head_v2 import TerHeadV2  # noqa: E402


def export(model: TerHeadV2, out: str):
    model.eval()
    torch.manual_seed(0)
    b, t, h, k = 3, 24, model.proj.in_features, model.turns
    x, lengths = torch.randn(b, t, h), torch.tensor([24, 9, 3])
    ctx, info = torch.randn(b, k, h), torch.tensor([[[1.0, 1.0]] * k, [[1.0, 0.0]] * k, [[0.0, 0.0]] * k])
    with torch.no_grad():
        ref = [model(x, lengths, ctx, info)] + [model(x[i:i + 1, :int(lengths[i])], lengths[i:i + 1], ctx[i:i + 1],
                                                      info[i:i + 1]) for i in range(b)]
        for i in range(len(model.convs)):
            if not isinstance(model.convs[i], QuietConv1d):
                model.convs[i] = QuietConv1d(model.convs[i])
        sm = torch.jit.script(model)
        got = [sm(x, lengths, ctx, info)] + [sm(x[i:i + 1, :int(lengths[i])], lengths[i:i + 1], ctx[i:i + 1],
                                                info[i:i + 1]) for i in range(b)]
    d = max(float((g - r).abs().max()) for g, r in zip(got, ref))
    print("max |head with QuietConv1d - plain head| = %.2e (batch %d and each row alone)" % (d, b))
    assert d < 1e-5
    sm.save(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("head", help="a scripted head.pt (its state dict is loaded into TerHeadV2)")
    ap.add_argument("--turns", type=int, default=3)
    ap.add_argument("--ctx-dim", type=int, default=96)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    sd = torch.jit.load(a.head).state_dict()
    sd = {k.replace(".conv.weight", ".weight").replace(".conv.bias", ".bias"): v for k, v in sd.items()}
    model = TerHeadV2(turns=a.turns, ctx_dim=a.ctx_dim)
    model.load_state_dict(sd)
    export(model, a.out)
    print("wrote", a.out, os.path.getsize(a.out), "bytes")


if __name__ == "__main__":
    main()
