"""Paired speech + text evaluation sets for fusion (manifests in /tmp; audio read from ../shared/data or rendered
into /tmp, nothing is committed).

  /usr/bin/python3 training/fusion/build_sets.py [--data ../shared/data] [--out /tmp/emostream-fusion]

A (acted speech, emotion-neutral text):
  a_ravdess.csv     RAVDESS actors 01-20 (1199 clips, the duplicate 03-01-03-01-02-02-07 dropped) with their
                    sentence as transcript; `fold` = the SER cross-validation fold that held the actor out
                    ((actor-1) mod 5), so each clip is scored by a SER model that never saw its speaker.
  a_speech_only.csv emovo, nemo, turevdb: no English transcript, so the platform fuses nothing (SPEECH_ONLY);
                    scored to show the speech side alone on unseen corpora and languages.
B (emotional text, neutral voice):
  b.csv             MELD dev + test and GoEmotions dev (single Ekman group) sentences rendered with espeak-ng at
                    its default (neutral) rate and pitch, voice chosen by md5 of the id among 6 English voices;
                    labelled by the text's label.
Each manifest has: id, file (absolute), text, emotion_original, set, part (dev|test: the fusion learner is fitted
on dev and reported on test), plus corpus columns. Parts: RAVDESS actors 01-10 dev, 11-20 test; MELD dev -> dev,
MELD test -> test; GoEmotions dev split by md5 of the id into halves.
"""
import argparse
import csv
import hashlib
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
VOICES = ["en-us", "en-us+f3", "en-gb", "en-gb-x-rp+f2", "en-gb-scotland", "en-029+f4"]
COLS = ["id", "file", "text", "emotion_original", "set", "part", "corpus", "speaker", "fold", "statement"]


def md5f(s):
    return int(hashlib.md5(s.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


def read(p):
    with open(p, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=COLS, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in COLS})
    print("wrote %s (%d rows)" % (path, len(rows)))


def render(text, voice, out):
    if os.path.exists(out):
        return
    tmp = out + ".tmp.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", tmp, "--", text], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    subprocess.run(["sox", tmp, "-r", "16000", "-c", "1", "-b", "16", out], check=True)
    os.remove(tmp)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(REPO, "..", "shared", "data"))
    ap.add_argument("--out", default="/tmp/emostream-fusion")
    a = ap.parse_args()
    data = os.path.abspath(a.data)
    os.makedirs(os.path.join(a.out, "b"), exist_ok=True)
    # A: RAVDESS
    rows = []
    root = os.path.join(data, "speech", "ravdess")
    for r in read(os.path.join(root, "manifest.csv")):
        name = os.path.basename(r["file"])
        if name == "03-01-03-01-02-02-07.wav":  # byte-identical to ...-01-07 (as in SER training)
            continue
        actor = int(r["speaker"][-2:])
        rows.append({"id": "ravdess/" + name, "file": os.path.join(root, r["file"]), "text": r["text"],
                     "emotion_original": r["emotion_original"], "set": "A", "part": "dev" if actor <= 10 else "test",
                     "corpus": "ravdess", "speaker": r["speaker"], "fold": (actor - 1) % 5,
                     "statement": name.split("-")[4]})
    write(os.path.join(a.out, "a_ravdess.csv"), rows)
    rows = []
    for corpus in ("emovo", "nemo", "turevdb"):
        root = os.path.join(data, "speech", corpus)
        for r in read(os.path.join(root, "manifest.csv")):
            rows.append({"id": corpus + "/" + r["file"], "file": os.path.join(root, r["file"]), "text": "",
                         "emotion_original": r["emotion_original"], "set": "A-speech-only", "part": "test",
                         "corpus": corpus, "speaker": r["speaker"]})
    write(os.path.join(a.out, "a_speech_only.csv"), rows)
    # B: text rendered with a neutral synthetic voice
    rows = []
    for r in read(os.path.join(data, "text", "meld", "meld.csv")):
        if r["split"] not in ("dev", "test") or not r["text"].strip():
            continue
        rows.append({"id": "meld/%s/%s_%s" % (r["split"], r["dialogue_id"], r["utterance_id"]), "text": r["text"],
                     "emotion_original": r["emotion_original"], "set": "B", "part": r["split"], "corpus": "meld",
                     "speaker": r["speaker"]})
    for r in read(os.path.join(data, "text", "goemotions", "goemotions_train_dev.csv")):
        if r["split"] != "dev" or "|" in r["ekman"] or not r["text"].strip():
            continue
        gid = "goemotions/" + r["id"]
        rows.append({"id": gid, "text": r["text"], "emotion_original": r["ekman"], "set": "B",
                     "part": "dev" if md5f("fusion-v1:" + gid) < 0.5 else "test", "corpus": "goemotions"})
    for i, r in enumerate(rows):
        voice = VOICES[int(md5f("voice:" + r["id"]) * len(VOICES)) % len(VOICES)]
        r["speaker"] = "espeak:" + voice
        r["file"] = os.path.join(a.out, "b", hashlib.md5(r["id"].encode()).hexdigest() + ".wav")
        render(r["text"], voice, r["file"])
        if i % 500 == 0:
            print("rendered %d/%d" % (i, len(rows)), flush=True)
    write(os.path.join(a.out, "b.csv"), rows)


if __name__ == "__main__":
    main()
