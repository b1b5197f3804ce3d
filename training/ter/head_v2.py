"""TER v2 head: the v1 masked 1-D CNN over the encoder's token states, plus dialogue context and a V/A/D output.

forward(features[B,T,H], lengths[B], ctx[B,K,H], ctx_info[B,K,2]) -> out[B,10]
  features/lengths: token states of the utterance (padding ignored);
  ctx: the masked mean of the token states of each of the K previous turns of the same recording (slot 0 = the
       turn just before), zeros where there is none; ctx_info[:, k] = (present, same speaker as the utterance);
  out[:, :7]: class probabilities (LABELS order, softmax of logits + a dev-chosen per-class bias);
  out[:, 7:]: valence, arousal, dominance on EmoBank's 1-5 scale.
Without context (ctx and ctx_info all zero) the model is an utterance-level classifier: training drops the whole
context of a row with probability `ctx_drop`, so one model serves both.
"""
from typing import List

import torch
import torch.nn as nn
import torch.nn.functional as F

LABELS = ["neutral", "happy", "sad", "angry", "fear", "disgust", "surprise"]
DIMS = ["valence", "arousal", "dominance"]


class TerHeadV2(nn.Module):
    def __init__(self, hidden: int = 384, channels: int = 128, kernels: List[int] = [3, 4, 5], proj: int = 128,
                 turns: int = 3, ctx_dim: int = 96, fc: int = 256, dropout: float = 0.4, n_classes: int = 7):
        super().__init__()
        self.kernels = kernels
        self.turns = turns
        self.proj = nn.Linear(hidden, proj)
        self.convs = nn.ModuleList([nn.Conv1d(proj, channels, k) for k in kernels])
        self.in_drop = nn.Dropout(0.1)
        self.ctx = nn.Linear(hidden + 2, ctx_dim)
        self.fc1 = nn.Linear(channels * len(kernels) + 2 * hidden + turns * ctx_dim, fc)
        self.drop = nn.Dropout(dropout)
        self.fc2 = nn.Linear(fc, n_classes)
        self.vad = nn.Linear(fc, 3)
        self.register_buffer("bias", torch.zeros(n_classes))

    def hidden_of(self, x: torch.Tensor, lengths: torch.Tensor, ctx: torch.Tensor,
                  ctx_info: torch.Tensor) -> torch.Tensor:
        t = x.shape[1]
        mask = torch.arange(t, device=x.device)[None, :] < lengths[:, None]
        fmask = mask.to(x.dtype)
        x = x * fmask[:, :, None]
        mean = x.sum(1) / lengths.to(x.dtype).clamp(min=1.0)[:, None]
        cls = x[:, 0, :]
        h = torch.relu(self.proj(self.in_drop(x))) * fmask[:, :, None]
        h = h.transpose(1, 2)
        pooled = [mean, cls]
        for i, conv in enumerate(self.convs):
            k = self.kernels[i]
            y = F.relu(conv(F.pad(h, [(k - 1) // 2, k // 2])))
            y = y.masked_fill(~mask[:, None, :], -1e4)
            pooled.append(y.max(2)[0])
        present = ctx_info[:, :, 0:1]
        c = torch.relu(self.ctx(self.in_drop(torch.cat([ctx, ctx_info], 2)))) * present  # [B, K, ctx_dim]
        pooled.append(c.reshape(c.shape[0], -1))
        z = torch.cat(pooled, 1)
        return F.relu(self.fc1(self.drop(z)))

    def logits_vad(self, x: torch.Tensor, lengths: torch.Tensor, ctx: torch.Tensor, ctx_info: torch.Tensor):
        hid = self.drop(self.hidden_of(x, lengths, ctx, ctx_info))
        return self.fc2(hid), 3.0 + 2.0 * torch.tanh(self.vad(hid))

    def forward(self, x: torch.Tensor, lengths: torch.Tensor, ctx: torch.Tensor,
                ctx_info: torch.Tensor) -> torch.Tensor:
        lg, vad = self.logits_vad(x, lengths, ctx, ctx_info)
        return torch.cat([torch.softmax(lg + self.bias, dim=1), vad], 1)
