package io.emostream.bench;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/**
 * Times a TorchScript model's forward pass in DJL (PyTorch engine), exactly as bench/torchscript_bench.py times it in
 * Python PyTorch: same file, same input shapes, one intra-op and one inter-op thread, batch 1 and batch 16.
 * Prints one JSON line per batch size. Inputs are deterministic pseudo-random; timing does not depend on values.
 *
 * <pre>TorchScriptBench ser|ter-head &lt;model.pt&gt; [iterations] [batch sizes, default 1,16]</pre>
 */
public final class TorchScriptBench {

    /** A TorchScript file on the PyTorch engine, CPU, tensors in and out (NoopTranslator), as every bench loads one. */
    static Criteria<NDList, NDList> torchScript(Path file) {
        return Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(file)
                .optEngine("PyTorch")
                .optDevice(Device.cpu())
                .optTranslator(new NoopTranslator())
                .build();
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("ai.djl.pytorch.num_threads", "1");
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        String kind = args[0];
        Path file = Path.of(args[1]);
        int turns = contextTurns(file);
        int iterations = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        Criteria<NDList, NDList> criteria = torchScript(file);
        try (ZooModel<NDList, NDList> model = criteria.loadModel();
                Predictor<NDList, NDList> predictor = model.newPredictor()) {
            int[] batches = java.util.Arrays.stream((args.length > 3 ? args[3] : "1,16").split(","))
                    .mapToInt(x -> Integer.parseInt(x.trim()))
                    .toArray();
            for (int batch : batches) {
                Stats per = new Stats();
                for (int i = -20; i < iterations; i++) {
                    try (NDManager m = NDManager.newBaseManager()) {
                        NDList in = inputs(m, kind, batch, turns);
                        long s = System.nanoTime();
                        NDList out = predictor.predict(in);
                        out.get(0).toFloatArray(); // materialise like the service does
                        if (i >= 0) {
                            per.add((System.nanoTime() - s) / 1e6);
                        }
                    }
                }
                System.out.printf(
                        Locale.ROOT,
                        "{\"runtime\":\"java-djl\",\"model\":\"%s\",\"batch\":%d,\"p50_ms\":%.3f,"
                                + "\"p99_ms\":%.3f,\"items_per_s\":%.1f}%n",
                        kind,
                        batch,
                        per.percentile(50),
                        per.percentile(99),
                        batch * 1000.0 / per.mean());
            }
        }
    }

    /** A text head with dialogue context (manifest next to the file: context.turns) takes 4 inputs, else 2. */
    static int contextTurns(Path model) throws java.io.IOException {
        Path manifest = model.toAbsolutePath().getParent().resolve("manifest.json");
        if (!java.nio.file.Files.isRegularFile(manifest)) {
            return 0;
        }
        return new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(manifest.toFile())
                .path("context")
                .path("turns")
                .asInt(0);
    }

    static NDList inputs(NDManager m, String kind, int batch, int turns) {
        Random r = new Random(7);
        if (kind.equals("ser")) {
            int samples = 3 * 16000;
            float[] x = new float[batch * samples];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (0.2 * Math.sin(2 * Math.PI * 180 * (i % samples) / 16000.0) + 0.01 * r.nextGaussian());
            }
            long[] lengths = new long[batch];
            java.util.Arrays.fill(lengths, samples);
            return new NDList(m.create(x, new Shape(batch, samples)), m.create(lengths));
        }
        int tokens = 20;
        int hidden = 384;
        float[] x = new float[batch * tokens * hidden];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        long[] lengths = new long[batch];
        java.util.Arrays.fill(lengths, tokens);
        NDArray features = m.create(x, new Shape(batch, tokens, hidden));
        NDList in = new NDList(features, m.create(lengths));
        if (turns > 0) {
            // every context slot present (the costliest case for the head)
            float[] ctx = new float[batch * turns * hidden];
            for (int i = 0; i < ctx.length; i++) {
                ctx[i] = (float) r.nextGaussian();
            }
            float[] info = new float[batch * turns * 2];
            for (int i = 0; i < info.length; i += 2) {
                info[i] = 1f;
                info[i + 1] = (i / 2) % 2;
            }
            in.add(m.create(ctx, new Shape(batch, turns, hidden)));
            in.add(m.create(info, new Shape(batch, turns, 2)));
        }
        return in;
    }
}
