"""SER 2.1: the 2.0 ensemble (speaker-independent `forward`, unchanged) plus a speaker-aware path (issue 16, seed 000).

One in-model statistics front end (stats_model.StatsFeatures) and three groups of 3 MLP heads:
  rav  RAVDESS-only group (the 1.0 recipe), on the raw statistics         -- in both paths
  a0   all five corpora, raw statistics                                 -- speaker-independent path (2.0)
  b0   all five corpora, per-speaker z-normalised statistics            -- speaker-aware path
Each group: softmax of its heads' averaged logits; the path's two groups averaged; then the calibration temperature
(p^(1/T) renormalised, argmax unchanged). TorchScript methods (all inputs float32 except lengths, long):

  forward(wav[B,S], lengths[B]) -> probs[B,7]              rav + a0 (exactly 2.0)
  features(wav[B,S], lengths[B]) -> stats[B,F]             one statistics row per input (a 4 s window in serving)
  forward_stats(stats[B,F]) -> probs[B,7]                  rav + a0 from precomputed statistics
  forward_speaker_stats(stats[B,F], ref_mean[F], ref_std[F]) -> probs[B,7]   rav(stats) + b0((stats - mean) / std),
                                                           statistic 384 (constant: float noise) zeroed, --constant
  forward_speaker(wav[B,S], lengths[B], ref_mean[F], ref_std[F]) -> probs[B,7]

The speaker reference is computed by the caller exactly as mc_stats.speaker_norm does in training: over the
statistics rows of every window of every utterance of the speaker (the scored one included, labels unused),
ref_mean = mean, ref_std = sample std (n - 1) + 1e-3; `speaker_reference` below is that formula.

  /usr/bin/python3 training/ser/speaker_model.py /tmp/serv2/final_rav/ser.pt /tmp/serv2/final_a0/ser.pt \
      /tmp/serv2/final_b0/ser.pt --temperature 1.1 --speaker-temperature T --out models/ser-default/ser.pt

SER 2.2 (`--cnn WEIGHTS`, StatsCnnEnsemble below): the same statistics ensemble with temperatures 1, averaged 1:1 with a
RAVDESS-only log-mel CNN (mc_cnn.CnnNet) in both paths, then the 2.2 temperatures. Its interface is forward, features
and forward_speaker (the CNN needs the waveform, so forward_stats / forward_speaker_stats are not part of it):

  /usr/bin/python3 training/ser/speaker_model.py /tmp/serv2/final_rav/ser.pt /tmp/serv2/final_a0/ser.pt \
      /tmp/serv2/final_b0/ser.pt --cnn /tmp/sercnn/ravcnn/p2_ravall/model_avg.pt --temperature 0.7 \
      --speaker-temperature 0.6 --out models/ser-default/ser.pt

SER 2.3 (`--spk-cnn WEIGHTS`, StatsCnnSpkEnsemble below) replaces the speaker path's CNN by a speaker-normalised one;
2.3.1 adds `forward_speaker_features(wav, lengths, features, ref_mean, ref_std)`: forward_speaker given the window's
own `features` row, so the statistics front end is not run a second time per window (same result). `--rescript`
re-scripts an existing 2.3 file with this code (same weights and attributes, every method it had checked against it on
real audio) instead of building it from its parts:

  PYTHONHASHSEED=0 /usr/bin/python3 training/ser/speaker_model.py --rescript models/ser-default/ser.pt \
      --out models/ser-default/ser.pt --manifest models/ser-default/manifest.json

(PYTHONHASHSEED=0: the order of the constants TorchScript writes into the file's code follows Python's string hashing;
with a fixed seed two runs write the same bytes.)

SER 2.4 (`--rescript FILE --replace-cnn WEIGHTS --temperature T`): the same re-scripting with forward's CNN replaced
(every other tensor and method checked against the file); `--manifest --si-scores DIR` writes the 2.4.0 manifest with
the Java-path metrics; on the 2.4.0 file the same command writes 2.5.0 (forward's all-corpora CNN; `--si-scores` may
then be the JSON file of recorded figures, results_ser25_java.json). `--cnn` and `--replace-cnn` take several weights files: their probabilities averaged, the
log-mel computed once (CnnMean; used for the all-corpora CNN tried in training/README.md).

SER 2.5.1: `forward` and `features` compute the log-mel once (LogMel.raw, then LogMel.normalise) and hand it to every
part that reads it (statistics: StatsFeatures.from_logmel; forward's CNN: probs_of; the speaker CNN's band moments:
SpeakerCnn.moments_of) instead of each part computing the same log-mel from the waveform; `check_front_ends` refuses
parts whose front ends differ. The plain `--rescript` of the 2.5.0 file writes it (outputs checked equal) and, with
`--manifest`, sets version 2.5.1.
"""
import argparse
import os
import sys
from typing import List, Tuple

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
from common.quiet_conv import QuietConv2d  # noqa: E402
from ensemble_model import HeadGroup, load_statsnet  # noqa: E402
from stats_model import StatsFeatures  # noqa: E402


# the manifest's "interface" of SER 2.3 files built by this code (2.3.1 on: with forward_speaker_features)
INTERFACE_23 = (
    "TorchScript forward(wav float[B,S], lengths long[B]) -> probabilities float[B,7] (speaker-independent); "
    "features(wav, lengths) -> float[B,524] = 396 statistics + 64 log-mel band means + 64 band mean squares (what "
    "the speaker reference is built from); forward_speaker(wav, lengths, ref_mean float[524], ref_std float[524]) "
    "-> probabilities (speaker path: the statistics use ref_mean/ref_std[0:396], the speaker CNN ref_mean[396:524]); "
    "forward_speaker_features(wav, lengths, features float[B,524], ref_mean, ref_std) -> probabilities (2.3.1: "
    "forward_speaker with the statistics taken from features[:, 0:396], the windows' own features() rows, instead of "
    "running the statistics front end again; the same result)")


