package io.emostream.inference.messaging;

import io.emostream.contracts.KafkaTracing;
import io.emostream.contracts.Modality;
import io.emostream.inference.TestUtterances;
import io.emostream.models.EmotionModel;
import io.emostream.models.ModelOptions;
import io.emostream.models.TextEmotionModel;
import io.emostream.models.TextInput;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;

import java.time.Duration;
import java.util.Map;

/** A text scoring worker in its own JVM, so a test can kill it with SIGKILL: {@code bootstrap group txId in out}. */
public final class WorkerChild {

    public static void main(String[] args) {
        EmotionModel<TextInput> model = TextEmotionModel.load(
                        TestUtterances.MODELS.resolve("ter-default"), new ModelOptions("cpu", 1, 1))
                .contextual();
        BatchScorer<TextInput> scorer = new BatchScorer<>(
                model,
                Inputs::text,
                args[4],
                new InferenceMetrics(
                        new SimpleMeterRegistry(),
                        Modality.TEXT,
                        model.manifest().ref()),
                OpenTelemetry.noop().getTracer(KafkaTracing.SCOPE),
                "inference-service");
        ScoringWorker worker = new ScoringWorker(
                "child",
                args[3],
                args[1],
                args[2],
                Map.of("bootstrap.servers", args[0]),
                scorer,
                4,
                Duration.ofMillis(20));
        System.out.println("worker starting");
        worker.run();
    }
}
