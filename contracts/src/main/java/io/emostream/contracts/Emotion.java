package io.emostream.contracts;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The canonical emotion labels. Every model's own labels are mapped onto these (see {@link EmotionLabels});
 * the 4-class projection (neutral, happy, angry, sad) is what the IEMOCAP literature reports.
 */
public enum Emotion {
    NEUTRAL,
    HAPPY,
    SAD,
    ANGRY,
    FEAR,
    DISGUST,
    SURPRISE;

    /** Canonical order; index {@code i} of a {@link Distribution} is {@code ALL.get(i)}. */
    public static final List<Emotion> ALL = List.of(values());

    /** The 4-class projection's labels. */
    public static final Set<Emotion> FOUR_CLASS = EnumSet.of(NEUTRAL, HAPPY, ANGRY, SAD);

    public static final int COUNT = ALL.size();

    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean inFourClass() {
        return FOUR_CLASS.contains(this);
    }

    /** The label in the 4-class projection, empty for fear, disgust and surprise. */
    public Optional<Emotion> fourClass() {
        return inFourClass() ? Optional.of(this) : Optional.empty();
    }

    /** Parses a canonical label name exactly (case-insensitive); for dataset or model labels use {@link EmotionLabels}. */
    @JsonCreator
    public static Emotion fromLabel(String label) {
        if (label == null) {
            throw new IllegalArgumentException("emotion label is null");
        }
        try {
            return valueOf(label.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "not a canonical emotion label: '" + label + "' (expected one of " + ALL + ")");
        }
    }
}
