"""Writes models/ser-default/manifest.json for SER 2.3 from the Java-path score CSVs (`emotion-models/evaluate
--scores`, fold models that never saw the test rows; training/README.md "2.3" has the commands):

  /usr/bin/python3 training/ser/manifest_23.py --si /tmp/ravcnn/out --sp /tmp/ser23/out --speaker-temperature T \\
      --min-utterances K --spk-kind model_last

--si: rav{0..4}_si.csv, {emovo,nemo,turevdb}_si.csv of the speaker-independent path (2.3's forward is 2.2's, bit for
bit, so 2.2's CSVs are its figures); --sp: the same names with _sp of the 2.3 speaker path.
"""
import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import scores_table  # noqa: E402

CORPORA = ("emovo", "nemo", "turevdb")


def figures(d, suffix):
    def r(name):
        y, p = scores_table.load(os.path.join(d, "%s_%s.csv" % (name, suffix)))
        a, b, e = scores_table.row(y, p)
        return {"4class_ua": round(a, 3), "7class_ua": round(b, 3), "ece": round(e, 3)}

    folds = [r("rav%d" % k) for k in range(5)]
    out = {"p1_ravdess_mean_of_folds": mean(folds), "p1_per_fold": folds}
    out.update({"p2_" + c: r(c) for c in CORPORA})
    out["p2_mean"] = mean([out["p2_" + c] for c in CORPORA])
    return out


def set_recipe_step(m, version, text):
    """The manifest's training.recipe with its step for `version` (" 2.4: ...") set to `text`: the recipe is cut
    where that step began (it and any later step dropped, so a re-run does not repeat it), then the step appended."""
    m["training"]["recipe"] = m["training"]["recipe"].split(" %s:" % version)[0] + " %s: %s" % (version, text)


def short(f):
    """A path's figures as previous_versions keeps them: [4-class, 7-class] UA of P1's mean, P2's mean and each corpus."""
    return {"p1_4c_7c": [f["p1_ravdess_mean_of_folds"]["4class_ua"], f["p1_ravdess_mean_of_folds"]["7class_ua"]],
            "p2_mean_4c_7c": [f["p2_mean"]["4class_ua"], f["p2_mean"]["7class_ua"]],
            **{"p2_" + c: [f["p2_" + c]["4class_ua"], f["p2_" + c]["7class_ua"]] for c in CORPORA}}


