package io.emostream.models;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
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
import java.util.List;

/**
 * Speech emotion model: a TorchScript module {@code forward(wav[B,S] float, lengths[B] long) -> probs[B,C]} with
 * feature extraction inside. Inputs are 16 kHz mono float waveforms in [-1, 1]; inputs longer than the manifest's
 * window are cut into windows (window/hop from the manifest, the last window aligned to the end) whose
 * probabilities are averaged. Non-finite samples are replaced by 0.
 */
public final class SpeechEmotionModel implements EmotionModel<float[]> {

    /** Windows per forward pass at most; a larger request runs as several passes. */
    static final int MAX_BATCH = 64;

    /**
     * Padded samples per forward pass at most on a GPU (windows × the longest of them). On the CPU every pass is one
     * window padded to the manifest's window length (see {@link #fixedShape}).
     */
    static final long MAX_PASS_SAMPLES = MAX_BATCH * 64_000L;

    private final ModelManifest manifest;
    private final ZooModel<float[][], float[][]> model;
    private final PredictorPool<float[][], float[][]> pool;
    /**
     * On the CPU, windows shorter than the window run padded to whole seconds, each padded length on its own copy of
     * the module (so each graph executor sees one shape and is optimised once): padded length → its module and pool.
     * The window length itself is {@link #model}/{@link #pool}. Empty on a GPU.
     */
    private final java.util.NavigableMap<Integer, ZooModel<float[][], float[][]>> shortModels;

    private final java.util.NavigableMap<Integer, PredictorPool<float[][], float[][]>> shortPools =
            new java.util.TreeMap<>();
    private final int[] canonicalIndex;
    /**
     * On the CPU: one window per forward pass, padded to whole seconds up to the window length, each padded length
     * on its own module ({@link #shortModels}), with libtorch's graph optimizer on. With a single input shape per
     * module the profiling executor optimises once and runs a window about 4 times faster
     * than the unoptimised graph, and batch 1 is faster per window than batch 16 (bench/ser-forward.sh: 180 vs 50
     * windows/s unoptimised at batch 1, 74 at batch 16). Padding changes nothing: the model masks by lengths. On a
     * GPU: passes of up to {@link #MAX_BATCH} windows of similar length, optimizer off (shapes vary).
     */
    private final boolean fixedShape;

    /** The speaker path's per-window method of {@link #model} ({@link SpeakerScoring#speakerMethod}), read at load. */
    private final String speakerMethod;

    private SpeechEmotionModel(
            ModelManifest manifest,
            ZooModel<float[][], float[][]> model,
            java.util.NavigableMap<Integer, ZooModel<float[][], float[][]>> shortModels,
            int predictors,
            boolean fixedShape) {
        this.manifest = manifest;
        this.model = model;
        this.shortModels = shortModels;
        this.fixedShape = fixedShape;
        this.canonicalIndex = manifest.canonicalIndex();
        this.speakerMethod = SpeakerScoring.speakerMethod(model);
        this.pool = new PredictorPool<>(model::newPredictor, predictors);
        shortModels.forEach((len, m) -> shortPools.put(len, new PredictorPool<>(m::newPredictor, predictors)));
    }

    /**
     * The lengths a window is padded to on the CPU: whole seconds below the window, then the window. A 3 s utterance
     * runs as 3 s, not 4 s (bench/ser-forward.sh buckets: the forward costs about its padded length).
     */
    static java.util.List<Integer> paddedLengths(int window, int sampleRate) {
        List<Integer> out = new ArrayList<>();
        for (int len = sampleRate; len < window; len += sampleRate) {
            out.add(len);
        }
        out.add(window);
        return out;
    }

