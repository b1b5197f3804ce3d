"""Concatenates feature dumps (DumpTextFeatures output: .len/.ids/.f32) into one prefix, keeping only complete
rows of each part (a dump still being written may end mid-row); prints the row count.

  /usr/bin/python3 training/ter/merge_dumps.py OUT PART1 [PART2 ...]
"""
import sys

import numpy as np


def complete(prefix, h=384):
    import os
    lens = np.fromfile(prefix + ".len", dtype="<i4")
    nids = os.path.getsize(prefix + ".ids") // 4
    nf = os.path.getsize(prefix + ".f32") // 4
    offs = np.concatenate([[0], np.cumsum(lens.astype(np.int64))])
    n = len(lens)
    while n > 0 and (offs[n] > nids or offs[n] * h > nf):
        n -= 1
    return n, int(offs[n])


def main():
    out, parts = sys.argv[1], sys.argv[2:]
    total = 0
    with open(out + ".len", "wb") as fl, open(out + ".ids", "wb") as fi, open(out + ".f32", "wb") as ff:
        for p in parts:
            n, toks = complete(p)
            if n == 0:
                continue
            fl.write(np.fromfile(p + ".len", dtype="<i4")[:n].tobytes())
            fi.write(np.memmap(p + ".ids", dtype="<i4", mode="r")[:toks].tobytes())
            f = np.memmap(p + ".f32", dtype="<f4", mode="r")
            step = 1 << 26
            for s in range(0, toks * 384, step):
                ff.write(f[s:min(toks * 384, s + step)].tobytes())
            total += n
    print(total)


if __name__ == "__main__":
    main()