def speaker_reference(stats: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """mc_stats.speaker_norm's reference: mean and sample std + 1e-3 over the rows (std = 1 for a single row)."""
    m = stats.mean(0)
    if stats.shape[0] > 1:
        return m, stats.std(0) + 1e-3
    return m, torch.ones_like(m)


class SpeakerStatsEnsemble(nn.Module):
    def __init__(self, rav: HeadGroup, a0: HeadGroup, b0: HeadGroup, temperature: float = 1.0,
                 speaker_temperature: float = 1.0):
        super().__init__()
        self.stats = StatsFeatures()
        self.rav = rav
        self.a0 = a0
        self.b0 = b0
        self.temperature = temperature
        self.speaker_temperature = speaker_temperature
        # 1 per statistic; 0 for statistics that are numerically constant (see --constant), whose z-score is
        # float noise divided by the 1e-3 epsilon and then by the head's tiny batch-norm variance
        self.register_buffer("speaker_mask", torch.ones(self.stats.dim))

    @staticmethod
    def _calibrate(p: torch.Tensor, t: float) -> torch.Tensor:
        if t != 1.0:  # p^(1/T), renormalised (argmax unchanged)
            return torch.softmax(torch.log(p.clamp(min=1e-12)) / t, dim=1)
        return p

    def forward(self, wav: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.forward_stats(self.stats(wav, lengths))

    @torch.jit.export
    def features(self, wav: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.stats(wav, lengths)

    @torch.jit.export
    def forward_stats(self, s: torch.Tensor) -> torch.Tensor:
        return self._calibrate((self.rav(s) + self.a0(s)) / 2.0, self.temperature)

    @torch.jit.export
    def forward_speaker_stats(self, s: torch.Tensor, ref_mean: torch.Tensor, ref_std: torch.Tensor) -> torch.Tensor:
        z = (s - ref_mean[None, :]) / ref_std[None, :] * self.speaker_mask[None, :]
        return self._calibrate((self.rav(s) + self.b0(z)) / 2.0, self.speaker_temperature)

    @torch.jit.export
    def forward_speaker(self, wav: torch.Tensor, lengths: torch.Tensor, ref_mean: torch.Tensor,
                        ref_std: torch.Tensor) -> torch.Tensor:
        return self.forward_speaker_stats(self.stats(wav, lengths), ref_mean, ref_std)


class StatsCnnEnsemble(nn.Module):
    """SER 2.2: the 2.1 statistics ensemble (`stats`, its temperatures 1) and a RAVDESS-only log-mel CNN
    (mc_cnn.CnnNet), their probabilities averaged 1:1 in both paths, then each path's calibration temperature:

      forward(wav, lengths)                            = T(((rav + a0) / 2 + cnn) / 2)
      forward_speaker(wav, lengths, ref_mean, ref_std) = T_speaker(((rav + b0(z)) / 2 + cnn) / 2)
      features(wav, lengths)                           = the statistics the speaker reference is built from

    The statistics-only methods of 2.1 (forward_stats, forward_speaker_stats) are not part of this interface."""

    def __init__(self, stats: SpeakerStatsEnsemble, cnn: nn.Module, temperature: float = 1.0,
                 speaker_temperature: float = 1.0):
        super().__init__()
        self.part = stats
        self.cnn = cnn
        self.temperature = temperature
        self.speaker_temperature = speaker_temperature
        check_front_ends(self)

    def forward(self, wav: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        # 2.5.1: one log-mel for the statistics and the CNN (their front ends are equal: check_front_ends)
        fe = self.part.stats.features
        mel, n = fe.raw(wav, lengths)
        x = fe.normalise(mel, n)
        ps = self.part.forward_stats(self.part.stats.from_logmel(x, n, wav, lengths))
        return SpeakerStatsEnsemble._calibrate((ps + self.cnn.probs_of(x, n)) / 2.0, self.temperature)

    @torch.jit.export
    def features(self, wav: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.part.features(wav, lengths)

    @torch.jit.export
    def forward_speaker(self, wav: torch.Tensor, lengths: torch.Tensor, ref_mean: torch.Tensor,
                        ref_std: torch.Tensor) -> torch.Tensor:
        p = (self.part.forward_speaker(wav, lengths, ref_mean, ref_std) + self.cnn(wav, lengths)) / 2.0
        return SpeakerStatsEnsemble._calibrate(p, self.speaker_temperature)


class SpeakerCnn(nn.Module):
    """SER 2.3's speaker-path CNN: mc_cnn.CnnNet trained on log-mel normalised per mel band by its speaker's reference
    (mc_cnn.py --spk-norm) instead of one scalar per utterance.

      moments_of(mel, n) -> [B, 2M]      per window: each band's mean and mean square over its valid frames of
                                         the raw log-mel (cnn.features.raw; 2.3-2.5.0 files: moments(wav, lengths))
      forward_ref(wav, lengths, mu[M], msq[M]) -> probs[B, 7]
                                         with mu, msq the speaker's moments averaged over its windows, the band std
                                         sqrt(max(msq - mu^2, 0.01)) (mc_cnn.moments_to_ref)"""

    def __init__(self, cnn: nn.Module):
        super().__init__()
        self.cnn = cnn
        self.n_mels = int(cnn.features.fb.shape[1])

    def _mask(self, mel: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
        return (torch.arange(mel.shape[1], device=mel.device)[None, :] < n[:, None]).to(mel.dtype)

    def moments_of(self, mel: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
        m = self._mask(mel, n)[:, :, None]
        nf = n.to(mel.dtype).clamp(min=1.0)[:, None]
        return torch.cat([(mel * m).sum(1) / nf, (mel * mel * m).sum(1) / nf], 1)

    def forward_ref(self, wav: torch.Tensor, lengths: torch.Tensor, mu: torch.Tensor,
                    msq: torch.Tensor) -> torch.Tensor:
        mel, n = self.cnn.features.raw(wav, lengths)
        sd = torch.sqrt(torch.clamp(msq - mu * mu, min=0.01))
        x = (mel - mu[None, None, :]) / sd[None, None, :] * self._mask(mel, n)[:, :, None]
        return torch.softmax(self.cnn.logits_of(x.transpose(1, 2), n), dim=1)


class StatsCnnSpkEnsemble(StatsCnnEnsemble):
    """SER 2.3: 2.2 (statistics ensemble + RAVDESS-only CNN) with the speaker path's CNN replaced by a speaker-normalised
    CNN trained on all five corpora (SpeakerCnn):

      forward(wav, lengths)                            = T(((rav + a0) / 2 + cnn) / 2)                   (as 2.2)
      features(wav, lengths)                           = [statistics F | band means M | band mean squares M]
      forward_speaker(wav, lengths, ref_mean, ref_std) = T_speaker(((rav + b0(z)) / 2 + spk_cnn) / 2)
      forward_speaker_features(wav, lengths, features, ref_mean, ref_std)  (2.3.1)
                                                       = forward_speaker, the statistics taken from `features`
    where the caller's reference over the speaker's windows (mean, sample std + 1e-3 of `features`) gives the
    statistics' z-scores from its first F values and the speaker CNN's band moments from the mean of the last 2M (their
    std is unused). The Java SpeakerScoring computes that reference unchanged, and then scores each window with
    forward_speaker_features and the window's features row it already has (forward_speaker for a file without it)."""

    def __init__(self, stats: SpeakerStatsEnsemble, cnn: nn.Module, spk: SpeakerCnn, temperature: float = 1.0,
                 speaker_temperature: float = 1.0):
        super().__init__(stats, cnn, temperature, speaker_temperature)
        self.spk = spk
        check_front_ends(self)
        self.stats_dim = int(stats.stats.dim)
        self.n_mels = spk.n_mels

    @torch.jit.export
    def features(self, wav: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        # 2.5.1: one log-mel for the statistics and the band moments (equal front ends: check_front_ends)
        fe = self.part.stats.features
        mel, n = fe.raw(wav, lengths)
        stats = self.part.stats.from_logmel(fe.normalise(mel, n), n, wav, lengths)
        return torch.cat([stats, self.spk.moments_of(mel, n)], 1)

    @torch.jit.export
    def forward_speaker(self, wav: torch.Tensor, lengths: torch.Tensor, ref_mean: torch.Tensor,
                        ref_std: torch.Tensor) -> torch.Tensor:
        f = self.stats_dim
        m = self.n_mels
        ps = self.part.forward_speaker(wav, lengths, ref_mean[:f], ref_std[:f])
        pc = self.spk.forward_ref(wav, lengths, ref_mean[f:f + m], ref_mean[f + m:f + 2 * m])
        return SpeakerStatsEnsemble._calibrate((ps + pc) / 2.0, self.speaker_temperature)

    @torch.jit.export
    def forward_speaker_features(self, wav: torch.Tensor, lengths: torch.Tensor, features: torch.Tensor,
                                 ref_mean: torch.Tensor, ref_std: torch.Tensor) -> torch.Tensor:
        """2.3.1: forward_speaker given the windows' own `features(wav, lengths)` rows [B, F + 2M] as well: the
        statistics' speaker path takes its statistics from their first F values instead of running the statistics
        front end (log-mel + pitch) again; the speaker CNN still runs on the waveform. Same result as forward_speaker
        when `features` is what `features(wav, lengths)` returned for the same inputs (the statistics are the same
        tensor values, then the same operations)."""
        f = self.stats_dim
        m = self.n_mels
        assert features.shape[1] == f + 2 * m, "features must hold the statistics and the band moments"
        ps = self.part.forward_speaker_stats(features[:, :f], ref_mean[:f], ref_std[:f])
        pc = self.spk.forward_ref(wav, lengths, ref_mean[f:f + m], ref_mean[f + m:f + 2 * m])
        return SpeakerStatsEnsemble._calibrate((ps + pc) / 2.0, self.speaker_temperature)


class StatsCnnSpkMixEnsemble(StatsCnnSpkEnsemble):
    """A 2.5 candidate: 2.4 (StatsCnnSpkEnsemble) with forward's CNN beside the speaker CNN in the speaker path, their
    probabilities mixed by `speaker_cnn_mix` w:

      forward_speaker(...) = T_speaker(((rav + b0(z)) / 2 + ((1 - w) spk_cnn + w cnn)) / 2)

    forward and features are StatsCnnSpkEnsemble's; forward_speaker_features takes the statistics from `features` as
    there. Its own class so that 2.3 / 2.4 files re-script to the same code (a tried candidate: --rescript does not
    read it back)."""

    def __init__(self, stats: SpeakerStatsEnsemble, cnn: nn.Module, spk: SpeakerCnn, speaker_cnn_mix: float,
                 temperature: float = 1.0, speaker_temperature: float = 1.0):
        super().__init__(stats, cnn, spk, temperature, speaker_temperature)
        self.speaker_cnn_mix = float(speaker_cnn_mix)

    def _speaker_cnn(self, wav: torch.Tensor, lengths: torch.Tensor, ref_mean: torch.Tensor) -> torch.Tensor:
        f = self.stats_dim
        m = self.n_mels
        pc = self.spk.forward_ref(wav, lengths, ref_mean[f:f + m], ref_mean[f + m:f + 2 * m])
        return (1.0 - self.speaker_cnn_mix) * pc + self.speaker_cnn_mix * self.cnn(wav, lengths)

    @torch.jit.export
    def forward_speaker(self, wav: torch.Tensor, lengths: torch.Tensor, ref_mean: torch.Tensor,
                        ref_std: torch.Tensor) -> torch.Tensor:
        ps = self.part.forward_speaker(wav, lengths, ref_mean[:self.stats_dim], ref_std[:self.stats_dim])
        return SpeakerStatsEnsemble._calibrate((ps + self._speaker_cnn(wav, lengths, ref_mean)) / 2.0,
                                               self.speaker_temperature)

    @torch.jit.export
    def forward_speaker_features(self, wav: torch.Tensor, lengths: torch.Tensor, features: torch.Tensor,
                                 ref_mean: torch.Tensor, ref_std: torch.Tensor) -> torch.Tensor:
        f = self.stats_dim
        assert features.shape[1] == f + 2 * self.n_mels, "features must hold the statistics and the band moments"
        ps = self.part.forward_speaker_stats(features[:, :f], ref_mean[:f], ref_std[:f])
        return SpeakerStatsEnsemble._calibrate((ps + self._speaker_cnn(wav, lengths, ref_mean)) / 2.0,
                                               self.speaker_temperature)


class CnnMean(nn.Module):
    """Several mc_cnn.CnnNet of the same front end as one CNN: their log-mel computed once (the first net's `LogMel`;
    every net's front end is checked equal), then each net's softmax, averaged. forward(wav, lengths) -> probs[B, 7]
    like a CnnNet, so it takes a CnnNet's place in the ensembles above."""

    def __init__(self, nets):
        super().__init__()
        assert all(same_front_end(nets[0].features, net.features) for net in nets[1:]), \
            "the CNNs' log-mel front ends differ"
        self.nets = nn.ModuleList(nets)

    def forward(self, wav: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        x, n = self.nets[0].features(wav, lengths)
        return self.probs_of(x, n)

    def probs_of(self, x: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
        ps: List[torch.Tensor] = []
        for net in self.nets:
            ps.append(torch.softmax(net.logits_of(x, n), dim=1))
        return torch.stack(ps).mean(0)


def front_end(cnn: nn.Module) -> nn.Module:
    """The LogMel of a CnnNet, or of a CnnMean's first net."""
    return cnn.nets[0].features if hasattr(cnn, "nets") else cnn.features


def same_front_end(a: nn.Module, b: nn.Module) -> bool:
    """Two model.LogMel modules compute the same log-mel: equal settings and equal buffers (window, filterbank)."""
    sa, sb = a.state_dict(), b.state_dict()
    return (all(getattr(a, k) == getattr(b, k) for k in ("n_fft", "hop", "fft_size", "per_bin"))
            and list(sa) == list(sb) and all(torch.equal(sa[k], sb[k]) for k in sa))


def check_front_ends(ens: nn.Module):
    """SER 2.5.1's ensembles compute the log-mel once and hand it to the statistics, forward's CNN and the speaker
    CNN's band moments: refuse a model whose parts would have computed different log-mels."""
    fe = ens.part.stats.features
    assert same_front_end(fe, front_end(ens.cnn)), "the statistics' and the CNN's log-mel front ends differ"
    if hasattr(ens, "spk"):
        assert same_front_end(fe, ens.spk.cnn.features), "the statistics' and the speaker CNN's front ends differ"


def load_cnns(weights):
    """One CnnNet (one weights file) or their CnnMean (several), checked against the nets run one by one."""
    nets = [load_cnn(w) for w in weights]
    if len(nets) == 1:
        return nets[0]
    mean = CnnMean(nets).eval()
    torch.manual_seed(2)
    x = torch.randn(2, 40000) * 0.1
    lengths = torch.tensor([40000, 17000])
    with torch.no_grad():
        d = float((mean(x, lengths) - sum(net(x, lengths) for net in nets) / len(nets)).abs().max())
    print("max |CnnMean - the nets' probabilities averaged| = %.2e" % d)
    assert d < 1e-6
    return mean


def load_cnn(weights):
    """mc_cnn.CnnNet with trained weights, its convolutions as QuietConv2d (checked against nn.Conv2d)."""
    from mc_cnn import CnnNet  # training-only import (corpora, metrics); the scripted model does not need it
    cnn = CnnNet()
    sd = torch.load(weights)
    cnn.load_state_dict(sd["model"] if "model" in sd else sd)
    cnn.eval()
    torch.manual_seed(1)
    x = torch.randn(2, 40000) * 0.1
    lengths = torch.tensor([40000, 17000])
    with torch.no_grad():
        ref = [cnn(x, lengths)] + [cnn(x[i:i + 1, :int(lengths[i])], lengths[i:i + 1]) for i in range(2)]
        for b in cnn.blocks:
            b.conv = QuietConv2d(b.conv)
        got = [cnn(x, lengths)] + [cnn(x[i:i + 1, :int(lengths[i])], lengths[i:i + 1]) for i in range(2)]
        d = max(float((g - r).abs().max()) for g, r in zip(got, ref))
    print("max |CNN with QuietConv2d - with nn.Conv2d| = %.2e (batch 2, and each input alone)" % d)
    assert d < 1e-5
    return cnn


def check_speaker_cnn(ens, stats_part, x, lengths):
    """2.3 against its parts: forward unchanged from 2.2; forward_speaker == the statistics' speaker path averaged with
    the speaker CNN scored as training scored it (mc_cnn: band moments per utterance averaged, moments_to_ref,
    normalise_ref)."""
    import numpy as np
    from mc_cnn import band_moments, moments_to_ref, normalise_ref
    with torch.no_grad():
        d5 = float(((stats_part(x, lengths) + ens.cnn(x, lengths)) / 2 - ens(x, lengths)).abs().max())
        f = ens.features(x, lengths)
        m, sd = speaker_reference(f)
        mels = [ens.spk.cnn.features.raw(x[i:i + 1, :int(lengths[i])], lengths[i:i + 1])[0][0] for i in range(len(x))]
        ref = moments_to_ref(np.mean([band_moments(mm.numpy()) for mm in mels], 0))
        nn_ = torch.tensor([len(mm) for mm in mels])
        xb = torch.zeros(len(mels), int(nn_.max()), mels[0].shape[1])
        for i, mm in enumerate(mels):
            xb[i, :len(mm)] = mm
        pc = torch.softmax(ens.spk.cnn.logits_of(normalise_ref(xb, nn_, torch.from_numpy(ref[0])[None].expand(len(mels), -1),
                                                               torch.from_numpy(ref[1])[None].expand(len(mels), -1)), nn_), 1)
        fdim = ens.stats_dim
        w = getattr(ens, "speaker_cnn_mix", 0.0)
        if w > 0:
            pc = (1 - w) * pc + w * ens.cnn(x, lengths)
        want = (stats_part.forward_speaker(x, lengths, m[:fdim], sd[:fdim]) + pc) / 2
        d6 = float((want - ens.forward_speaker(x, lengths, m, sd)).abs().max())
    return d5, d6


def rebuild_scripted(path):
    """The eager StatsCnnSpkEnsemble (SER 2.3) of a scripted file: modules built from the shapes of its state_dict and
    its attributes, its weights loaded strictly, its plain attributes (temperatures, sizes, flags) copied. Returns
    (scripted, eager, copied attributes that differed from the constructors' defaults)."""
    from mc_cnn import CnnNet  # training-only import, as in load_cnn
    from stats_model import MlpHead
    sm = torch.jit.load(path).eval()
    sd = sm.state_dict()
    smods = dict(sm.named_modules())
    n_mels = int(sd["part.stats.features.fb"].shape[1])

    def group(name):
        pre = "part.%s.heads." % name
        heads = sorted({int(k[len(pre):].split(".")[0]) for k in sd if k.startswith(pre)})
        assert heads == list(range(len(heads))), heads
        w0, w2 = sd[pre + "0.mlp.0.weight"], sd[pre + "0.mlp.6.weight"]
        return HeadGroup(nn.ModuleList([MlpHead(int(w0.shape[1]), int(w0.shape[0]), int(w2.shape[0]), 0.3)
                                        for _ in heads]))

    def cnn(pre):
        if any(k.startswith(pre + "nets.") for k in sd):  # a CnnMean: its nets, each a CnnNet
            nets = sorted({int(k[len(pre) + 5:].split(".")[0]) for k in sd if k.startswith(pre + "nets.")})
            return CnnMean([cnn("%snets.%d." % (pre, i)) for i in nets])
        blocks = sorted({int(k[len(pre) + 7:].split(".")[0]) for k in sd if k.startswith(pre + "blocks.")})
        channels = tuple(int(sd["%sblocks.%d.conv.conv.weight" % (pre, i)].shape[0]) for i in blocks)
        pools = tuple(int(getattr(smods["%sblocks.%d" % (pre, i)], "pool_t")) for i in blocks)
        net = CnnNet(n_mels=n_mels, channels=channels, pools=pools, emb=int(sd[pre + "embed.weight"].shape[0]),
                     n_classes=int(sd[pre + "cls.weight"].shape[0]))
        for b in net.blocks:
            b.conv = QuietConv2d(b.conv)
        return net

    stats = SpeakerStatsEnsemble(group("rav"), group("a0"), group("b0"))  # its StatsFeatures: 64 mel (strict load)
    ens = StatsCnnSpkEnsemble(stats, cnn("cnn."), SpeakerCnn(cnn("spk.cnn.")))
    ens.load_state_dict(sd, strict=True)
    ens.eval()
    copied = []
    for name, mod in ens.named_modules():
        smod = smods[name]
        for k, v in list(vars(mod).items()):
            if k.startswith("_") or not isinstance(v, (bool, int, float, str)):
                continue
            try:
                sv = getattr(smod, k)
            except (AttributeError, RuntimeError):
                continue  # a TorchScript constant (e.g. Dropout.p): compiled into the code, compared there
            if type(sv) != type(v) or sv != v:
                setattr(mod, k, sv)
                copied.append("%s.%s: %r -> %r" % (name or "<top>", k, v, sv))
    return sm, ens, copied


def logmel_once_methods(ens):
    """(submodule, method) whose TorchScript code 2.5.1 changed on purpose without changing what they compute (the
    log-mel computed once and shared: LogMel.forward = raw + normalise, StatsFeatures.forward = LogMel + from_logmel,
    CnnNet.forward = LogMel + probs_of, the ensemble's forward and features; SpeakerCnn.moments(wav, lengths) gone,
    moments_of(raw log-mel) in its place): `rescript` checks them by their outputs on real audio (forward and
    features to 1e-7)."""
    from model import LogMel
    from stats_model import StatsFeatures
    from mc_cnn import CnnNet
    out = {("", "forward"), ("", "features")}
    for name, mod in ens.named_modules():
        if isinstance(mod, (LogMel, StatsFeatures, CnnNet, CnnMean)):
            out.add((name, "forward"))
        if isinstance(mod, SpeakerCnn):
            out.add((name, "moments"))
    return out


def method_codes(sm):
    """{(submodule, method): TorchScript code} of every compiled method of a scripted module and its submodules."""
    out = {}
    for name, mod in sm.named_modules():
        for meth in mod._c._method_names():
            out[(name, meth)] = mod._c._get_method(meth).code
    return out


def alpha_normal(code):
    """TorchScript code with every name that is not an attribute (not after a '.') replaced by its order of first
    appearance: two codes are equal after this iff they differ only by a consistent renaming of their local
    variables (the compiler numbers them x0, x1, ... in an order that can change between two scriptings)."""
    import re
    names = {}
    return re.sub(r"(^|[^.\w])([A-Za-z_]\w*)",
                  lambda m: m.group(1) + names.setdefault(m.group(2), "n%d" % len(names)), code)


def check_audio(paths, limit_seconds=12.0):
    """Mono 16 kHz float waveforms of WAV files (torchaudio.load: int16 / 32768, what the Java reader decodes)."""
    import torchaudio
    out = []
    for p in paths:
        w, sr = torchaudio.load(p)
        assert sr == 16000, p
        out.append(w.mean(0)[: int(limit_seconds * sr)].contiguous())
    return out


def speaker_parity(old, new, groups, pad=64000, forward_want=None):
    """Max |difference| per method between two scripted SER 2.3 files on real audio, scored as the Java CPU path
    scores it (one window per call, padded to the window length; `pad=None`: unpadded): forward, features and
    forward_speaker of `new` against `old`, and `new`'s forward_speaker_features (given the window's own features
    row) against `old`'s forward_speaker, each speaker group's reference over all its windows' features. Windows as
    the Java SpeechEmotionModel.windows cuts them (train_ser.windows: 4 s, 2 s hop, the last one aligned to the end).
    `forward_want(x, length)`: what `new`'s forward should give instead of `old`'s forward (2.4: a replaced CNN)."""
    if forward_want is None:
        forward_want = old
    from train_ser import windows
    d = {"forward": 0.0, "features": 0.0, "forward_speaker": 0.0, "forward_speaker_features": 0.0,
         "forward_speaker_features vs its own forward_speaker": 0.0}
    n = 0
    with torch.no_grad():
        for waves in groups:
            inputs = []
            for w in waves:
                for x in windows(w):
                    length = torch.tensor([len(x)])
                    if pad is not None and len(x) < pad:
                        x = torch.cat([x, torch.zeros(pad - len(x))])
                    inputs.append((x[None, :], length))
            fo = [old.features(x, length) for x, length in inputs]
            fn = [new.features(x, length) for x, length in inputs]
            mean, std = speaker_reference(torch.cat(fo))
            for (x, length), a, b in zip(inputs, fo, fn):
                d["forward"] = max(d["forward"], float((forward_want(x, length) - new(x, length)).abs().max()))
                d["features"] = max(d["features"], float((a - b).abs().max()))
                po = old.forward_speaker(x, length, mean, std)
                pn = new.forward_speaker(x, length, mean, std)
                pf = new.forward_speaker_features(x, length, b, mean, std)
                d["forward_speaker"] = max(d["forward_speaker"], float((po - pn).abs().max()))
                d["forward_speaker_features"] = max(d["forward_speaker_features"], float((po - pf).abs().max()))
                d["forward_speaker_features vs its own forward_speaker"] = max(
                    d["forward_speaker_features vs its own forward_speaker"], float((pn - pf).abs().max()))
                n += 1
            # the same windows as one batch (padded to the longest): the new method against the new forward_speaker
            xb = torch.zeros(len(inputs), max(x.shape[1] for x, _ in inputs))
            for i, (x, _) in enumerate(inputs):
                xb[i, :x.shape[1]] = x[0]
            lb = torch.cat([length for _, length in inputs])
            pb = new.forward_speaker_features(xb, lb, new.features(xb, lb), mean, std)
            d["batch: forward_speaker_features vs forward_speaker"] = max(
                d.get("batch: forward_speaker_features vs forward_speaker", 0.0),
                float((pb - new.forward_speaker(xb, lb, mean, std)).abs().max()))
    return d, n


def rescript(path, out, audio_paths, cnn_weights=None, temperature=None):
    """SER 2.3 -> 2.3.1: re-scripts the file at `path` with this file's code (adds forward_speaker_features), same
    weights and attributes; checks that every method it had compiles to the same TorchScript code and gives the
    same outputs on the given audio (every file one speaker group, and all of them together as one).

    2.4 (`cnn_weights`, `temperature`): the same, with the speaker-independent path's CNN (`cnn`) replaced by these
    mc_cnn.CnnNet weights and `forward`'s temperature set; `forward` is then checked against T((the file's statistics
    part + the eager CNN) / 2) instead of the file's forward, every other method and tensor against the file."""
    sm, ens, copied = rebuild_scripted(path)
    print("rebuilt %s: %d tensors loaded (strict); attributes copied from the file: %s"
          % (path, len(sm.state_dict()), "; ".join(copied) or "none differed"))
    forward_want = None
    if cnn_weights:
        assert temperature is not None, "a replaced CNN needs its path's temperature"
        ens.cnn = load_cnns(cnn_weights)  # eager: scripting below copies it, so it stays the independent reference
        ens.temperature = temperature

        def forward_want(x, length):
            p = (sm.part.forward(x, length) + ens.cnn(x, length)) / 2.0
            return SpeakerStatsEnsemble._calibrate(p, temperature)
        print("forward's CNN replaced by %s, temperature %s -> %s" % (cnn_weights, sm.temperature, temperature))
    check_front_ends(ens)
    new = torch.jit.script(ens)
    # a replaced CNN may have another structure (one CnnNet <-> a CnnMean): its methods are checked by outputs only
    replaced = (lambda k: k[0] == "cnn" or k[0].startswith("cnn.")) if cnn_weights else (lambda k: False)
    old_codes = {k: v for k, v in method_codes(sm).items() if not replaced(k)}
    new_codes = {k: v for k, v in method_codes(new).items() if not replaced(k)}
    missing = sorted(set(old_codes) - set(new_codes))
    renamed = sorted(k for k in old_codes if k in new_codes and old_codes[k] != new_codes[k])
    changed = [k for k in renamed if alpha_normal(old_codes[k]) != alpha_normal(new_codes[k])]
    added = sorted(set(new_codes) - set(old_codes))
    refactored = logmel_once_methods(ens)
    print("methods: %d in the file, %d rebuilt; code identical except local variable names in %s; changed: %s "
          "(2.5.1's log-mel once, checked by outputs: %s); added: %s; gone: %s"
          % (len(old_codes), len(new_codes), renamed or "none", [k for k in changed if k not in refactored] or "none",
             [k for k in changed if k in refactored] or "none", added, missing or "none"))
    assert all(k in refactored for k in missing + changed), (missing, changed)
    assert ("", "forward_speaker_features") in new_codes
    # the file as written, loaded back, is what is checked: written into a temporary directory beside `out` first
    # (`out` may be `path`), under the same file name (the archive's top folder is named after it)
    import tempfile
    size = os.path.getsize(path)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    tmpdir = tempfile.mkdtemp(dir=os.path.dirname(os.path.abspath(out)))
    tmp = os.path.join(tmpdir, os.path.basename(out))
    new.save(tmp)
    new = torch.jit.load(tmp).eval()
    sd_old, sd_new = sm.state_dict(), new.state_dict()
    want = {k: v for k, v in sd_old.items() if not (cnn_weights and k.startswith("cnn."))}
    if cnn_weights:
        want.update({"cnn." + k: v for k, v in ens.cnn.state_dict().items()})
    assert sorted(want) == sorted(sd_new) and all(torch.equal(want[k], sd_new[k]) for k in want)
    waves = check_audio(audio_paths)
    print("parity on %d files (%.1f s of audio)" % (len(waves), sum(len(w) for w in waves) / 16000))
    worst = {}
    for pad in (64000, None):
        d, n = speaker_parity(sm, new, [waves[:len(waves) // 2], waves[len(waves) // 2:], waves], pad, forward_want)
        worst = {k: max(v, worst.get(k, 0.0)) for k, v in d.items() if not k.startswith("batch")}
        print("  %s, %d windows scored in 3 speaker groups (each half of the files, all): max |new - file| %s"
              % ("padded to 4 s" if pad else "unpadded", n,
              ", ".join("%s %.2e" % kv for kv in d.items())))
        assert max(d["features"], d["forward_speaker"]) <= 1e-7, d
        assert d["forward"] <= (1e-6 if cnn_weights else 1e-7), d  # scripted vs eager CNN: float rounding
        assert max(v for k, v in d.items() if "forward_speaker_features" in k) <= 1e-6, d
    os.replace(tmp, out)
    os.rmdir(tmpdir)
    print("wrote", out, os.path.getsize(out), "bytes (input %d)" % size)
    top = max(worst.values())
    return "%.1e" % top if top else "0"


def extract_cnn(path, out):
    """The speaker-independent path's CNN (`cnn`, one CnnNet) of a scripted SER file as mc_cnn.py CnnNet weights, e.g.
    2.4's forward CNN as the teacher `ravkd_s4/p2_ravall/model_avg.pt` of 2.5's recipe on a machine without 2.4's
    training runs (the file is in git history). QuietConv2d's wrapped convolution is unwrapped; checked: the eager
    net equals the file's `cnn` on random audio."""
    from mc_cnn import CnnNet
    sm = torch.jit.load(path).eval()
    sd = {k.replace(".conv.conv.", ".conv."): v.clone() for k, v in sm.cnn.state_dict().items()}
    net = CnnNet()
    net.load_state_dict(sd)
    net.eval()
    torch.manual_seed(3)
    x = torch.randn(2, 48000) * 0.1
    lengths = torch.tensor([48000, 30000])
    with torch.no_grad():
        d = float((net(x, lengths) - sm.cnn(x, lengths)).abs().max())
    assert d <= 1e-6, d
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    torch.save(net.state_dict(), out)
    print("wrote %s: %s's cnn, %d tensors, max |eager - file| %.1e" % (out, path, len(sd), d))


def open_manifest(path, before, after):
    """The manifest at `path` for a version step: its version must be `before` (a first run) or `after` (a re-run,
    which rewrites the same fields); returns (manifest with version `after`, whether it was `before`)."""
    import json
    m = json.load(open(path))
    assert m["version"] in (before, after), m["version"]
    previous = m["version"] == before
    m["version"] = after
    return m, previous


def save_manifest(path, m):
    import json
    with open(path, "w") as f:
        json.dump(m, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print("updated", path, "to", m["version"], json.dumps(m["metrics"]["speaker_independent"]))


def manifest_231(path):
    """models/ser-default/manifest.json of 2.3.0 -> 2.3.1 (the --rescript file): version, interface, how the speaker
    path scores, what changed; metrics, calibration and everything else stay (same weights, same outputs)."""
    from manifest_23 import set_recipe_step
    m, _ = open_manifest(path, "2.3.0", "2.3.1")
    change = ("2.3.1: the 2.3.0 file re-scripted with one more TorchScript method, forward_speaker_features (see "
              "interface), which the Java SpeakerScoring calls per window with the window's features() row it already "
              "computed for the reference, so the speaker path runs the statistics front end once per window instead "
              "of twice; weights, attributes and the outputs of forward, features and forward_speaker unchanged "
              "(training/ser/speaker_model.py --rescript checks them against the 2.3.0 file on real audio: max "
              "difference 0)")
    out = {}
    for k, v in m.items():
        if k != "changes":
            out[k] = v
        if k == "version":
            out["changes"] = change
    out["interface"] = INTERFACE_23
    out["speaker"]["scoring"] = (
        "per window forward_speaker_features(wav, lengths, the window's features() row, ref_mean, ref_std) (2.3.1; "
        "forward_speaker(wav, lengths, ref_mean, ref_std) for a model without it: the same result), window "
        "probabilities averaged per utterance")
    set_recipe_step(out, "2.3.1", (
        "PYTHONHASHSEED=0 /usr/bin/python3 training/ser/speaker_model.py --rescript models/ser-default/ser.pt "
        "--out models/ser-default/ser.pt --manifest models/ser-default/manifest.json (the 2.3.0 file re-scripted, "
        "forward_speaker_features added)"))
    key = "2.3.0 (the same weights and outputs, without forward_speaker_features: the metrics above are its)"
    out["previous_versions"] = {key: {}, **{k: v for k, v in out["previous_versions"].items() if k != key}}
    save_manifest(path, out)


def manifest_251(path, parity):
    """models/ser-default/manifest.json of 2.5.0 -> 2.5.1 (the --rescript file whose forward and features compute the
    log-mel once): version, what changed (with `parity`, rescript's max differences), the recipe's last step;
    metrics, calibration and everything else stay (same weights, same outputs)."""
    from manifest_23 import set_recipe_step
    m, previous = open_manifest(path, "2.5.0", "2.5.1")
    m["changes"] = (
        "2.5.1: the 2.5.0 file re-scripted so that forward and features compute the log-mel once and hand it to the "
        "parts that read it (forward: the statistics and the CNN; features: the statistics and the speaker CNN's band "
        "moments), where 2.5.0 computed the same log-mel twice; the three front ends' settings and buffers are equal "
        "(checked when the file is built). Weights, attributes and the outputs of every method unchanged "
        "(training/ser/speaker_model.py --rescript checks them against the 2.5.0 file on real audio: max difference "
        "%s)" % parity)
    set_recipe_step(m, "2.5.1", (
        "PYTHONHASHSEED=0 /usr/bin/python3 training/ser/speaker_model.py --rescript models/ser-default/ser.pt "
        "--out models/ser-default/ser.pt --manifest models/ser-default/manifest.json (the 2.5.0 file re-scripted, "
        "the log-mel computed once)"))
    if previous:
        key = "2.5.0 (the same weights and outputs, the log-mel computed twice in forward and features: the metrics above are its)"
        m["previous_versions"] = {key: {}, **m["previous_versions"]}
    save_manifest(path, m)


def manifest_240(path, cnn_weights, temperature, si_scores):
    """models/ser-default/manifest.json of 2.3.1 -> 2.4.0 (the --rescript --replace-cnn file): version, what changed,
    architecture, forward's temperature, the recipe's last step, the CNN's settings, and the speaker-independent
    metrics from the Java-path score CSVs in `si_scores` (rav{0..4}_si.csv, {emovo,nemo,turevdb}_si.csv of fold models
    built with the new CNN's fold nets; training/README.md "2.4"). The speaker path and its metrics are unchanged."""
    from manifest_23 import figures, set_recipe_step, short
    m, previous = open_manifest(path, "2.3.1", "2.4.0")
    old_si = m["metrics"]["speaker_independent"]
    m["changes"] = (
        "2.4.0: the speaker-independent path's (forward's) RAVDESS-only CNN replaced by one of the same architecture "
        "and data distilled from three seeds of the 2.2 CNN (training/ser/mc_cnn.py --teacher), forward's temperature "
        "0.7 -> %.2f (NLL rule as before); statistics, speaker path (features, forward_speaker, "
        "forward_speaker_features) and every other tensor unchanged (training/ser/speaker_model.py --rescript "
        "--replace-cnn checks them against the 2.3.1 file on real audio: max difference 0)" % temperature)
    arch = m["architecture"]
    arch = arch.replace("forward = T(((A + B) / 2 + CNN) / 2) with T = 0.7 (2.2, unchanged)",
                        "forward = T(((A + B) / 2 + CNN) / 2) with T = %.2f (2.4)" % temperature)
    assert "(2.4)" in arch, "architecture text: forward's formula not found"
    m["architecture"] = (
        "2.4 = 2.3 with forward's CNN distilled: the same CnnNet and recipe (RAVDESS actors 01-20 minus 2 validation "
        "actors, 40 epochs, average of the last 5), its loss 0.5 x the recipe's + 0.5 x tau^2 KL to the mean of three "
        "teacher CNNs' softmax(logits / tau), tau 2 (the 2.2 recipe at seeds 20240601-20240603, same data); the "
        "speaker path keeps 2.3's CNNs. " + arch)
    m["calibration"]["temperature"] = temperature
    set_recipe_step(m, "2.4", (
        "teachers: training/ser/mc_cnn.py --tag ravcnn[_s2,_s3] --seed 20240601[2,3] --train-corpora ravdess "
        "--crop 2 --epochs 40 --noise 0.3 --avg 5 --folds p1_fold0,...,p1_fold4,p2_ravall; student: the same with "
        "--tag ravkd_s4 --seed 20240604 --teacher ravcnn,ravcnn_s2,ravcnn_s3; last vs averaged weights and the "
        "temperature by training/ser/cnn_ensemble.py --tag ravkd_s4 (model_avg, T %.2f); then PYTHONHASHSEED=0 "
        "/usr/bin/python3 training/ser/speaker_model.py --rescript models/ser-default/ser.pt --replace-cnn %s "
        "--temperature %.2f --out models/ser-default/ser.pt --manifest models/ser-default/manifest.json --si-scores %s"
        % (temperature, " ".join(cnn_weights), temperature, si_scores)))
    m["training"]["settings"]["forward_cnn"] = {
        "train_corpora": "ravdess", "epochs": 40, "batch": 32, "lr": 0.003, "wd": 0.01, "crop_seconds": 2.0,
        "noise": 0.3, "weights": "model_avg (last 5 epochs)", "seed": 20240604,
        "teachers": "ravcnn, ravcnn_s2, ravcnn_s3 (model_last of the same fold)", "kd_weight": 0.5, "kd_tau": 2.0}
    m["metrics"]["protocol"] = m["metrics"]["protocol"].replace(
        "P2 = final_rav + a0_p2_C + b0_p2_C", "P2 = final_rav (2.4: ravx_p2_C, the same RAVDESS-only recipe) + "
        "a0_p2_C + b0_p2_C").replace("commands in training/README.md (2.2, 2.3)", "commands in training/README.md "
                                     "(2.2, 2.3, 2.4)")
    m["metrics"]["speaker_independent"] = figures(si_scores, "si")
    if previous:
        key = "2.3.1 (2.3.0's weights; speaker-independent path with the 2.2 CNN; same Java protocol; speaker path = 2.4's)"
        m["previous_versions"] = {key: {"speaker_independent": short(old_si)},
                                  **{k: v for k, v in m["previous_versions"].items()
                                     if not k.startswith("2.3.0 (the same weights")}}
    save_manifest(path, m)


def manifest_250(path, cnn_weights, temperature, si):
    """models/ser-default/manifest.json of 2.4.0 -> 2.5.0 (the --rescript --replace-cnn file whose CNN is the all-corpora
    student distilled from 2.4's CNN and an all-corpora CNN; training/README.md "2.5"): version, what changed,
    architecture, the recipe's last step, the CNN's settings, and the speaker-independent metrics: `si` is a directory
    of Java-path score CSVs (as for 2.4) or a JSON file of figures recorded from them
    (training/ser/results_ser25_java.json). The speaker path and its metrics are unchanged."""
    import json
    from manifest_23 import figures, set_recipe_step, short
    m, previous = open_manifest(path, "2.4.0", "2.5.0")
    old_si = m["metrics"]["speaker_independent"]
    m["changes"] = (
        "2.5.0: the speaker-independent path's (forward's) RAVDESS-only CNN replaced by one of the same architecture "
        "trained on all five corpora and distilled from the mean of two CNNs, 2.4's (RAVDESS-only, distilled) and one "
        "trained on all five corpora (training/ser/mc_cnn.py --teacher ... --teacher-kind avg); forward's temperature "
        "%.2f (NLL rule as before); statistics, speaker path (features, forward_speaker, forward_speaker_features) "
        "and every other tensor unchanged (training/ser/speaker_model.py --rescript --replace-cnn checks them "
        "against the 2.4.0 file on real audio)" % temperature)
    arch = m["architecture"]
    if previous:
        arch = arch.replace("with T = %.2f (2.4)" % m["calibration"]["temperature"], "with T = %.2f (2.5)" % temperature)
        assert "(2.5)" in arch, "architecture text: forward's formula not found"
        m["architecture"] = (
            "2.5 = 2.4 with forward's CNN trained on every row of the five corpora (minus 10 % validation speakers per "
            "corpus; 2 s crops, 30 epochs, noise 0.3, last-epoch weights), its loss 0.5 x the recipe's + 0.5 x tau^2 KL "
            "to the mean of two teacher CNNs' softmax(logits / tau), tau 2: 2.4's forward CNN and the same recipe "
            "without distillation on all five corpora (its average of the last 5 epochs); the speaker path keeps 2.3's "
            "CNNs. " + arch)
    m["calibration"]["temperature"] = temperature
    set_recipe_step(m, "2.5", (
        "teachers: 2.4's forward CNN (training/ser/mc_cnn.py --tag ravkd_s4, its p2_ravall net, model_avg; without "
        "2.4's runs: training/ser/speaker_model.py --extract-cnn <the 2.4.0 ser.pt from git> --out "
        "/tmp/sercnn/ravkd_s4/p2_ravall/model_avg.pt gives the same tensors) and "
        "training/ser/mc_cnn.py --tag allcnn --crop 2 --epochs 30 --noise 0.3 --avg 5 --folds p1_fold3,p1_fold4,all "
        "--only all --seed 20240604 (model_avg); student: training/ser/mc_cnn.py --tag kdall --seed 20240607 --crop 2 "
        "--epochs 30 --noise 0.3 --avg 5 --teacher kdmap,allcnn --teacher-kind avg --folds all (kdmap/all = a link to "
        "ravkd_s4/p2_ravall); last vs averaged weights and the temperature by training/ser/cnn_ensemble.py --tag "
        "ravkd_s4 --all-tag allcnn --forward-tag kdall (model_last, T %.2f); then PYTHONHASHSEED=0 /usr/bin/python3 "
        "training/ser/speaker_model.py --rescript models/ser-default/ser.pt --replace-cnn %s --temperature %.2f --out "
        "models/ser-default/ser.pt --manifest models/ser-default/manifest.json --si-scores %s"
        % (temperature, " ".join(cnn_weights), temperature, si)))
    m["training"]["settings"]["forward_cnn"] = {
        "train_corpora": "all five", "epochs": 30, "batch": 32, "lr": 0.003, "wd": 0.01, "crop_seconds": 2.0,
        "noise": 0.3, "weights": "model_last", "seed": 20240607,
        "teachers": "ravkd_s4 p2_ravall (2.4's forward CNN) and allcnn all (all five corpora, seed 20240604 + 2), "
                    "both model_avg, probabilities averaged", "kd_weight": 0.5, "kd_tau": 2.0,
        "validation": "10 % of each corpus' training speakers, fixed seed"}
    protocol = m["metrics"]["protocol"].replace("(2.2, 2.3, 2.4)", "(2.2, 2.3, 2.4, 2.5)")
    if "2.5: forward's CNN" not in protocol:
        protocol += (" 2.5: forward's CNN in each fold model is the student's net of that fold (trained on every corpus "
                     "but the fold's test rows, towards the mean of the fold's RAVDESS-only CNN (P2: the one trained "
                     "on every RAVDESS actor) and the fold's all-corpora CNN), last-epoch weights, T 0.65.")
    m["metrics"]["protocol"] = protocol
    if os.path.isdir(si):
        m["metrics"]["speaker_independent"] = figures(si, "si")
    else:
        m["metrics"]["speaker_independent"] = json.load(open(si))["speaker_independent"]
    if previous:
        key = "2.4.0 (2.3.1 with forward's CNN distilled from three RAVDESS-only CNNs; same Java protocol; speaker path = 2.5's)"
        m["previous_versions"] = {key: {"speaker_independent": short(old_si)}, **m["previous_versions"]}
    save_manifest(path, m)


def build(rav, a0, b0, temperature=1.0, speaker_temperature=1.0):
    nets = [load_statsnet(p) for p in (rav, a0, b0)]
    ens = SpeakerStatsEnsemble(*[HeadGroup(n.heads) for n in nets], temperature, speaker_temperature)
    ens.stats.load_state_dict(nets[0].stats.state_dict())
    return ens.eval()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rav", nargs="?")
    ap.add_argument("a0", nargs="?")
    ap.add_argument("b0", nargs="?")
    ap.add_argument("--out", required=True)
    ap.add_argument("--rescript", default=None, metavar="SER_PT",
                    help="instead of building from parts: re-script this SER 2.3+ file with this code (2.3.1 adds "
                         "forward_speaker_features; 2.5.1 computes the log-mel once), same weights and attributes, every existing method checked "
                         "against the file on --check-audio")
    ap.add_argument("--extract-cnn", default=None, metavar="SER_PT",
                    help="write this scripted SER file's speaker-independent CNN as mc_cnn.py CnnNet weights to --out "
                         "(2.5's recipe: 2.4's forward CNN as a teacher)")
    ap.add_argument("--manifest", default=None,
                    help="with --rescript: update this manifest.json from 2.3.0 to 2.3.1 (version, interface, changes) "
                         "or from 2.5.0 to 2.5.1 (version, changes, recipe); "
                         "with --replace-cnn from 2.3.1 to 2.4.0 or from 2.4.0 to 2.5.0 (needs --si-scores)")
    ap.add_argument("--replace-cnn", nargs="+", default=None, metavar="WEIGHTS",
                    help="with --rescript (SER 2.4): forward's CNN replaced by these mc_cnn.py CnnNet weights (several: "
                         "their CnnMean), forward's temperature set to --temperature; everything else kept and checked")
    ap.add_argument("--si-scores", default=None, metavar="DIR_OR_JSON",
                    help="with --replace-cnn --manifest: the Java-path score CSVs (rav{0..4}_si.csv, "
                         "{emovo,nemo,turevdb}_si.csv) of the fold models, for the speaker-independent metrics; from "
                         "2.4.0 to 2.5.0 also a JSON file of figures recorded from them (results_ser25_java.json)")
    ap.add_argument("--check-audio", nargs="*", default=None,
                    help="WAVs (16 kHz) for --rescript's parity check; default: the parity fixtures' WAVs beside "
                         "the input (reference/*.wav) and every 60th RAVDESS clip of ../shared/data/speech")
    ap.add_argument("--temperature", type=float, default=None, help="speaker-independent path (2.0: 1.1; default 1)")
    ap.add_argument("--speaker-temperature", type=float, default=1.0, help="speaker-aware path")
    ap.add_argument("--cnn", nargs="+", default=None,
                    help="SER 2.2: mc_cnn.py CnnNet weights (model_avg.pt / model_last.pt) averaged 1:1 with the "
                         "statistics ensemble in both paths (StatsCnnEnsemble); several: their CnnMean")
    ap.add_argument("--spk-cnn", default=None,
                    help="SER 2.3 (with --cnn): mc_cnn.py --spk-norm CnnNet weights for the speaker path "
                         "(StatsCnnSpkEnsemble)")
    ap.add_argument("--speaker-cnn-mix", type=float, default=0.0,
                    help="with --spk-cnn: weight w of forward's CNN in the speaker path's CNN half, (1 - w) speaker "
                         "CNN + w CNN (StatsCnnSpkMixEnsemble; 0 = 2.3 / 2.4)")
    ap.add_argument("--constant", default="384",
                    help="statistics zeroed after speaker normalisation: 384 = mean frame energy of the per-utterance "
                         "normalised log-mel, always 0 up to float noise (std 2.5e-8 over the 5,699 training windows, "
                         "next smallest 0.031); its z-score is noise x 1e3 and moved the speaker path by 1e-3 for a "
                         "1e-7 change (Java libtorch vs PyTorch 1.13)")
    args = ap.parse_args()
    if args.extract_cnn:
        extract_cnn(args.extract_cnn, args.out)
        return
    if args.rescript:
        audio = args.check_audio
        if audio is None:
            import glob
            ref = sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(args.rescript)), "reference", "*.wav")))
            from corpora import default_data
            rav = sorted(glob.glob(os.path.join(default_data(), "speech", "ravdess", "*.wav")))[::60]
            audio = ref + rav
        assert audio, "no audio to check on (--check-audio)"
        if args.temperature is not None and not args.replace_cnn:
            ap.error("--rescript keeps the file's temperatures unless --replace-cnn sets forward's")
        if args.speaker_cnn_mix:
            ap.error("--speaker-cnn-mix builds from parts (with --cnn and --spk-cnn), not with --rescript")
        parity = rescript(args.rescript, args.out, audio, args.replace_cnn, args.temperature)
        if args.manifest and args.replace_cnn:
            assert args.si_scores, "--manifest with --replace-cnn needs --si-scores"
            import json
            if json.load(open(args.manifest))["version"] == "2.3.1":
                manifest_240(args.manifest, args.replace_cnn, args.temperature, args.si_scores)
            else:
                manifest_250(args.manifest, args.replace_cnn, args.temperature, args.si_scores)
        elif args.manifest:
            import json
            if json.load(open(args.manifest))["version"] == "2.3.0":
                manifest_231(args.manifest)
            else:
                manifest_251(args.manifest, parity)
        return
    if not (args.rav and args.a0 and args.b0):
        ap.error("rav, a0 and b0 are required unless --rescript")
    if args.speaker_cnn_mix and not (args.cnn and args.spk_cnn):
        ap.error("--speaker-cnn-mix mixes --cnn into --spk-cnn's half of the speaker path: it needs both")
    ens = build(args.rav, args.a0, args.b0, 1.0, 1.0)
    torch.manual_seed(0)
    x = torch.randn(3, 48000) * 0.1
    lengths = torch.tensor([48000, 30000, 8000])
    parts = [torch.jit.load(p).eval() for p in (args.rav, args.a0, args.b0)]
    with torch.no_grad():
        ref = (parts[0](x, lengths) + parts[1](x, lengths)) / 2
        got = ens(x, lengths)
        d1 = float((ref - got).abs().max())
        s = ens.features(x, lengths)
        m, sd = speaker_reference(s)
        z = (s - m) / sd
        ref2 = (parts[0](x, lengths) + torch.softmax(parts[2].head(z), 1)) / 2
        d2 = float((ref2 - ens.forward_speaker(x, lengths, m, sd)).abs().max())
    print("max |forward - mean(rav, a0)| = %.2e, |forward_speaker - mean(rav, b0(z))| = %.2e" % (d1, d2))
    assert d1 < 1e-5 and d2 < 1e-5
    for i in [int(v) for v in args.constant.split(",") if v]:
        ens.speaker_mask[i] = 0.0
    if args.cnn:
        stats_part = ens
        cnn = load_cnns(args.cnn)
        ens = StatsCnnEnsemble(stats_part, cnn).eval()
        with torch.no_grad():
            d3 = float(((stats_part(x, lengths) + cnn(x, lengths)) / 2 - ens(x, lengths)).abs().max())
            d4 = float(((stats_part.forward_speaker(x, lengths, m, sd) + cnn(x, lengths)) / 2
                        - ens.forward_speaker(x, lengths, m, sd)).abs().max())
        print("max |forward - mean(stats, cnn)| = %.2e, |forward_speaker - mean(stats speaker, cnn)| = %.2e" % (d3, d4))
        assert d3 < 1e-5 and d4 < 1e-5
        if args.spk_cnn:
            if args.speaker_cnn_mix > 0:
                ens = StatsCnnSpkMixEnsemble(stats_part, cnn, SpeakerCnn(load_cnn(args.spk_cnn)),
                                             args.speaker_cnn_mix).eval()
            else:
                ens = StatsCnnSpkEnsemble(stats_part, cnn, SpeakerCnn(load_cnn(args.spk_cnn))).eval()
            d5, d6 = check_speaker_cnn(ens, stats_part, x, lengths)
            print("2.3: max |forward - 2.2 forward| = %.2e, |forward_speaker - mean(stats speaker, speaker CNN on the "
                  "cached-feature path)| = %.2e" % (d5, d6))
            assert d5 < 1e-5 and d6 < 1e-4
            with torch.no_grad():
                f = ens.features(x, lengths)
                fm, fsd = speaker_reference(f)
                d7 = float((ens.forward_speaker_features(x, lengths, f, fm, fsd)
                            - ens.forward_speaker(x, lengths, fm, fsd)).abs().max())
            print("2.3.1: max |forward_speaker_features - forward_speaker| = %.2e" % d7)
            assert d7 < 1e-6
    ens.temperature = 1.0 if args.temperature is None else args.temperature
    ens.speaker_temperature = args.speaker_temperature
    sm = torch.jit.script(ens)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    sm.save(args.out)
    print("wrote", args.out, os.path.getsize(args.out), "bytes")


if __name__ == "__main__":
    main()