    public static SpeechEmotionModel load(Path modelDir, ModelOptions options) {
        ModelManifest m = ModelManifest.read(modelDir);
        if (m.modality() != Modality.SPEECH) {
            throw new ModelLoadException(modelDir + " is a " + m.modality() + " model, not a speech model");
        }
        Path file = m.artifact("model");
        Device device = Engines.device(Engines.PYTORCH, options);
        boolean fixedShape = !device.isGpu(); // decided once, for the passes and for the translator
        java.util.NavigableMap<Integer, ZooModel<float[][], float[][]>> shortModels = new java.util.TreeMap<>();
        try {
            if (fixedShape && Boolean.parseBoolean(System.getProperty("emostream.models.speech-buckets", "true"))) {
                for (int len : paddedLengths(m.windowSamples(), m.sampleRate())) {
                    if (len < m.windowSamples()) {
                        shortModels.put(len, load(file, device, m, len, true));
                    }
                }
            }
            return new SpeechEmotionModel(
                    m,
                    load(file, device, m, m.windowSamples(), fixedShape),
                    shortModels,
                    options.predictors(),
                    fixedShape);
        } catch (IOException | ModelNotFoundException | MalformedModelException | RuntimeException e) {
            shortModels.values().forEach(ZooModel::close);
            if (e instanceof ModelLoadException mle) {
                throw mle;
            }
            throw new ModelLoadException("cannot load " + file + ": " + e.getMessage(), e);
        }
    }

    private static ZooModel<float[][], float[][]> load(
            Path file, Device device, ModelManifest m, int padTo, boolean fixedShape)
            throws IOException, ModelNotFoundException, MalformedModelException {
        return Criteria.builder()
                .setTypes(float[][].class, float[][].class)
                .optModelPath(file)
                .optEngine(Engines.PYTORCH)
                .optDevice(device)
                .optOption("mapLocation", "true")
                .optTranslator(new WaveTranslator(m.labels().size(), padTo, fixedShape))
                .build()
                .loadModel();
    }

    @Override
    public ModelManifest manifest() {
        return manifest;
    }

    @Override
    public List<Prediction> predict(List<float[]> inputs) {
        List<float[]> windows = new ArrayList<>();
        List<Integer> owners = new ArrayList<>();
        cut(manifest, inputs, windows, owners);
        int c = manifest.labels().size();
        double[][] sum = new double[inputs.size()][c];
        int[] count = new int[inputs.size()];
        int[] order = longestFirst(windows);
        for (int[] pass : passes(windows, order, fixedShape ? 1 : MAX_BATCH, MAX_PASS_SAMPLES)) {
            float[][] batch = new float[pass.length][];
            for (int k = 0; k < pass.length; k++) {
                batch[k] = windows.get(pass[k]);
            }
            float[][] probs = poolFor(batch).predict(batch);
            for (int k = 0; k < pass.length; k++) {
                int owner = owners.get(pass[k]);
                for (int j = 0; j < c; j++) {
                    sum[owner][j] += probs[k][j];
                }
                count[owner]++;
            }
        }
        return averaged(sum, count, canonicalIndex);
    }

    /**
     * Checks and cleans every utterance ({@link #sanitise}) and cuts it into windows ({@link #windows}); {@code
     * owners} gets, per window, the index of the utterance it came from.
     */
    static void cut(ModelManifest m, List<float[]> inputs, List<float[]> windows, List<Integer> owners) {
        for (int i = 0; i < inputs.size(); i++) {
            float[] wav = sanitise(m, inputs.get(i), i);
            for (float[] w : windows(wav, m.windowSamples(), m.hopSamples())) {
                windows.add(w);
                owners.add(i);
            }
        }
    }

    /** One prediction per utterance: the mean of its windows' probabilities ({@code sum}, {@code count} windows). */
    static List<Prediction> averaged(double[][] sum, int[] count, int[] canonicalIndex) {
        List<Prediction> out = new ArrayList<>(sum.length);
        for (int i = 0; i < sum.length; i++) {
            float[] p = new float[sum[i].length];
            for (int j = 0; j < p.length; j++) {
                p[j] = (float) (sum[i][j] / count[i]);
            }
            out.add(new Prediction(p, Distribution.fromModelOutput(canonicalIndex, p), count[i]));
        }
        return out;
    }

