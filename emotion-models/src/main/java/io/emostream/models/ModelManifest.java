package io.emostream.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.emostream.contracts.EmotionLabels;
import io.emostream.contracts.Modality;
import io.emostream.contracts.ModelRef;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * A model directory's {@code manifest.json}: identity, labels in model output order, input geometry, where the
 * weights are, and the metrics the model reached (kept as raw JSON). Parsing fails with a message that names the
 * file and the field.
 */
public final class ModelManifest {

    public static final String FILE_NAME = "manifest.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path directory;
    private final JsonNode root;
    private final String name;
    private final String version;
    private final Modality modality;
    private final List<String> labels;
    private final int[] canonicalIndex;

    private ModelManifest(Path directory, JsonNode root) {
        this.directory = directory;
        this.root = root;
        this.name = text(root, "name");
        this.version = text(root, "version");
        String m = text(root, "modality").toUpperCase(Locale.ROOT);
        try {
            this.modality = Modality.valueOf(m);
        } catch (IllegalArgumentException e) {
            throw fail("modality must be 'speech' or 'text', got '" + m.toLowerCase(Locale.ROOT) + "'");
        }
        JsonNode l = root.get("labels");
        if (l == null || !l.isArray() || l.isEmpty()) {
            throw fail("'labels' must be a non-empty array of the model's output labels");
        }
        List<String> ls = new ArrayList<>();
        l.forEach(n -> ls.add(n.asText()));
        this.labels = Collections.unmodifiableList(ls);
        this.canonicalIndex = EmotionLabels.indexMap(ls);
        if (java.util.Arrays.stream(canonicalIndex).allMatch(i -> i < 0)) {
            throw fail("none of the labels " + ls + " maps to a canonical emotion");
        }
        if (modality == Modality.SPEECH) {
            if (sampleRate() <= 0 || windowSamples() <= 0 || hopSamples() <= 0 || minSamples() <= 0) {
                throw fail("input.sampleRate, input.windowSeconds, input.hopSeconds and input.minSeconds must be > 0");
            }
        } else {
            if (maxTokens() < 3) {
                throw fail("input.maxTokens must be >= 3");
            }
            text(encoder(), "onnxResource");
            text(encoder(), "tokenizerResource");
        }
    }

    /** Reads {@code dir/manifest.json}. */
    public static ModelManifest read(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException("no " + FILE_NAME + " in model directory " + dir.toAbsolutePath());
        }
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelLoadException("cannot parse " + file + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelLoadException(file + ": expected a JSON object");
        }
        try {
            return new ModelManifest(dir, root);
        } catch (ModelLoadException e) {
            throw new ModelLoadException(file + ": " + e.getMessage(), e);
        }
    }

    public ModelRef ref() {
        return new ModelRef(name, version);
    }

    public String name() {
        return name;
    }

    public String version() {
        return version;
    }

    public Modality modality() {
        return modality;
    }

    /** The model's labels in output order. */
    public List<String> labels() {
        return labels;
    }

    /** {@link EmotionLabels#indexMap} of {@link #labels()}. */
    public int[] canonicalIndex() {
        return canonicalIndex.clone();
    }

    public Path directory() {
        return directory;
    }

    /** True when {@code artifacts} names a file under {@code key}. */
    public boolean hasArtifact(String key) {
        return root.path("artifacts").hasNonNull(key);
    }

    /** A file named in {@code artifacts}, resolved against the model directory; it must exist. */
    public Path artifact(String key) {
        JsonNode a = root.path("artifacts").get(key);
        if (a == null || !a.isTextual()) {
            throw new ModelLoadException(directory.resolve(FILE_NAME) + ": missing artifacts." + key);
        }
        Path p = directory.resolve(a.asText()).normalize();
        if (!p.startsWith(directory.normalize()) || !Files.isRegularFile(p)) {
            throw new ModelLoadException(directory.resolve(FILE_NAME) + ": artifacts." + key + " = '" + a.asText()
                    + "' is not a file inside " + directory);
        }
        return p;
    }

    public int sampleRate() {
        return root.path("input").path("sampleRate").asInt(0);
    }

    public int windowSamples() {
        return (int) Math.round(root.path("input").path("windowSeconds").asDouble(0) * sampleRate());
    }

    public int hopSamples() {
        return (int) Math.round(root.path("input").path("hopSeconds").asDouble(0) * sampleRate());
    }

    public int minSamples() {
        return (int) Math.round(root.path("input").path("minSeconds").asDouble(0) * sampleRate());
    }

    public int maxTokens() {
        return root.path("input").path("maxTokens").asInt(0);
    }

    /** The text encoder block ({@code engine, maven, onnxResource, onnxSha256, tokenizerResource, ...}). */
    public JsonNode encoder() {
        JsonNode e = root.get("encoder");
        if (e == null || !e.isObject()) {
            throw fail("text models need an 'encoder' object");
        }
        return e;
    }

    /** The metrics block as written by training (protocol + numbers); a missing node when absent. */
    /** Names of the model's dimensional outputs after the class probabilities (e.g. valence), empty if none. */
    public List<String> dimensions() {
        List<String> out = new ArrayList<>();
        root.path("dimensions").forEach(n -> out.add(n.asText()));
        return List.copyOf(out);
    }

    /**
     * Speech models with a speaker-aware path ({@code speaker.minUtterances} > 0, SER 2.1+): the fewest utterances
     * of one speaker that make a speaker reference; 0 when the model has no speaker path.
     */
    public int speakerMinUtterances() {
        return Math.max(0, root.path("speaker").path("minUtterances").asInt(0));
    }

    /** How many previous turns the model reads as context (0: utterance only). */
    public int contextTurns() {
        return root.path("context").path("turns").asInt(0);
    }

    public JsonNode metrics() {
        return root.path("metrics");
    }

    public JsonNode json() {
        return root.deepCopy();
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new ModelLoadException("missing or empty string field '" + field + "'");
        }
        return v.asText();
    }

    private static ModelLoadException fail(String msg) {
        return new ModelLoadException(msg);
    }

    @Override
    public String toString() {
        return ref() + " (" + modality.name().toLowerCase(Locale.ROOT) + ", labels " + labels + ")";
    }
}
