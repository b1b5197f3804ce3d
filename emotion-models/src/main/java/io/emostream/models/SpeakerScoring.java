package io.emostream.models;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Speaker-aware scoring of a speech model with a speaker path (SER 2.1+, {@code speaker.minUtterances} in the
 * manifest; training/ser/speaker_model.py). For a set of utterances of one speaker:
 *
 * <ol>
 *   <li>every utterance is cut into windows as in {@link SpeechEmotionModel#predict}; the TorchScript method
 *       {@code features(wav[1,S], lengths[1]) -> stats[1,F]} gives each window's utterance statistics (one window
 *       per call; on the CPU zero-padded to the shortest of the fixed lengths that holds it and run on that length's
 *       module, as the speaker-independent path does: a 3 s utterance on the 3 s module, not padded to 4 s; inputs
 *       are masked by their lengths);
 *   <li>the speaker reference is the mean and the sample standard deviation (n − 1) + 1e-3 of the statistics of all
 *       windows of all the utterances (labels unused; the scored utterance included), exactly what training did
 *       ({@code mc_stats.speaker_norm}); the rows are summed in a canonical (sorted) order in double precision, so
 *       the same set of utterances gives the same reference, hence the same scores, in any order;
 *   <li>each window is scored by {@code forward_speaker_features(wav[1,S], lengths[1], features[1,F], mean[F],
 *       std[F]) -> probs[1,C]} with its own statistics row from the first step (padded as there), and the window
 *       probabilities are averaged per utterance. The model runs only what the statistics do not hold: the CNN on the
 *       waveform (SER 2.3.1+). A model without that method (SER 2.1–2.3.0) is scored with {@code
 *       forward_speaker(wav[1,S], lengths[1], mean[F], std[F])}, which computes the window's statistics a second time
 *       and gives the same probabilities; which of the two a model has is read from its TorchScript method list once,
 *       when the model is loaded ({@link #speakerMethod}).
 * </ol>
 *
 * Fewer utterances than {@code speaker.minUtterances}, or a model without a speaker path: the speaker-independent
 * {@code forward} (the given fallback), unchanged.
 */
final class SpeakerScoring {

    static final double STD_EPSILON = 1e-3;

    /** Scores a window given its own statistics row as well (SER 2.3.1+): the statistics are not recomputed. */
    static final String FORWARD_SPEAKER_FEATURES = "forward_speaker_features";

    /** Scores a window from the waveform and the reference alone (SER 2.1+): recomputes the window's statistics. */
    static final String FORWARD_SPEAKER = "forward_speaker";

    private final ModelManifest manifest;
    private final Model model;
    /** On the CPU: the same file loaded per padded length below the window's (as the independent path uses them). */
    private final java.util.NavigableMap<Integer, Model> shortModels;

    private final boolean fixedShape;
    private final String method;

    /** {@code method}: {@link #FORWARD_SPEAKER_FEATURES} or {@link #FORWARD_SPEAKER}, see {@link #speakerMethod}. */
    SpeakerScoring(
            ModelManifest manifest,
            Model model,
            java.util.NavigableMap<Integer, ? extends Model> shortModels,
            boolean fixedShape,
            String method) {
        if (!method.equals(FORWARD_SPEAKER_FEATURES) && !method.equals(FORWARD_SPEAKER)) {
            throw new IllegalArgumentException("not a speaker-path method: " + method);
        }
        this.manifest = manifest;
        this.model = model;
        this.shortModels = java.util.Collections.unmodifiableNavigableMap(shortModels);
        this.fixedShape = fixedShape;
        this.method = method;
    }

    /**
     * The method that scores a window on the speaker path of this TorchScript model: {@link #FORWARD_SPEAKER_FEATURES}
     * if the module has it, else {@link #FORWARD_SPEAKER} (also for a block that is not TorchScript, which {@link
     * #score} rejects).
     */
    static String speakerMethod(Model model) {
        if (model.getBlock() instanceof PtSymbolBlock pt
                && Arrays.asList(JniUtils.getMethodNames(pt)).contains(FORWARD_SPEAKER_FEATURES)) {
            return FORWARD_SPEAKER_FEATURES;
        }
        return FORWARD_SPEAKER;
    }

    /** The TorchScript method this scoring calls per window. */
    String method() {
        return method;
    }

    List<Prediction> predict(List<float[]> utterances, Function<List<float[]>, List<Prediction>> independent) {
        int min = manifest.speakerMinUtterances();
        if (min <= 0 || utterances.size() < min) {
            return independent.apply(utterances);
        }
        return score(utterances);
    }

    /** The speaker-aware scores of the utterances, whatever their number (at least one). */
    List<Prediction> score(List<float[]> utterances) {
        if (utterances.isEmpty()) {
            throw new IllegalArgumentException("no utterances to score");
        }
        List<float[]> windows = new ArrayList<>();
        List<Integer> owners = new ArrayList<>();
        SpeechEmotionModel.cut(manifest, utterances, windows, owners);
        float[][] stats = new float[windows.size()][];
        for (int k = 0; k < windows.size(); k++) {
            stats[k] = features(windows.get(k));
        }
        float[][] ref = reference(stats);
        int c = manifest.labels().size();
        double[][] sum = new double[utterances.size()][c];
        int[] count = new int[utterances.size()];
        for (int k = 0; k < windows.size(); k++) {
            float[] p = speakerProbs(windows.get(k), stats[k], ref[0], ref[1]);
            if (p.length != c) {
                throw new IllegalStateException(method + " returned " + p.length + " values, not " + c);
            }
            int owner = owners.get(k);
            for (int j = 0; j < c; j++) {
                sum[owner][j] += p[j];
            }
            count[owner]++;
        }
        return SpeechEmotionModel.averaged(sum, count, manifest.canonicalIndex());
    }

    /**
     * {mean, std} over the rows as in training: std = sample standard deviation + 1e-3, or 1 for a single row. Rows
     * are visited in lexicographic order (double accumulation), so the result does not depend on the input order.
     */
    static float[][] reference(float[][] stats) {
        if (stats.length == 0) {
            throw new IllegalArgumentException("a speaker reference needs at least one statistics row");
        }
        float[][] rows = stats.clone();
        Arrays.sort(rows, Arrays::compare);
        int f = rows[0].length;
        double[] mean = new double[f];
        for (float[] r : rows) {
            for (int j = 0; j < f; j++) {
                mean[j] += r[j];
            }
        }
        float[] m = new float[f];
        float[] sd = new float[f];
        for (int j = 0; j < f; j++) {
            mean[j] /= rows.length;
            m[j] = (float) mean[j];
        }
        if (rows.length == 1) {
            Arrays.fill(sd, 1f);
            return new float[][] {m, sd};
        }
        double[] ss = new double[f];
        for (float[] r : rows) {
            for (int j = 0; j < f; j++) {
                double d = r[j] - mean[j];
                ss[j] += d * d;
            }
        }
        for (int j = 0; j < f; j++) {
            sd[j] = (float) (Math.sqrt(ss[j] / (rows.length - 1)) + STD_EPSILON);
        }
        return new float[][] {m, sd};
    }

    /**
     * The module a window runs on and the length it is padded to: on the CPU (fixed shapes) the speaker-independent
     * path's choice ({@link SpeechEmotionModel#padded}: a 3 s utterance runs on the 3 s module, not padded to the 4 s
     * window); inputs are masked by their lengths, so the padding does not change the result.
     */
    private Map.Entry<Integer, Model> moduleFor(float[] window) {
        return fixedShape
                ? SpeechEmotionModel.padded(shortModels, window.length, manifest.windowSamples(), model)
                : Map.entry(window.length, model);
    }

    private static PtSymbolBlock block(Model module) {
        Block b = module.getBlock();
        if (!(b instanceof PtSymbolBlock pt)) {
            throw new IllegalStateException("speaker scoring needs a TorchScript model, got " + b);
        }
        return pt;
    }

    private float[] features(float[] window) {
        Map.Entry<Integer, Model> module = moduleFor(window);
        Engines.graphOptimizer(fixedShape);
        try (NDManager m = module.getValue().getNDManager().newSubManager()) {
            return run(block(module.getValue()), m, "features", wave(m, window, module.getKey()), m.create(new long[] {
                window.length
            }));
        }
    }

    /** The window's speaker-path probabilities; {@code features} is its row from {@link #features}. */
    private float[] speakerProbs(float[] window, float[] features, float[] mean, float[] std) {
        Map.Entry<Integer, Model> module = moduleFor(window);
        PtSymbolBlock block = block(module.getValue());
        Engines.graphOptimizer(fixedShape);
        try (NDManager m = module.getValue().getNDManager().newSubManager()) {
            NDArray wav = wave(m, window, module.getKey());
            NDArray lengths = m.create(new long[] {window.length});
            if (method.equals(FORWARD_SPEAKER_FEATURES)) {
                NDArray row = m.create(features, new Shape(1, features.length));
                return run(block, m, method, wav, lengths, row, m.create(mean), m.create(std));
            }
            return run(block, m, method, wav, lengths, m.create(mean), m.create(std));
        }
    }

    /** One window as [1, len], zero-padded to {@code len}. */
    private static NDArray wave(NDManager m, float[] window, int len) {
        float[] padded = window.length == len ? window : Arrays.copyOf(window, len);
        return m.create(padded, new Shape(1, len));
    }

    private static float[] run(PtSymbolBlock block, NDManager m, String method, NDArray... args) {
        IValue[] in = new IValue[args.length];
        try {
            for (int i = 0; i < args.length; i++) {
                in[i] = IValue.from((PtNDArray) args[i]);
            }
            try (IValue out = IValueUtils.runMethod(block, method, in)) {
                return out.toTensor((PtNDManager) m).toFloatArray();
            }
        } finally {
            for (IValue v : in) {
                if (v != null) {
                    v.close();
                }
            }
        }
    }
}