    /** On the CPU (one window per pass): the module for the window's padded length; on a GPU the one module. */
    private PredictorPool<float[][], float[][]> poolFor(float[][] batch) {
        return fixedShape
                ? padded(shortPools, batch[0].length, manifest.windowSamples(), pool)
                        .getValue()
                : pool;
    }

    /**
     * On the CPU, the length a window of {@code length} samples is zero-padded to and what runs it: the entry of
     * {@code shorter} (padded length below the window → its module or pool) for the shortest padded length that holds
     * it, else the window length and {@code whole}. The one choice both paths make ({@link #poolFor}, {@link
     * SpeakerScoring}), so a window runs on the same module in both.
     */
    static <V> java.util.Map.Entry<Integer, V> padded(
            java.util.NavigableMap<Integer, V> shorter, int length, int windowSamples, V whole) {
        java.util.Map.Entry<Integer, V> e = shorter.ceilingEntry(length);
        return e != null ? e : java.util.Map.entry(Math.max(length, windowSamples), whole);
    }

    /**
     * Speaker-aware scores of several utterances of one speaker (SER 2.1+, see {@link SpeakerScoring}): each
     * utterance is scored relative to the speaker reference (statistics mean/std over all the given utterances,
     * labels unused). The same set of utterances gives the same scores in any order. Fewer than
     * {@link #speakerMinUtterances()} utterances, or a model without a speaker path: {@link #predict(List)}.
     */
    public List<Prediction> predictSpeaker(List<float[]> utterances) {
        return speakerScoring().predict(utterances, this::predict);
    }

    SpeakerScoring speakerScoring() {
        return speakerScoring(speakerMethod);
    }

    /** Speaker scoring through the given per-window method (tests: both methods of a model give the same scores). */
    SpeakerScoring speakerScoring(String method) {
        return new SpeakerScoring(manifest, model, shortModels, fixedShape, method);
    }

    /** The fewest utterances of one speaker that {@link #predictSpeaker} scores speaker-aware; 0: no speaker path. */
    public int speakerMinUtterances() {
        return manifest.speakerMinUtterances();
    }

    /** Window indexes, longest first (stable), so that each forward pass holds windows of similar length. */
    static int[] longestFirst(List<float[]> windows) {
        return java.util.stream.IntStream.range(0, windows.size())
                .boxed()
                .sorted(java.util.Comparator.comparingInt((Integer k) -> windows.get(k).length)
                        .reversed())
                .mapToInt(Integer::intValue)
                .toArray();
    }

    /**
     * Cuts windows (in {@code order}, longest first) into forward passes: at most {@code maxWindows} windows and
     * {@code maxSamples} padded samples (windows × the longest) per pass, and no window shorter than 3/4 of the
     * pass's longest, so padding wastes at most a quarter of a pass. A pass pads every window to its longest and
     * the model's front end works on the padding too before it masks it out.
     */
    static List<int[]> passes(List<float[]> windows, int[] order, int maxWindows, long maxSamples) {
        List<int[]> out = new ArrayList<>();
        int from = 0;
        while (from < order.length) {
            long longest = windows.get(order[from]).length;
            int to = from + 1;
            while (to < order.length
                    && to - from < maxWindows
                    && (to - from + 1) * longest <= maxSamples
                    && windows.get(order[to]).length * 4L >= longest * 3L) {
                to++;
            }
            out.add(java.util.Arrays.copyOfRange(order, from, to));
            from = to;
        }
        return out;
    }

    /** The utterance if it is long enough, with non-finite samples (NaN, ±Inf) replaced by 0 (a copy only then). */
    static float[] sanitise(ModelManifest manifest, float[] wav, int index) {
        if (wav == null || wav.length < manifest.minSamples()) {
            throw new IllegalArgumentException("audio input " + index + " too short: " + (wav == null ? 0 : wav.length)
                    + " samples, the model needs at least " + manifest.minSamples() + " (" + manifest.sampleRate()
                    + " Hz mono)");
        }
        float[] out = null;
        for (int i = 0; i < wav.length; i++) {
            if (!Float.isFinite(wav[i])) {
                if (out == null) {
                    out = wav.clone();
                }
                out[i] = 0f;
            }
        }
        return out == null ? wav : out;
    }

