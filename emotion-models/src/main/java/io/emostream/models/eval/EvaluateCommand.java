package io.emostream.models.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.emostream.contracts.Distribution;
import io.emostream.contracts.Emotion;
import io.emostream.contracts.EmotionLabels;
import io.emostream.contracts.Modality;
import io.emostream.models.EmotionModel;
import io.emostream.models.ModelLoader;
import io.emostream.models.ModelManifest;
import io.emostream.models.ModelOptions;
import io.emostream.models.Prediction;
import io.emostream.models.SpeechEmotionModel;
import io.emostream.models.TextEmotionModel;
import io.emostream.models.TextInput;
import io.emostream.models.audio.AudioFileReader;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Evaluates a model directory on a manifest CSV in the format of shared/data, loading the model through the same
 * {@link ModelLoader} the inference service uses.
 *
 * <pre>
 * evaluate --model models/ser-default --manifest ../shared/data/speech/ravdess/manifest.csv [--json out.json]
 *          [--limit N] [--batch 16] [--filter split=test]... [--device cpu|gpu|auto] [--threads 1]
 *          [--context true]   (text models with dialogue context: previous turns from the CSV's dialogue_id,
 *                              utterance_id and speaker columns, split kept apart when present)
 *          [--speaker true]   (speech models with a speaker path: rows grouped by the CSV's speaker column, each
 *                              group scored with SpeechEmotionModel.predictSpeaker, i.e. relative to the
 *                              statistics of that speaker's selected rows, labels unused; rows without a speaker
 *                              and speakers with fewer rows than the manifest's speaker.minUtterances get the
 *                              speaker-independent score)
 * </pre>
 * Speech CSVs need {@code file} (relative to the CSV) and {@code emotion_original}; text CSVs {@code text} and
 * {@code emotion_original}. Rows whose label has no canonical emotion are skipped and counted; rows the model
 * cannot score (unreadable audio, empty text) are counted as failures.
 */
public final class EvaluateCommand {

    record Args(
            Path model,
            Path manifest,
            Path json,
            Path scores,
            int limit,
            int batch,
            Map<String, String> filters,
            String device,
            int threads,
            boolean context,
            boolean speaker) {}

    private EvaluateCommand() {}

    public static void main(String[] argv) {
        int code;
        try {
            code = run(parse(argv), System.out);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(
                    "usage: evaluate --model DIR --manifest CSV [--json OUT] [--scores OUT.csv] [--limit N] [--batch 16] "
                            + "[--filter col=value]... [--device cpu|gpu|auto] [--threads 1] [--context true] [--speaker true]");
            code = 2;
        } catch (Exception e) {
            System.err.println("error: " + e);
            code = 1;
        }
        System.exit(code);
    }

