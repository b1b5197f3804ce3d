package io.emostream.contracts;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Maps the labels that datasets and models use onto the canonical {@link Emotion} set: RAVDESS (calm → neutral),
 * MELD, EmoryNLP, GoEmotions-Ekman and IEMOCAP names all land here. Labels without a sensible canonical
 * counterpart (e.g. EmoryNLP's "powerful") map to nothing.
 */
public final class EmotionLabels {

    private static final Map<String, Emotion> SYNONYMS = Map.ofEntries(
            Map.entry("neutral", Emotion.NEUTRAL),
            Map.entry("neu", Emotion.NEUTRAL),
            Map.entry("calm", Emotion.NEUTRAL),
            Map.entry("happy", Emotion.HAPPY),
            Map.entry("hap", Emotion.HAPPY),
            Map.entry("happiness", Emotion.HAPPY),
            Map.entry("joy", Emotion.HAPPY),
            Map.entry("joyful", Emotion.HAPPY),
            Map.entry("excited", Emotion.HAPPY),
            Map.entry("exc", Emotion.HAPPY),
            Map.entry("sad", Emotion.SAD),
            Map.entry("sadness", Emotion.SAD),
            Map.entry("angry", Emotion.ANGRY),
            Map.entry("ang", Emotion.ANGRY),
            Map.entry("anger", Emotion.ANGRY),
            Map.entry("mad", Emotion.ANGRY),
            Map.entry("fear", Emotion.FEAR),
            Map.entry("fearful", Emotion.FEAR),
            Map.entry("scared", Emotion.FEAR),
            Map.entry("disgust", Emotion.DISGUST),
            Map.entry("disgusted", Emotion.DISGUST),
            Map.entry("surprise", Emotion.SURPRISE),
            Map.entry("surprised", Emotion.SURPRISE));

    private EmotionLabels() {}

    /** The canonical emotion for a dataset or model label, or empty when it has none. */
    public static Optional<Emotion> toCanonical(String label) {
        if (label == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(SYNONYMS.get(label.trim().toLowerCase(Locale.ROOT)));
    }

    /**
     * For each of a model's labels (in its output order), the canonical index it contributes to, or -1 when the
     * label has no canonical counterpart.
     */
    public static int[] indexMap(List<String> modelLabels) {
        int[] map = new int[modelLabels.size()];
        for (int i = 0; i < map.length; i++) {
            map[i] = toCanonical(modelLabels.get(i)).map(Enum::ordinal).orElse(-1);
        }
        return map;
    }
}
