"""SER model: raw 16 kHz waveform -> log-mel (inside the model) -> CNN -> BiGRU -> attentive stats pooling -> 7 classes.

Everything is masked by the true lengths, so padding a sample inside a batch does not change its output
(frames are taken without centre padding; every conv sees zeros beyond the valid frames; the GRU is packed;
pooling ignores padded frames). Exported with torch.jit.script; forward(wav[B,S], lengths[B]) -> probs[B,7].
"""
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchaudio

LABELS = ["neutral", "happy", "sad", "angry", "fear", "disgust", "surprise"]


class LogMel(nn.Module):
    def __init__(self, sample_rate: int = 16000, n_fft: int = 400, hop: int = 160, n_mels: int = 64, fft_size: int = 512,
                 f_min: float = 50.0, f_max: float = 7600.0, per_bin: bool = False):
        super().__init__()
        self.per_bin = per_bin
        self.n_fft = n_fft
        self.hop = hop
        self.fft_size = fft_size
        self.register_buffer("window", torch.hann_window(n_fft))
        fb = torchaudio.functional.melscale_fbanks(fft_size // 2 + 1, f_min, f_max, n_mels, sample_rate,
                                                   norm=None, mel_scale="htk")
        self.register_buffer("fb", fb)

    def frames(self, lengths: torch.Tensor) -> torch.Tensor:
        return torch.clamp(torch.div(lengths - self.n_fft, self.hop, rounding_mode="floor") + 1, min=0)

    def forward(self, wav: torch.Tensor, lengths: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        mel, n = self.raw(wav, lengths)
        return self.normalise(mel, n), n  # [B, M, T], frames

    @torch.jit.export
    def normalise(self, mel: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
        """`raw`'s log-mel [B, T, M] with its frames n -> the normalised log-mel [B, M, T] `forward` returns (zero
        beyond n): one front end's output can feed several models that share it (speaker_model.py)."""
        tmask = (torch.arange(mel.shape[1], device=mel.device)[None, :] < n[:, None]).to(mel.dtype)  # [B, T]
        nf = n.to(mel.dtype).clamp(min=1.0)
        if self.per_bin:
            # per-utterance mean per mel bin (removes the static channel, but also the long-term spectral tilt)
            mean = ((mel * tmask[:, :, None]).sum(1) / nf[:, None])[:, None, :]
        else:
            # one scalar per utterance: keeps the spectral envelope (vocal effort) and relative dynamics
            mean = ((mel * tmask[:, :, None]).sum((1, 2)) / (nf * mel.shape[2]))[:, None, None]
        x = (mel - mean) * tmask[:, :, None]
        var = (x * x).sum((1, 2)) / (nf * mel.shape[2])
        x = x / torch.sqrt(var + 1e-5)[:, None, None]
        return x.transpose(1, 2)

    @torch.jit.export
    def raw(self, wav: torch.Tensor, lengths: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Gain-normalised log-mel before any mean/variance normalisation: [B, T, M] (frames at or beyond n are
        computed from padding: mask them), frames n [B]."""
        # gain normalisation over the valid samples only
        smask = (torch.arange(wav.shape[1], device=wav.device)[None, :] < lengths[:, None]).to(wav.dtype)
        wav = wav * smask
        rms = torch.sqrt((wav * wav).sum(1, keepdim=True) / lengths[:, None].to(wav.dtype).clamp(min=1.0) + 1e-10)
        wav = wav / (rms + 1e-4)
        fr = wav.unfold(1, self.n_fft, self.hop)  # [B, T, n_fft], no centre padding
        fr = fr - fr.mean(-1, keepdim=True)
        spec = torch.fft.rfft(fr * self.window, n=self.fft_size).abs().pow(2)
        mel = torch.log(torch.matmul(spec, self.fb) + 1e-6)  # [B, T, M]
        return mel, self.frames(lengths)


class ConvBlock(nn.Module):
    """conv3x3 + BN + ReLU, then a 2 x pool_t max-pool; or, with stride=True, a stride-2 conv instead of the pool
    (cheaper at full resolution). Frames at or beyond the valid count are zeroed before the conv."""

    def __init__(self, cin: int, cout: int, pool_t: int, stride: bool = False):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, stride=2 if stride else 1, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.pool_t = 2 if stride else pool_t
        self.stride = stride

    def forward(self, x: torch.Tensor, n: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        mask = (torch.arange(x.shape[3], device=x.device)[None, :] < n[:, None]).to(x.dtype)
        x = x * mask[:, None, None, :]
        x = F.relu(self.bn(self.conv(x)))
        if not self.stride:
            x = F.max_pool2d(x, (2, self.pool_t))
        return x, torch.div(n, self.pool_t, rounding_mode="floor")


class SerNet(nn.Module):
    def __init__(self, n_mels: int = 64, channels=(16, 32, 64, 64), pools=(2, 2, 2, 1), rnn: int = 96,
                 emb: int = 128, n_classes: int = 7, dropout: float = 0.3):
        super().__init__()
        self.features = LogMel(n_mels=n_mels)
        blocks = []
        cin = 1
        for i, (c, p) in enumerate(zip(channels, pools)):
            blocks.append(ConvBlock(cin, c, p, stride=(i == 0)))
            cin = c
        self.blocks = nn.ModuleList(blocks)
        fdim = cin * (n_mels // (2 ** len(channels)))
        self.proj = nn.Linear(fdim, rnn)
        self.gru = nn.GRU(rnn, rnn, batch_first=True, bidirectional=True)
        self.att = nn.Sequential(nn.Linear(2 * rnn, 64), nn.Tanh(), nn.Linear(64, 1))
        self.embed = nn.Linear(4 * rnn, emb)
        self.drop = nn.Dropout(dropout)
        self.cls = nn.Linear(emb, n_classes)
        self.spec_aug = False

    def embedding(self, wav: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        x, n = self.features(wav, lengths)
        if self.training and self.spec_aug:
            x = spec_augment(x, n)
        x = x.unsqueeze(1)
        for b in self.blocks:
            x, n = b(x, n)
        bsz, c, f, t = x.shape
        x = x.reshape(bsz, c * f, t).transpose(1, 2)  # [B, T, C*F]
        x = F.relu(self.proj(x))
        n = n.clamp(min=1)
        packed = nn.utils.rnn.pack_padded_sequence(x, n.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.gru(packed)
        h, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=t)  # [B, T, 2R]
        mask = torch.arange(t, device=h.device)[None, :] < n[:, None]
        s = self.att(h).squeeze(2).masked_fill(~mask, -1e4)
        a = torch.softmax(s, dim=1).unsqueeze(2)
        mu = (a * h).sum(1)
        sd = torch.sqrt(((a * (h - mu[:, None, :]) ** 2).sum(1)).clamp(min=1e-6))
        return torch.relu(self.embed(torch.cat([mu, sd], 1)))

    def logits(self, wav: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.cls(self.drop(self.embedding(wav, lengths)))

    def forward(self, wav: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.logits(wav, lengths), dim=1)


def spec_augment(x: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
    """Two frequency masks (<= 8 bins) and two time masks (<= 10 % of the valid frames) per sample."""
    bsz, m, t = x.shape
    x = x.clone()
    for i in range(bsz):
        for _ in range(2):
            w = int(torch.randint(0, 9, (1,)))
            f0 = int(torch.randint(0, max(1, m - w), (1,)))
            x[i, f0:f0 + w, :] = 0
            tw = int(torch.randint(0, max(1, int(n[i]) // 10) + 1, (1,)))
            t0 = int(torch.randint(0, max(1, int(n[i]) - tw), (1,)))
            x[i, :, t0:t0 + tw] = 0
    return x
