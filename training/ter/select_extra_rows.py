"""Selects the GoEmotions rows used as optional extra TER training data, reading ../shared/data at run time and
writing the selection to a scratch CSV (dump_features.sh puts it in /tmp; nothing here is committed): single-label
Ekman rows; all of anger, sadness, fear, disgust, surprise and a 15 % sample of joy and neutral (MELD has plenty of
those). Seeded, so the selection is reproducible.

  /usr/bin/python3 training/ter/select_extra_rows.py <data dir> <scratch out.csv>
"""
import csv
import random
import sys

rows = list(csv.DictReader(open(sys.argv[1] + "/text/goemotions/goemotions_train_dev.csv", newline="", encoding="utf-8")))
random.seed(7)
keep = []
for r in rows:
    e = r["ekman"]
    if "|" in e:
        continue
    if e in ("anger", "sadness", "fear", "disgust", "surprise"):
        keep.append(r)
    elif e in ("joy", "neutral") and random.random() < 0.15:
        keep.append(r)
with open(sys.argv[2], "w", newline="", encoding="utf-8") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
    w.writeheader()
    w.writerows(keep)
print(len(keep), "rows ->", sys.argv[2])
