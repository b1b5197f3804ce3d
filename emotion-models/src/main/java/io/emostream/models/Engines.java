package io.emostream.models;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;

/** Engine set-up shared by the models: offline mode, thread counts, device choice with CPU fallback. */
final class Engines {

    static final String PYTORCH = "PyTorch";
    static final String ONNX_RUNTIME = "OnnxRuntime";
    private static final Logger LOG = LoggerFactory.getLogger(Engines.class);
    private static final Map<String, Integer> GPUS = new java.util.concurrent.ConcurrentHashMap<>();

    private Engines() {}

    /**
     * Must run before the first engine use: DJL reads these once per JVM. Existing system properties win, so a
     * service can still configure them globally.
     */
    static synchronized void configure(ModelOptions o) {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        // libtorch's graph optimizer (profiling executor) is chosen per model and per forward pass
        // (graphOptimizer); a global ai.djl.pytorch.graph_optimizer, when set, still wins: DJL applies it last
        if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(o.intraOpThreads()));
        }
        if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_interop_threads", Integer.toString(o.interOpThreads()));
        }
    }

    /**
     * Turns libtorch's graph optimizer on or off for the calling thread's next forward passes; call it in a
     * translator's {@code processInput}, which runs on the thread of the pass right before it. The profiling executor
     * re-optimises for every new input shape, which costs a spike each time shapes vary (text lengths, batch sizes),
     * but for one shape it runs the SER model about 4 times faster per window than without it (bench/ser-forward.sh).
     */
    static void graphOptimizer(boolean on) {
        ai.djl.pytorch.jni.JniUtils.setGraphExecutorOptimize(on);
    }

    /** The device to run on: GPU 0 for "gpu"/"auto" when the engine sees one, else the CPU. */
    static Device device(String engineName, ModelOptions o) {
        configure(o);
        if (o.device().equals("cpu")) {
            return Device.cpu();
        }
        int gpus = GPUS.computeIfAbsent(engineName, name -> {
            try {
                return Engine.getEngine(name).getGpuCount();
            } catch (RuntimeException e) {
                return 0;
            }
        });
        if (gpus > 0) {
            return Device.gpu();
        }
        if (o.device().equals("gpu")) {
            LOG.warn("device=gpu requested but {} sees no GPU: running on the CPU", engineName);
        }
        return Device.cpu();
    }

    /** ONNX Runtime session options from the thread counts. */
    static Map<String, String> ortOptions(ModelOptions o) {
        Map<String, String> m = new HashMap<>();
        m.put("intraOpNumThreads", Integer.toString(o.intraOpThreads()));
        m.put("interOpNumThreads", Integer.toString(o.interOpThreads()));
        m.put("executionMode", "SEQUENTIAL");
        return m;
    }
}
