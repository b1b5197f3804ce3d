"""TER head: 1-D CNN over the encoder's token features (seed 003), masked so padding has no effect.

forward(features[B,T,H] float, lengths[B] long) -> probs[B,7]. A per-class logit bias (chosen on MELD dev, never on
test) is a buffer of the exported model.
"""
from typing import List

import torch
import torch.nn as nn
import torch.nn.functional as F

LABELS = ["neutral", "happy", "sad", "angry", "fear", "disgust", "surprise"]


class TerHead(nn.Module):
    def __init__(self, hidden: int = 384, channels: int = 128, kernels: List[int] = [3, 4, 5],
                 n_classes: int = 7, dropout: float = 0.3, fc: int = 256, proj: int = 0):
        super().__init__()
        self.kernels = kernels
        # optional per-token bottleneck before the CNN (4x cheaper convolutions with proj=128)
        self.use_proj = proj > 0
        # Identity when unused: no parameters, no RNG draws (keeps runs without it reproducible)
        self.proj = nn.Linear(hidden, proj) if proj > 0 else nn.Identity()
        conv_in = proj if proj > 0 else hidden
        self.convs = nn.ModuleList([nn.Conv1d(conv_in, channels, k) for k in kernels])
        self.in_drop = nn.Dropout(0.1)
        self.fc1 = nn.Linear(channels * len(kernels) + 2 * hidden, fc)
        self.drop = nn.Dropout(dropout)
        self.fc2 = nn.Linear(fc, n_classes)
        self.register_buffer("bias", torch.zeros(n_classes))

    def logits(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        t = x.shape[1]
        mask = (torch.arange(t, device=x.device)[None, :] < lengths[:, None])  # [B, T]
        fmask = mask.to(x.dtype)
        x = x * fmask[:, :, None]
        mean = x.sum(1) / lengths.to(x.dtype).clamp(min=1.0)[:, None]
        cls = x[:, 0, :]
        h = self.in_drop(x)
        if self.use_proj:
            h = torch.relu(self.proj(h)) * fmask[:, :, None]
        h = h.transpose(1, 2)  # [B, H, T]
        pooled = [mean, cls]
        for i, conv in enumerate(self.convs):
            k = self.kernels[i]
            y = F.relu(conv(F.pad(h, [(k - 1) // 2, k // 2])))  # 'same' length, zeros beyond the valid tokens
            y = y.masked_fill(~mask[:, None, :], -1e4)
            pooled.append(y.max(2)[0])
        z = torch.cat(pooled, 1)
        return self.fc2(self.drop(F.relu(self.fc1(self.drop(z))))) + self.bias

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.logits(x, lengths), dim=1)


class Ensemble(nn.Module):
    """Averages the logits of several heads (different seeds), adds the logit bias chosen on dev."""

    def __init__(self, heads: List[TerHead], n_classes: int = 7):
        super().__init__()
        self.heads = nn.ModuleList(heads)
        self.register_buffer("bias", torch.zeros(n_classes))

    def logits(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        out = torch.zeros(x.shape[0], self.bias.shape[0], device=x.device, dtype=x.dtype)
        for h in self.heads:
            out = out + h.logits(x, lengths)
        return out / len(self.heads) + self.bias

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.logits(x, lengths), dim=1)
