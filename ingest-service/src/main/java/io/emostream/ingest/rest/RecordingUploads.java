package io.emostream.ingest.rest;

import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.FailureReason;
import io.emostream.contracts.KafkaTracing;
import io.emostream.contracts.RecordingHeaders;
import io.emostream.contracts.RecordingStatus;
import io.emostream.contracts.Topics;
import io.emostream.contracts.Transcript;
import io.emostream.contracts.UtteranceId;
import io.emostream.ingest.IngestConfig;
import io.emostream.ingest.IngestException;
import io.emostream.ingest.RecordingMeta;
import io.emostream.ingest.audio.AudioDecoder;
import io.emostream.ingest.segment.RecordingSegmenter;
import io.emostream.ingest.transcript.TranscriptParser;
import io.opentelemetry.context.Context;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Accepts a recording uploaded over REST: validates and segments it exactly as the stream will (so the caller
 * learns its utterance ids, or a precise error, at once), then publishes it to the recordings topic, which stays
 * the one path every recording takes.
 */
@ApplicationScoped
public class RecordingUploads {

    private final IngestConfig config;
    private final RecordingSegmenter segmenter;
    private final AudioDecoder decoder;
    private final KafkaProducer<String, byte[]> producer;

    public RecordingUploads(IngestConfig config, @Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.config = config;
        this.segmenter = new RecordingSegmenter(config);
        this.decoder = new AudioDecoder(config.maxDuration().toMillis());
        Map<String, Object> p = new HashMap<>(kafka);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_RECORDING_MESSAGE_BYTES);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 2L * Topics.MAX_RECORDING_MESSAGE_BYTES);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "ingest-rest-uploads");
        p.keySet().removeIf(k -> !ProducerConfig.configNames().contains(k));
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * @param transcriptText the transcript as uploaded (JSON, WebVTT or plain text), or null
     * @param awaitTranscript when there is no transcript: wait for one on the transcripts topic instead of going
     *                        speech-only at once
     */
    public AcceptedRecording accept(byte[] audio, String recordingId, String language, String speakers,
                                    String transcriptText, boolean awaitTranscript) throws IngestException {
        String id = recordingId == null || recordingId.isBlank() ? "rec-" + UUID.randomUUID() : recordingId.strip();
        if (!UtteranceId.isValidRecordingId(id)) {
            throw new IngestException(FailureReason.INVALID_KEY, "recordingId '" + id + "' is invalid: 1-128 "
                    + "characters of letters, digits, '.', '_', '-', ':', starting with a letter or digit");
        }
        if (audio.length > config.maxRecordingBytes()) {
            throw new IngestException(FailureReason.AUDIO_TOO_LARGE, "the recording has " + audio.length
                    + " bytes, over the limit of " + config.maxRecordingBytes());
        }
        Map<Integer, String> speakerMap = RecordingMeta.parseSpeakers(speakers);
        Transcript transcript = transcriptText == null || transcriptText.isBlank() ? null
                : TranscriptParser.parse(transcriptText.getBytes(StandardCharsets.UTF_8), null, id, language);
        List<String> ids = new ArrayList<>();
        long durationMs;
        boolean waits = transcript == null && awaitTranscript;
        if (waits) {
            durationMs = decoder.decode(audio, (c, n) -> {
            }).durationMs();
        } else {
            RecordingSegmenter.Result result = segmenter.segment(audio,
                    new RecordingMeta(id, language, speakerMap, transcript), u -> ids.add(UtteranceId.of(id, u.index())));
            durationMs = result.audio().durationMs();
            ids.sort(java.util.Comparator.comparingInt(s -> UtteranceId.parse(s).index()));
        }
        RecordingStatus accepted = new RecordingStatus(RecordingStatus.SCHEMA_VERSION, id,
                waits ? RecordingStatus.State.AWAITING_TRANSCRIPT : RecordingStatus.State.ACCEPTED,
                waits ? null : ids, durationMs, transcript != null, null, null, Instant.now());
        ProducerRecord<String, byte[]> recording = new ProducerRecord<>(Topics.RECORDINGS, id, audio);
        if (language != null && !language.isBlank()) {
            recording.headers().add(RecordingHeaders.LANGUAGE, language.getBytes(StandardCharsets.UTF_8));
        }
        if (!speakerMap.isEmpty()) {
            recording.headers().add(RecordingHeaders.SPEAKERS,
                    RecordingMeta.formatSpeakers(speakerMap).getBytes(StandardCharsets.UTF_8));
        }
        if (transcript != null) {
            recording.headers().add(RecordingHeaders.TRANSCRIPT,
                    EventSerdes.TRANSCRIPT.serialize(Topics.TRANSCRIPTS, transcript));
        } else if (!awaitTranscript) {
            recording.headers().add(RecordingHeaders.TRANSCRIPT_MODE,
                    RecordingHeaders.TRANSCRIPT_MODE_NONE.getBytes(StandardCharsets.UTF_8));
        }
        // the request's trace (the caller's traceparent, else the one this request started) becomes the recording's
        KafkaTracing.inject(Context.current(), recording.headers());
        try {
            // status first, so the status endpoint knows the recording before the stream reports on it
            producer.send(new ProducerRecord<>(Topics.RECORDING_STATUS, id,
                    EventSerdes.RECORDING_STATUS.serialize(Topics.RECORDING_STATUS, accepted))).get(30, TimeUnit.SECONDS);
            producer.send(recording).get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing " + id, e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("could not publish recording " + id + " to Kafka: " + e.getMessage(), e);
        }
        return new AcceptedRecording(id, accepted.state().name(), ids, durationMs, transcript != null,
                "/recordings/" + id + "/status");
    }

    @PreDestroy
    void close() {
        producer.close(java.time.Duration.ofSeconds(10));
    }
}
