package io.emostream.models;

import java.util.Locale;

/**
 * How a model is run.
 *
 * @param device         {@code "cpu"}, {@code "gpu"} (falls back to CPU with a warning when none is present) or
 *                       {@code "auto"} (GPU when present, else CPU)
 * @param intraOpThreads threads inside one operator; 1 is fastest for single items on a small machine. Engine-wide
 *                       for PyTorch (only the first model loaded in a JVM sets it), per session for ONNX Runtime.
 * @param interOpThreads threads across independent operators (same scope rules)
 * @param predictors     how many DJL predictors a model keeps for concurrent callers (a predictor is not
 *                       thread-safe)
 */
public record ModelOptions(String device, int intraOpThreads, int interOpThreads, int predictors) {

    public ModelOptions {
        device = device == null ? "auto" : device.trim().toLowerCase(Locale.ROOT);
        if (!device.equals("cpu") && !device.equals("gpu") && !device.equals("auto")) {
            throw new IllegalArgumentException("device must be cpu, gpu or auto: " + device);
        }
        if (intraOpThreads < 1 || interOpThreads < 1 || predictors < 1) {
            throw new IllegalArgumentException("threads and predictors must be >= 1");
        }
    }

    public ModelOptions(String device, int intraOpThreads, int interOpThreads) {
        this(
                device,
                intraOpThreads,
                interOpThreads,
                Math.max(1, Runtime.getRuntime().availableProcessors()));
    }

    /** Auto device, one intra-op and one inter-op thread, one predictor per core. */
    public static ModelOptions defaults() {
        return new ModelOptions("auto", 1, 1);
    }
}
