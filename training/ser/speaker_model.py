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
"""
import argparse
import os
import sys
from typing import Tuple

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
from common.quiet_conv import QuietConv2d  # noqa: E402
from ensemble_model import HeadGroup, load_statsnet  # noqa: E402
from stats_model import StatsFeatures  # noqa: E402


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

    def forward(self, wav: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        p = (self.part.forward(wav, lengths) + self.cnn(wav, lengths)) / 2.0
        return SpeakerStatsEnsemble._calibrate(p, self.temperature)

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

      moments(wav, lengths) -> [B, 2M]   per window: each band's mean and mean square over its valid frames
      forward_ref(wav, lengths, mu[M], msq[M]) -> probs[B, 7]
                                         with mu, msq the speaker's moments averaged over its windows, the band std
                                         sqrt(max(msq - mu^2, 0.01)) (mc_cnn.moments_to_ref)"""

    def __init__(self, cnn: nn.Module):
        super().__init__()
        self.cnn = cnn
        self.n_mels = int(cnn.features.fb.shape[1])

    def _mask(self, mel: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
        return (torch.arange(mel.shape[1], device=mel.device)[None, :] < n[:, None]).to(mel.dtype)

    def moments(self, wav: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        mel, n = self.cnn.features.raw(wav, lengths)
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
    where the caller's reference over the speaker's windows (mean, sample std + 1e-3 of `features`) gives the
    statistics' z-scores from its first F values and the speaker CNN's band moments from the mean of the last 2M (their
    std is unused). The Java SpeakerScoring computes that reference unchanged."""

    def __init__(self, stats: SpeakerStatsEnsemble, cnn: nn.Module, spk: SpeakerCnn, temperature: float = 1.0,
                 speaker_temperature: float = 1.0):
        super().__init__(stats, cnn, temperature, speaker_temperature)
        self.spk = spk
        self.stats_dim = int(stats.stats.dim)
        self.n_mels = spk.n_mels

    @torch.jit.export
    def features(self, wav: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.part.features(wav, lengths), self.spk.moments(wav, lengths)], 1)

    @torch.jit.export
    def forward_speaker(self, wav: torch.Tensor, lengths: torch.Tensor, ref_mean: torch.Tensor,
                        ref_std: torch.Tensor) -> torch.Tensor:
        f = self.stats_dim
        m = self.n_mels
        ps = self.part.forward_speaker(wav, lengths, ref_mean[:f], ref_std[:f])
        pc = self.spk.forward_ref(wav, lengths, ref_mean[f:f + m], ref_mean[f + m:f + 2 * m])
        return SpeakerStatsEnsemble._calibrate((ps + pc) / 2.0, self.speaker_temperature)


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
        want = (stats_part.forward_speaker(x, lengths, m[:fdim], sd[:fdim]) + pc) / 2
        d6 = float((want - ens.forward_speaker(x, lengths, m, sd)).abs().max())
    return d5, d6


def build(rav, a0, b0, temperature=1.0, speaker_temperature=1.0):
    nets = [load_statsnet(p) for p in (rav, a0, b0)]
    ens = SpeakerStatsEnsemble(*[HeadGroup(n.heads) for n in nets], temperature, speaker_temperature)
    ens.stats.load_state_dict(nets[0].stats.state_dict())
    return ens.eval()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rav")
    ap.add_argument("a0")
    ap.add_argument("b0")
    ap.add_argument("--out", required=True)
    ap.add_argument("--temperature", type=float, default=1.0, help="speaker-independent path (2.0: 1.1)")
    ap.add_argument("--speaker-temperature", type=float, default=1.0, help="speaker-aware path")
    ap.add_argument("--cnn", default=None,
                    help="SER 2.2: mc_cnn.py CnnNet weights (model_avg.pt / model_last.pt) averaged 1:1 with the "
                         "statistics ensemble in both paths (StatsCnnEnsemble)")
    ap.add_argument("--spk-cnn", default=None,
                    help="SER 2.3 (with --cnn): mc_cnn.py --spk-norm CnnNet weights for the speaker path "
                         "(StatsCnnSpkEnsemble)")
    ap.add_argument("--constant", default="384",
                    help="statistics zeroed after speaker normalisation: 384 = mean frame energy of the per-utterance "
                         "normalised log-mel, always 0 up to float noise (std 2.5e-8 over the 5,699 training windows, "
                         "next smallest 0.031); its z-score is noise x 1e3 and moved the speaker path by 1e-3 for a "
                         "1e-7 change (Java libtorch vs PyTorch 1.13)")
    args = ap.parse_args()
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
        cnn = load_cnn(args.cnn)
        ens = StatsCnnEnsemble(stats_part, cnn).eval()
        with torch.no_grad():
            d3 = float(((stats_part(x, lengths) + cnn(x, lengths)) / 2 - ens(x, lengths)).abs().max())
            d4 = float(((stats_part.forward_speaker(x, lengths, m, sd) + cnn(x, lengths)) / 2
                        - ens.forward_speaker(x, lengths, m, sd)).abs().max())
        print("max |forward - mean(stats, cnn)| = %.2e, |forward_speaker - mean(stats speaker, cnn)| = %.2e" % (d3, d4))
        assert d3 < 1e-5 and d4 < 1e-5
        if args.spk_cnn:
            ens = StatsCnnSpkEnsemble(stats_part, cnn, SpeakerCnn(load_cnn(args.spk_cnn))).eval()
            d5, d6 = check_speaker_cnn(ens, stats_part, x, lengths)
            print("2.3: max |forward - 2.2 forward| = %.2e, |forward_speaker - mean(stats speaker, speaker CNN on the "
                  "cached-feature path)| = %.2e" % (d5, d6))
            assert d5 < 1e-5 and d6 < 1e-4
    ens.temperature = args.temperature
    ens.speaker_temperature = args.speaker_temperature
    sm = torch.jit.script(ens)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    sm.save(args.out)
    print("wrote", args.out, os.path.getsize(args.out), "bytes")


if __name__ == "__main__":
    main()
