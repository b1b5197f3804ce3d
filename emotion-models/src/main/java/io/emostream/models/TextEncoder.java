package io.emostream.models;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.onnxruntime.engine.OrtNDArray;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import ai.onnxruntime.OnnxJavaType;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The pretrained transformer encoder of the text model: HuggingFace tokenizer + ONNX encoder, both read from the
 * classpath (the langchain4j embeddings jar) and checked against the manifest's sha256. Returns the last hidden
 * state of every token ([CLS] … [SEP]). The same code produces the training features of the head
 * ({@code tools.DumpTextFeatures}), so training and serving share tokenisation and encoder.
 *
 * <p>When the manifest's encoder block names a {@code headInput} tensor (e.g. the token states after an inner
 * layer, for a head that carries fine-tuned copies of the top layers), that tensor is added to the ONNX graph's
 * outputs ({@link OnnxGraph}) and {@link #encodeHeadInput} returns it; {@link #encode} still returns the last hidden
 * state (the context turns' representation). This is how training reads an inner layer's states.
 *
 * <p>With an encoder patch (the manifest's {@code artifacts.encoderPatch}: fine-tuned top layers, int8, under the
 * jar's initializer names) the jar's graph is loaded twice: as it is for {@link #encode} (context turns) and with the
 * patch's initializers swapped in ({@link OnnxGraph#withInitializers}) for {@link #encodeHeadInput} (the utterance).
 *
 * <p>A TorchScript export of the same encoder can be run instead (PyTorch engine), for the engine benchmark.
 */
public final class TextEncoder implements AutoCloseable {

    /** The manifest's {@code artifacts} key of the encoder patch (fine-tuned layers swapped into the jar's graph). */
    public static final String PATCH_ARTIFACT = "encoderPatch";

    private final HuggingFaceTokenizer tokenizer;
    private final Model model;
    private final PredictorPool<long[][], TokenFeatures[]> pool;
    /** The encoder with fine-tuned weights swapped in (the manifest's {@code artifacts.encoderPatch}), or null. */
    private final Model patchedModel;

    private final PredictorPool<long[][], TokenFeatures[]> patchedPool;
    private final int maxTokens;
    private final int hidden;
    private final String engine;
    private final boolean perItem;
    private final int outputs;

    private TextEncoder(
            HuggingFaceTokenizer tokenizer,
            Model model,
            Model patchedModel,
            String engine,
            int maxTokens,
            int hidden,
            int predictors,
            boolean perItem,
            int outputs) {
        this.tokenizer = tokenizer;
        this.outputs = outputs;
        this.perItem = perItem;
        this.model = model;
        this.patchedModel = patchedModel;
        this.engine = engine;
        this.maxTokens = maxTokens;
        this.hidden = hidden;
        EncoderTranslator t = new EncoderTranslator(hidden, outputs);
        this.pool = new PredictorPool<>(() -> model.newPredictor(t), predictors);
        EncoderTranslator one = new EncoderTranslator(hidden, 1);
        this.patchedPool =
                patchedModel == null ? null : new PredictorPool<>(() -> patchedModel.newPredictor(one), predictors);
    }

    /**
     * The encoder of a text model directory: its manifest's {@code encoder} block and {@code input.maxTokens}, with the
     * directory's encoder patch ({@code artifacts.encoderPatch}) when it has one.
     */
    public static TextEncoder load(ModelManifest m, ModelOptions options, Path torchScriptEncoder) {
        Path patch = m.hasArtifact(PATCH_ARTIFACT) ? m.artifact(PATCH_ARTIFACT) : null;
        return load(m.encoder(), m.maxTokens(), options, torchScriptEncoder, patch);
    }

    /** As {@link #load(JsonNode, int, ModelOptions, Path, Path)} without an encoder patch. */
    public static TextEncoder load(JsonNode encoder, int maxTokens, ModelOptions options, Path torchScriptEncoder) {
        return load(encoder, maxTokens, options, torchScriptEncoder, null);
    }

    /**
     * Loads tokenizer and encoder named by a manifest's {@code encoder} block.
     *
     * @param torchScriptEncoder when not null, run this TorchScript file with the PyTorch engine instead of the
     *                           ONNX resource (benchmarks only)
     * @param patch              when not null, a serialised ONNX {@code GraphProto} of initializers (fine-tuned
     *                           layers, {@code training/ter/export_int8_top.py}): the head's input is then the last
     *                           hidden state of the encoder with these weights, and {@link #encode} stays the jar's
     *                           encoder as it is
     */
    public static TextEncoder load(
            JsonNode encoder, int maxTokens, ModelOptions options, Path torchScriptEncoder, Path patch) {
        Engines.configure(options);
        int hidden = encoder.path("hiddenSize").asInt(384);
        String headInput = encoder.path("headInput").asText("");
        if ((!headInput.isEmpty() || patch != null) && torchScriptEncoder != null) {
            throw new ModelLoadException("encoder.headInput and an encoder patch need the ONNX encoder");
        }
        if (!headInput.isEmpty() && patch != null) {
            throw new ModelLoadException("encoder.headInput and an encoder patch are exclusive");
        }
        HuggingFaceTokenizer tok;
        byte[] tokBytes = resource(
                encoder.path("tokenizerResource").asText(),
                encoder.path("tokenizerSha256").asText(""));
        try {
            tok = HuggingFaceTokenizer.newInstance(
                    new ByteArrayInputStream(tokBytes),
                    Map.of(
                            "padding", "false",
                            "truncation", "true",
                            "maxLength", Integer.toString(maxTokens),
                            "addSpecialTokens", "true"));
        } catch (IOException e) {
            throw new ModelLoadException("cannot load tokenizer: " + e.getMessage(), e);
        }
        String engine = torchScriptEncoder == null ? Engines.ONNX_RUNTIME : Engines.PYTORCH;
        Device device = Engines.device(engine, options);
        Model model = Model.newInstance("text-encoder", device, engine);
        Model patched = patch == null ? null : Model.newInstance("text-encoder-fine-tuned", device, engine);
        try {
            if (torchScriptEncoder == null) {
                byte[] onnx = resource(
                        encoder.path("onnxResource").asText(),
                        encoder.path("onnxSha256").asText(""));
                Map<String, String> ort = new java.util.HashMap<>(Engines.ortOptions(options));
                // optional ORT graph optimisation level (NO_OPT, BASIC_OPT, EXTENDED_OPT, ALL_OPT); see the manifest
                if (encoder.hasNonNull("optLevel")) {
                    ort.put("optLevel", encoder.get("optLevel").asText());
                }
                model.load(
                        new ByteArrayInputStream(headInput.isEmpty() ? onnx : OnnxGraph.withOutput(onnx, headInput)),
                        ort);
                if (patched != null) {
                    byte[] p = java.nio.file.Files.readAllBytes(patch);
                    patched.load(new ByteArrayInputStream(OnnxGraph.withInitializers(onnx, p)), ort);
                }
            } else {
                model.load(
                        torchScriptEncoder.getParent(),
                        torchScriptEncoder.getFileName().toString().replaceFirst("\\.pt$", ""),
                        Map.of("mapLocation", "true"));
            }
        } catch (IOException | MalformedModelException | IllegalArgumentException e) {
            model.close();
            if (patched != null) {
                patched.close();
            }
            tok.close();
            throw new ModelLoadException("cannot load text encoder: " + e.getMessage(), e);
        }
        // A dynamically quantised (int8) encoder computes one quantisation scale over the whole input tensor, padding
        // included, so a text's features would depend on the other texts of its batch: such encoders run one text
        // per forward pass (same result batched or single, and the same transcript always gives the same scores).
        boolean perItem = encoder.path("quantized").asBoolean(false);
        return new TextEncoder(
                tok,
                model,
                patched,
                engine,
                maxTokens,
                hidden,
                options.predictors(),
                perItem,
                headInput.isEmpty() ? 1 : 2);
    }

    /** Reads a classpath resource whole, verifying its sha256 when one is given. */
    static byte[] resource(String name, String sha256) {
        byte[] bytes;
        try (InputStream in = TextEncoder.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new ModelLoadException("classpath resource '" + name + "' not found: is the encoder jar "
                        + "(see the manifest's encoder.maven) on the classpath?");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new ModelLoadException("cannot read classpath resource " + name + ": " + e.getMessage(), e);
        }
        if (!sha256.isEmpty()) {
            String actual = sha256(bytes);
            if (!actual.equalsIgnoreCase(sha256)) {
                throw new ModelLoadException(
                        "classpath resource " + name + " has sha256 " + actual + ", the manifest expects " + sha256);
            }
        }
        return bytes;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Token ids ([CLS] … [SEP], truncated to maxTokens) of each text; blank text is rejected. */
    public long[][] tokenize(List<String> texts) {
        long[][] ids = new long[texts.size()][];
        for (int i = 0; i < ids.length; i++) {
            String t = texts.get(i);
            if (t == null || t.isBlank()) {
                throw new IllegalArgumentException("text input " + i + " is empty");
            }
            Encoding e = tokenizer.encode(t);
            ids[i] = e.getIds();
            if (ids[i].length > maxTokens) {
                ids[i] = java.util.Arrays.copyOf(ids[i], maxTokens);
            }
        }
        return ids;
    }

    /**
     * Runs the encoder on already tokenised input: one padded forward pass, or one pass per text for a quantised
     * encoder (see {@link #perItem()}); the result is a padded batch of last hidden states either way.
     */
    public TokenFeatures encode(long[][] ids) {
        return run(pool, ids, outputs)[0];
    }

    /**
     * The head's input for already tokenised input: the last hidden state of the patched (fine-tuned) encoder when
     * the model has an encoder patch ({@code artifacts.encoderPatch}), the manifest's {@code headInput} tensor when
     * it names one, else the last hidden state (as {@link #encode}).
     */
    public TokenFeatures encodeHeadInput(long[][] ids) {
        if (patchedPool != null) {
            return run(patchedPool, ids, 1)[0];
        }
        return run(pool, ids, outputs)[outputs - 1];
    }

    /** True when the head reads an inner tensor of the encoder ({@code headInput}), not its last hidden state. */
    public boolean innerHeadInput() {
        return outputs > 1;
    }

    /** True when the head reads the encoder with fine-tuned weights swapped in (an encoder patch). */
    public boolean patched() {
        return patchedPool != null;
    }

    /** Every output of the jar's encoder (last hidden state first, then the head input if configured). */
    public TokenFeatures[] encodeAll(long[][] ids) {
        return run(pool, ids, outputs);
    }

    private TokenFeatures[] run(PredictorPool<long[][], TokenFeatures[]> p, long[][] ids, int n) {
        if (!perItem || ids.length == 1) {
            return p.predict(ids);
        }
        int max = 0;
        for (long[] x : ids) {
            max = Math.max(max, x.length);
        }
        long[] lengths = new long[ids.length];
        float[][] data = new float[n][ids.length * max * hidden];
        for (int i = 0; i < ids.length; i++) {
            TokenFeatures[] one = p.predict(new long[][] {ids[i]});
            for (int o = 0; o < n; o++) {
                System.arraycopy(one[o].data(), 0, data[o], i * max * hidden, ids[i].length * hidden);
            }
            lengths[i] = ids[i].length;
        }
        TokenFeatures[] out = new TokenFeatures[n];
        for (int o = 0; o < n; o++) {
            out[o] = new TokenFeatures(data[o], ids.length, max, hidden, lengths);
        }
        return out;
    }

    /** True when each text is encoded in its own forward pass (dynamically quantised encoders). */
    public boolean perItem() {
        return perItem;
    }

    public int hiddenSize() {
        return hidden;
    }

    public int maxTokens() {
        return maxTokens;
    }

    public String engine() {
        return engine;
    }

    @Override
    public void close() {
        pool.close();
        model.close();
        if (patchedPool != null) {
            patchedPool.close();
            patchedModel.close();
        }
        tokenizer.close();
    }

    /** Pads token ids to the longest item; names the inputs as the ONNX graph expects. */
    static final class EncoderTranslator implements Translator<long[][], TokenFeatures[]> {
        private final int hidden;
        private final int outputs;

        EncoderTranslator(int hidden, int outputs) {
            this.hidden = hidden;
            this.outputs = outputs;
        }

        @Override
        public NDList processInput(TranslatorContext ctx, long[][] batch) {
            int max = 0;
            for (long[] b : batch) {
                max = Math.max(max, b.length);
            }
            long[] ids = new long[batch.length * max];
            long[] mask = new long[batch.length * max];
            for (int i = 0; i < batch.length; i++) {
                System.arraycopy(batch[i], 0, ids, i * max, batch[i].length);
                java.util.Arrays.fill(mask, i * max, i * max + batch[i].length, 1L);
            }
            NDManager m = ctx.getNDManager();
            Shape shape = new Shape(batch.length, max);
            NDArray a = m.create(ids, shape);
            a.setName("input_ids");
            NDArray b = m.create(mask, shape);
            b.setName("attention_mask");
            NDArray c = m.create(new long[ids.length], shape);
            c.setName("token_type_ids");
            ctx.setAttachment(
                    "lengths",
                    java.util.Arrays.stream(batch).mapToLong(x -> x.length).toArray());
            ctx.setAttachment("max", max);
            return new NDList(a, b, c);
        }

        @Override
        public TokenFeatures[] processOutput(TranslatorContext ctx, NDList list) {
            long[] lengths = (long[]) ctx.getAttachment("lengths");
            int max = (Integer) ctx.getAttachment("max");
            if (list.size() < outputs) {
                throw new IllegalStateException("encoder returned " + list.size() + " outputs, expected " + outputs);
            }
            TokenFeatures[] out = new TokenFeatures[outputs];
            for (int o = 0; o < outputs; o++) {
                NDArray h = list.get(o);
                float[] data = floats(h);
                if (data.length != lengths.length * max * hidden) {
                    throw new IllegalStateException("encoder output " + o + " has shape " + h.getShape()
                            + ", expected [" + lengths.length + ", " + max + ", " + hidden + "]");
                }
                out[o] = new TokenFeatures(data, lengths.length, max, hidden, lengths);
            }
            return out;
        }

        @Override
        public Batchifier getBatchifier() {
            return null;
        }

        /**
         * The encoder output as a float[] in one copy. DJL's {@code toFloatArray} copies ONNX Runtime's output twice
         * (native memory to a heap ByteBuffer, then that to a float[]: 14 % of the inference service's Java samples
         * under load, issue 21); ORT's own float read copies its native memory once, straight into the array it
         * returns.
         */
        static float[] floats(NDArray h) {
            if (h instanceof OrtNDArray ort && ort.getTensor().getInfo().type == OnnxJavaType.FLOAT) {
                FloatBuffer fb = ort.getTensor().getFloatBuffer();
                if (fb.hasArray() && fb.arrayOffset() == 0 && fb.position() == 0 && fb.limit() == fb.array().length) {
                    return fb.array();
                }
                float[] out = new float[fb.remaining()];
                fb.get(out);
                return out;
            }
            return h.toFloatArray();
        }
    }
}
