package io.emostream.guard;

import org.eclipse.microprofile.config.Config;

import java.time.Duration;
import java.util.Optional;

/**
 * Settings of the consumer guard, the same in every service ({@code emostream.guard.*}, environment
 * {@code EMOSTREAM_GUARD_*}).
 *
 * @param enabled          whether attempts are recorded at all (off: a JVM-killing record kills every restart)
 * @param maxAttempts      N: a record that was being processed when the service died this many times is
 *                         quarantined (dead-lettered without being processed again)
 * @param carefulAfter     a partition whose consumer died this many times in a row, each time within
 *                         {@code healthyAfter} of starting, is processed carefully (a marker per record)
 * @param healthyAfter     a run that processes for this long before it dies ends a crash streak
 * @param carefulMargin    careful mode covers the records up to this many past the furthest offset the crashed
 *                         runs were known to have reached
 * @param reachedInterval  how often, in normal mode, the offset reached is recorded (asynchronously)
 * @param alwaysCareful    a marker before every record (ingest: each recording is heavy, a marker costs ~1 ms)
 * @param throwOnKey       TEST ONLY fault injection: processing a record whose key contains this throws
 * @param haltOnKey        TEST ONLY fault injection: processing a record whose key contains this halts the JVM
 */
public record GuardSettings(
        boolean enabled,
        int maxAttempts,
        int carefulAfter,
        Duration healthyAfter,
        int carefulMargin,
        Duration reachedInterval,
        boolean alwaysCareful,
        Optional<String> throwOnKey,
        Optional<String> haltOnKey) {

    public static final String PREFIX = "emostream.guard.";

    public GuardSettings {
        if (maxAttempts < 1 || carefulAfter < 1 || carefulMargin < 0) {
            throw new IllegalArgumentException(PREFIX + "max-attempts and careful-after must be >= 1, careful-margin"
                    + " >= 0: " + maxAttempts + ", " + carefulAfter + ", " + carefulMargin);
        }
        throwOnKey = throwOnKey.filter(s -> !s.isBlank());
        haltOnKey = haltOnKey.filter(s -> !s.isBlank());
    }

    /** The defaults: N = 3, careful after 2 quick deaths in a row, healthy after 60 s, margin 1000 records. */
    public static GuardSettings defaults() {
        return new GuardSettings(
                true,
                3,
                2,
                Duration.ofSeconds(60),
                1000,
                Duration.ofSeconds(1),
                false,
                Optional.empty(),
                Optional.empty());
    }

    /** From a service's configuration ({@code emostream.guard.*}), each setting defaulting as {@link #defaults()}. */
    public static GuardSettings from(Config config) {
        GuardSettings d = defaults();
        return new GuardSettings(
                config.getOptionalValue(PREFIX + "enabled", Boolean.class).orElse(d.enabled()),
                config.getOptionalValue(PREFIX + "max-attempts", Integer.class).orElse(d.maxAttempts()),
                config.getOptionalValue(PREFIX + "careful-after", Integer.class).orElse(d.carefulAfter()),
                config.getOptionalValue(PREFIX + "healthy-after", Duration.class)
                        .orElse(d.healthyAfter()),
                config.getOptionalValue(PREFIX + "careful-margin", Integer.class)
                        .orElse(d.carefulMargin()),
                config.getOptionalValue(PREFIX + "reached-interval", Duration.class)
                        .orElse(d.reachedInterval()),
                config.getOptionalValue(PREFIX + "always-careful", Boolean.class)
                        .orElse(d.alwaysCareful()),
                config.getOptionalValue(PREFIX + "fault.throw-on-key", String.class),
                config.getOptionalValue(PREFIX + "fault.halt-on-key", String.class));
    }

    public GuardSettings withAlwaysCareful(boolean on) {
        return new GuardSettings(
                enabled,
                maxAttempts,
                carefulAfter,
                healthyAfter,
                carefulMargin,
                reachedInterval,
                on,
                throwOnKey,
                haltOnKey);
    }

    public GuardSettings withAttempts(int maxAttempts, int carefulAfter) {
        return new GuardSettings(
                enabled,
                maxAttempts,
                carefulAfter,
                healthyAfter,
                carefulMargin,
                reachedInterval,
                alwaysCareful,
                throwOnKey,
                haltOnKey);
    }

    public GuardSettings withFaults(String throwOnKey, String haltOnKey) {
        return new GuardSettings(
                enabled,
                maxAttempts,
                carefulAfter,
                healthyAfter,
                carefulMargin,
                reachedInterval,
                alwaysCareful,
                Optional.ofNullable(throwOnKey),
                Optional.ofNullable(haltOnKey));
    }
}
