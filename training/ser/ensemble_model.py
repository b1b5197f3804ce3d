"""SER v2 ensemble: one in-model statistics front end (stats_model.StatsFeatures, unchanged) and two groups of MLP
heads; each group's averaged logits -> softmax, the two probability vectors averaged (exactly what the protocol
tables in mc_table.py score: window probabilities of the two candidates averaged), then an optional calibration
temperature on the averaged probabilities (p^(1/T) renormalised: the argmax, hence every UA, is unchanged).

  /usr/bin/python3 training/ser/ensemble_model.py /tmp/serv2/final_rav/ser.pt /tmp/serv2/final_a0/ser.pt \
      --out models/ser-default/ser.pt
"""
import argparse
import os
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from stats_model import MlpHead, StatsFeatures, StatsNet  # noqa: E402


class HeadGroup(nn.Module):
    def __init__(self, heads: nn.ModuleList):
        super().__init__()
        self.heads = heads

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        out = torch.zeros(s.shape[0], 7, dtype=s.dtype, device=s.device)
        for h in self.heads:
            out = out + h(s)
        return torch.softmax(out / len(self.heads), dim=1)


class StatsEnsemble(nn.Module):
    """forward(wav[B,S], lengths[B]) -> probs[B,7] = mean over groups of softmax(mean of the group's head logits)."""

    def __init__(self, groups: nn.ModuleList, temperature: float = 1.0):
        super().__init__()
        self.stats = StatsFeatures()
        self.groups = groups
        self.temperature = temperature

    def forward(self, wav: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        s = self.stats(wav, lengths)
        out = torch.zeros(s.shape[0], 7, dtype=s.dtype, device=s.device)
        for g in self.groups:
            out = out + g(s)
        out = out / len(self.groups)
        if self.temperature != 1.0:  # calibration: p^(1/T), renormalised (argmax unchanged)
            out = torch.softmax(torch.log(out.clamp(min=1e-12)) / self.temperature, dim=1)
        return out


def load_statsnet(path):
    """Rebuilds an eager StatsNet from a scripted one (same parameter names)."""
    sm = torch.jit.load(path).eval()
    sd = sm.state_dict()
    heads = len({k.split(".")[1] for k in sd if k.startswith("heads.")})
    hidden = sd["heads.0.mlp.0.weight"].shape[0]
    net = StatsNet(hidden=hidden, heads=heads)
    net.load_state_dict(sd)
    return net.eval()


def build(paths, temperature=1.0):
    nets = [load_statsnet(p) for p in paths]
    ens = StatsEnsemble(nn.ModuleList([HeadGroup(n.heads) for n in nets]), temperature)
    ens.stats.load_state_dict(nets[0].stats.state_dict())
    return ens.eval()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs="+")
    ap.add_argument("--out", required=True)
    ap.add_argument("--temperature", type=float, default=1.0,
                    help="calibration temperature (2.0: 1.1, the NLL-optimal T on the P1 out-of-fold predictions)")
    args = ap.parse_args()
    ens = build(args.models)
    ens.temperature = 1.0  # the parity check below compares the raw average
    # check: the ensemble equals the mean of the parts' probabilities
    torch.manual_seed(0)
    x = torch.randn(3, 48000) * 0.1
    lengths = torch.tensor([48000, 30000, 8000])
    with torch.no_grad():
        ref = sum(torch.jit.load(p)(x, lengths) for p in args.models) / len(args.models)
        got = ens(x, lengths)
    print("max |ensemble - mean of parts| = %.2e" % float((ref - got).abs().max()))
    assert float((ref - got).abs().max()) < 1e-5
    ens.temperature = args.temperature
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    torch.jit.script(ens).save(args.out)
    print("wrote", args.out, os.path.getsize(args.out), "bytes")


if __name__ == "__main__":
    main()
