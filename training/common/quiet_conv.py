"""Convolutions for exported (TorchScript) models that the Java service runs on libtorch 2.7 through DJL.

libtorch sends a CPU convolution that its oneDNN heuristic declines to NNPACK first and, on CPUs NNPACK does not
support (this machine's), logs "Could not initialize NNPACK! Reason: Unsupported hardware." on every such call.
oneDNN declines a batch of 1 whose input holds at most 20,480 values (with kernels of at most 3 in one dimension,
which covers every convolution here): a short utterance or one transcript scored alone, several log lines each.
QuietConv1d / QuietConv2d wrap a trained convolution and compute exactly those calls as im2col + one matmul (the
same sums; differences ~1e-7 from float order), every other call with the convolution itself (im2col over a whole
batch is several times slower than oneDNN: 73 vs 8.2 ms per 4 s window for the SER CNN at batch 16). DJL exposes no
switch for NNPACK (torch.backends.nnpack is Python-only) and TORCH_CPP_LOG_LEVEL is not read through DJL.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

SMALL = 20480  # libtorch's oneDNN threshold for a batch of 1 (ConvParams::use_mkldnn)


class QuietConv2d(nn.Module):
    """A trained nn.Conv2d (no bias, square kernel, one group, no dilation)."""

    def __init__(self, conv: nn.Conv2d):
        super().__init__()
        assert conv.bias is None and conv.groups == 1 and conv.dilation == (1, 1)
        self.conv = conv
        self.k = int(conv.kernel_size[0])
        self.stride = int(conv.stride[0])
        self.padding = int(conv.padding[0])
        self.cout = int(conv.out_channels)
        self.small = SMALL

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[0] > 1 or x.numel() > self.small:
            return self.conv(x)
        h, w = x.shape[2], x.shape[3]
        cols = F.unfold(x, self.k, padding=self.padding, stride=self.stride)  # [1, C*k*k, L]
        ho = (h + 2 * self.padding - self.k) // self.stride + 1
        wo = (w + 2 * self.padding - self.k) // self.stride + 1
        return torch.matmul(self.conv.weight.reshape(self.cout, -1), cols).reshape(1, self.cout, ho, wo)


class QuietConv1d(nn.Module):
    """A trained nn.Conv1d (with bias, stride 1, no padding, one group, no dilation)."""

    def __init__(self, conv: nn.Conv1d):
        super().__init__()
        assert conv.bias is not None and conv.groups == 1 and conv.dilation == (1,) and conv.stride == (1,)
        assert conv.padding == (0,)
        self.conv = conv
        self.k = int(conv.kernel_size[0])
        self.cout = int(conv.out_channels)
        self.small = SMALL

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[0] > 1 or x.numel() > self.small or x.shape[2] < self.k:
            return self.conv(x)
        cols = x.unfold(2, self.k, 1).permute(0, 2, 1, 3).reshape(1, x.shape[2] - self.k + 1, -1)  # [1, L, C*k]
        w = self.conv.weight.reshape(self.cout, -1)
        bias = self.conv.bias
        assert bias is not None
        return (torch.matmul(cols, w.t()) + bias).transpose(1, 2)  # [1, cout, L]
