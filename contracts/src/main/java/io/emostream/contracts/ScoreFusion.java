package io.emostream.contracts;

import java.util.Objects;

/**
 * The one implementation of score fusion (Makiuchi et al. 2021) and its defaults, used by fusion-service (live
 * results) and reporting-service (a re-scored modality merged into a stored row): {@code p = w1·p_speech +
 * w2·p_text}, renormalised; label = argmax, confidence = its probability. In {@link FusionMode#CONFIDENCE} each
 * weight is first scaled by its modality's certainty {@code 1 − normalisedEntropy}, so an uninformative
 * (near-uniform) score counts less. In {@link FusionMode#GATED} (the default) a learned {@link FusionGate} sets the
 * speech share from both scores. Either input may be missing: the result is then that modality alone.
 * <p>
 * Pure maths, immutable, thread-safe: {@code ScoreFusion.defaults().combine(pSpeech, pText)} is all an offline
 * evaluation needs.
 */
public final class ScoreFusion {

    /** The mode that measured best on paired speech + text data (fusion-service/README.md). */
    public static final String DEFAULT_MODE_NAME = "GATED";

    public static final FusionMode DEFAULT_MODE = FusionMode.valueOf(DEFAULT_MODE_NAME);

    /** w1 and w2 of FIXED and CONFIDENCE: the weights of the source paper's best IEMOCAP result. */
    public static final double DEFAULT_SPEECH_WEIGHT = 0.6;

    public static final double DEFAULT_TEXT_WEIGHT = 1.0;

    /**
     * θ of the GATED mode, fitted by training/fusion/fusion_eval.py on SER 2.3 + TER 3.1 dev scores, constrained to
     * the product's behaviour cases (training/fusion/results_ter31.json {@code gate}; order: 1, c_s, c_t, ln p_s[7],
     * ln p_t[7]). Re-checked against a re-fit with each later SER (results_ser24.json, results_ser25.json: tied or
     * ahead on the dev CV folds), so kept; the measured tables are in fusion-service/README.md.
     */
    public static final String DEFAULT_GATE = "3.88059,0.051515,-0.117808,-0.253646,-0.0712078,-0.512983,-0.586961,"
            + "0.701997,-0.12652,0.295099,0.584995,0.0775363,0.240754,0.144232,0.218557,0.512656,0.0817222";

    private static final FusionGate SHIPPED_GATE = FusionGate.parse(DEFAULT_GATE);

    private final FusionMode mode;
    private final double speechWeight;
    private final double textWeight;
    private final FusionGate gate;

    /** {@code gate} is required for {@link FusionMode#GATED} and unused otherwise. */
    public ScoreFusion(FusionMode mode, double speechWeight, double textWeight, FusionGate gate) {
        this.mode = Objects.requireNonNull(mode, "mode");
        if (!(speechWeight >= 0)
                || !(textWeight >= 0)
                || Double.isInfinite(speechWeight)
                || Double.isInfinite(textWeight)
                || speechWeight + textWeight <= 0) {
            throw new IllegalArgumentException("fusion weights must be finite, >= 0 and not both 0; got speech="
                    + speechWeight + ", text=" + textWeight);
        }
        if (mode == FusionMode.GATED && gate == null) {
            throw new IllegalArgumentException("fusion mode GATED needs the gate weights (emostream.fusion.gate)");
        }
        this.speechWeight = speechWeight;
        this.textWeight = textWeight;
        this.gate = gate;
    }

    /** The shipped fusion: {@link #DEFAULT_MODE} with the default weights and gate. */
    public static ScoreFusion defaults() {
        return defaults(DEFAULT_MODE);
    }

    /** {@code mode} with the default weights (0.6 / 1.0) and the shipped gate. */
    public static ScoreFusion defaults(FusionMode mode) {
        return new ScoreFusion(mode, DEFAULT_SPEECH_WEIGHT, DEFAULT_TEXT_WEIGHT, SHIPPED_GATE);
    }

    public FusionMode mode() {
        return mode;
    }

    public double speechWeight() {
        return speechWeight;
    }

    public double textWeight() {
        return textWeight;
    }

    /** The gate (null when none was given; the GATED mode always has one). */
    public FusionGate gate() {
        return gate;
    }

    /** The fused distribution and the normalised weights that produced it ({@code speechWeight + textWeight = 1}). */
    public record Combined(Distribution probabilities, double speechWeight, double textWeight) {}

    /** Fuses two canonical distributions; either may be null (that modality is then absent), not both. */
    public Combined combine(Distribution speech, Distribution text) {
        if (speech == null && text == null) {
            throw new IllegalArgumentException("nothing to fuse: both modalities are missing");
        }
        if (text == null) {
            return new Combined(speech, 1.0, 0.0);
        }
        if (speech == null) {
            return new Combined(text, 0.0, 1.0);
        }
        double a = speechWeight;
        double b = textWeight;
        if (mode == FusionMode.GATED) {
            a = gate.speechWeight(speech, text);
            b = 1.0 - a;
        } else if (mode == FusionMode.CONFIDENCE) {
            double ca = a * certainty(speech);
            double cb = b * certainty(text);
            // both uniform: certainty says nothing, so keep the fixed weights rather than divide by zero
            if (ca + cb > 0) {
                a = ca;
                b = cb;
            }
        }
        double ws = a / (a + b);
        double wt = b / (a + b);
        double[] ps = speech.toArray();
        double[] pt = text.toArray();
        double[] p = new double[ps.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = ws * ps[i] + wt * pt[i];
        }
        return new Combined(Distribution.of(p), ws, wt);
    }

    /** How informative a distribution is: 1 − Shannon entropy / log(#labels); 1 = one-hot, 0 = uniform. */
    public static double certainty(Distribution p) {
        return Math.max(0.0, Math.min(1.0, 1.0 - p.normalisedEntropy()));
    }
}
