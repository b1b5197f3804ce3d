"""SER v2, log-mel CNN candidates on all five speech corpora (corpora.py rows, the same P1/P2 folds as mc_stats.py).

Model (CnnNet): in-model log-mel (model.LogMel: 25 ms / 10 ms, 64 mel, 16 kHz, one scalar mean/var per utterance),
4 conv blocks (model.ConvBlock, 16-32-64-96 channels, the first one a stride-2 conv), attentive statistics pooling
over time, 128-d embedding, 7-way head; ~180k parameters. forward(wav[B,S], lengths[B]) -> probs[B,7], masked by
lengths like model.SerNet, so it is exportable with torch.jit.script and scored by the Java service unchanged.

Training works on cached raw log-mel (float16, /tmp/sercnn/feat_<part>.npz; computed once, never in the repo):
random crop of --crop seconds per utterance and epoch, per-crop mean/var normalisation (exactly what LogMel does to a
window of that length), SpecAugment, and options
  --tel P     telephone band with probability P: a cached copy of every utterance passed through 300-3400 Hz
              band-pass (edges jittered), 8 kHz resample, 8-bit mu-law round trip, optional noise, back to 16 kHz
              (torch / torchaudio.functional, telephone() below)
  --noise P   additive noise in the power domain of the cached log-mel (white or 1/f tilt, SNR 5-25 dB)
  --speed P   speed perturbation in the feature domain (0.9-1.1: time axis resampled, mel axis warped)
  --center L  center loss (seed 004) on the embedding, weight L (centres by SGD, lr 0.5)
  --dann G    domain-adversarial training (seed 004): a corpus classifier (128-64-5, the five corpora) on the embedding
              behind a gradient reversal of weight G x (2 / (1 + exp(-10 p)) - 1) over training progress p, its loss
              balanced over the training rows' corpora (mc_stats.py --dann on the CNN); not with --mixup
  --mixup A   input mixup: every training batch (after SpecAugment) is mixed with a permutation of itself,
              x = l x + (1 - l) x[perm], l ~ Beta(A, A), loss l CE(y) + (1 - l) CE(y[perm]); not with --center
  --train-corpora C  train on these corpora only (SER 2.2: ravdess); fold p2_ravall = every RAVDESS actor, tested on the
              other corpora
  --spk-norm  per-band normalisation by the speaker's log-mel mean/std (speaker_refs; SER 2.3's speaker-path CNN)
              instead of one scalar per crop; --spk-mix P normalises a crop by its own utterance's instead, with
              probability P
  --avg K     checkpoint averaging (seed 001): the weights of the last K epochs averaged, batch-norm statistics
              re-estimated on training crops; the run reports both the last epoch and the average.
  --teacher TAGS  ensemble distillation: finished runs (comma-separated tags) of the same folds are the teachers;
              on every training crop the loss is (1 - a) x the usual loss + a x tau^2 x KL(mean of the teachers'
              softmax(logits / tau) || the student's), a = --kd-weight (0.5), tau = --kd-tau (2); each teacher is
              its fold's model_last.pt (or model_avg.pt, --teacher-kind avg), in eval mode.
Every fold holds out validation speakers from its TRAINING corpora (10 % of each corpus' speakers, at least one;
fixed seed) and logs their UA per epoch; choices are made on the first P2 fold's (emovo) validation UA only.
Test utterances are scored whole (no crop). Per fold: /tmp/sercnn/<tag>/<fold>/{ckpt.pt (per epoch, resumable),
probs.npy, probs_avg.npy, done.json, recipe.json (the options it was begun with), lock (held by the process training
the fold: a second one on it stops)}. A finished fold is reused and a begun one resumed only by a run with the same
recipe options and fold seed (check_recipe; runs from before recipe.json are compared with their done.json's args);
otherwise the run stops and names the differing options.

  nice -n 19 /usr/bin/python3 training/ser/mc_cnn.py --features clean,tel      # cache log-mel (once)
  nice -n 19 /usr/bin/python3 training/ser/mc_cnn.py --tag plain --folds p2_emovo,p2_nemo,p2_turevdb
  nice -n 19 /usr/bin/python3 training/ser/mc_cnn.py --tag tel --tel 0.5 --folds p2_emovo,...
  /usr/bin/python3 training/ser/mc_cnn.py --report plain tel ...   # tables, + ensemble with /tmp/serv2 rav+a0
"""
import argparse
import fcntl
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchaudio.functional as AF

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "training"))
sys.path.insert(0, HERE)
import corpora  # noqa: E402
from common import metrics  # noqa: E402
from common.threads import set_threads  # noqa: E402
from model import ConvBlock, LogMel  # noqa: E402
from train_ser import GradReverse, dann_lambda  # noqa: E402

CACHE = "/tmp/sercnn"
STATS = "/tmp/serv2"  # mc_stats.py protocol probabilities (shipped 2.0 = rav + a0)
LABELS = corpora.LABELS


