"""Writes the parity fixtures of the SER model: models/ser-default/reference/{*.wav, reference.json}.

The WAVs are generated here (espeak-ng speech with noise, a synthetic harmonic tone, and a 9 s concatenation that
is scored in several windows), never copied from the corpus. Expected probabilities come from the exported
TorchScript file run by PyTorch, with the same windowing as the Java SpeechEmotionModel.

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
    args = ap.parse_args()
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
    for name, w in clips.items():
        path = os.path.join(ref, name)
        pcm = torch.from_numpy(np.clip(w, -1, 1)[None, :])
        torchaudio.save(path, pcm, SR, encoding="PCM_S", bits_per_sample=16)
        x, sr = torchaudio.load(path)  # what Java decodes: int16 / 32768
        x = x[0].numpy()
        segs = windows(x)
        with torch.no_grad():
            xb, lb = collate(segs)
            p = model(xb, lb).numpy().mean(0)
        inputs.append({"file": name, "samples": int(len(x)), "windows": len(segs),
                       "probabilities": [float(v) for v in p]})
        print(name, len(x), len(segs), np.round(p, 4))
    with open(os.path.join(ref, "reference.json"), "w") as f:
        json.dump({"description": "expected probabilities from PyTorch (torch %s) for the WAVs beside this file"
                                  % torch.__version__, "tolerance": 1e-4, "inputs": inputs}, f, indent=1)


if __name__ == "__main__":
    main()
