"""Utterance-statistics SER model: the in-model log-mel front end, masked per-utterance statistics (mean, std,
max-min range of each mel band and of its delta, plus the frame-energy contour), an MLP. Cheap to train and to
run; used alone or averaged with the CRNN (see train_stats.py).
"""
from typing import Tuple

import torch
import torch.nn as nn

from model import LogMel


class Pitch(nn.Module):
    """Autocorrelation F0 on 40 ms frames / 10 ms hop (60-500 Hz), corrected for the window's own autocorrelation.
    Returns log2 F0 [B, T], a voicing score [B, T] (normalised autocorrelation peak) and the frame counts."""

    def __init__(self, sample_rate: int = 16000, frame: int = 640, hop: int = 160, f_min: float = 60.0,
                 f_max: float = 500.0):
        super().__init__()
        self.sr = sample_rate
        self.frame = frame
        self.hop = hop
        self.lag_min = int(sample_rate / f_max)
        self.lag_max = int(sample_rate / f_min)
        # FFT size: the smallest power of two >= frame + max lag, so the circular autocorrelation is exact
        self.n_fft = 1 << (frame + self.lag_max - 1).bit_length()
        w = torch.hann_window(frame)
        self.register_buffer("window", w)
        wac = torch.fft.irfft(torch.fft.rfft(w, n=self.n_fft).abs().pow(2), n=self.n_fft)[: self.lag_max + 1]
        self.register_buffer("window_ac", wac / wac[0])

    def forward(self, wav: torch.Tensor, lengths: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        fr = wav.unfold(1, self.frame, self.hop)
        fr = fr - fr.mean(-1, keepdim=True)
        ac = torch.fft.irfft(torch.fft.rfft(fr * self.window, n=self.n_fft).abs().pow(2), n=self.n_fft)[:, :, : self.lag_max + 1]
        r = ac / ac[:, :, :1].clamp(min=1e-10) / self.window_ac.clamp(min=1e-3)
        peak, idx = r[:, :, self.lag_min:].max(-1)
        f0 = self.sr / (idx + self.lag_min).to(wav.dtype)
        n = torch.clamp(torch.div(lengths - self.frame, self.hop, rounding_mode="floor") + 1, min=0)
        return torch.log2(f0), peak, n


class StatsFeatures(nn.Module):
    def __init__(self, n_mels: int = 64):
        super().__init__()
        self.features = LogMel(n_mels=n_mels)
        self.pitch = Pitch()
        self.dim = 6 * n_mels + 4 + 8

    def forward(self, wav: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        x, n = self.features(wav, lengths)  # [B, M, T] normalised log-mel, zero beyond n
        return self.from_logmel(x, n, wav, lengths)

    def from_logmel(self, x: torch.Tensor, n: torch.Tensor, wav: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The statistics given this front end's normalised log-mel x [B, M, T] (frames n) of wav: what forward
        returns, for a caller that has computed x already (the pitch statistics still read the waveform)."""
        t = x.shape[2]
        mask = (torch.arange(t, device=x.device)[None, :] < n[:, None]).to(x.dtype)  # [B, T]
        nf = n.to(x.dtype).clamp(min=1.0)[:, None]
        mean = (x * mask[:, None, :]).sum(2) / nf
        std = torch.sqrt((((x - mean[:, :, None]) ** 2) * mask[:, None, :]).sum(2) / nf + 1e-6)
        big = 1e4
        mx = (x - (1.0 - mask[:, None, :]) * big).max(2)[0]
        mn = (x + (1.0 - mask[:, None, :]) * big).min(2)[0]
        # delta over valid neighbours only (x[t+1] - x[t-1]; zero at the valid edges)
        d = torch.zeros_like(x)
        if t > 2:
            d[:, :, 1:t - 1] = (x[:, :, 2:] - x[:, :, :-2]) * 0.5
        dmask = mask.clone()
        dmask[:, 0] = 0.0
        dmask = dmask * (torch.arange(t, device=x.device)[None, :] < (n[:, None] - 1)).to(x.dtype)
        nd = dmask.sum(1, keepdim=True).clamp(min=1.0)
        dmean = (d.abs() * dmask[:, None, :]).sum(2) / nd
        dstd = torch.sqrt(((d ** 2) * dmask[:, None, :]).sum(2) / nd + 1e-6)
        e = x.mean(1)  # frame energy proxy [B, T]
        emean = (e * mask).sum(1, keepdim=True) / nf
        estd = torch.sqrt((((e - emean) ** 2) * mask).sum(1, keepdim=True) / nf + 1e-6)
        emax = (e - (1.0 - mask) * big).max(1, keepdim=True)[0]
        voiced = ((e > emean).to(x.dtype) * mask).sum(1, keepdim=True) / nf  # share of loud frames
        return torch.cat([mean, std, mx - mn, mx, dmean, dstd, emean, estd, emax, voiced,
                          self.pitch_stats(wav, lengths)], 1)

    def pitch_stats(self, wav: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        smask = (torch.arange(wav.shape[1], device=wav.device)[None, :] < lengths[:, None]).to(wav.dtype)
        lf0, peak, n = self.pitch(wav * smask, lengths)
        t = lf0.shape[1]
        valid = (torch.arange(t, device=wav.device)[None, :] < n[:, None]).to(wav.dtype)
        v = valid * (peak > 0.5).to(wav.dtype)
        nv = v.sum(1, keepdim=True)
        nvc = nv.clamp(min=1.0)
        m = (lf0 * v).sum(1, keepdim=True) / nvc
        sd = torch.sqrt((((lf0 - m) ** 2) * v).sum(1, keepdim=True) / nvc + 1e-6)
        big = 100.0
        hi = (lf0 - (1.0 - v) * big).max(1, keepdim=True)[0]
        lo = (lf0 + (1.0 - v) * big).min(1, keepdim=True)[0]
        has = (nv > 0).to(wav.dtype)
        rng = (hi - lo) * has
        dl = torch.zeros_like(lf0)
        if t > 1:
            dl[:, 1:] = (lf0[:, 1:] - lf0[:, :-1]).abs() * v[:, 1:] * v[:, :-1]
        jitter = dl.sum(1, keepdim=True) / nvc
        frac = nv / valid.sum(1, keepdim=True).clamp(min=1.0)
        pk = (peak * valid).sum(1, keepdim=True) / valid.sum(1, keepdim=True).clamp(min=1.0)
        return torch.cat([m * has, sd * has, hi * has, lo * has, rng, jitter, frac, pk], 1)


class MlpHead(nn.Module):
    def __init__(self, dim: int, hidden: int, n_classes: int, dropout: float):
        super().__init__()
        self.norm = nn.BatchNorm1d(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(), nn.Dropout(dropout),
                                 nn.Linear(hidden, hidden // 2), nn.ReLU(), nn.Dropout(dropout),
                                 nn.Linear(hidden // 2, n_classes))

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        return self.mlp(self.norm(s))


class StatsNet(nn.Module):
    """forward(wav[B,S], lengths[B]) -> probs[B,7]; `heads` MLPs (different seeds) with averaged logits."""

    def __init__(self, n_mels: int = 64, hidden: int = 256, n_classes: int = 7, dropout: float = 0.3, heads: int = 1):
        super().__init__()
        self.stats = StatsFeatures(n_mels)
        self.heads = nn.ModuleList([MlpHead(self.stats.dim, hidden, n_classes, dropout) for _ in range(heads)])

    def head(self, s: torch.Tensor) -> torch.Tensor:
        out = self.heads[0](s)
        for i, h in enumerate(self.heads):
            if i > 0:
                out = out + h(s)
        return out / len(self.heads)

    def logits(self, wav: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.head(self.stats(wav, lengths))

    def forward(self, wav: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.logits(wav, lengths), dim=1)
