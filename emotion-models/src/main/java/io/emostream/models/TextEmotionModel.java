package io.emostream.models;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import io.emostream.contracts.Distribution;
import io.emostream.contracts.Modality;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Text emotion model: {@link TextEncoder} (tokenizer + pretrained encoder from the Maven jar) followed by a trained
 * TorchScript head that ignores padded tokens. Texts longer than the manifest's {@code maxTokens} are truncated.
 *
 * <p>Two head interfaces, chosen by the manifest:
 * <ul>
 *   <li>{@code forward(features[B,T,H], lengths[B]) -> probs[B,C]} (no {@code context} block);</li>
 *   <li>with {@code "context": {"turns": K}}: {@code forward(features, lengths, ctx[B,K,H], ctxInfo[B,K,2]) ->
 *       out[B,C+D]}: ctx[b,k] is the mean of the token states of the k-th previous turn (k = 0 the turn just
 *       before), ctxInfo[b,k] = (present, same speaker); the D values after the C probabilities are the manifest's
 *       {@code dimensions} (e.g. valence/arousal/dominance).</li>
 * </ul>
 * The context turns are encoded like the utterance itself, so the same transcript always gives the same scores.
 * {@code features} are the encoder's last hidden states; with an {@code artifacts.encoderPatch} (fine-tuned top
 * layers, swapped into the jar's graph) those of the patched encoder; with {@code encoder.headInput} the named inner tensor.
 * Context means always come from the jar's encoder as it is.
 */
public final class TextEmotionModel implements EmotionModel<String> {

    static final int MAX_BATCH = 64;

