"""Times a TorchScript model's forward pass in Python PyTorch, as TorchScriptBench.java does in DJL.

usage: /usr/bin/python3 bench/torchscript_bench.py ser|ter-head model.pt [iterations]
"""
import json
import math
import os
import sys
import time

import torch

torch.set_num_threads(1)
torch.set_num_interop_threads(1)


def context_turns(path):
    """A text head with dialogue context (manifest next to the file: context.turns) takes 4 inputs, else 2."""
    manifest = os.path.join(os.path.dirname(os.path.abspath(path)), "manifest.json")
    if not os.path.exists(manifest):
        return 0
    return json.load(open(manifest)).get("context", {}).get("turns", 0)


def inputs(kind, batch, turns=0):
    g = torch.Generator().manual_seed(7)
    if kind == "ser":
        n = 3 * 16000
        t = torch.arange(n, dtype=torch.float32) / 16000.0
        x = (0.2 * torch.sin(2 * math.pi * 180 * t)).repeat(batch, 1) + 0.01 * torch.randn(batch, n, generator=g)
        return x, torch.full((batch,), n, dtype=torch.long)
    x = torch.randn(batch, 20, 384, generator=g)
    if turns:
        info = torch.zeros(batch, turns, 2)
        info[:, :, 0] = 1.0
        info[:, 1::2, 1] = 1.0
        return x, torch.full((batch,), 20, dtype=torch.long), torch.randn(batch, turns, 384, generator=g), info
    return x, torch.full((batch,), 20, dtype=torch.long)


def main():
    kind, path = sys.argv[1], sys.argv[2]
    iterations = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    model = torch.jit.load(path).eval()
    turns = context_turns(path) if kind == "ter-head" else 0
    with torch.no_grad():
        for batch in (1, 16):
            times = []
            for i in range(-20, iterations):
                args = inputs(kind, batch, turns)
                s = time.perf_counter()
                out = model(*args)
                out.numpy()
                if i >= 0:
                    times.append((time.perf_counter() - s) * 1000)
            times.sort()
            p = lambda q: times[max(0, min(len(times) - 1, math.ceil(q / 100 * len(times)) - 1))]
            print(json.dumps({"runtime": "python-torch " + torch.__version__, "model": kind, "batch": batch,
                              "p50_ms": round(p(50), 3), "p99_ms": round(p(99), 3),
                              "items_per_s": round(batch * 1000 / (sum(times) / len(times)), 1)}))


if __name__ == "__main__":
    main()