# ---------------------------------------------------------------- model
class CnnNet(nn.Module):
    def __init__(self, n_mels: int = 64, channels=(16, 32, 64, 96), pools=(2, 2, 2, 1), emb: int = 128,
                 n_classes: int = 7, dropout: float = 0.3):
        super().__init__()
        self.features = LogMel(n_mels=n_mels)
        blocks = []
        cin = 1
        for i, (c, p) in enumerate(zip(channels, pools)):
            blocks.append(ConvBlock(cin, c, p, stride=(i == 0)))
            cin = c
        self.blocks = nn.ModuleList(blocks)
        self.proj = nn.Linear(cin * (n_mels // (2 ** len(channels))), 128)
        self.att = nn.Sequential(nn.Linear(128, 64), nn.Tanh(), nn.Linear(64, 1))
        self.embed = nn.Linear(256, emb)
        self.drop = nn.Dropout(dropout)
        self.cls = nn.Linear(emb, n_classes)

    def embedding_of(self, x: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
        """x [B, M, T] normalised log-mel (zero beyond n), n frames [B]."""
        x = x.unsqueeze(1)
        for b in self.blocks:
            x, n = b(x, n)
        bsz, c, f, t = x.shape
        h = F.relu(self.proj(x.reshape(bsz, c * f, t).transpose(1, 2)))  # [B, T, 128]
        n = n.clamp(min=1)
        mask = torch.arange(t, device=h.device)[None, :] < n[:, None]
        s = self.att(h).squeeze(2).masked_fill(~mask, -1e4)
        a = torch.softmax(s, dim=1).unsqueeze(2)
        mu = (a * h).sum(1)
        sd = torch.sqrt(((a * (h - mu[:, None, :]) ** 2).sum(1)).clamp(min=1e-6))
        return F.relu(self.embed(torch.cat([mu, sd], 1)))

    def logits_of(self, x: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
        return self.cls(self.drop(self.embedding_of(x, n)))

    def probs_of(self, x: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.logits_of(x, n), dim=1)

    def forward(self, wav: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        x, n = self.features(wav, lengths)
        return self.probs_of(x, n)


# ---------------------------------------------------------------- features
def raw_logmel(fe: LogMel, w: torch.Tensor) -> torch.Tensor:
    """LogMel.forward up to (not including) the per-utterance mean/var normalisation: [T, M] log power."""
    w = w / (torch.sqrt((w * w).mean() + 1e-10) + 1e-4)
    fr = w.unfold(0, fe.n_fft, fe.hop)
    fr = fr - fr.mean(-1, keepdim=True)
    spec = torch.fft.rfft(fr * fe.window, n=fe.fft_size).abs().pow(2)
    return torch.log(torch.matmul(spec, fe.fb) + 1e-6)


def normalise(x: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
    """x [B, T, M] raw log-mel (any padding), n frames -> [B, M, T] as LogMel returns it."""
    tmask = (torch.arange(x.shape[1])[None, :] < n[:, None]).to(x.dtype)
    nf = n.to(x.dtype).clamp(min=1.0)
    mean = ((x * tmask[:, :, None]).sum((1, 2)) / (nf * x.shape[2]))[:, None, None]
    x = (x - mean) * tmask[:, :, None]
    var = (x * x).sum((1, 2)) / (nf * x.shape[2])
    return (x / torch.sqrt(var + 1e-5)[:, None, None]).transpose(1, 2)


class Norm:
    """How a batch of raw log-mel crops is normalised: one scalar mean/var per crop (LogMel, the default), or with
    --spk-norm per mel band by a reference (mean, std) per row: the row's speaker's (`spk`, speaker_refs) or, with
    probability `mix` per training crop, the row's own utterance's (`utt`: what a single utterance gets)."""

    def __init__(self, spk=None, utt=None, mix=0.0):
        self.spk, self.utt, self.mix = spk, utt, mix

    def __call__(self, x, n, rows, rng=None, own=False):
        if self.spk is None:
            return normalise(x, n)
        ref = self.utt[rows] if own else self.spk[rows].copy()
        if rng is not None and self.mix:
            pick = rng.random(len(rows)) < self.mix
            ref[pick] = self.utt[rows][pick]
        return normalise_ref(x, n, torch.from_numpy(ref[:, 0]), torch.from_numpy(ref[:, 1]))


def normalise_ref(x, n, mu, sd):
    """x [B, T, M] raw log-mel, reference mean/std [B, M] -> [B, M, T], zero beyond n."""
    tmask = (torch.arange(x.shape[1])[None, :] < n[:, None]).to(x.dtype)
    return ((x - mu[:, None, :]) / sd[:, None, :] * tmask[:, :, None]).transpose(1, 2)


def band_moments(m):
    """[T, M] raw log-mel -> [2, M]: per-band mean and mean square (what the serving front end returns per window)."""
    m = np.asarray(m, np.float64)
    return np.stack([m.mean(0), (m * m).mean(0)])


def moments_to_ref(mom):
    """[..., 2, M] averaged moments -> [..., 2, M] (mean, std); std = sqrt(E[x^2] - mean^2) floored at 0.1."""
    mu = mom[..., 0, :]
    sd = np.sqrt(np.maximum(mom[..., 1, :] - mu * mu, 0.01))
    return np.stack([mu, sd], -2).astype(np.float32)


def utterance_moments(items, feats):
    """[N, 2, M]: each labelled row's band_moments (zeros for unlabelled rows, which have no cached log-mel)."""
    mom = np.zeros((len(items), 2, 64))
    for i, it in enumerate(items):
        if it["label"] >= 0:
            mom[i] = band_moments(feats.get(i))
    return mom


def speaker_refs(items, feats):
    """Per row: (utterance ref, speaker ref), each [N, 2, M]. The speaker's is the average over its labelled utterances
    of each utterance's band moments (serving: over the windows of the speaker's utterances in a recording)."""
    mom = utterance_moments(items, feats)
    ok = np.array([it["label"] >= 0 for it in items])
    spk = np.array([it["corpus"] + "/" + it["speaker"] for it in items])
    smom = np.zeros_like(mom)
    for s in set(spk[ok]):
        m = ok & (spk == s)
        smom[m] = mom[m].mean(0)
    return moments_to_ref(mom), moments_to_ref(smom)


def telephone(w: torch.Tensor, rng) -> torch.Tensor:
    """Narrow-band phone channel in torch: 300-3400 Hz band-pass (edges jittered), 8 kHz, 8-bit mu-law round trip,
    optional line noise, back to 16 kHz."""
    spec = torch.fft.rfft(w)
    f = torch.fft.rfftfreq(len(w), 1.0 / corpora.SR)
    spec[(f < rng.uniform(250, 350)) | (f > rng.uniform(3200, 3500))] = 0
    x = torch.fft.irfft(spec, len(w))
    x = x / (x.abs().max() + 1e-6) * rng.uniform(0.3, 0.9)
    x = AF.resample(x, 16000, 8000)
    x = AF.mu_law_decoding(AF.mu_law_encoding(x, 256), 256)
    if rng.random() < 0.5:
        x = x + torch.randn(x.shape, generator=torch.Generator().manual_seed(int(rng.integers(1 << 30)))) \
            * float(x.pow(2).mean().sqrt()) * 10 ** (-rng.uniform(15, 35) / 20)
    return AF.resample(x, 8000, 16000)[: len(w)].clamp(-1, 1)


def feature_path(part):
    return os.path.join(CACHE, "feat_%s.npz" % part)


def compute_features(items, part, seed=20240601):
    fe = LogMel()
    rng = np.random.default_rng(seed + {"clean": 0, "tel": 1}[part])
    feats, offs = [], [0]
    t0 = time.time()
    for i, it in enumerate(items):
        if it["label"] >= 0:
            w = torch.from_numpy(corpora.load_wave(it["path"]))
            if part == "tel":
                w = telephone(w, rng)
            with torch.no_grad():
                m = raw_logmel(fe, w).numpy().astype(np.float16)
        else:
            m = np.zeros((0, 64), np.float16)
        feats.append(m)
        offs.append(offs[-1] + len(m))
        if i % 500 == 0:
            print("  %s %d/%d %.0fs" % (part, i, len(items), time.time() - t0), flush=True)
    np.savez(feature_path(part) + ".tmp.npz", feats=np.concatenate(feats), offs=np.array(offs))
    os.replace(feature_path(part) + ".tmp.npz", feature_path(part))
    print("%s features in %.0fs" % (part, time.time() - t0), flush=True)


class Feats:
    def __init__(self, part):
        z = np.load(feature_path(part))
        self.f, self.o = z["feats"], z["offs"]

    def get(self, i):
        return self.f[self.o[i]:self.o[i + 1]]


# ---------------------------------------------------------------- augmentation in the feature domain
def add_noise(x, rng):
    """x [T, M] raw log power: + noise power at SNR 5-25 dB (white or tilted)."""
    p = np.exp(x.astype(np.float64)).mean()
    snr = rng.uniform(5, 25)
    shape = np.ones(x.shape[1]) if rng.random() < 0.5 else np.linspace(2.0, 0.2, x.shape[1])
    noise = p * 10 ** (-snr / 10) * shape / shape.mean() * rng.uniform(0.5, 1.5, size=(x.shape[0], 1))
    return np.log(np.exp(x.astype(np.float64)) + noise).astype(np.float32)


def speed(x, rng):
    """Speed factor a in [0.9, 1.1]: time axis resampled by 1/a, mel axis warped by a (formants/pitch move)."""
    a = rng.uniform(0.9, 1.1)
    t = torch.from_numpy(np.asarray(x, np.float32)).T[None]  # [1, M, T]
    t = F.interpolate(t, size=max(2, int(round(t.shape[2] / a))), mode="linear", align_corners=False)[0]
    m = t.shape[0]
    mel = np.linspace(0, 1, m)  # warp: bin i (mel pos) takes the energy from frequency f/a
    hz = 700 * (10 ** (mel * np.log10(1 + 7600 / 700)) - 1)
    src = np.log10(1 + (hz / a) / 700) / np.log10(1 + 7600 / 700) * (m - 1)
    lo = np.clip(np.floor(src).astype(int), 0, m - 1)
    hi = np.clip(lo + 1, 0, m - 1)
    fr = torch.from_numpy((src - lo).astype(np.float32))[:, None]
    return (t[lo] * (1 - fr) + t[hi] * fr).T.numpy()


def spec_augment(x, n, rng):
    """x [B, M, T] normalised: 2 frequency masks (<= 8 bins), 2 time masks (<= 10 % of the valid frames)."""
    for i in range(x.shape[0]):
        for _ in range(2):
            w = rng.integers(0, 9)
            f0 = rng.integers(0, x.shape[1] - w + 1)
            x[i, f0:f0 + w, :] = 0
            tw = rng.integers(0, max(1, int(n[i]) // 10) + 1)
            t0 = rng.integers(0, max(1, int(n[i]) - tw + 1))
            x[i, :, t0:t0 + tw] = 0
    return x


def batch_of(mats):
    n = torch.tensor([len(m) for m in mats], dtype=torch.long)
    x = torch.zeros(len(mats), int(n.max()), mats[0].shape[1])
    for i, m in enumerate(mats):
        x[i, :len(m)] = torch.from_numpy(np.asarray(m, np.float32))
    return x, n


# ---------------------------------------------------------------- training
def ua(y, p):
    ev = metrics.evaluate([LABELS[i] for i in y], p)
    return ev["7class"]["ua"], ev["4class"]["ua"]


@torch.no_grad()
def predict(model, feats, idx, norm, bs=16, own=False):
    model.eval()
    out = np.zeros((len(idx), 7))
    order = np.argsort([len(feats.get(i)) for i in idx])
    for b in range(0, len(order), bs):
        sel = order[b:b + bs]
        x, n = batch_of([feats.get(idx[j]) for j in sel])
        out[sel] = torch.softmax(model.logits_of(norm(x, n, idx[sel], own=own), n), 1).numpy()
    return out


def crops(feats_by_part, idx, args, rng):
    """One training crop per row: part (clean/tel), augmentation, random crop."""
    mats = []
    c = int(args.crop * 100)
    for i in idx:
        m = feats_by_part["tel"].get(i) if args.tel and rng.random() < args.tel else feats_by_part["clean"].get(i)
        if len(m) > c:
            s = rng.integers(0, len(m) - c + 1)
            m = m[s:s + c]
        m = np.asarray(m, np.float32)
        if args.speed and rng.random() < args.speed:
            m = speed(m, rng)
        if args.noise and rng.random() < args.noise:
            m = add_noise(m, rng)
        mats.append(m)
    return mats


def batches(idx, lens, bs, rng):
    """Shuffled, then sorted by (cropped) length inside chunks of 20 batches: little padding."""
    p = rng.permutation(idx)
    out = []
    for c in range(0, len(p), bs * 20):
        ch = p[c:c + bs * 20]
        ch = ch[np.argsort([lens[i] for i in ch], kind="stable")]
        out += [ch[b:b + bs] for b in range(0, len(ch), bs)]
    return [out[i] for i in rng.permutation(len(out))]


@torch.no_grad()
def reestimate_bn(model, feats_by_part, idx, args, rng, norm, n_batches=40):
    for mod in model.modules():
        if isinstance(mod, nn.BatchNorm2d):
            mod.reset_running_stats()
            mod.momentum = None  # cumulative average
    model.train()
    lens = {i: min(len(feats_by_part["clean"].get(i)), int(args.crop * 100)) for i in idx}
    for b in batches(idx, lens, args.batch, rng)[:n_batches]:
        x, n = batch_of(crops(feats_by_part, b, args, rng))
        model.embedding_of(norm(x, n, b, rng), n)
    for mod in model.modules():
        if isinstance(mod, nn.BatchNorm2d):
            mod.momentum = 0.1
    model.eval()


def val_speakers(items, tr, seed):
    rng = np.random.default_rng(seed)
    val = np.zeros(len(items), bool)
    corpus = np.array([it["corpus"] for it in items])
    spk = np.array([it["corpus"] + "/" + it["speaker"] for it in items])
    for c in corpora.CORPORA:
        s = sorted(set(spk[tr & (corpus == c)]))
        if len(s) < 2:
            continue
        pick = rng.permutation(s)[:max(1, int(round(0.1 * len(s))))]
        val |= tr & np.isin(spk, pick)
    return val


def load_teachers(args, fold):
    """--teacher: the teacher runs' CnnNets of this fold, in eval mode (none without --teacher)."""
    nets = []
    for tag in [t for t in (args.teacher or "").split(",") if t]:
        net = CnnNet()
        net.load_state_dict(torch.load(os.path.join(CACHE, tag, fold, "model_%s.pt" % args.teacher_kind)))
        nets.append(net.eval())
    return nets


def distillation(logits, teachers, x, n, tau):
    """tau^2 x KL(mean of the teachers' softmax(logits / tau) || softmax(student logits / tau)), batch mean."""
    with torch.no_grad():
        target = torch.stack([torch.softmax(t.logits_of(x, n) / tau, 1) for t in teachers]).mean(0)
    return F.kl_div(F.log_softmax(logits / tau, 1), target, reduction="batchmean") * tau * tau


def train_fold(items, feats_by_part, tr_idx, va_idx, te_idx, args, seed, out_dir, log, norm):
    os.makedirs(out_dir, exist_ok=True)
    y = np.array([it["label"] for it in items])
    torch.manual_seed(seed)
    model = CnnNet()
    cw = np.bincount(y[tr_idx], minlength=7).astype(np.float64)
    cw = torch.tensor(len(tr_idx) / (7 * np.maximum(cw, 1)), dtype=torch.float32)
    crit = nn.CrossEntropyLoss(weight=cw, label_smoothing=0.1)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.wd)
    centers = nn.Parameter(torch.randn(7, 128) * 0.1)
    copt = torch.optim.SGD([centers], lr=0.5)
    if args.dann:  # its own generator state: without --dann the run draws the same random numbers as before
        with torch.random.fork_rng():
            torch.manual_seed(seed + 4)
            adv = nn.Sequential(nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, len(corpora.CORPORA)))
        aopt = torch.optim.AdamW(adv.parameters(), lr=args.lr, weight_decay=args.wd)
        dom = np.array([corpora.CORPORA.index(it["corpus"]) for it in items])
        kc = np.bincount(dom[tr_idx], minlength=len(corpora.CORPORA)).astype(np.float64)
        dw = torch.tensor(len(tr_idx) / ((kc > 0).sum() * np.maximum(kc, 1)), dtype=torch.float32)  # per corpus
        dce = nn.CrossEntropyLoss(weight=dw)
    steps_per_epoch = math.ceil(len(tr_idx) / args.batch)
    total = steps_per_epoch * args.epochs
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=total, pct_start=0.15)
    ck = os.path.join(out_dir, "ckpt.pt")
    start, hist, snaps = 0, [], []
    if os.path.exists(ck):
        s = torch.load(ck)
        model.load_state_dict(s["model"])
        opt.load_state_dict(s["opt"])
        sched.load_state_dict(s["sched"])
        centers.data.copy_(s["centers"])
        if args.dann:
            adv.load_state_dict(s["adv"])
            aopt.load_state_dict(s["aopt"])
        start, hist, snaps = s["epoch"], s["hist"], s["snaps"]
        log("resumed at epoch %d" % start)
    teachers = load_teachers(args, os.path.basename(out_dir))
    lens = {i: min(len(feats_by_part["clean"].get(i)), int(args.crop * 100)) for i in tr_idx}
    for ep in range(start, args.epochs):
        rng = np.random.default_rng(seed * 1000 + ep)
        t0 = time.time()
        model.train()
        tl, nb = 0.0, 0
        if args.dann:
            adv.train()
        for b in batches(tr_idx, lens, args.batch, rng):
            x, n = batch_of(crops(feats_by_part, b, args, rng))
            x = spec_augment(norm(x, n, b, rng), n, rng)
            yb = torch.from_numpy(y[b])
            if args.mixup:
                mix = float(rng.beta(args.mixup, args.mixup))
                perm = torch.from_numpy(rng.permutation(len(b)))
                x, n = mix * x + (1 - mix) * x[perm], torch.maximum(n, n[perm])
            e = model.embedding_of(x, n)
            lg = model.cls(model.drop(e))
            loss = crit(lg, yb) if not args.mixup else mix * crit(lg, yb) + (1 - mix) * crit(lg, yb[perm])
            if teachers:
                loss = (1 - args.kd_weight) * loss + args.kd_weight * distillation(lg, teachers, x, n, args.kd_tau)
            if args.center:
                loss = loss + args.center * ((e - centers[yb]) ** 2).sum(1).mean() / 2
            if args.dann:
                grl = dann_lambda(args.dann, (ep * steps_per_epoch + nb) / total)
                loss = loss + dce(adv(GradReverse.apply(e, grl)), torch.from_numpy(dom[b]))
                aopt.zero_grad()
            opt.zero_grad()
            copt.zero_grad()
            loss.backward()
            opt.step()
            if args.dann:
                aopt.step()
            if args.center:
                copt.step()
            sched.step()
            tl += float(loss)
            nb += 1
        v7, v4 = ua(y[va_idx], predict(model, feats_by_part["clean"], va_idx, norm)) if len(va_idx) else (0.0, 0.0)
        hist.append({"epoch": ep + 1, "loss": tl / nb, "val_7c": v7, "val_4c": v4, "s": time.time() - t0})
        if args.avg and ep >= args.epochs - args.avg:
            snaps.append({k: v.clone() for k, v in model.state_dict().items()})
        state = {"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                 "centers": centers.data, "epoch": ep + 1, "hist": hist, "snaps": snaps}
        if args.dann:
            state.update(adv=adv.state_dict(), aopt=aopt.state_dict())
        torch.save(state, ck + ".tmp")
        os.replace(ck + ".tmp", ck)
        log("epoch %d loss %.4f val 7c %.3f 4c %.3f (%.0fs)" % (ep + 1, tl / nb, v7, v4, time.time() - t0))
    res = {"hist": hist}
    p = predict(model, feats_by_part["clean"], te_idx, norm)
    np.save(os.path.join(out_dir, "probs.npy"), p)
    if norm.spk is not None:
        np.save(os.path.join(out_dir, "probs_utt.npy"), predict(model, feats_by_part["clean"], te_idx, norm, own=True))
    torch.save(model.state_dict(), os.path.join(out_dir, "model_last.pt"))
    res["val_last"] = hist[-1]
    if args.avg and snaps:
        avg = {k: (sum(s[k].float() for s in snaps) / len(snaps)).to(snaps[0][k].dtype) for k in snaps[0]}
        model.load_state_dict(avg)
        reestimate_bn(model, feats_by_part, tr_idx, args, np.random.default_rng(seed + 7), norm)
        if len(va_idx):
            v7, v4 = ua(y[va_idx], predict(model, feats_by_part["clean"], va_idx, norm))
            res["val_avg"] = {"val_7c": v7, "val_4c": v4}
            log("avg of last %d: val 7c %.3f 4c %.3f" % (len(snaps), v7, v4))
        np.save(os.path.join(out_dir, "probs_avg.npy"), predict(model, feats_by_part["clean"], te_idx, norm))
        if norm.spk is not None:
            np.save(os.path.join(out_dir, "probs_avg_utt.npy"),
                    predict(model, feats_by_part["clean"], te_idx, norm, own=True))
        torch.save(model.state_dict(), os.path.join(out_dir, "model_avg.pt"))
    return res


# ---------------------------------------------------------------- report
def stats_probs(proto):
    ps = [os.path.join(STATS, "probs_%s_%s.npy" % (t, proto)) for t in ("rav", "a0")]
    if all(os.path.exists(p) for p in ps):
        return np.mean([np.load(p) for p in ps], 0)
    return None


def fold_table(items, tag, probs_by_proto, title, ref=None):
    """One markdown row: P1 mean over the folds present (and `ref`'s mean over the same folds), P2 per corpus, P2 mean."""
    y = np.array([it["label"] for it in items])
    row = {}
    for proto, p in probs_by_proto.items():
        folds = corpora.p1_folds(items) if proto == "p1" else corpora.p2_folds(items)
        for name, _, te in folds:
            m = te & (y >= 0) & ~np.isnan(p[:, 0])
            if m.any():
                v7, v4 = ua(y[m], p[m])
                row[name] = (v4, v7)
    p1 = [k for k in row if k.startswith("p1_")]
    cell = "—"
    if p1:
        cell = "%.3f / %.3f (%d folds)" % (np.mean([row[k][0] for k in p1]), np.mean([row[k][1] for k in p1]), len(p1))
        if ref is not None and len(p1) < 5:
            cell += " [2.0 same folds %.3f / %.3f]" % (np.mean([ref[k][0] for k in p1]), np.mean([ref[k][1] for k in p1]))
    cells = [cell]
    p2 = []
    for c in ["emovo", "nemo", "turevdb"]:
        v = row.get("p2_" + c)
        cells.append("%.3f / %.3f" % v if v else "—")
        if v:
            p2.append(v)
    cells.append("%.3f / %.3f" % (np.mean([v[0] for v in p2]), np.mean([v[1] for v in p2])) if len(p2) == 3 else "—")
    print("| %s | %s |" % (title, " | ".join(cells)))
    return row


def report(tags):
    items = corpora.rows(corpora.default_data())
    n = len(items)
    print("| run | P1 RAVDESS 4c / 7c UA (mean of folds) | P2 emovo 4c / 7c | P2 nemo | P2 turevdb | P2 mean (3) |")
    print("|---|---|---|---|---|---|")
    st = {pr: stats_probs(pr) for pr in ("p1", "p2")}
    ref = None
    if st["p1"] is not None:
        ref = fold_table(items, "stats", st, "shipped 2.0.0 stats (mc_stats rav+a0, 5 P1 folds)")
    for tag in tags:
        d = os.path.join(CACHE, tag)
        if not os.path.isdir(d):
            continue
        for kind in ("probs", "probs_avg"):
            probs = {}
            for fold in sorted(os.listdir(d)):
                f = os.path.join(d, fold, kind + ".npy")
                if not os.path.exists(os.path.join(d, fold, "done.json")) or not os.path.exists(f):
                    continue
                proto = fold[:2]
                if proto not in probs:
                    probs[proto] = np.full((n, 7), np.nan)
                te = np.load(os.path.join(d, fold, "test_idx.npy"))
                probs[proto][te] = np.load(f)
            if not probs:
                continue
            name = tag + (" +avg" if kind == "probs_avg" else "")
            fold_table(items, tag, probs, name, ref)
            for pr, p in probs.items():
                np.save(os.path.join(CACHE, "probs_%s%s_%s.npy" % (tag, "_avg" if kind == "probs_avg" else "", pr)), p)
            if st["p2"] is not None:
                ens = {pr: np.where(np.isnan(p), np.nan, (p + st[pr]) / 2) for pr, p in probs.items()}
                fold_table(items, tag, ens, name + " + stats 2.0 (mean of probs)", ref)


class CnnStatsEnsemble(nn.Module):
    """forward(wav, lengths) -> mean of the CNN's and the statistics model's probabilities (what --report scores)."""

    def __init__(self, cnn: nn.Module, stats: nn.Module):
        super().__init__()
        self.cnn = cnn
        self.stats = stats

    def forward(self, wav: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return (self.cnn(wav, lengths) + self.stats(wav, lengths)) / 2


def export(weights, out_dir, with_stats=None, note=""):
    """CnnNet weights (model_last.pt / model_avg.pt of a fold) -> out_dir/ser.pt (TorchScript), optionally averaged with
    a scripted statistics model; checks scripted == eager, cached-feature path == in-model front end, batched ==
    single; measures single-utterance latency (1 thread, 3 s)."""
    cnn = CnnNet()
    sd = torch.load(weights)
    cnn.load_state_dict(sd["model"] if "model" in sd else sd)  # model_*.pt or a training ckpt.pt
    cnn.eval()
    model = CnnStatsEnsemble(cnn, torch.jit.load(with_stats).eval()) if with_stats else cnn
    sm = torch.jit.script(model.eval())
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "ser.pt")
    sm.save(path)
    sm = torch.jit.load(path).eval()
    torch.manual_seed(0)
    x = torch.randn(3, 48000) * 0.1
    lengths = torch.tensor([48000, 30000, 8000])
    with torch.no_grad():
        got = sm(x, lengths)
        ref = model(x, lengths)
        single = torch.cat([sm(x[i:i + 1, :int(lengths[i])], lengths[i:i + 1]) for i in range(3)])
        fe = LogMel()
        mats = [raw_logmel(fe, x[i, :int(lengths[i])]) for i in range(3)]
        xb, n = batch_of([m.numpy() for m in mats])
        via_cache = torch.softmax(cnn.logits_of(normalise(xb, n), n), 1)
        cnn_direct = cnn(x, lengths)
    checks = {"scripted_vs_eager": float((got - ref).abs().max()), "batched_vs_single": float((got - single).abs().max()),
              "cached_features_vs_in_model": float((via_cache - cnn_direct).abs().max())}
    print(checks)
    assert all(v < 1e-4 for v in checks.values()), checks
    one = torch.randn(1, 48000) * 0.1
    l1 = torch.tensor([48000])
    with torch.no_grad():
        for _ in range(10):
            sm(one, l1)
        ts = []
        for _ in range(50):
            t0 = time.perf_counter()
            sm(one, l1)
            ts.append(time.perf_counter() - t0)
    info = {"bytes": os.path.getsize(path), "latency_ms_3s_1thread": {"median": 1000 * float(np.median(ts)),
            "p90": 1000 * float(np.percentile(ts, 90))}, "checks": checks, "weights": weights,
            "with_stats": with_stats, "note": note,
            "cnn_parameters": sum(p.numel() for p in cnn.parameters())}
    json.dump(info, open(os.path.join(out_dir, "export.json"), "w"), indent=1)
    print(json.dumps(info, indent=1))


def runs_table(tags):
    """Per run: wall time, validation UA (training-corpora speakers) of the last epoch and of the average."""
    print("\n| run | fold | minutes | val 4c / 7c last | val 4c / 7c avg | test 4c / 7c last | test 4c / 7c avg |")
    print("|---|---|---|---|---|---|---|")
    for tag in tags:
        d = os.path.join(CACHE, tag)
        for fold in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            f = os.path.join(d, fold, "done.json")
            if not os.path.exists(f):
                continue
            r = json.load(open(f))
            vl, va = r["val_last"], r.get("val_avg", {})
            tl, ta = r["test_probs"], r.get("test_probs_avg", {})
            print("| %s | %s | %.1f | %.3f / %.3f | %s | %.3f / %.3f | %s |" % (
                tag, fold, r["seconds"] / 60, vl["val_4c"], vl["val_7c"],
                "%.3f / %.3f" % (va["val_4c"], va["val_7c"]) if va else "—", tl["4c"], tl["7c"],
                "%.3f / %.3f" % (ta["4c"], ta["7c"]) if ta else "—"))


# options that name the run or say what to do, not how a fold is trained (its seed is compared as seed + its position)
NOT_RECIPE = ("data", "features", "report", "tag", "folds", "only", "seed", "export", "with_stats")


def fold_recipe(a, name, defaults):
    """How fold `name` of a run with the options `a` (vars(args), or a done.json's "args") is trained: its recipe
    options (one added after the run took its default) and the fold's own seed."""
    r = {k: a.get(k, v) for k, v in defaults.items() if k not in NOT_RECIPE}
    folds = a["folds"].split(",")
    r["fold_seed"] = a["seed"] + folds.index(name) if name in folds else None
    return r


def check_recipe(out, name, args, defaults):
    """A fold begun or finished under this tag (<fold>/recipe.json, or done.json's args for older runs) must have been
    trained with these options: reusing it (done.json) or resuming it (ckpt.pt) would otherwise put two recipes under
    one tag without a word."""
    f, done = os.path.join(out, "recipe.json"), os.path.join(out, "done.json")
    if os.path.exists(f):
        stored = json.load(open(f))
    elif os.path.exists(done):
        stored = json.load(open(done))["args"]
    else:
        return
    old, new = fold_recipe(stored, name, defaults), fold_recipe(vars(args), name, defaults)
    diff = ["%s %r -> %r" % (k, old[k], new[k]) for k in new if old[k] != new[k]]
    if diff:
        sys.exit("mc_cnn.py: %s was trained with other options (%s); give this run another --tag"
                 % (out, ", ".join(diff)))


def fold_lock(out):
    """An exclusive lock on <fold>/lock for this process's lifetime (the OS drops it when the process ends): two
    processes on one fold would write the same ckpt.pt and done.json, so a second one stops with a clear error."""
    f = open(os.path.join(out, "lock"), "a+")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.seek(0)
        sys.exit("mc_cnn.py: %s is being trained by another process (pid %s); not starting a second"
                 % (out, f.read().strip() or "?"))
    f.seek(0)
    f.truncate()
    f.write(str(os.getpid()))
    f.flush()
    return f


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=corpora.default_data())
    ap.add_argument("--features", default=None, help="compute the cached log-mel parts, e.g. clean,tel")
    ap.add_argument("--report", nargs="*", default=None)
    ap.add_argument("--tag", default="plain")
    ap.add_argument("--folds", default="p2_emovo,p2_nemo,p2_turevdb")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--wd", type=float, default=1e-2)
    ap.add_argument("--crop", type=float, default=3.0)
    ap.add_argument("--tel", type=float, default=0.0)
    ap.add_argument("--noise", type=float, default=0.0)
    ap.add_argument("--speed", type=float, default=0.0)
    ap.add_argument("--center", type=float, default=0.0)
    ap.add_argument("--mixup", type=float, default=0.0, help="input mixup, l ~ Beta(A, A) per batch")
    ap.add_argument("--dann", type=float, default=0.0, help="gradient-reversal weight of the corpus adversary")
    ap.add_argument("--avg", type=int, default=5)
    ap.add_argument("--spk-norm", action="store_true", help="per-band normalisation by the speaker's log-mel mean/std "
                    "(speaker_refs) instead of one scalar per crop; test rows also scored with their own utterance's")
    ap.add_argument("--spk-mix", type=float, default=0.0, help="with --spk-norm: probability that a training crop is "
                    "normalised by its own utterance's reference instead of its speaker's")
    ap.add_argument("--train-corpora", default="", help="train only on these corpora, e.g. ravdess (P1 folds keep "
                    "their test actors; fold p2_ravall trains on all RAVDESS actors and tests every other corpus)")
    ap.add_argument("--max-train", type=int, default=0, help="subsample training rows (timing)")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--only", default="", help="train only these folds of --folds, each with the seed and validation "
                    "speakers it gets in the full run (its position in --folds): one run split over processes, e.g. "
                    "--only p1_fold0,p1_fold1 | --only p1_fold2 | ..., is the full run's twin")
    ap.add_argument("--teacher", default=None, help="distil from these finished runs (tags) of the same folds")
    ap.add_argument("--teacher-kind", default="last", choices=["last", "avg"])
    ap.add_argument("--kd-weight", type=float, default=0.5)
    ap.add_argument("--kd-tau", type=float, default=2.0)
    ap.add_argument("--export", nargs=2, metavar=("WEIGHTS", "OUT_DIR"), default=None,
                    help="script a fold's CnnNet weights into OUT_DIR/ser.pt")
    ap.add_argument("--with-stats", default=None, help="with --export: average with this scripted statistics model")
    args = ap.parse_args()
    unknown = set(args.only.split(",")) - set(args.folds.split(",")) if args.only else set()
    if unknown:
        ap.error("--only names folds that are not in --folds: %s" % ", ".join(sorted(unknown)))
    if args.mixup and args.dann:
        ap.error("--mixup and --dann together are not supported (a mixed crop has two corpora)")
    if args.mixup and args.center:
        ap.error("--mixup and --center together are not supported (the centre loss needs one label per crop)")
    set_threads(1)
    os.makedirs(CACHE, exist_ok=True)
    if args.export:
        export(args.export[0], args.export[1], args.with_stats, "mc_cnn.py " + " ".join(sys.argv[1:]))
        return
    items = corpora.rows(args.data)
    if args.features:
        for part in args.features.split(","):
            if not os.path.exists(feature_path(part)):
                compute_features(items, part)
        return
    if args.report is not None:
        report(args.report)
        runs_table(args.report)
        return
    parts = {"clean": Feats("clean")}
    if args.tel:
        parts["tel"] = Feats("tel")
    y = np.array([it["label"] for it in items])
    norm = Norm(*reversed(speaker_refs(items, parts["clean"])), args.spk_mix) if args.spk_norm else Norm()
    folds = {k: (tr, te) for k, tr, te in corpora.p1_folds(items) + corpora.p2_folds(items)}
    corpus = np.array([it["corpus"] for it in items])
    folds["p2_ravall"] = (corpus == "ravdess", corpus != "ravdess")
    folds["all"] = (corpus != "", corpus == "")  # the shipped model: every training speaker, no test rows
    if args.train_corpora:
        keep = np.isin(corpus, args.train_corpora.split(","))
        folds = {k: (tr & keep, te) for k, (tr, te) in folds.items()}
    defaults = vars(ap.parse_args([]))
    for fi, name in enumerate(args.folds.split(",")):
        out = os.path.join(CACHE, args.tag, name)
        if args.only and name not in args.only.split(","):
            continue
        check_recipe(out, name, args, defaults)
        if os.path.exists(os.path.join(out, "done.json")):
            continue
        tr, te = folds[name]
        tr = tr & (y >= 0)
        va = val_speakers(items, tr, args.seed)
        tr_idx, va_idx, te_idx = np.nonzero(tr & ~va)[0], np.nonzero(va)[0], np.nonzero(te & (y >= 0))[0]
        if args.max_train:
            tr_idx = np.random.default_rng(args.seed).permutation(tr_idx)[:args.max_train]
        os.makedirs(out, exist_ok=True)
        lock = fold_lock(out)
        if os.path.exists(os.path.join(out, "done.json")):  # finished by another process in the meantime
            lock.close()
            continue
        if not os.path.exists(os.path.join(out, "recipe.json")):
            json.dump(vars(args), open(os.path.join(out, "recipe.json"), "w"), indent=1)
        np.save(os.path.join(out, "test_idx.npy"), te_idx)
        logf = open(os.path.join(out, "log.txt"), "a")

        def log(msg):
            s = "[%s %s %s] %s" % (time.strftime("%H:%M:%S"), args.tag, name, msg)
            print(s, flush=True)
            logf.write(s + "\n")
            logf.flush()
        log("train %d val %d test %d args %s" % (len(tr_idx), len(va_idx), len(te_idx), vars(args)))
        t0 = time.time()
        res = train_fold(items, parts, tr_idx, va_idx, te_idx, args, args.seed + fi, out, log, norm)
        for kind in ("probs", "probs_avg", "probs_utt", "probs_avg_utt"):
            f = os.path.join(out, kind + ".npy")
            if os.path.exists(f) and len(te_idx):
                v7, v4 = ua(y[te_idx], np.load(f))
                res["test_" + kind] = {"7c": v7, "4c": v4}
                log("TEST %s 4c UA %.3f 7c UA %.3f" % (kind, v4, v7))
        res["seconds"] = time.time() - t0
        res["args"] = vars(args)
        json.dump(res, open(os.path.join(out, "done.json"), "w"), indent=1)
        lock.close()


if __name__ == "__main__":
    main()
