package io.emostream.fusion;

import io.emostream.contracts.Distribution;
import io.emostream.contracts.EmotionScore;
import io.emostream.contracts.FusedEmotion;
import io.emostream.contracts.FusionMode;
import io.emostream.contracts.Modalities;
import org.apache.kafka.streams.kstream.ValueJoiner;

import java.time.Clock;
import java.time.Instant;
import java.util.Objects;

/**
 * Score fusion of one utterance's speech and text scores (Makiuchi et al. 2021): {@code p = w1·p_speech +
 * w2·p_text}, renormalised; label = argmax, confidence = its probability. In {@link FusionMode#CONFIDENCE} each
 * weight is first scaled by its modality's certainty {@code 1 − normalisedEntropy}, so an uninformative
 * (near-uniform) score counts less. In {@link FusionMode#GATED} a learned {@link FusionGate} sets the speech share
 * from both scores. Either input may be missing: the result is then that modality alone.
 * <p>
 * A plain class with no Kafka or Quarkus state: {@code FusionJoiner.of(FusionMode.FIXED, 0.6, 1.0)
 * .combine(pSpeech, pText)} is all an offline evaluation needs.
 */
public final class FusionJoiner implements ValueJoiner<EmotionScore, EmotionScore, FusedEmotion> {

    /** The weights of the source paper's best IEMOCAP result. */
    public static final double PAPER_SPEECH_WEIGHT = 0.6;
    public static final double PAPER_TEXT_WEIGHT = 1.0;

    private final FusionMode mode;
    private final double speechWeight;
    private final double textWeight;
    private final FusionGate gate;
    private final Clock clock;

    public FusionJoiner(FusionMode mode, double speechWeight, double textWeight, Clock clock) {
        this(mode, speechWeight, textWeight, null, clock);
    }

    /** As above; {@code gate} is required for {@link FusionMode#GATED} and unused otherwise. */
    public FusionJoiner(FusionMode mode, double speechWeight, double textWeight, FusionGate gate, Clock clock) {
        this.mode = Objects.requireNonNull(mode, "mode");
        if (!(speechWeight >= 0) || !(textWeight >= 0) || Double.isInfinite(speechWeight)
                || Double.isInfinite(textWeight) || speechWeight + textWeight <= 0) {
            throw new IllegalArgumentException("fusion weights must be finite, >= 0 and not both 0; got speech="
                    + speechWeight + ", text=" + textWeight);
        }
        this.speechWeight = speechWeight;
        this.textWeight = textWeight;
        if (mode == FusionMode.GATED && gate == null) {
            throw new IllegalArgumentException("fusion mode GATED needs the gate weights (emostream.fusion.gate)");
        }
        this.gate = gate;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public static FusionJoiner of(FusionMode mode, double speechWeight, double textWeight) {
        return new FusionJoiner(mode, speechWeight, textWeight, Clock.systemUTC());
    }

    public FusionMode mode() {
        return mode;
    }

    /** The fused distribution and the normalised weights that produced it ({@code speechWeight + textWeight = 1}). */
    public record Combined(Distribution probabilities, double speechWeight, double textWeight) {
    }

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

    /** Fuses with the processing time taken from this joiner's clock; not a correction. */
    @Override
    public FusedEmotion apply(EmotionScore speech, EmotionScore text) {
        return fuse(speech, text, false, clock.instant());
    }

    /**
     * The output record for one utterance. Identity fields (recording, index, offsets) come from the speech score
     * when present, else the text score; the speaker from the text score (the transcript's diarisation) when it
     * has one. {@code eventTime} is the earliest ingest time of the inputs.
     */
    public FusedEmotion fuse(EmotionScore speech, EmotionScore text, boolean correction, Instant fusedAt) {
        Combined c = combine(speech == null ? null : speech.probabilities(), text == null ? null : text.probabilities());
        EmotionScore first = speech != null ? speech : text;
        Modalities modalities = speech == null ? Modalities.TEXT_ONLY : text == null ? Modalities.SPEECH_ONLY
                : Modalities.BOTH;
        String speaker = text != null && text.speaker() != null ? text.speaker() : first.speaker();
        return new FusedEmotion(FusedEmotion.SCHEMA_VERSION, first.utteranceId(), first.recordingId(), first.index(),
                first.startMs(), first.endMs(), speaker, text == null ? null : text.text(), modalities, mode,
                c.speechWeight(), c.textWeight(), speech, text, c.probabilities(), c.probabilities().label(),
                c.probabilities().confidence(), correction, earliest(speech, text), fusedAt);
    }

    private static Instant earliest(EmotionScore speech, EmotionScore text) {
        Instant s = speech == null ? null : speech.ingestedAt();
        Instant t = text == null ? null : text.ingestedAt();
        if (s == null) {
            return t;
        }
        return t == null || s.isBefore(t) ? s : t;
    }
}
