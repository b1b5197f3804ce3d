package io.emostream.contracts;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;

import java.io.IOException;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A probability distribution over the canonical {@link Emotion} labels. Immutable; serialised as a JSON object
 * {@code {"neutral":0.1,"happy":0.7,...}} in canonical order.
 */
@JsonSerialize(using = Distribution.Serializer.class)
@JsonDeserialize(using = Distribution.Deserializer.class)
public final class Distribution {

    private final double[] p;

    private Distribution(double[] p) {
        this.p = p;
    }

    /** Normalises non-negative weights (one per canonical label) to sum to 1. */
    public static Distribution of(double... weights) {
        if (weights.length != Emotion.COUNT) {
            throw new IllegalArgumentException("expected " + Emotion.COUNT + " values, got " + weights.length);
        }
        double sum = 0;
        for (double w : weights) {
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException(
                        "probabilities must be finite and >= 0: " + Arrays.toString(weights));
            }
            sum += w;
        }
        if (sum <= 0) {
            throw new IllegalArgumentException("probabilities sum to zero");
        }
        double[] q = new double[weights.length];
        for (int i = 0; i < q.length; i++) {
            q[i] = weights[i] / sum;
        }
        return new Distribution(q);
    }

    /** All mass on one label. */
    public static Distribution certain(Emotion e) {
        double[] q = new double[Emotion.COUNT];
        q[e.ordinal()] = 1.0;
        return new Distribution(q);
    }

    /**
     * Maps a model's output (probabilities in the order of {@code modelLabels}) onto the canonical labels: labels
     * that map to the same canonical emotion are summed, labels with no canonical counterpart are dropped, and
     * the rest is renormalised.
     */
    public static Distribution fromModelOutput(List<String> modelLabels, float[] probabilities) {
        return fromModelOutput(EmotionLabels.indexMap(modelLabels), probabilities);
    }

    /** As {@link #fromModelOutput(List, float[])} with a precomputed {@link EmotionLabels#indexMap}. */
    public static Distribution fromModelOutput(int[] indexMap, float[] probabilities) {
        if (indexMap.length != probabilities.length) {
            throw new IllegalArgumentException(
                    "model declares " + indexMap.length + " labels but returned " + probabilities.length + " values");
        }
        double[] q = new double[Emotion.COUNT];
        for (int i = 0; i < indexMap.length; i++) {
            if (indexMap[i] >= 0) {
                q[indexMap[i]] += probabilities[i];
            }
        }
        return of(q);
    }

    /** From a map of canonical label name to probability; missing labels count as 0. */
    public static Distribution fromMap(Map<String, ? extends Number> byLabel) {
        double[] q = new double[Emotion.COUNT];
        for (Map.Entry<String, ? extends Number> e : byLabel.entrySet()) {
            q[Emotion.fromLabel(e.getKey()).ordinal()] = e.getValue().doubleValue();
        }
        return of(q);
    }

    public double get(Emotion e) {
        return p[e.ordinal()];
    }

    /** A copy of the probabilities in canonical order. */
    public double[] toArray() {
        return p.clone();
    }

    public Map<Emotion, Double> asMap() {
        Map<Emotion, Double> m = new EnumMap<>(Emotion.class);
        for (Emotion e : Emotion.ALL) {
            m.put(e, p[e.ordinal()]);
        }
        return m;
    }

    /** The most probable label (the first in canonical order on ties). */
    public Emotion label() {
        int best = 0;
        for (int i = 1; i < p.length; i++) {
            if (p[i] > p[best]) {
                best = i;
            }
        }
        return Emotion.ALL.get(best);
    }

    /** The probability of {@link #label()}. */
    public double confidence() {
        return p[label().ordinal()];
    }

    /** Shannon entropy divided by log(7): 0 = certain, 1 = uniform. */
    public double normalisedEntropy() {
        double h = 0;
        for (double v : p) {
            if (v > 0) {
                h -= v * Math.log(v);
            }
        }
        return h / Math.log(p.length);
    }

    /**
     * The 4-class projection: mass on neutral/happy/angry/sad renormalised, other labels zero. When the
     * distribution puts no mass there at all, the result is uniform over the four.
     */
    public Distribution fourClass() {
        double[] q = new double[Emotion.COUNT];
        double sum = 0;
        for (Emotion e : Emotion.FOUR_CLASS) {
            q[e.ordinal()] = p[e.ordinal()];
            sum += p[e.ordinal()];
        }
        if (sum <= 0) {
            for (Emotion e : Emotion.FOUR_CLASS) {
                q[e.ordinal()] = 1;
            }
        }
        return of(q);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Distribution d && Arrays.equals(p, d.p);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(p);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (Emotion e : Emotion.ALL) {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            sb.append(e.label()).append('=').append(String.format(java.util.Locale.ROOT, "%.3f", p[e.ordinal()]));
        }
        return sb.append('}').toString();
    }

    static final class Serializer extends StdSerializer<Distribution> {
        Serializer() {
            super(Distribution.class);
        }

        @Override
        public void serialize(Distribution d, JsonGenerator g, SerializerProvider provider) throws IOException {
            g.writeStartObject();
            for (Emotion e : Emotion.ALL) {
                g.writeNumberField(e.label(), d.p[e.ordinal()]);
            }
            g.writeEndObject();
        }
    }

    static final class Deserializer extends StdDeserializer<Distribution> {
        Deserializer() {
            super(Distribution.class);
        }

        @Override
        public Distribution deserialize(JsonParser parser, DeserializationContext ctx) throws IOException {
            JsonNode node = parser.readValueAsTree();
            if (!node.isObject()) {
                return (Distribution) ctx.handleUnexpectedToken(Distribution.class, parser);
            }
            double[] q = new double[Emotion.COUNT];
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                q[Emotion.fromLabel(e.getKey()).ordinal()] = e.getValue().asDouble();
            }
            try {
                return of(q);
            } catch (IllegalArgumentException e) {
                throw ctx.weirdStringException(node.toString(), Distribution.class, e.getMessage());
            }
        }
    }
}
