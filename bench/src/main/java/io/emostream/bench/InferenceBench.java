package io.emostream.bench;

import io.emostream.contracts.AudioRecords;
import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.PcmAudio;
import io.emostream.contracts.Topics;
import io.emostream.contracts.UtteranceAudio;
import io.emostream.contracts.UtteranceText;
import io.emostream.runtime.LocalPlatform;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * The inference service as deployed (its own JVM, real broker): N speech utterances of 3 s and N text utterances of
 * ~20 tokens published at once, scored with micro-batches of {@code batchSize}. Prints utterances/s (first input
 * published → last score committed) and per-utterance latency (input record timestamp → score record timestamp).
 *
 * <pre>InferenceBench &lt;batchSize&gt; [speechUtterances] [textUtterances] [workers]</pre>
 * ({@code workers}: scoring workers per modality, {@code emostream.inference.workers}, default 1)
 */
public final class InferenceBench {

    static final String TEXT = "I really can't believe you just said that to me in front of everyone here today";

    public static void main(String[] args) throws Exception {
        int batch = Integer.parseInt(args[0]);
        int nSpeech = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        int nText = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        int workers = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        try (LocalPlatform p = LocalPlatform.start(
                Stats.repo(),
                "inference",
                Map.of(
                        "EMOSTREAM_INFERENCE_BATCH_MAX_SIZE", Integer.toString(batch),
                        "EMOSTREAM_INFERENCE_BATCH_MAX_WAIT", "20ms",
                        "EMOSTREAM_INFERENCE_WORKERS", Integer.toString(workers)))) {
            run(p, "speech", Topics.SCORES_SPEECH, nSpeech, batch, workers, id -> speech(id));
            run(p, "text", Topics.SCORES_TEXT, nText, batch, workers, id -> text(id));
        }
    }

    private static void run(
            LocalPlatform p,
            String modality,
            String scores,
            int n,
            int batch,
            int workers,
            java.util.function.Function<String, ProducerRecord<String, byte[]>> make) {
        String run = modality + "-" + UUID.randomUUID().toString().substring(0, 6);
        Map<String, Object> pc = new HashMap<>();
        pc.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, p.bootstrapServers());
        pc.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        long t0 = System.currentTimeMillis();
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(pc, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                ProducerRecord<String, byte[]> r = make.apply(run + "#" + i);
                producer.send(r);
            }
            producer.flush();
        }
        Stats latency = new Stats();
        long last = t0;
        Map<String, Object> cc = new HashMap<>();
        cc.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, p.bootstrapServers());
        cc.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, byte[]> c =
                new KafkaConsumer<>(cc, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(scores).stream()
                    .map(x -> new TopicPartition(scores, x.partition()))
                    .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            int seen = 0;
            long deadline = System.currentTimeMillis() + Duration.ofMinutes(20).toMillis();
            while (seen < n && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.key().startsWith(run + "#")) {
                        var s = EventSerdes.EMOTION_SCORE.deserialize(scores, r.value());
                        latency.add((double) (r.timestamp() - s.ingestedAt().toEpochMilli()));
                        last = Math.max(last, r.timestamp());
                        seen++;
                    }
                }
            }
        }
        var f = Stats.figures();
        f.put("modality", modality);
        f.put("batch_max_size", batch);
        f.put("workers", workers);
        f.put("utterances", latency.count());
        f.put("utterances_per_s", latency.count() * 1000.0 / Math.max(1, last - t0));
        f.put("latency_p50_ms", latency.percentile(50));
        f.put("latency_p99_ms", latency.percentile(99));
        Stats.print("inference service through the broker", f);
    }

    private static ProducerRecord<String, byte[]> speech(String utteranceId) {
        float[] x = new float[3 * PcmAudio.SAMPLE_RATE];
        Random r = new Random(utteranceId.hashCode());
        for (int i = 0; i < x.length; i++) {
            double t = i / 16000.0;
            x[i] = (float) (0.2
                            * Math.sin(2 * Math.PI * (150 + 30 * Math.sin(2 * Math.PI * 0.5 * t)) * t)
                            * (0.6 + 0.4 * Math.sin(2 * Math.PI * 4 * t))
                    + 0.003 * r.nextGaussian());
        }
        var id = io.emostream.contracts.UtteranceId.parse(utteranceId);
        UtteranceAudio meta =
                new UtteranceAudio(id.recordingId(), id.index(), 0, 3000, null, null, true, "en", Instant.now());
        return AudioRecords.record(meta, PcmAudio.encode(x));
    }

    private static ProducerRecord<String, byte[]> text(String utteranceId) {
        var id = io.emostream.contracts.UtteranceId.parse(utteranceId);
        UtteranceText u = new UtteranceText(id.recordingId(), id.index(), 0, 3000, null, "en", TEXT, Instant.now());
        return new ProducerRecord<>(
                Topics.UTTERANCES_TEXT, utteranceId, EventSerdes.UTTERANCE_TEXT.serialize(Topics.UTTERANCES_TEXT, u));
    }
}