    static Args parse(String[] a) {
        Path model = null;
        Path manifest = null;
        Path json = null;
        Path scores = null;
        int limit = Integer.MAX_VALUE;
        int batch = 16;
        String device = "auto";
        int threads = 1;
        boolean context = false;
        boolean speaker = false;
        Map<String, String> filters = new LinkedHashMap<>();
        for (int i = 0; i < a.length; i++) {
            String k = a[i];
            if (i + 1 >= a.length) {
                throw new IllegalArgumentException("missing value for " + k);
            }
            String v = a[++i];
            switch (k) {
                case "--model" -> model = Path.of(v);
                case "--manifest" -> manifest = Path.of(v);
                case "--json" -> json = Path.of(v);
                case "--scores" -> scores = Path.of(v);
                case "--limit" -> limit = Integer.parseInt(v);
                case "--batch" -> batch = Integer.parseInt(v);
                case "--device" -> device = v;
                case "--context" -> {
                    context = Boolean.parseBoolean(v);
                }
                case "--speaker" -> speaker = Boolean.parseBoolean(v);
                case "--threads" -> threads = Integer.parseInt(v);
                case "--filter" -> {
                    int eq = v.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--filter expects column=value, got " + v);
                    }
                    filters.put(v.substring(0, eq), v.substring(eq + 1));
                }
                default -> throw new IllegalArgumentException("unknown option " + k);
            }
        }
        if (model == null || manifest == null) {
            throw new IllegalArgumentException("--model and --manifest are required");
        }
        if (batch < 1 || limit < 0) {
            throw new IllegalArgumentException("--batch must be >= 1 and --limit >= 0");
        }
        return new Args(model, manifest, json, scores, limit, batch, filters, device, threads, context, speaker);
    }

    static int run(Args args, PrintStream out) throws IOException {
        List<Map<String, String>> rows = Csv.read(args.manifest());
        List<Map<String, String>> selected = new ArrayList<>();
        for (Map<String, String> r : rows) {
            boolean ok = args.filters().entrySet().stream()
                    .allMatch(f -> f.getValue().equals(r.getOrDefault(f.getKey(), null)));
            if (ok && selected.size() < args.limit()) {
                selected.add(r);
            }
        }
        long t0 = System.nanoTime();
        Evaluation ev = new Evaluation();
        try (EmotionModel<?> model =
                ModelLoader.load(args.model(), new ModelOptions(args.device(), args.threads(), 1, 1))) {
            Modality modality = model.manifest().modality();
            String column = modality == Modality.SPEECH ? "file" : "text";
            for (Map<String, String> r : selected) {
                if (!r.containsKey(column) || !r.containsKey("emotion_original")) {
                    throw new IllegalArgumentException(
                            args.manifest() + " lacks a '" + column + "' or 'emotion_original' column (a "
                                    + modality.name().toLowerCase(Locale.ROOT) + " model)");
                }
                break;
            }
            Map<Map<String, String>, TextInput> withContext = args.context() && modality == Modality.TEXT
                    ? dialogueContext(selected, ((TextEmotionModel) model).contextTurns())
                    : Map.of();
            List<Emotion> truths = new ArrayList<>();
            List<Object> inputs = new ArrayList<>();
            List<String> keys = new ArrayList<>();
            ScoreWriter sw = args.scores() == null ? null : new ScoreWriter(args.scores());
            if (args.speaker()) {
                if (!(model instanceof SpeechEmotionModel speech)) {
                    throw new IllegalArgumentException("--speaker needs a speech model");
                }
                if (speech.speakerMinUtterances() <= 0) {
                    throw new IllegalArgumentException(
                            model.manifest().ref() + " has no speaker path (no speaker.minUtterances in its manifest)");
                }
                scoreBySpeaker(speech, args.manifest(), selected, ev, sw, out);
                selected = List.of(); // scored
            }
            int rowNo = -1;
            for (Map<String, String> r : selected) {
                rowNo++;
                Optional<Emotion> truth = EmotionLabels.toCanonical(r.get("emotion_original"));
                if (truth.isEmpty()) {
                    ev.skipUnmappable(r.get("emotion_original"));
                    continue;
                }
                Object input;
                if (modality == Modality.SPEECH) {
                    Path f = args.manifest().toAbsolutePath().getParent().resolve(r.get("file"));
                    try {
                        input = AudioFileReader.read(f, model.manifest().sampleRate());
                    } catch (IOException e) {
                        ev.failed("unreadable audio");
                        continue;
                    }
                } else {
                    input = args.context() ? withContext.get(r) : r.get("text");
                }
                truths.add(truth.get());
                inputs.add(input);
                keys.add(r.getOrDefault("id", modality == Modality.SPEECH ? r.get("file") : Integer.toString(rowNo)));
                if (inputs.size() == args.batch()) {
                    score(model, inputs, truths, keys, ev, sw);
                }
            }
            score(model, inputs, truths, keys, ev, sw);
            if (sw != null) {
                sw.close();
                out.println("wrote " + args.scores());
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            out.printf(
                    Locale.ROOT,
                    "model %s on %s%s%s: %d rows evaluated, %d skipped (unmappable label), %d failed, %.1f s%n",
                    model.manifest().ref(),
                    args.manifest(),
                    args.filters().isEmpty() ? "" : " " + args.filters(),
                    args.speaker() ? " (speaker-aware)" : "",
                    ev.sevenClass().count(),
                    ev.skippedUnmappable(),
                    ev.failedRows(),
                    seconds);
            out.println();
            out.print(ev.sevenClass().format("7-class"));
            out.println();
            out.print(ev.fourClass().format("4-class"));
            if (args.json() != null) {
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("model", model.manifest().ref().toString());
                j.put("manifest", args.manifest().toString());
                j.put("filters", args.filters());
                j.put("speaker", args.speaker());
                j.put("limit", args.limit() == Integer.MAX_VALUE ? null : args.limit());
                j.putAll(ev.toMap());
                j.put("seconds", seconds);
                Path parent = args.json().toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                new ObjectMapper()
                        .enable(SerializationFeature.INDENT_OUTPUT)
                        .writeValue(args.json().toFile(), j);
                out.println();
                out.println("wrote " + args.json());
            }
        }
        return 0;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void score(
            EmotionModel<?> model,
            List<Object> inputs,
            List<Emotion> truths,
            List<String> keys,
            Evaluation ev,
            ScoreWriter sw)
            throws IOException {
        if (inputs.isEmpty()) {
            return;
        }
        EmotionModel raw = model;
        List<Prediction> preds;
        if (inputs.get(0) instanceof TextInput) {
            TextEmotionModel t = (TextEmotionModel) model;
            raw = new EmotionModel<TextInput>() {
                @Override
                public ModelManifest manifest() {
                    return t.manifest();
                }

                @Override
                public List<Prediction> predict(List<TextInput> in) {
                    return t.predictWithContext(in);
                }

                @Override
                public void warmUp() {}

                @Override
                public void close() {}
            };
        }
        try {
            preds = raw.predict(inputs);
        } catch (IllegalArgumentException e) {
            // one bad input rejects the batch: score one by one to find it
            preds = new ArrayList<>();
            for (Object in : inputs) {
                try {
                    preds.add((Prediction) raw.predict(List.of(in)).get(0));
                } catch (IllegalArgumentException e1) {
                    preds.add(null);
                }
            }
        }
        for (int i = 0; i < preds.size(); i++) {
            if (preds.get(i) == null) {
                ev.failed("rejected by the model");
            } else {
                ev.add(truths.get(i), preds.get(i).canonical());
                if (sw != null) {
                    sw.write(keys.get(i), truths.get(i), preds.get(i).canonical());
                }
            }
        }
        inputs.clear();
        truths.clear();
        keys.clear();
    }

    /**
     * --speaker: rows grouped by their {@code speaker} column (in first-seen order); each group's readable audio is
     * scored together by {@link SpeechEmotionModel#predictSpeaker} (every row of the group is speaker reference,
     * labelled or not; only rows with a canonical label are counted). Rows without a speaker are scored alone.
     */
    static void scoreBySpeaker(
            SpeechEmotionModel model,
            Path manifest,
            List<Map<String, String>> rows,
            Evaluation ev,
            ScoreWriter sw,
            PrintStream out)
            throws IOException {
        Map<String, List<Map<String, String>>> groups = new LinkedHashMap<>();
        List<List<Map<String, String>>> alone = new ArrayList<>();
        for (Map<String, String> r : rows) {
            String s = r.getOrDefault("speaker", "");
            if (s == null || s.isBlank()) {
                alone.add(List.of(r));
            } else {
                groups.computeIfAbsent(s, k -> new ArrayList<>()).add(r);
            }
        }
        List<List<Map<String, String>>> all = new ArrayList<>(groups.values());
        all.addAll(alone);
        int aware = 0;
        int independent = 0;
        for (List<Map<String, String>> g : all) {
            List<float[]> audio = new ArrayList<>();
            List<Map<String, String>> kept = new ArrayList<>();
            for (Map<String, String> r : g) {
                Path f = manifest.toAbsolutePath().getParent().resolve(r.get("file"));
                try {
                    float[] a = AudioFileReader.read(f, model.manifest().sampleRate());
                    if (a.length < model.manifest().minSamples()) {
                        ev.failed("rejected by the model");
                        continue;
                    }
                    audio.add(a);
                    kept.add(r);
                } catch (IOException e) {
                    ev.failed("unreadable audio");
                }
            }
            if (audio.isEmpty()) {
                continue;
            }
            List<Prediction> preds = model.predictSpeaker(audio);
            if (audio.size() >= model.speakerMinUtterances()) {
                aware += audio.size();
            } else {
                independent += audio.size();
            }
            for (int i = 0; i < kept.size(); i++) {
                Map<String, String> r = kept.get(i);
                Optional<Emotion> truth = EmotionLabels.toCanonical(r.get("emotion_original"));
                if (truth.isEmpty()) {
                    ev.skipUnmappable(r.get("emotion_original"));
                    continue;
                }
                ev.add(truth.get(), preds.get(i).canonical());
                if (sw != null) {
                    sw.write(
                            r.getOrDefault("id", r.get("file")),
                            truth.get(),
                            preds.get(i).canonical());
                }
            }
        }
        out.printf(
                Locale.ROOT,
                "speaker-aware: %d speakers, %d rows scored relative to their speaker, %d speaker-independent "
                        + "(no speaker or fewer than %d rows)%n",
                groups.size(),
                aware,
                independent,
                model.speakerMinUtterances());
    }

    /**
     * Each row's previous turns in its dialogue (rows grouped by split + dialogue_id, ordered by utterance_id):
     * at most {@code turns} of them, as the platform passes the previous segments of a recording.
     */
    static Map<Map<String, String>, TextInput> dialogueContext(List<Map<String, String>> rows, int turns) {
        Map<String, List<Map<String, String>>> dialogues = new LinkedHashMap<>();
        for (Map<String, String> r : rows) {
            if (!r.containsKey("dialogue_id") || !r.containsKey("utterance_id")) {
                throw new IllegalArgumentException("--context needs dialogue_id and utterance_id columns");
            }
            dialogues
                    .computeIfAbsent(r.getOrDefault("split", "") + "|" + r.get("dialogue_id"), k -> new ArrayList<>())
                    .add(r);
        }
        java.util.IdentityHashMap<Map<String, String>, TextInput> out = new java.util.IdentityHashMap<>();
        for (List<Map<String, String>> d : dialogues.values()) {
            d.sort(java.util.Comparator.comparingInt(r -> Integer.parseInt(r.get("utterance_id"))));
            for (int i = 0; i < d.size(); i++) {
                List<TextInput.Turn> prev = new ArrayList<>();
                for (int j = Math.max(0, i - Math.max(turns, 0)); j < i; j++) {
                    prev.add(
                            new TextInput.Turn(d.get(j).get("speaker"), d.get(j).get("text")));
                }
                out.put(d.get(i), new TextInput(d.get(i).get("text"), d.get(i).get("speaker"), prev));
            }
        }
        return out;
    }

    /** Per-row canonical probabilities (--scores): key (the row's id, file or row number), truth, 7 probabilities. */
    static final class ScoreWriter implements AutoCloseable {
        private final java.io.BufferedWriter w;

        ScoreWriter(Path file) throws IOException {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            w = Files.newBufferedWriter(file);
            StringBuilder h = new StringBuilder("key,truth");
            for (Emotion e : Emotion.values()) {
                h.append(',').append(e.label());
            }
            w.write(h.append('\n').toString());
        }

        void write(String key, Emotion truth, Distribution d) throws IOException {
            StringBuilder b = new StringBuilder(quote(key)).append(',').append(truth.label());
            for (double p : d.toArray()) {
                b.append(',').append(String.format(Locale.ROOT, "%.7g", p));
            }
            w.write(b.append('\n').toString());
        }

        static String quote(String s) {
            return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
        }

        @Override
        public void close() throws IOException {
            w.close();
        }
    }
}
