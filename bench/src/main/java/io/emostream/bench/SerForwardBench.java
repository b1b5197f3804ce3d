package io.emostream.bench;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The SER TorchScript forward pass under the conditions the service meets, each phase on a freshly loaded model in
 * this one JVM (so the phases compare as ratios): libtorch's graph optimizer (profiling executor) on or off
 * ({@code ai.djl.pytorch.graph_optimizer}, read by DJL before every forward), one shape throughout or window lengths
 * that change from call to call (what variable utterances give), batch 1 or N. One intra-op thread.
 *
 * <pre>SerForwardBench &lt;ser.pt&gt; [iterations] [batch] [buckets]</pre>
 * With {@code buckets}: only the optimizer-on, batch-1 passes the speech model runs on the CPU, for utterances of
 * 3 s and of changing lengths (1.2-3.9 s): padded to the 4 s window (one shape), padded to whole seconds on one
 * module (up to 4 shapes for one graph executor), padded to whole seconds with one module per length (each graph
 * executor sees one shape), and 3 s unpadded (the bare forward bench/inference.sh compares the service with).
 */
public final class SerForwardBench {

    public static void main(String[] args) throws Exception {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("ai.djl.pytorch.num_threads", "1");
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        Path file = Path.of(args[0]);
        int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int n = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        if (args.length > 3 && args[3].equals("buckets")) {
            buckets(file, iterations);
            return;
        }
        int[] fixed = {64_000};
        int[] varying = {64_000, 41_000, 64_000, 52_300, 30_100, 64_000, 47_700};
        for (boolean optimizer : new boolean[] {false, true}) {
            for (int batch : new int[] {1, n}) {
                phase(file, optimizer, batch, "fixed 4 s", fixed, iterations);
                phase(file, optimizer, batch, "varying 1.9-4 s", varying, iterations);
            }
        }
    }

    private static void buckets(Path file, int iterations) throws Exception {
        System.setProperty("ai.djl.pytorch.graph_optimizer", "true");
        int[] three = {48_000};
        int[] varying = {48_000, 19_200, 62_400, 33_600, 41_000, 27_000, 56_000, 48_000, 20_000};
        bucketPhase(file, "3 s, unpadded (bare)", three, len -> len, false, iterations);
        bucketPhase(file, "3 s, padded to 4 s", three, len -> 64_000, false, iterations);
        bucketPhase(file, "3 s, padded to whole seconds", three, SerForwardBench::wholeSeconds, false, iterations);
        bucketPhase(file, "1.2-3.9 s, padded to 4 s", varying, len -> 64_000, false, iterations);
        bucketPhase(
                file,
                "1.2-3.9 s, whole seconds, one module",
                varying,
                SerForwardBench::wholeSeconds,
                false,
                iterations);
        bucketPhase(
                file,
                "1.2-3.9 s, whole seconds, a module per length",
                varying,
                SerForwardBench::wholeSeconds,
                true,
                iterations);
    }

    private static int wholeSeconds(int len) {
        return (len + 15_999) / 16_000 * 16_000;
    }

    private static void bucketPhase(
            Path file,
            String what,
            int[] lengths,
            java.util.function.IntUnaryOperator pad,
            boolean modulePerShape,
            int iterations)
            throws Exception {
        Criteria<NDList, NDList> criteria = TorchScriptBench.torchScript(file);
        java.util.Map<Integer, ZooModel<NDList, NDList>> models = new java.util.HashMap<>();
        java.util.Map<Integer, Predictor<NDList, NDList>> predictors = new java.util.HashMap<>();
        Stats perWindow = new Stats();
        long windows = 0;
        double seconds = 0;
        double audioSeconds = 0;
        try {
            for (int i = -10 * lengths.length; i < iterations; i++) {
                int len = lengths[Math.floorMod(i, lengths.length)];
                int padded = pad.applyAsInt(len);
                int key = modulePerShape ? padded : 0;
                if (!predictors.containsKey(key)) {
                    ZooModel<NDList, NDList> model = criteria.loadModel();
                    models.put(key, model);
                    predictors.put(key, model.newPredictor());
                }
                try (NDManager m = NDManager.newBaseManager()) {
                    float[] x = new float[padded];
                    for (int k = 0; k < len; k++) {
                        x[k] = (float) (0.2 * Math.sin(2 * Math.PI * 180 * k / 16000.0));
                    }
                    NDList in = new NDList(m.create(x, new Shape(1, padded)), m.create(new long[] {len}));
                    long s = System.nanoTime();
                    predictors.get(key).predict(in).get(0).toFloatArray();
                    double ms = (System.nanoTime() - s) / 1e6;
                    if (i >= 0) {
                        perWindow.add(ms);
                        windows++;
                        seconds += ms / 1000;
                        audioSeconds += len / 16000.0;
                    }
                }
            }
        } finally {
            predictors.values().forEach(Predictor::close);
            models.values().forEach(ZooModel::close);
        }
        System.out.printf(
                Locale.ROOT,
                "{\"graph_optimizer\":true,\"batch\":1,\"shapes\":\"%s\",\"modules\":%d,"
                        + "\"ms_per_window_p50\":%.3f,\"windows_per_s\":%.1f,\"audio_s_per_s\":%.1f}%n",
                what,
                models.size(),
                perWindow.percentile(50),
                windows / seconds,
                audioSeconds / seconds);
    }

    private static void phase(Path file, boolean optimizer, int batch, String what, int[] lengths, int iterations)
            throws Exception {
        System.setProperty("ai.djl.pytorch.graph_optimizer", Boolean.toString(optimizer));
        Criteria<NDList, NDList> criteria = TorchScriptBench.torchScript(file);
        Stats perWindow = new Stats();
        long windows = 0;
        double seconds = 0;
        try (ZooModel<NDList, NDList> model = criteria.loadModel();
                Predictor<NDList, NDList> predictor = model.newPredictor()) {
            for (int i = -10; i < iterations; i++) {
                int len = lengths[Math.floorMod(i, lengths.length)];
                try (NDManager m = NDManager.newBaseManager()) {
                    float[] x = new float[batch * len];
                    for (int k = 0; k < x.length; k++) {
                        x[k] = (float) (0.2 * Math.sin(2 * Math.PI * 180 * (k % len) / 16000.0));
                    }
                    long[] ls = new long[batch];
                    java.util.Arrays.fill(ls, len);
                    NDList in = new NDList(m.create(x, new Shape(batch, len)), m.create(ls));
                    long s = System.nanoTime();
                    predictor.predict(in).get(0).toFloatArray();
                    double ms = (System.nanoTime() - s) / 1e6;
                    if (i >= 0) {
                        perWindow.add(ms / batch);
                        windows += batch;
                        seconds += ms / 1000;
                    }
                }
            }
        }
        System.out.printf(
                Locale.ROOT,
                "{\"graph_optimizer\":%s,\"batch\":%d,\"shapes\":\"%s\","
                        + "\"ms_per_window_p50\":%.3f,\"windows_per_s\":%.1f}%n",
                optimizer,
                batch,
                what,
                perWindow.percentile(50),
                windows / seconds);
    }
}