def mean(rows):
    return {k: round(float(np.mean([x[k] for x in rows])), 3) for k in rows[0]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--si", required=True)
    ap.add_argument("--sp", required=True)
    ap.add_argument("--speaker-temperature", type=float, required=True)
    ap.add_argument("--min-utterances", type=int, required=True)
    ap.add_argument("--spk-kind", required=True, help="model_avg or model_last: the speaker CNN's weights")
    ap.add_argument("--model-dir", default=os.path.join(REPO, "models", "ser-default"))
    args = ap.parse_args()
    path = os.path.join(args.model_dir, "manifest.json")
    m = json.load(open(path))
    prev = {k: m["metrics"][k] for k in ("speaker_independent", "speaker")}
    old_version = m["version"]
    # it rewrites 2.2.0's manifest into 2.3.0's; on a later one it would drop that version's recipe steps and metrics
    assert old_version in ("2.2.0", "2.3.0"), "manifest_23.py writes 2.3.0 from 2.2.0; this manifest is " + old_version
    m["version"] = "2.3.0"
    weights = "the average of its last 5 epochs" if args.spk_kind == "model_avg" else "its last epoch"
    m["architecture"] = (
        "2.3 = 2.2 with the speaker path's CNN replaced by a speaker-normalised CNN trained on all five corpora. "
        + m["architecture"].split("forward = T(")[0].replace("2.2 = ", "2.2 part: ", 1)
        + "Speaker CNN (training/ser/mc_cnn.py --spk-norm, same CnnNet): its log-mel is normalised per mel band by the "
        "speaker's reference (band mean and std over the speaker's windows: mean of each window's band mean and band "
        "mean square, std = sqrt(max(E[x^2] - mean^2, 0.01))) instead of one scalar per utterance; trained on all five "
        "corpora (each utterance normalised by its own speaker's utterances) minus 10 % validation speakers per corpus, "
        "weights = " + weights + ". forward = T(((A + B) / 2 + CNN) / 2) with T = 0.7 (2.2, unchanged); speaker path "
        "= T_s(((A + C(z)) / 2 + speaker CNN) / 2) with T_s = %.2f (p^(1/T) renormalised; argmax unchanged). The CNNs' "
        "convolutions compute batch-1 inputs of <= 20,480 values as im2col + matmul (training/common/quiet_conv.py "
        "QuietConv2d: libtorch would log an NNPACK warning on each such call; same results to 1e-7). Masked by lengths, "
        "so padding has no effect." % args.speaker_temperature)
    m["interface"] = (
        "TorchScript forward(wav float[B,S], lengths long[B]) -> probabilities float[B,7] (speaker-independent); "
        "features(wav, lengths) -> float[B,524] = 396 statistics + 64 log-mel band means + 64 band mean squares (what "
        "the speaker reference is built from); forward_speaker(wav, lengths, ref_mean float[524], ref_std float[524]) "
        "-> probabilities (speaker path: the statistics use ref_mean/ref_std[0:396], the speaker CNN ref_mean[396:524])")
    m["speaker"]["minUtterances"] = args.min_utterances
    m["speaker"]["reference"] = (
        "mean and sample standard deviation (n-1) + 1e-3 of features() of every 4 s window of every utterance of the "
        "speaker, the scored one included, labels unused (statistics as training/ser/mc_stats.py speaker_norm; the band "
        "moments' mean as mc_cnn.py speaker_refs); computed by the caller (emotion-models SpeakerScoring)")
    m["speaker"]["minUtterancesChoice"] = (
        "training/ser/speaker_choice.py --cnn ravcnn/model_avg --spk-cnn allspk/%s: smallest k (of 1..60, all) whose "
        "2.3 speaker-path 4-class UA with a k-utterance reference is >= the speaker-independent path's on the P1 "
        "training folds' rows (mean of 5 folds)" % args.spk_kind)
    set_recipe_step(m, "2.3", (
        "the speaker CNN: training/ser/mc_cnn.py --tag allspk --crop 2 --epochs 30 --noise 0.3 --avg 5 --spk-norm "
        "--folds all (and the P1 folds and p2_emovo, p2_nemo, p2_turevdb for the protocols); AdamW lr 3e-3 wd 1e-2, "
        "one-cycle, batch 32, 2 s random crops, SpecAugment, feature-domain noise (p 0.3), class-weighted CE + label "
        "smoothing 0.1; last vs averaged weights and the speaker temperature by training/ser/cnn_ensemble.py --spk-tag "
        "allspk, minUtterances by speaker_choice.py; then training/ser/speaker_model.py /tmp/serv2/final_rav/ser.pt "
        "/tmp/serv2/final_a0/ser.pt /tmp/serv2/final_b0/ser.pt --cnn /tmp/sercnn/ravcnn/p2_ravall/model_avg.pt "
        "--spk-cnn /tmp/sercnn/allspk/all/%s.pt --temperature 0.7 --speaker-temperature %.2f --out "
        "models/ser-default/ser.pt" % (args.spk_kind, args.speaker_temperature)))
    m["training"]["settings"]["speaker_cnn"] = {
        "train_corpora": "all five", "epochs": 30, "batch": 32, "lr": 0.003, "wd": 0.01, "crop_seconds": 2.0,
        "noise": 0.3, "normalisation": "per mel band by the speaker's log-mel moments", "weights": args.spk_kind,
        "seed": 20240601, "validation": "10 % of each corpus' training speakers, fixed seed"}
    m["metrics"]["protocol"] = m["metrics"]["protocol"].split(" speaker_independent = ")[0].replace(
        "+ the CNN of fold K", "+ the CNN of fold K (+ the speaker CNN of fold K)").replace(
        "+ the CNN trained on all RAVDESS actors", "+ the CNN trained on all RAVDESS actors (+ the speaker CNN trained "
        "without corpus C)") + (
        " speaker_independent = forward(); speaker = evaluate --speaker true (reference: all of the speaker's rows, "
        "labels unused; every speaker here has >= 60 rows). UA = mean per-class recall; 4-class = neutral/happy/sad/"
        "angry rows, argmax among those four; ECE = expected calibration error of the top probability, 10 bins, 7-class, "
        "after the model's temperatures. training/ser/scores_table.py on the --scores CSVs; commands in "
        "training/README.md (2.2, 2.3).")
    m["metrics"]["speaker_independent"] = figures(args.si, "si")
    m["metrics"]["speaker"] = figures(args.sp, "sp")
    m["calibration"]["speaker_temperature"] = args.speaker_temperature
    m["previous_versions"] = {
        "%s (2.1 statistics + RAVDESS-only CNN in both paths; same Java protocol)" % old_version:
            {k: short(v) for k, v in prev.items()}, **m["previous_versions"]}
    json.dump(m, open(path, "w"), indent=2, ensure_ascii=False)
    open(path, "a").write("\n")
    print(json.dumps({k: m["metrics"][k] for k in ("speaker_independent", "speaker")}, indent=1))


if __name__ == "__main__":
    main()
