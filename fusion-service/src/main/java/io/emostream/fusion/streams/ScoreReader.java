package io.emostream.fusion.streams;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.emostream.contracts.Distribution;
import io.emostream.contracts.Emotion;
import io.emostream.contracts.EmotionLabels;
import io.emostream.contracts.EmotionScore;
import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.FailureReason;
import io.emostream.contracts.Json;
import io.emostream.contracts.JsonSerde.MalformedEventException;
import io.emostream.contracts.UtteranceId;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * Reads one score record's key and value and decides whether fusion can use it. Scores should already carry the
 * canonical labels; a score whose probabilities use another model's names for them ("anger", "joy", "calm", …) is
 * mapped onto the canonical labels (synonyms summed) instead of being rejected, while a label with no canonical
 * counterpart, malformed JSON, a wrong key or a score on the wrong topic is {@link Invalid} and goes to the
 * dead-letter topic.
 */
public final class ScoreReader {

    /** The outcome of reading one record. */
    public sealed interface Read permits Valid, Invalid {}

    /**
     * A usable score.
     *
     * @param bytes    its JSON with canonical labels: the original bytes, or rewritten when labels were remapped
     * @param remapped whether non-canonical labels were mapped onto canonical ones
     */
    public record Valid(EmotionScore score, byte[] bytes, boolean remapped) implements Read {}

    /** A record fusion cannot use, and why. */
    public record Invalid(FailureReason reason, String detail) implements Read {}

    public Read read(Side side, byte[] key, byte[] value) {
        if (key == null || key.length == 0) {
            return new Invalid(FailureReason.INVALID_KEY, "record has no key; scores are keyed by utterance id");
        }
        String id = new String(key, StandardCharsets.UTF_8);
        try {
            UtteranceId.parse(id);
        } catch (IllegalArgumentException e) {
            return new Invalid(FailureReason.INVALID_KEY, e.getMessage());
        }
        if (value == null || value.length == 0) {
            return new Invalid(FailureReason.MALFORMED_EVENT, "empty value: a score record needs an EmotionScore");
        }
        EmotionScore score;
        try {
            score = EventSerdes.EMOTION_SCORE.deserialize(side.topic(), value);
        } catch (MalformedEventException e) {
            if (e.reason() != FailureReason.MALFORMED_EVENT) {
                return new Invalid(e.reason(), e.getMessage());
            }
            return remapLabels(side, id, value, e);
        }
        return check(side, id, score, value, false);
    }

    private static Read check(Side side, String key, EmotionScore score, byte[] bytes, boolean remapped) {
        if (!key.equals(score.utteranceId())) {
            return new Invalid(
                    FailureReason.INVALID_KEY,
                    "key '" + key + "' is not the score's utterance id '" + score.utteranceId() + "'");
        }
        if (score.modality() != side.modality()) {
            return new Invalid(
                    FailureReason.MALFORMED_EVENT,
                    "a " + score.modality() + " score on " + side.topic() + ", which carries " + side.modality()
                            + " scores");
        }
        return new Valid(score, bytes, remapped);
    }

    /** The slow path, only for values the contract serde rejected: maps label synonyms, else keeps the rejection. */
    private static Read remapLabels(Side side, String key, byte[] value, MalformedEventException original) {
        Invalid rejected = new Invalid(FailureReason.MALFORMED_EVENT, original.getMessage());
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(value);
        } catch (IOException e) {
            return rejected;
        }
        if (!(root instanceof ObjectNode obj) || !(obj.get("probabilities") instanceof ObjectNode probs)) {
            return rejected;
        }
        double[] q = new double[Emotion.COUNT];
        boolean changed = false;
        for (Iterator<Map.Entry<String, JsonNode>> it = probs.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Optional<Emotion> canonical = EmotionLabels.toCanonical(e.getKey());
            if (canonical.isEmpty()) {
                return new Invalid(
                        FailureReason.MALFORMED_EVENT,
                        "label '" + e.getKey() + "' in probabilities has no canonical emotion (canonical: "
                                + Emotion.ALL + ")");
            }
            if (!e.getValue().isNumber()) {
                return rejected;
            }
            changed |= !canonical.get().label().equals(e.getKey());
            q[canonical.get().ordinal()] += e.getValue().doubleValue();
        }
        JsonNode label = obj.get("label");
        if (label != null && label.isTextual()) {
            changed |= EmotionLabels.toCanonical(label.asText())
                    .map(c -> !c.label().equals(label.asText()))
                    .orElse(true);
        }
        if (!changed) {
            return rejected;
        }
        Distribution p;
        try {
            p = Distribution.of(q);
        } catch (IllegalArgumentException e) {
            return new Invalid(FailureReason.MALFORMED_EVENT, "probabilities: " + e.getMessage());
        }
        ObjectNode canonical = obj.putObject("probabilities");
        for (Emotion e : Emotion.ALL) {
            canonical.put(e.label(), p.get(e));
        }
        // the model's own top label may be a synonym too; recompute it from the mapped distribution
        obj.put("label", p.label().label());
        obj.put("confidence", p.confidence());
        try {
            byte[] fixed = Json.MAPPER.writeValueAsBytes(obj);
            return check(side, key, EventSerdes.EMOTION_SCORE.deserialize(side.topic(), fixed), fixed, true);
        } catch (MalformedEventException e) {
            return new Invalid(e.reason(), e.getMessage());
        } catch (IOException e) {
            return rejected;
        }
    }
}
