package io.emostream.reporting;

import io.emostream.contracts.Distribution;
import io.emostream.contracts.Emotion;
import io.emostream.contracts.EmotionScore;
import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.FusedEmotion;
import io.emostream.contracts.FusionMode;
import io.emostream.contracts.InferenceTiming;
import io.emostream.contracts.Modalities;
import io.emostream.contracts.Modality;
import io.emostream.contracts.ModelRef;
import io.emostream.contracts.RecordingStatus;
import io.emostream.contracts.Topics;
import io.emostream.contracts.UtteranceId;
import io.emostream.testsupport.RealInfra;
import io.emostream.testsupport.TestKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Events as the fusion and ingest services publish them, and waiting for the sink. */
final class Fixtures {

    static final String GROUP = "emostream-reporting";

    private Fixtures() {}

    /** A distribution with {@code p} on {@code top} and the rest spread evenly. */
    static Distribution peaked(Emotion top, double p) {
        double[] w = new double[Emotion.COUNT];
        java.util.Arrays.fill(w, (1 - p) / (Emotion.COUNT - 1));
        w[top.ordinal()] = p;
        return Distribution.of(w);
    }

    static EmotionScore score(
            Modality m,
            String recordingId,
            int index,
            String speaker,
            Distribution p,
            String modelVersion,
            Instant at) {
        String model = m == Modality.SPEECH ? "ser-crnn" : "ter-minilm-cnn";
        return new EmotionScore(
                EmotionScore.SCHEMA_VERSION,
                UtteranceId.of(recordingId, index),
                recordingId,
                index,
                m,
                index * 2000L,
                index * 2000L + 1500,
                speaker,
                true,
                m == Modality.TEXT ? "text " + index : null,
                new ModelRef(model, modelVersion),
                p,
                p.label(),
                p.confidence(),
                new InferenceTiming(1, 5, 8, 1),
                at,
                at.plusMillis(20));
    }

    /** A result made from both inputs (speech and text agree on {@code label}). */
    static FusedEmotion both(
            String recordingId,
            int index,
            String speaker,
            Emotion label,
            double p,
            Instant eventTime,
            Instant fusedAt,
            boolean correction,
            String modelVersion) {
        Distribution d = peaked(label, p);
        return new FusedEmotion(
                FusedEmotion.SCHEMA_VERSION,
                UtteranceId.of(recordingId, index),
                recordingId,
                index,
                index * 2000L,
                index * 2000L + 1500,
                speaker,
                "utterance " + index + " of " + recordingId,
                Modalities.BOTH,
                FusionMode.FIXED,
                0.6,
                1.0,
                score(Modality.SPEECH, recordingId, index, speaker, d, modelVersion, eventTime),
                score(Modality.TEXT, recordingId, index, speaker, d, modelVersion, eventTime),
                d,
                d.label(),
                d.confidence(),
                correction,
                eventTime,
                fusedAt);
    }

    static FusedEmotion both(
            String recordingId, int index, String speaker, Emotion label, double p, Instant eventTime) {
        return both(recordingId, index, speaker, label, p, eventTime, eventTime.plusMillis(100), false, "1.0.0");
    }

    /** A speech-only result (its transcript never came in time). */
    static FusedEmotion speechOnly(
            String recordingId,
            int index,
            String speaker,
            Emotion label,
            double p,
            Instant eventTime,
            Instant fusedAt) {
        Distribution d = peaked(label, p);
        return new FusedEmotion(
                FusedEmotion.SCHEMA_VERSION,
                UtteranceId.of(recordingId, index),
                recordingId,
                index,
                index * 2000L,
                index * 2000L + 1500,
                speaker,
                null,
                Modalities.SPEECH_ONLY,
                FusionMode.FIXED,
                1.0,
                0.0,
                score(Modality.SPEECH, recordingId, index, speaker, d, "1.0.0", eventTime),
                null,
                d,
                d.label(),
                d.confidence(),
                false,
                eventTime,
                fusedAt);
    }

    static RecordingStatus status(String recordingId, RecordingStatus.State state, int utterances, Instant at) {
        return new RecordingStatus(
                RecordingStatus.SCHEMA_VERSION,
                recordingId,
                state,
                utterances,
                utterances * 2000L,
                true,
                null,
                null,
                at,
                null);
    }

    static RecordMetadata send(FusedEmotion f) {
        return send(Topics.EMOTIONS, f.utteranceId(), EventSerdes.FUSED_EMOTION.serialize(Topics.EMOTIONS, f));
    }

    static RecordMetadata send(RecordingStatus s) {
        return send(
                Topics.RECORDING_STATUS,
                s.recordingId(),
                EventSerdes.RECORDING_STATUS.serialize(Topics.RECORDING_STATUS, s));
    }

    static RecordMetadata send(String topic, String key, byte[] value) {
        try {
            return TestKafka.producer()
                    .send(new ProducerRecord<>(topic, key, value))
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot produce to " + topic, e);
        }
    }

    /** Waits until the sink has committed everything currently on its two topics. */
    static void awaitSinkCaughtUp() {
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfra.kafkaBootstrapServers()))) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (String topic : List.of(Topics.EMOTIONS, Topics.RECORDING_STATUS)) {
                for (int p = 0; p < Topics.DEFAULT_PARTITIONS; p++) {
                    latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
                }
            }
            Map<TopicPartition, Long> end = new HashMap<>();
            admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).forEach((tp, info) -> end.put(tp, info.offset()));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                Map<TopicPartition, Long> committed = committed(admin);
                if (end.entrySet().stream()
                        .allMatch(e -> e.getValue() == 0 || committed.getOrDefault(e.getKey(), -1L) >= e.getValue())) {
                    return;
                }
                Thread.sleep(100);
            }
            throw new AssertionError(
                    "the sink did not catch up within 60 s; committed " + committed(admin) + ", end " + end);
        } catch (AssertionError e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<TopicPartition, Long> committed(Admin admin) throws Exception {
        Map<TopicPartition, Long> out = new HashMap<>();
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(GROUP)
                .partitionsToOffsetAndMetadata()
                .get(30, TimeUnit.SECONDS);
        offsets.forEach((tp, om) -> {
            if (om != null) {
                out.put(tp, om.offset());
            }
        });
        return out;
    }

    static long count(String sql) throws SQLException {
        try (Connection c = RealInfra.superuserConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static void execute(String sql) throws SQLException {
        try (Connection c = RealInfra.superuserConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** One row as column → value, or an empty map. */
    static Map<String, Object> row(String sql) throws SQLException {
        try (Connection c = RealInfra.superuserConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            Map<String, Object> row = new HashMap<>();
            if (rs.next()) {
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    Object v = rs.getObject(i);
                    row.put(
                            rs.getMetaData().getColumnName(i),
                            v instanceof java.sql.Array a ? List.of((Object[]) a.getArray()) : v);
                }
            }
            return row;
        }
    }
}
