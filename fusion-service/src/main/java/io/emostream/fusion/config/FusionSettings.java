package io.emostream.fusion.config;

import io.emostream.contracts.FusionGate;
import io.emostream.contracts.FusionMode;
import io.emostream.contracts.ScoreFusion;

import java.time.Duration;

/**
 * The settings the topology needs, as a plain value: built from {@link FusionConfig} in the service, directly in
 * tests and tools. Validates once, so a bad setting fails at startup with a readable message.
 */
public record FusionSettings(
        FusionMode mode,
        double speechWeight,
        double textWeight,
        Duration window,
        Duration grace,
        Duration idleTimeout,
        Duration punctuationInterval,
        Duration emittedRetention,
        FusionGate gate) {

    /** The weights of the shipped GATED mode (training/fusion/fusion_eval.py; the table is in the README). */
    public static final String DEFAULT_GATE = ScoreFusion.DEFAULT_GATE;

    public FusionSettings {
        if (gate == null) {
            gate = FusionGate.defaults();
        }
        requirePositive("window", window);
        requireNotNegative("grace", grace);
        requirePositive("idle-timeout", idleTimeout);
        requirePositive("punctuation-interval", punctuationInterval);
        requirePositive("emitted-retention", emittedRetention);
        if (emittedRetention.compareTo(window.plus(grace)) < 0) {
            throw new IllegalArgumentException("emostream.fusion.emitted-retention (" + emittedRetention
                    + ") must be at least window + grace (" + window.plus(grace) + ")");
        }
    }

    /** Settings with the shipped gate weights. */
    public FusionSettings(
            FusionMode mode,
            double speechWeight,
            double textWeight,
            Duration window,
            Duration grace,
            Duration idleTimeout,
            Duration punctuationInterval,
            Duration emittedRetention) {
        this(mode, speechWeight, textWeight, window, grace, idleTimeout, punctuationInterval, emittedRetention, null);
    }

    public static FusionSettings from(FusionConfig c) {
        return new FusionSettings(
                c.mode(),
                c.speechWeight(),
                c.textWeight(),
                c.window(),
                c.grace(),
                c.idleTimeout(),
                c.punctuationInterval(),
                c.emittedRetention(),
                FusionGate.parse(c.gate()));
    }

    /** The service defaults (ScoreFusion's mode and weights, 30 s window, 5 s grace, 2 s idle, 1 s punctuation, 1 h retention). */
    public static FusionSettings defaults() {
        return new FusionSettings(
                ScoreFusion.DEFAULT_MODE,
                ScoreFusion.DEFAULT_SPEECH_WEIGHT,
                ScoreFusion.DEFAULT_TEXT_WEIGHT,
                Duration.ofSeconds(30),
                Duration.ofSeconds(5),
                Duration.ofSeconds(2),
                Duration.ofSeconds(1),
                Duration.ofHours(1));
    }

    public FusionSettings withMode(FusionMode m) {
        return new FusionSettings(
                m, speechWeight, textWeight, window, grace, idleTimeout, punctuationInterval, emittedRetention, gate);
    }

    /** How long after its own timestamp a score waits for its partner. */
    public long waitMs() {
        return window.plus(grace).toMillis();
    }

    private static void requirePositive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("emostream.fusion." + name + " must be > 0, got " + d);
        }
    }

    private static void requireNotNegative(String name, Duration d) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException("emostream.fusion." + name + " must be >= 0, got " + d);
        }
    }
}