    private final ModelManifest manifest;
    private final TextEncoder encoder;
    private final ZooModel<HeadInput, float[][]> head;
    private final PredictorPool<HeadInput, float[][]> pool;
    private final int[] canonicalIndex;
    private final int turns;
    private final int dims;
    private final List<String> dimNames;
    /**
     * Mean token states of recent context turns by text: a conversation's turn is context for the next few
     * utterances, so it is encoded once. Only for a per-item (quantised) encoder, whose output for a text does not
     * depend on anything else, so a cached vector is bit-identical to a fresh one.
     */
    private final Map<String, float[]> contextCache =
            java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(256, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, float[]> e) {
                    return size() > 4096;
                }
            });

    private TextEmotionModel(
            ModelManifest manifest, TextEncoder encoder, ZooModel<HeadInput, float[][]> head, int predictors) {
        this.manifest = manifest;
        this.encoder = encoder;
        this.head = head;
        this.canonicalIndex = manifest.canonicalIndex();
        this.turns = manifest.contextTurns();
        this.dimNames = manifest.dimensions();
        this.dims = dimNames.size();
        this.pool = new PredictorPool<>(head::newPredictor, predictors);
    }

    public static TextEmotionModel load(Path modelDir, ModelOptions options) {
        return load(modelDir, options, null);
    }

    /** As {@link #load(Path, ModelOptions)}, optionally with a TorchScript encoder instead of the ONNX one (benchmarks). */
    public static TextEmotionModel load(Path modelDir, ModelOptions options, Path torchScriptEncoder) {
        ModelManifest m = ModelManifest.read(modelDir);
        if (m.modality() != Modality.TEXT) {
            throw new ModelLoadException(modelDir + " is a " + m.modality() + " model, not a text model");
        }
        Path file = m.artifact("head");
        Engines.configure(options);
        if (m.contextTurns() == 0 && !m.dimensions().isEmpty()) {
            throw new ModelLoadException(
                    modelDir + ": 'dimensions' need the context head interface (context.turns >= 1)");
        }
        Criteria<HeadInput, float[][]> criteria = Criteria.builder()
                .setTypes(HeadInput.class, float[][].class)
                .optModelPath(file)
                .optEngine(Engines.PYTORCH)
                .optDevice(Engines.device(Engines.PYTORCH, options))
                .optOption("mapLocation", "true")
                .optTranslator(
                        new HeadTranslator(m.labels().size() + m.dimensions().size()))
                .build();
        TextEncoder enc = TextEncoder.load(m, options, torchScriptEncoder);
        try {
            return new TextEmotionModel(m, enc, criteria.loadModel(), options.predictors());
        } catch (IOException | ModelNotFoundException | MalformedModelException | RuntimeException e) {
            enc.close();
            throw new ModelLoadException("cannot load " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public ModelManifest manifest() {
        return manifest;
    }

    public TextEncoder encoder() {
        return encoder;
    }

    @Override
    public List<Prediction> predict(List<String> inputs) {
        return predictWithContext(inputs.stream().map(TextInput::of).toList());
    }

    /** This model as an {@code EmotionModel<TextInput>} (utterance + previous turns), e.g. for a batch scorer. */
    public EmotionModel<TextInput> contextual() {
        TextEmotionModel self = this;
        return new EmotionModel<>() {
            @Override
            public ModelManifest manifest() {
                return self.manifest();
            }

            @Override
            public List<Prediction> predict(List<TextInput> inputs) {
                return self.predictWithContext(inputs);
            }

            @Override
            public void warmUp() {
                self.warmUp();
            }

            @Override
            public void close() {
                self.close();
            }
        };
    }

    /** How many previous turns this model reads (0: it scores each utterance alone and ignores any context). */
    public int contextTurns() {
        return turns;
    }

    /**
     * Scores utterances with their previous turns (see {@link TextInput}); a model without context ignores them.
     *
     * @throws IllegalArgumentException for an empty utterance text
     */
    public List<Prediction> predictWithContext(List<TextInput> inputs) {
        List<String> texts = new ArrayList<>(inputs.size());
        for (TextInput in : inputs) {
            texts.add(in.text());
        }
        long[][] ids = encoder.tokenize(texts);
        int c = manifest.labels().size();
        int h = encoder.hiddenSize();
        List<Prediction> out = new ArrayList<>(inputs.size());
        for (int from = 0; from < ids.length; from += MAX_BATCH) {
            int to = Math.min(ids.length, from + MAX_BATCH);
            TokenFeatures f = encoder.encodeHeadInput(Arrays.copyOfRange(ids, from, to));
            float[] ctx = null;
            float[] info = null;
            if (turns > 0) {
                ctx = new float[(to - from) * turns * h];
                info = new float[(to - from) * turns * 2];
                fillContext(inputs.subList(from, to), ctx, info, h);
            }
            float[][] rows = pool.predict(new HeadInput(f, ctx, info, turns));
            for (float[] r : rows) {
                if (r.length != c + dims) {
                    throw new IllegalStateException("head returned " + r.length + " values, manifest declares " + c
                            + " labels + " + dims + " dimensions");
                }
                float[] p = Arrays.copyOf(r, c);
                Map<String, Double> d = null;
                if (dims > 0) {
                    d = new java.util.LinkedHashMap<>();
                    for (int i = 0; i < dims; i++) {
                        d.put(dimNames.get(i), (double) r[c + i]);
                    }
                    d = java.util.Collections.unmodifiableMap(d);
                }
                out.add(new Prediction(p, Distribution.fromModelOutput(canonicalIndex, p), 1, d));
            }
        }
        return out;
    }

    /** Mean token state of each of the (at most {@code turns}) most recent non-blank previous turns. */
    private void fillContext(List<TextInput> inputs, float[] ctx, float[] info, int h) {
        for (int b = 0; b < inputs.size(); b++) {
            TextInput in = inputs.get(b);
            List<TextInput.Turn> prev = new ArrayList<>();
            for (int i = in.context().size() - 1; i >= 0 && prev.size() < turns; i--) {
                TextInput.Turn t = in.context().get(i);
                if (t != null && t.text() != null && !t.text().isBlank()) {
                    prev.add(t);
                }
            }
            if (prev.isEmpty()) {
                continue;
            }
            for (int k = 0; k < prev.size(); k++) {
                float[] mean = contextVector(prev.get(k).text(), h);
                System.arraycopy(mean, 0, ctx, (b * turns + k) * h, h);
                info[(b * turns + k) * 2] = 1f;
                String s = prev.get(k).speaker();
                info[(b * turns + k) * 2 + 1] = s != null && s.equals(in.speaker()) ? 1f : 0f;
            }
        }
    }

    private float[] contextVector(String text, int h) {
        float[] cached = encoder.perItem() ? contextCache.get(text) : null;
        if (cached != null) {
            return cached;
        }
        long[][] ids = encoder.tokenize(List.of(text));
        float[][] tok = encoder.encode(ids).item(0);
        double[] sum = new double[h];
        for (float[] v : tok) {
            for (int j = 0; j < h; j++) {
                sum[j] += v[j];
            }
        }
        float[] mean = new float[h];
        for (int j = 0; j < h; j++) {
            mean[j] = (float) (sum[j] / tok.length);
        }
        if (encoder.perItem()) {
            contextCache.put(text, mean);
        }
        return mean;
    }

    @Override
    public void warmUp() {
        predictWithContext(List.of(
                TextInput.of("I can't believe you did that!"),
                new TextInput("ok", "A", List.of(new TextInput.Turn("B", "Are you coming?")))));
    }

    @Override
    public void close() {
        pool.close();
        head.close();
        encoder.close();
    }

    /** The head's input: token features (+ context means and (present, same speaker) flags for a context head). */
    record HeadInput(TokenFeatures features, float[] ctx, float[] ctxInfo, int turns) {}

    /** Head input in, [B, C(+D)] values out. */
    static final class HeadTranslator implements Translator<HeadInput, float[][]> {
        private final int outputs;

        HeadTranslator(int outputs) {
            this.outputs = outputs;
        }

        @Override
        public NDList processInput(TranslatorContext ctx, HeadInput in) {
            Engines.graphOptimizer(false); // token counts and batch sizes vary: no re-optimisation per shape
            NDManager m = ctx.getNDManager();
            TokenFeatures f = in.features();
            NDList list =
                    new NDList(m.create(f.data(), new Shape(f.batch(), f.maxLen(), f.hidden())), m.create(f.lengths()));
            if (in.turns() > 0) {
                list.add(m.create(in.ctx(), new Shape(f.batch(), in.turns(), f.hidden())));
                list.add(m.create(in.ctxInfo(), new Shape(f.batch(), in.turns(), 2)));
            }
            return list;
        }

        @Override
        public float[][] processOutput(TranslatorContext ctx, NDList list) {
            return SpeechEmotionModel.split(list.singletonOrThrow().toFloatArray(), outputs);
        }

        @Override
        public Batchifier getBatchifier() {
            return null;
        }
    }
}
