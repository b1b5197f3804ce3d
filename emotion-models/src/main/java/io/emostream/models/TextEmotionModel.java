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

/**
 * Text emotion model: {@link TextEncoder} (tokenizer + pretrained encoder from the Maven jar) followed by a trained
 * TorchScript head {@code forward(features[B,T,H] float, lengths[B] long) -> probs[B,C]} that ignores padded
 * tokens. Texts longer than the manifest's {@code maxTokens} are truncated.
 */
public final class TextEmotionModel implements EmotionModel<String> {

    static final int MAX_BATCH = 64;

    private final ModelManifest manifest;
    private final TextEncoder encoder;
    private final ZooModel<TokenFeatures, float[][]> head;
    private final PredictorPool<TokenFeatures, float[][]> pool;
    private final int[] canonicalIndex;

    private TextEmotionModel(ModelManifest manifest, TextEncoder encoder, ZooModel<TokenFeatures, float[][]> head,
                             int predictors) {
        this.manifest = manifest;
        this.encoder = encoder;
        this.head = head;
        this.canonicalIndex = manifest.canonicalIndex();
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
        Criteria<TokenFeatures, float[][]> criteria = Criteria.builder()
                .setTypes(TokenFeatures.class, float[][].class)
                .optModelPath(file)
                .optEngine(Engines.PYTORCH)
                .optDevice(Engines.device(Engines.PYTORCH, options))
                .optOption("mapLocation", "true")
                .optTranslator(new HeadTranslator(m.labels().size()))
                .build();
        TextEncoder enc = TextEncoder.load(m.encoder(), m.maxTokens(), options, torchScriptEncoder);
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
        long[][] ids = encoder.tokenize(inputs);
        int c = manifest.labels().size();
        List<Prediction> out = new ArrayList<>(inputs.size());
        for (int from = 0; from < ids.length; from += MAX_BATCH) {
            int to = Math.min(ids.length, from + MAX_BATCH);
            TokenFeatures f = encoder.encode(Arrays.copyOfRange(ids, from, to));
            float[][] probs = pool.predict(f);
            for (float[] p : probs) {
                if (p.length != c) {
                    throw new IllegalStateException("head returned " + p.length + " classes, manifest declares " + c);
                }
                out.add(new Prediction(p, Distribution.fromModelOutput(canonicalIndex, p), 1));
            }
        }
        return out;
    }

    @Override
    public void warmUp() {
        predict(List.of("I can't believe you did that!", "ok"));
    }

    @Override
    public void close() {
        pool.close();
        head.close();
        encoder.close();
    }

    /** Token features + lengths in, [B, C] probabilities out. */
    static final class HeadTranslator implements Translator<TokenFeatures, float[][]> {
        private final int classes;

        HeadTranslator(int classes) {
            this.classes = classes;
        }

        @Override
        public NDList processInput(TranslatorContext ctx, TokenFeatures f) {
            NDManager m = ctx.getNDManager();
            return new NDList(m.create(f.data(), new Shape(f.batch(), f.maxLen(), f.hidden())), m.create(f.lengths()));
        }

        @Override
        public float[][] processOutput(TranslatorContext ctx, NDList list) {
            return SpeechEmotionModel.split(list.singletonOrThrow().toFloatArray(), classes);
        }

        @Override
        public Batchifier getBatchifier() {
            return null;
        }
    }
}
