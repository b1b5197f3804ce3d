package io.emostream.ingest.rest;

import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.FailureReason;
import io.emostream.contracts.KafkaClientConfig;
import io.emostream.contracts.KafkaTracing;
import io.emostream.contracts.RecordingHeaders;
import io.emostream.contracts.RecordingStatus;
import io.emostream.contracts.Topics;
import io.emostream.contracts.Transcript;
import io.emostream.contracts.UtteranceId;
import io.emostream.ingest.IngestException;
import io.emostream.ingest.RecordingMeta;
import io.emostream.ingest.UploadHeaders;
import io.emostream.ingest.config.IngestConfig;
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

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Accepts a recording uploaded over REST: validates it in one decoding pass, straight from the uploaded file
 * (so the caller learns its utterance ids, or a precise error, at once), then publishes it to the recordings
 * topic, which stays the one path every recording takes. What validation found travels with the recording
 * ({@link UploadHeaders#VALIDATED}), so the stream cuts it in one more pass: two decoding passes per upload.
 */
@ApplicationScoped
public class RecordingUploads {

    /** An upload as received: the audio in a temporary file, the rest as sent. */
    public record Upload(
            Path file,
            String recordingId,
            String language,
            String speakers,
            String transcript,
            boolean awaitTranscript,
            String caller,
            String idempotencyKey) {}

    /** The answer, and whether it repeats the answer to an earlier request with the same Idempotency-Key. */
    public record Answer(AcceptedRecording accepted, boolean replayed) {}

    private final IngestConfig config;
    private final RecordingSegmenter segmenter;
    private final TranscriptParser parser;
    private final UploadClaims claims;
    private final KafkaProducer<String, byte[]> producer;
    // the producer needs the recording as one array: one upload at a time is in the heap (the rest wait on disk)
    private final Semaphore publishing = new Semaphore(1, true);

    public RecordingUploads(
            IngestConfig config, UploadClaims claims, @Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.config = config;
        this.claims = claims;
        this.segmenter = new RecordingSegmenter(config);
        this.parser = new TranscriptParser(TranscriptParser.Limits.of(config));
        this.producer = new KafkaProducer<>(producerConfig(kafka), new StringSerializer(), new ByteArraySerializer());
    }

    /** The upload producer's settings: the service's Kafka settings (security included) plus whole recordings. */
    static Map<String, Object> producerConfig(Map<String, Object> kafka) {
        Map<String, Object> p = KafkaClientConfig.of(kafka, ProducerConfig.configNames());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_RECORDING_MESSAGE_BYTES);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 2L * Topics.MAX_RECORDING_MESSAGE_BYTES);
        // uncompressed: recordings are mostly compressed audio already and WAV PCM saves 7-16 % with LZ4, less than the
        // CPU it costs here and in the broker, which decompresses every compressed batch to validate it (issue 21)
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "ingest-rest-uploads");
        return p;
    }

    public Answer accept(Upload u) throws IngestException, IOException {
        String key = u.idempotencyKey() == null || u.idempotencyKey().isBlank()
                ? null
                : u.idempotencyKey().strip();
        if (key != null && !key.matches("[\\x21-\\x7e]{1,255}")) {
            throw ProblemException.badRequest(
                    "Invalid Idempotency-Key",
                    "the Idempotency-Key must be 1-255 visible ASCII characters (a UUID is a good choice)");
        }
        String digest = key == null ? null : sha256("upload\n" + u.caller() + "\n" + key);
        String id = u.recordingId() != null && !u.recordingId().isBlank()
                ? u.recordingId().strip()
                // a retry without a recordingId must land on the same id: derive it from the key
                : key != null ? "rec-" + sha256("id\n" + u.caller() + "\n" + key) : "rec-" + UUID.randomUUID();
        var invalid = UtteranceId.recordingIdProblem(id);
        if (invalid.isPresent()) {
            throw new IngestException(FailureReason.INVALID_KEY, "recordingId: " + invalid.get());
        }
        long size = Files.size(u.file());
        if (size > config.maxRecordingBytes()) {
            throw tooLarge(size);
        }
        Optional<AcceptedRecording> earlier = claims.claim(id, digest);
        if (earlier.isPresent()) {
            return new Answer(earlier.get(), true);
        }
        RecordingStatus accepted = null;
        try {
            accepted = validateAndPublish(u, id, digest);
            return new Answer(UploadClaims.answerOf(accepted), false);
        } finally {
            claims.release(id, digest, accepted);
        }
    }

    /** @return the status it was accepted with */
    private RecordingStatus validateAndPublish(Upload u, String id, String digest) throws IngestException, IOException {
        String language = u.language() == null || u.language().isBlank()
                ? null
                : u.language().strip();
        Map<Integer, String> speakers = RecordingMeta.parseSpeakers(u.speakers());
        Transcript transcript = u.transcript() == null || u.transcript().isBlank()
                ? null
                : parser.parse(u.transcript().getBytes(StandardCharsets.UTF_8), null, id, language);
        RecordingSegmenter.Result validated = segmenter.validate(
                RecordingSegmenter.Audio.of(u.file()), new RecordingMeta(id, language, speakers, transcript));
        boolean waits = transcript == null && u.awaitTranscript();
        RecordingStatus status = new RecordingStatus(
                RecordingStatus.SCHEMA_VERSION,
                id,
                waits ? RecordingStatus.State.AWAITING_TRANSCRIPT : RecordingStatus.State.ACCEPTED,
                waits ? null : validated.utterances(),
                validated.audio().durationMs(),
                transcript != null,
                null,
                null,
                Instant.now(),
                digest);

        boolean statusSent = false;
        publishing.acquireUninterruptibly();
        try {
            byte[] audio = Files.readAllBytes(u.file());
            if (audio.length > config.maxRecordingBytes()) {
                throw tooLarge(audio.length);
            }
            ProducerRecord<String, byte[]> recording = new ProducerRecord<>(Topics.RECORDINGS, id, audio);
            if (language != null) {
                recording.headers().add(RecordingHeaders.LANGUAGE, language.getBytes(StandardCharsets.UTF_8));
            }
            if (!speakers.isEmpty()) {
                recording
                        .headers()
                        .add(
                                RecordingHeaders.SPEAKERS,
                                RecordingMeta.formatSpeakers(speakers).getBytes(StandardCharsets.UTF_8));
            }
            if (transcript != null) {
                recording
                        .headers()
                        .add(
                                RecordingHeaders.TRANSCRIPT,
                                EventSerdes.TRANSCRIPT.serialize(Topics.TRANSCRIPTS, transcript));
            } else if (!u.awaitTranscript()) {
                recording
                        .headers()
                        .add(
                                RecordingHeaders.TRANSCRIPT_MODE,
                                RecordingHeaders.TRANSCRIPT_MODE_NONE.getBytes(StandardCharsets.UTF_8));
            }
            recording
                    .headers()
                    .add(
                            UploadHeaders.VALIDATED,
                            UploadHeaders.validated(validated.audio(), audio.length, UploadHeaders.crc32c(audio)));
            if (digest != null) {
                recording.headers().add(UploadHeaders.UPLOAD_DIGEST, digest.getBytes(StandardCharsets.UTF_8));
            }
            // the request's trace (the caller's traceparent, else the one this request started) becomes the recording's
            KafkaTracing.inject(Context.current(), recording.headers());
            // status first, so the status endpoint knows the recording before the stream reports on it
            producer.send(new ProducerRecord<>(
                            Topics.RECORDING_STATUS,
                            id,
                            EventSerdes.RECORDING_STATUS.serialize(Topics.RECORDING_STATUS, status)))
                    .get(30, TimeUnit.SECONDS);
            statusSent = true;
            producer.send(recording).get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            forget(id, statusSent);
            throw ProblemException.unavailable("interrupted while publishing the recording; retry", 5);
        } catch (ExecutionException | TimeoutException e) {
            forget(id, statusSent);
            throw ProblemException.unavailable("Kafka did not take the recording in time; retry", 5);
        } finally {
            publishing.release();
        }
        return status;
    }

    /** The recording did not get out: drop its ACCEPTED status, so a retry uploads it again instead of replaying. */
    private void forget(String id, boolean statusSent) {
        if (statusSent) {
            producer.send(new ProducerRecord<>(Topics.RECORDING_STATUS, id, null));
        }
    }

    private IngestException tooLarge(long size) {
        return new IngestException(
                FailureReason.AUDIO_TOO_LARGE,
                "the recording has " + size + " bytes, over the limit of " + config.maxRecordingBytes());
    }

    private static String sha256(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @PreDestroy
    void close() {
        producer.close(java.time.Duration.ofSeconds(10));
    }
}
