"""Rows for a joint-context dump: each dialogue row with previous turns as one text, the utterance first and its
previous turns after it, the turn just before first, separated by [SEP] (the tokenizer adds [CLS] ... [SEP] around
it): `[CLS] utterance [SEP] turn-1 [SEP] turn-2 [SEP]`. Dumped with tools.DumpTextFeatures (a scratch manifest with a
larger input.maxTokens; truncation cuts the oldest turn first), the encoder's layers attend across the utterance and
its turns with ordinary positions; train_v2.py --joint reads it beside the utterance-alone dump.

  /usr/bin/python3 training/ter/joint_context.py --csv /tmp/ter3/train.csv --turns 2 --out /tmp/ter5/joint.csv

Output columns: text, row (the row's index in --csv), turns (how many previous turns the text holds).
"""
import argparse
import csv
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from train_v2 import previous_turns  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", required=True)
    ap.add_argument("--turns", type=int, default=2)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    with open(a.csv, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    idx, _ = previous_turns(rows, a.turns)
    n = 0
    with open(a.out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "row", "turns"])
        for i, r in enumerate(rows):
            prev = [rows[p]["text"].strip() or "." for p in idx[i] if p >= 0]
            if prev:
                w.writerow([" [SEP] ".join([r["text"].strip() or "."] + prev), i, len(prev)])
                n += 1
    print("%d of %d rows have previous turns -> %s" % (n, len(rows), a.out))


if __name__ == "__main__":
    main()
