package io.emostream.fusion;

import io.emostream.contracts.Distribution;
import io.emostream.contracts.EmotionScore;
import io.emostream.contracts.FusedEmotion;
import io.emostream.contracts.FusionGate;
import io.emostream.contracts.FusionMode;
import io.emostream.contracts.Modalities;
import io.emostream.contracts.ScoreFusion;
import org.apache.kafka.streams.kstream.ValueJoiner;

import java.time.Clock;
import java.time.Instant;
import java.util.Objects;

/**
 * Builds the fused record of one utterance from its speech and text scores; the maths (modes, weights, gate) is
 * {@link ScoreFusion} in contracts, which reporting-service also uses when it merges a re-scored modality into a
 * stored row. Either input may be missing: the result is then that modality alone.
 * <p>
 * A plain class with no Kafka or Quarkus state: {@code FusionJoiner.of(FusionMode.FIXED, 0.6, 1.0)
 * .combine(pSpeech, pText)} is all an offline evaluation needs.
 */
public final class FusionJoiner implements ValueJoiner<EmotionScore, EmotionScore, FusedEmotion> {

    /** The weights of the source paper's best IEMOCAP result (defined once, in {@link ScoreFusion}). */
    public static final double PAPER_SPEECH_WEIGHT = ScoreFusion.DEFAULT_SPEECH_WEIGHT;

    public static final double PAPER_TEXT_WEIGHT = ScoreFusion.DEFAULT_TEXT_WEIGHT;

    private final ScoreFusion fusion;
    private final Clock clock;

    public FusionJoiner(FusionMode mode, double speechWeight, double textWeight, Clock clock) {
        this(mode, speechWeight, textWeight, null, clock);
    }

    /** As above; {@code gate} is required for {@link FusionMode#GATED} and unused otherwise. */
    public FusionJoiner(FusionMode mode, double speechWeight, double textWeight, FusionGate gate, Clock clock) {
        this(new ScoreFusion(mode, speechWeight, textWeight, gate), clock);
    }

    public FusionJoiner(ScoreFusion fusion, Clock clock) {
        this.fusion = Objects.requireNonNull(fusion, "fusion");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public static FusionJoiner of(FusionMode mode, double speechWeight, double textWeight) {
        return new FusionJoiner(mode, speechWeight, textWeight, Clock.systemUTC());
    }

    public FusionMode mode() {
        return fusion.mode();
    }

    /** Fuses two canonical distributions; either may be null (that modality is then absent), not both. */
    public ScoreFusion.Combined combine(Distribution speech, Distribution text) {
        return fusion.combine(speech, text);
    }

    /** How informative a distribution is ({@link ScoreFusion#certainty}). */
    public static double certainty(Distribution p) {
        return ScoreFusion.certainty(p);
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
        ScoreFusion.Combined c =
                combine(speech == null ? null : speech.probabilities(), text == null ? null : text.probabilities());
        EmotionScore first = speech != null ? speech : text;
        Modalities modalities =
                speech == null ? Modalities.TEXT_ONLY : text == null ? Modalities.SPEECH_ONLY : Modalities.BOTH;
        String speaker = text != null && text.speaker() != null ? text.speaker() : first.speaker();
        return new FusedEmotion(
                FusedEmotion.SCHEMA_VERSION,
                first.utteranceId(),
                first.recordingId(),
                first.index(),
                first.startMs(),
                first.endMs(),
                speaker,
                text == null ? null : text.text(),
                modalities,
                fusion.mode(),
                c.speechWeight(),
                c.textWeight(),
                speech,
                text,
                c.probabilities(),
                c.probabilities().label(),
                c.probabilities().confidence(),
                correction,
                earliest(speech, text),
                fusedAt);
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
