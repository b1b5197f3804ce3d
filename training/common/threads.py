"""CPU threads of a training run: torch's intra-op pool and, where PyTorch is linked to OpenBLAS (Debian's
python3-torch), OpenBLAS's own pthread pool, which torch.set_num_threads does not reach: with only that call a
"single-threaded" run still keeps both cores busy in every matmul (measured on this machine: process CPU time / wall
time 1.99 with torch.set_num_threads(1) alone, 1.00 with both).
"""
import ctypes

import torch


def set_threads(n: int) -> None:
    """At most n threads for torch's and OpenBLAS's compute (OpenBLAS only if this process has it loaded)."""
    torch.set_num_threads(n)
    if openblas_loaded():
        ctypes.CDLL("libopenblas.so.0").openblas_set_num_threads(n)


def openblas_loaded() -> bool:
    try:
        with open("/proc/self/maps") as f:
            return "libopenblas" in f.read()
    except OSError:
        return False
