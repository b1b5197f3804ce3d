"""Keeps the best single head of the 3-head ensemble in models/ter-default/head.pt (selected on MELD dev, logit bias
re-tuned on dev), rewrites head.pt and training-report.json. MELD test is only reported.

  /usr/bin/python3 training/ter/select_head.py
"""
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "training"))
sys.path.insert(0, HERE)
from common import metrics  # noqa: E402
from head import Ensemble, TerHead  # noqa: E402
from train_ter import eval_logits, load_all, logits_of, tune_bias  # noqa: E402


def main():
    d = os.path.join(REPO, "models", "ter-default")
    sets, _, _ = load_all(os.path.join(REPO, "..", "shared", "data"), "/tmp/terfeat", [])
    ens = torch.jit.load(os.path.join(d, "head.pt"))
    sd = ens.state_dict()
    n = len({k.split(".")[1] for k in sd if k.startswith("heads.")})
    rep = json.load(open(os.path.join(d, "training-report.json")))
    a = rep["args"]
    best = None
    for k in range(n):
        h = TerHead(dropout=a["dropout"], channels=a["channels"], fc=a["fc"])
        h.load_state_dict({key[len("heads.%d." % k):]: v for key, v in sd.items() if key.startswith("heads.%d." % k)},
                          strict=False)  # no 'proj' when trained without a bottleneck
        m = Ensemble([h]).eval()
        bias, tuned = tune_bias(logits_of(m, sets["dev"][0]), sets["dev"][1])
        print("head %d: dev objective %.4f" % (k, tuned))
        if best is None or tuned > best[0]:
            best = (tuned, k, m, bias)
    tuned, k, m, bias = best
    m.bias.copy_(bias)
    dev = eval_logits(logits_of(m, sets["dev"][0]), sets["dev"][1])
    test = eval_logits(logits_of(m, sets["test"][0]), sets["test"][1])
    print("kept head %d\nMELD dev : %s\nMELD test: %s" % (k, metrics.summary(dev), metrics.summary(test)))
    rep["selected"] = {"alpha": rep["selected"]["alpha"], "head_of_ensemble": k, "bias": bias.tolist(),
                       "epochs": rep["selected"]["epochs"][k] if isinstance(rep["selected"]["epochs"], list)
                       else rep["selected"]["epochs"]}
    rep["meld_dev"], rep["meld_test"] = dev, test
    rep["args"]["seeds"] = 1
    torch.jit.script(m).save(os.path.join(d, "head.pt"))
    json.dump(rep, open(os.path.join(d, "training-report.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
