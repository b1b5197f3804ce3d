#!/usr/bin/env python3
"""Speaker-aware scoring through the whole platform, measured: each speaker of a corpus becomes one recording (their
clips joined with 0.4 s of silence) with a timed JSON transcript, once with the speaker named in every segment (ingest
groups the utterances by speaker; inference scores them with the SER's speaker path) and once without (each scored
alone). The platform's stored speech probabilities give 4-/7-class UA against the manifest's labels, to compare
with `emotion-models/evaluate --speaker true|false` on the same rows and model.

  /usr/bin/python3 training/ser/platform_speaker.py prepare --manifest ../shared/data/speech/emovo/manifest.csv --out /tmp/platspk
  ./emostream analyze /tmp/platspk/*.wav --serve          # (in the checkout whose models/ser-default is to be measured)
  /usr/bin/python3 training/ser/platform_speaker.py score --out /tmp/platspk [--home .emostream] [--compare-named evaluate-scores.csv]

Segment texts are "." (the text model's side is not measured here). Nothing from the data is written outside --out.
"""
import argparse
import csv
import hashlib
import json
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from common.metrics import CANONICAL, evaluate, summary, to_canonical  # noqa: E402

RATE = 16000
GAP_S = 0.4


def pcm(path):
    """The clip as 16 kHz mono s16le bytes (FFmpeg, as ingest decodes)."""
    return subprocess.run(
        ["ffmpeg", "-v", "error", "-i", path, "-ac", "1", "-ar", str(RATE), "-f", "s16le", "-"],
        check=True, capture_output=True).stdout


def wav(data):
    n = len(data)
    header = b"RIFF" + (36 + n).to_bytes(4, "little") + b"WAVEfmt " + (16).to_bytes(4, "little")
    header += (1).to_bytes(2, "little") + (1).to_bytes(2, "little") + RATE.to_bytes(4, "little")
    header += (RATE * 2).to_bytes(4, "little") + (2).to_bytes(2, "little") + (16).to_bytes(2, "little")
    return header + b"data" + n.to_bytes(4, "little") + data


def prepare(args):
    os.makedirs(args.out, exist_ok=True)
    base = os.path.dirname(os.path.abspath(args.manifest))
    by_speaker = {}
    with open(args.manifest, newline="") as f:
        for row in csv.DictReader(f):
            label = to_canonical(row.get("emotion_original"))
            if label is not None:
                by_speaker.setdefault(row["speaker"], []).append((row["file"], label))
    truth = {}
    for speaker, clips in sorted(by_speaker.items()):
        audio, segments, gap = bytearray(), [], bytes(int(GAP_S * RATE) * 2)
        for file, label in clips:
            audio += gap
            start = len(audio) / 2 / RATE
            audio += pcm(os.path.join(base, file))
            segments.append((start, len(audio) / 2 / RATE, label, file))
        audio += gap
        name = re.sub(r"[^A-Za-z0-9._:-]", "_", speaker)
        for variant, who in (("named", speaker), ("anon", None)):
            transcript = {
                "schemaVersion": 1, "language": "it",
                "segments": [dict({"start": round(s, 7), "end": round(e, 7), "text": "."},
                                  **({"speaker": who} if who else {}))
                             for s, e, _, _ in segments]}
            stem = os.path.join(args.out, "%s-%s" % (name, variant))
            with open(stem + ".wav", "wb") as f:
                f.write(wav(bytes(audio)))
            with open(stem + ".json", "w") as f:
                json.dump(transcript, f)
        truth[name] = [{"file": file, "label": label, "start": s} for s, _, label, file in segments]
        print("%s: %d clips, %.0f s" % (speaker, len(clips), len(audio) / 2 / RATE))
    with open(os.path.join(args.out, "truth.json"), "w") as f:
        json.dump(truth, f)


def recording_id(stem):
    """As the local runtime's analyze command names an upload: file name + sha256(audio + transcript)[:10]."""
    with open(stem + ".wav", "rb") as f:
        audio = f.read()
    with open(stem + ".json", "rb") as f:
        transcript = f.read()
    return "%s-%s" % (os.path.basename(stem), hashlib.sha256(audio + transcript).hexdigest()[:10])


def score(args):
    with open(os.path.join(args.out, "truth.json")) as f:
        truth = json.load(f)
    with open(os.path.join(args.home, "api-key")) as f:
        key = f.read().strip()
    for variant in ("named", "anon"):
        labels, probs, files, models = [], [], [], set()
        for name, rows in sorted(truth.items()):
            rid = recording_id(os.path.join(args.out, "%s-%s" % (name, variant)))
            items, cursor = [], ""
            while cursor is not None:
                req = urllib.request.Request(
                    args.reporting + "/utterances?order=asc&limit=500&recording=" + urllib.parse.quote(rid)
                    + ("&cursor=" + urllib.parse.quote(cursor) if cursor else ""),
                    headers={"X-API-Key": key})
                page = json.load(urllib.request.urlopen(req))
                items += page["items"]
                cursor = page.get("nextCursor")
            items.sort(key=lambda u: u["index"])
            if len(items) != len(rows):
                sys.exit("%s: %d results for %d clips" % (rid, len(items), len(rows)))
            for row, item in zip(rows, items):
                speech = item["speech"]
                probs.append([speech["probabilities"].get(c, 0.0) for c in CANONICAL])
                labels.append(row["label"])
                files.append(row["file"])
                models.add("%s:%s" % (speech.get("model"), speech.get("modelVersion")))
        m = evaluate(labels, probs)
        print("%-6s %s  model %s" % (variant, summary(m), ", ".join(sorted(models))))
        reference = getattr(args, "compare_" + variant)
        if reference:  # per-row scores of emotion-models/evaluate --scores on the same rows and model
            with open(reference, newline="") as f:
                ref = {r["key"]: [float(r[c]) for c in CANONICAL] for r in csv.DictReader(f)}
            diff = np.array([np.abs(np.array(p) - ref[k]).max() for k, p in zip(files, probs)])
            same = np.mean([np.argmax(p) == np.argmax(ref[k]) for k, p in zip(files, probs)])
            print("       vs %s: max |dp| %.2e (median %.2e), same 7-class label %.4f of %d rows" % (
                os.path.basename(reference), diff.max(), np.median(diff), same, len(files)))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--manifest", required=True)
    p.add_argument("--out", required=True)
    s = sub.add_parser("score")
    s.add_argument("--out", required=True)
    s.add_argument("--home", default=".emostream")
    s.add_argument("--reporting", default="http://localhost:8080")
    s.add_argument("--compare-named", help="evaluate --speaker true --scores CSV of the same rows and model")
    s.add_argument("--compare-anon", help="evaluate --speaker false --scores CSV of the same rows and model")
    args = ap.parse_args()
    prepare(args) if args.cmd == "prepare" else score(args)


if __name__ == "__main__":
    main()
