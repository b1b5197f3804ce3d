"""Writes the parity fixtures of the SER model: models/ser-default/reference/{*.wav, reference.json}.

The WAVs are generated here (espeak-ng speech with noise, a synthetic harmonic tone, and a 9 s concatenation that
is scored in several windows), never copied from the corpus. Expected probabilities come from the exported
TorchScript file run by PyTorch, with the same windowing as the Java SpeechEmotionModel.

Speaker path (models with `forward_speaker`, SER 2.1+): `speaker` in reference.json holds a group of WAVs scored as
one speaker: the three WAVs above plus two more espeak clips. Expected probabilities: the speaker reference (mean,
sample std + 1e-3 over the `features` of every window of the group, speaker_model.speaker_reference) and then
`forward_speaker(wav, lengths, mean, std)` on each window (what the Java SpeakerScoring calls), window
probabilities averaged.

  /usr/bin/python3 training/ser/make_reference.py [--model-dir models/ser-default]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torchaudio

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from speaker_model import speaker_reference  # noqa: E402
from train_ser import SR, collate, windows  # noqa: E402


def espeak(text, voice, speed):
    with tempfile.TemporaryDirectory() as d:
        raw = os.path.join(d, "e.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", raw, text], check=True)
        out = os.path.join(d, "o.wav")
        subprocess.run(["sox", raw, "-r", str(SR), "-c", "1", "-b", "16", out], check=True)
        w, sr = torchaudio.load(out)
        return w[0].numpy()


def tone(seconds, f0, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    f = f0 * (1 + 0.15 * np.sin(2 * np.pi * 1.3 * t))
    ph = 2 * np.pi * np.cumsum(f) / SR
    env = 0.5 + 0.5 * np.sin(2 * np.pi * 2.5 * t)
    return (0.25 * env * (np.sin(ph) + 0.4 * np.sin(2 * ph)) + 0.01 * rng.standard_normal(len(t))).astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", default=os.path.join(REPO, "models", "ser-default"))
    ap.add_argument("--regenerate", action="store_true", help="write the WAVs anew (espeak-ng's output varies slightly "
                    "between runs); by default WAVs already beside reference.json are kept and only re-scored")
    args = ap.parse_args()
    global KEEP
    KEEP = not args.regenerate
    ref = os.path.join(args.model_dir, "reference")
    os.makedirs(ref, exist_ok=True)
    rng = np.random.default_rng(1)
    speech = espeak("I told you not to touch my things! Why do you never listen?", "en-us+m3", 190)
    speech = speech + 0.003 * rng.standard_normal(len(speech)).astype(np.float32)
    calm = espeak("Dogs are sitting by the door.", "en-gb+f2", 140)
    clips = {"espeak-angry-ish.wav": speech, "tone.wav": tone(2.2, 170, 2),
             "long-9s.wav": np.concatenate([calm, tone(3.0, 220, 3), speech])[: 9 * SR]}
    model = torch.jit.load(os.path.join(args.model_dir, "ser.pt")).eval()
    inputs = []
    decoded = {}
    for name, w in clips.items():
        path = os.path.join(ref, name)
        save(path, w)
        x, sr = torchaudio.load(path)  # what Java decodes: int16 / 32768
        x = x[0].numpy()
        decoded[name] = x
        segs = windows(x)
        with torch.no_grad():
            xb, lb = collate(segs)
            p = model(xb, lb).numpy().mean(0)
        inputs.append({"file": name, "samples": int(len(x)), "windows": len(segs),
                       "probabilities": [float(v) for v in p]})
        print(name, len(x), len(segs), np.round(p, 4))
    out = {"description": "expected probabilities from PyTorch (torch %s) for the WAVs beside this file"
                          % torch.__version__, "tolerance": 1e-4, "inputs": inputs}
    if hasattr(model, "forward_speaker"):
        out["speaker"] = speaker_fixture(model, ref, decoded)
    with open(os.path.join(ref, "reference.json"), "w") as f:
        json.dump(out, f, indent=1)


KEEP = True


def save(path, w):
    """16-bit PCM WAV of w, unless kept (an existing file stays: the fixtures' inputs do not churn between models)."""
    if KEEP and os.path.exists(path):
        return
    torchaudio.save(path, torch.from_numpy(np.clip(w, -1, 1)[None, :]), SR, encoding="PCM_S", bits_per_sample=16)


def speaker_fixture(model, ref, decoded):
    """One speaker's group: the WAVs above + two espeak clips; their speaker-aware probabilities."""
    rng = np.random.default_rng(5)
    extra = {"speaker-calm.wav": espeak("The weather is nice today, we could walk to the park.", "en-us+m3", 150),
             "speaker-sad.wav": espeak("I really miss the old house, it was so quiet there.", "en-us+m3", 120)}
    for name, w in extra.items():
        w = w + 0.002 * rng.standard_normal(len(w)).astype(np.float32)
        path = os.path.join(ref, name)
        save(path, w)
        decoded[name] = torchaudio.load(path)[0][0].numpy()
    names = list(decoded)
    with torch.no_grad():
        segs = {n: windows(decoded[n]) for n in names}
        stats = torch.cat([model.features(*collate([s])) for n in names for s in segs[n]])
        mean, std = speaker_reference(stats)
        inputs = []
        for n in names:
            p = torch.cat([model.forward_speaker(*collate([s]), mean, std) for s in segs[n]]).numpy().mean(0)
            inputs.append({"file": n, "samples": int(len(decoded[n])), "windows": len(segs[n]),
                           "probabilities": [float(v) for v in p]})
            print("speaker", n, np.round(p, 4))
    return {"description": "the files scored together as one speaker (SpeakerScoring), reference over all their "
                           "windows; expected speaker-aware probabilities", "inputs": inputs}


if __name__ == "__main__":
    main()
