package io.emostream.contracts;

import java.util.Arrays;
import java.util.Locale;

/**
 * The learned gate (part of {@link ScoreFusion}) of {@link FusionMode#GATED}: the share of the speech score in
 * {@code p = w·p_speech + (1 − w)·p_text} is {@code w = sigmoid(θ · φ)} with
 * {@code φ = [1, c_speech, c_text, ln p_speech(7), ln p_text(7)]}, c = 1 − normalised entropy, probabilities in
 * canonical order (neutral, happy, sad, angry, fear, disgust, surprise) clipped at {@link #LOG_FLOOR} before the
 * log. θ is fitted on paired speech + text dev data by {@code training/fusion/fusion_eval.py}, which computes exactly
 * this. Because the result is still a convex mix, {@code probabilities = speechWeight·speech + textWeight·text}
 * holds for GATED records as for the other modes. Pure maths, no state.
 */
public final class FusionGate {

    /** 1 + 2 certainties + 7 + 7 log-probabilities. */
    public static final int FEATURES = 3 + 2 * Emotion.ALL.size();

    /** Probabilities below this are clipped before the log (as in training). */
    public static final double LOG_FLOOR = 1e-4;

    private final double[] theta;

    public FusionGate(double[] theta) {
        if (theta == null || theta.length != FEATURES) {
            throw new IllegalArgumentException(
                    "the fusion gate needs " + FEATURES + " weights, got " + (theta == null ? 0 : theta.length));
        }
        for (double t : theta) {
            if (!Double.isFinite(t)) {
                throw new IllegalArgumentException("fusion gate weights must be finite, got " + Arrays.toString(theta));
            }
        }
        this.theta = theta.clone();
    }

    /** The shipped gate, {@link ScoreFusion#DEFAULT_GATE}. */
    public static FusionGate defaults() {
        return parse(ScoreFusion.DEFAULT_GATE);
    }

    /** Parses comma-separated weights (the {@code emostream.fusion.gate} setting). */
    public static FusionGate parse(String csv) {
        String[] parts = csv == null ? new String[0] : csv.trim().split("\\s*,\\s*");
        double[] t = new double[parts.length];
        try {
            for (int i = 0; i < parts.length; i++) {
                t[i] = Double.parseDouble(parts[i]);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("emostream.fusion.gate: not a comma-separated list of numbers: " + csv);
        }
        return new FusionGate(t);
    }

    /** The speech weight w in [0, 1] for these two scores (the text weight is 1 − w). */
    public double speechWeight(Distribution speech, Distribution text) {
        double[] ps = speech.toArray();
        double[] pt = text.toArray();
        double z = theta[0] + theta[1] * ScoreFusion.certainty(speech) + theta[2] * ScoreFusion.certainty(text);
        for (int i = 0; i < ps.length; i++) {
            z += theta[3 + i] * Math.log(Math.max(ps[i], LOG_FLOOR))
                    + theta[3 + ps.length + i] * Math.log(Math.max(pt[i], LOG_FLOOR));
        }
        return 1.0 / (1.0 + Math.exp(-z));
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (double t : theta) {
            b.append(b.length() == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.6g", t));
        }
        return b.toString();
    }
}