    /** Cuts a waveform into windows: one if it fits, else hop-spaced windows plus one aligned to the end. */
    static List<float[]> windows(float[] wav, int window, int hop) {
        if (wav.length <= window) {
            return List.of(wav);
        }
        List<float[]> out = new ArrayList<>();
        int last = -1;
        for (int s = 0; s + window <= wav.length; s += hop) {
            out.add(java.util.Arrays.copyOfRange(wav, s, s + window));
            last = s;
        }
        if (last + window < wav.length) {
            out.add(java.util.Arrays.copyOfRange(wav, wav.length - window, wav.length));
        }
        return out;
    }

    @Override
    public void warmUp() {
        int n = Math.max(manifest.minSamples(), manifest.sampleRate());
        float[] tone = new float[n];
        for (int i = 0; i < n; i++) {
            tone[i] = (float) (0.1 * Math.sin(2 * Math.PI * 220 * i / manifest.sampleRate()));
        }
        // every module a window can run on: on the CPU one per padded length, on a GPU the one module
        java.util.NavigableSet<Integer> lengths = new java.util.TreeSet<>(List.of(n));
        if (fixedShape) {
            shortPools.keySet().stream().filter(len -> len > n).forEach(lengths::add);
            lengths.add(Math.max(n, manifest.windowSamples()));
        }
        // the profiling executor optimises a shape after it has seen it twice: three passes leave it optimised. The
        // speaker path's methods (features, the speaker method) are other graphs than forward: warmed the same way,
        // so a worker's first speaker group does not pay their unoptimised first runs
        SpeakerScoring speaker = manifest.speakerMinUtterances() > 0 ? speakerScoring() : null;
        for (int len : lengths) {
            float[] b = java.util.Arrays.copyOf(tone, len);
            predict(List.of(b, b, b));
            if (speaker != null) {
                speaker.score(List.of(b, b, b));
            }
        }
    }

    @Override
    public void close() {
        pool.close();
        model.close();
        shortPools.values().forEach(PredictorPool::close);
        shortModels.values().forEach(ZooModel::close);
    }

    /**
     * Pads a batch of waveforms into [B, maxLen] plus their lengths; returns [B, C] probabilities. With a fixed
     * shape, maxLen is always {@code window} (this module's padded length) and the graph optimizer is on (see
     * {@link #fixedShape}).
     */
    static final class WaveTranslator implements Translator<float[][], float[][]> {
        private final int classes;
        private final int window;
        private final boolean fixedShape;

        WaveTranslator(int classes, int window, boolean fixedShape) {
            this.classes = classes;
            this.window = window;
            this.fixedShape = fixedShape;
        }

        @Override
        public NDList processInput(TranslatorContext ctx, float[][] batch) {
            Engines.graphOptimizer(fixedShape);
            int max = fixedShape ? window : 0;
            for (float[] w : batch) {
                max = Math.max(max, w.length);
            }
            float[] flat = new float[batch.length * max];
            long[] lengths = new long[batch.length];
            for (int i = 0; i < batch.length; i++) {
                System.arraycopy(batch[i], 0, flat, i * max, batch[i].length);
                lengths[i] = batch[i].length;
            }
            NDManager m = ctx.getNDManager();
            NDArray wav = m.create(flat, new Shape(batch.length, max));
            NDArray len = m.create(lengths);
            return new NDList(wav, len);
        }

        @Override
        public float[][] processOutput(TranslatorContext ctx, NDList list) {
            return split(list.singletonOrThrow().toFloatArray(), classes);
        }

        @Override
        public Batchifier getBatchifier() {
            return null;
        }
    }

    static float[][] split(float[] flat, int classes) {
        if (flat.length % classes != 0) {
            throw new IllegalStateException("model returned " + flat.length + " values, not a multiple of " + classes);
        }
        float[][] out = new float[flat.length / classes][classes];
        for (int i = 0; i < out.length; i++) {
            System.arraycopy(flat, i * classes, out[i], 0, classes);
        }
        return out;
    }
}
