package io.emostream.models;

import io.emostream.models.tools.Benchmark;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the inference service's log shows while it scores: libtorch writes "Could not initialize NNPACK!" to the
 * process's stderr on every convolution that it hands to NNPACK on a CPU NNPACK does not support (batch 1 with a
 * small input: a short utterance or one transcript scored alone), several lines per utterance. The shipped models
 * compute those calls without a convolution (training/common/quiet_conv.py). Native stderr cannot be captured inside
 * this JVM, so the models run in a child JVM: {@link Benchmark} scores SER on 3 s of audio and TER on a 20-token
 * text (with and without context), batch 1, as the service's code does. On a CPU that NNPACK supports libtorch logs
 * nothing either way, so there the test cannot tell the two exports apart.
 */
class NativeLogTest {

    @Test
    void scoringOneItemAtATimeWritesNoNnpackWarningToTheLog() throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Dai.djl.offline=true",
                        "-cp",
                        classpath,
                        Benchmark.class.getName(),
                        TestModels.modelsDir().toString(),
                        "--iterations",
                        "3")
                .redirectErrorStream(true)
                .start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(log).isZero();
        for (String scored : List.of("SER ", "TER ")) {
            assertThat(log).as("the child scored with %s", scored).contains(scored);
        }
        assertThat(log.lines().filter(l -> l.contains("NNPACK")).toList()).isEmpty();
    }
}
