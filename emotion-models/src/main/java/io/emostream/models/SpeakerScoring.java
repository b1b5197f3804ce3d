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

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Speaker-aware scoring of a speech model with a speaker path (SER 2.1+, {@code speaker.minUtterances} in the
 * manifest; training/ser/speaker_model.py). For a set of utterances of one speaker:
 *
 * <ol>
 *   <li>every utterance is cut into windows as in {@link SpeechEmotionModel#predict}; the TorchScript method
 *       {@code features(wav[1,S], lengths[1]) -> stats[1,F]} gives each window's utterance statistics (one window
 *       per call, padded to the window length, as the CPU scoring path);
 *   <li>the speaker reference is the mean and the sample standard deviation (n − 1) + 1e-3 of the statistics of all
 *       windows of all the utterances (labels unused; the scored utterance included), exactly what training did
 *       ({@code mc_stats.speaker_norm}); the rows are summed in a canonical (sorted) order in double precision, so
 *       the same set of utterances gives the same reference, hence the same scores, in any order;
 *   <li>each window is scored by {@code forward_speaker(wav[1,S], lengths[1], mean[F], std[F]) -> probs[1,C]}
 *       (padded as in the first step) and the window probabilities are averaged per utterance. The model recomputes
 *       the window's statistics there: SER 2.2 also runs its CNN on the waveform in this path.
 * </ol>
 *
 * Fewer utterances than {@code speaker.minUtterances}, or a model without a speaker path: the speaker-independent
 * {@code forward} (the given fallback), unchanged.
 */
final class SpeakerScoring {

    static final double STD_EPSILON = 1e-3;

    private final ModelManifest manifest;
    private final Model model;
    private final boolean fixedShape;

    SpeakerScoring(ModelManifest manifest, Model model, boolean fixedShape) {
        this.manifest = manifest;
        this.model = model;
        this.fixedShape = fixedShape;
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
        PtSymbolBlock block = block();
        float[][] stats = new float[windows.size()][];
        for (int k = 0; k < windows.size(); k++) {
            stats[k] = features(block, windows.get(k));
        }
        float[][] ref = reference(stats);
        int c = manifest.labels().size();
        double[][] sum = new double[utterances.size()][c];
        int[] count = new int[utterances.size()];
        for (int k = 0; k < windows.size(); k++) {
            float[] p = speakerProbs(block, windows.get(k), ref[0], ref[1]);
            if (p.length != c) {
                throw new IllegalStateException("forward_speaker returned " + p.length + " values, not " + c);
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

    private PtSymbolBlock block() {
        Block b = model.getBlock();
        if (!(b instanceof PtSymbolBlock pt)) {
            throw new IllegalStateException("speaker scoring needs a TorchScript model, got " + b);
        }
        return pt;
    }

    private float[] features(PtSymbolBlock block, float[] window) {
        Engines.graphOptimizer(fixedShape);
        try (NDManager m = model.getNDManager().newSubManager()) {
            return run(block, m, "features", wave(m, window), m.create(new long[] {window.length}));
        }
    }

    private float[] speakerProbs(PtSymbolBlock block, float[] window, float[] mean, float[] std) {
        Engines.graphOptimizer(fixedShape);
        try (NDManager m = model.getNDManager().newSubManager()) {
            return run(
                    block,
                    m,
                    "forward_speaker",
                    wave(m, window),
                    m.create(new long[] {window.length}),
                    m.create(mean),
                    m.create(std));
        }
    }

    /** One window as [1, S], padded to the window length on the fixed-shape (CPU) path. */
    private NDArray wave(NDManager m, float[] window) {
        int len = fixedShape ? Math.max(window.length, manifest.windowSamples()) : window.length;
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
