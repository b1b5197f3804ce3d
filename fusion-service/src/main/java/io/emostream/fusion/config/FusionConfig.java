package io.emostream.fusion.config;

import io.emostream.contracts.FusionMode;
import io.emostream.contracts.ScoreFusion;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** How the fusion service joins and fuses; environment variables are {@code EMOSTREAM_FUSION_<NAME>}. */
@ConfigMapping(prefix = "emostream.fusion")
public interface FusionConfig {

    /** The mode that measured best on paired speech + text data (fusion-service/README.md). */
    String DEFAULT_MODE = ScoreFusion.DEFAULT_MODE_NAME;

    /** θ of the GATED mode (defined once, in contracts' ScoreFusion). */
    String DEFAULT_GATE = ScoreFusion.DEFAULT_GATE;

    /**
     * FIXED: p = w1·p_speech + w2·p_text; CONFIDENCE: each weight first scaled by its modality's certainty;
     * GATED: the speech share learned from both scores ({@link #gate()}).
     */
    @WithDefault(DEFAULT_MODE)
    FusionMode mode();

    /** GATED mode weights θ (17 comma-separated numbers, see FusionGate). */
    @WithDefault(DEFAULT_GATE)
    String gate();

    /** w1, the weight of the speech scores (0.6 in Makiuchi et al. 2021). */
    @WithDefault("" + ScoreFusion.DEFAULT_SPEECH_WEIGHT)
    double speechWeight();

    /** w2, the weight of the text scores (1.0 in Makiuchi et al. 2021). */
    @WithDefault("" + ScoreFusion.DEFAULT_TEXT_WEIGHT)
    double textWeight();

    /** How long, in event time, a score waits for the other modality's score of the same utterance. */
    @WithDefault("30s")
    Duration window();

    /** Extra time after the window for a late partner before the single-modality result is emitted. */
    @WithDefault("5s")
    Duration grace();

    /** After this long without input on a partition, wall-clock time instead of event time expires waiting scores. */
    @WithDefault("2s")
    Duration idleTimeout();

    /** How often (wall-clock) waiting scores are checked for expiry. */
    @WithDefault("1s")
    Duration punctuationInterval();

    /** How long an emitted utterance is remembered, to drop duplicates (same model version) and allow exactly one
     * correction; a score of a new model version always passes. */
    @WithDefault("1h")
    Duration emittedRetention();

    /** Standby replicas of each state store (Kafka Streams num.standby.replicas) for fast fail-over. */
    @WithDefault("0")
    int standbyReplicas();
}
