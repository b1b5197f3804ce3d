package io.emostream.ingest.streams;

import io.emostream.contracts.FailureReason;
import io.emostream.contracts.RecordingHeaders;
import io.emostream.contracts.Topics;
import io.emostream.contracts.Transcript;
import io.emostream.contracts.UtteranceId;
import io.emostream.guard.Attempt;
import io.emostream.guard.GuardKey;
import io.emostream.guard.PoisonGuard;
import io.emostream.guard.streams.GuardedProcessor;
import io.emostream.ingest.IngestException;
import io.emostream.ingest.config.IngestConfig;
import io.emostream.ingest.segment.RecordingSegmenter;
import io.emostream.ingest.transcript.TranscriptParser;
import io.opentelemetry.api.trace.Tracer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The ingest pipeline for one partition of recordings and transcripts (co-partitioned by recording id).
 *
 * <ul>
 *   <li>A recording with an inline transcript, with {@code transcript-mode: none}, or whose transcript is already
 *   here is segmented at once. Otherwise it waits (only its topic position is stored) until its transcript
 *   arrives or the wait ends, then is segmented with the transcript or speech-only.</li>
 *   <li>A transcript whose recording waits releases it; otherwise it is kept for the recording to come.</li>
 *   <li>Anything unusable goes to the dead-letter topic with its original bytes and the reason, and the
 *   recording's status says FAILED; the partition moves on.</li>
 * </ul>
 * The waiting is the {@link TranscriptRendezvous}'s, the outputs the {@link RecordingPublisher}'s; this class
 * routes input records and expiry between them and puts each release under the consumer guard. Outputs, state and
 * input offsets commit together (exactly-once), so a crash never half-publishes a recording.
 */
final class IngestProcessor implements Processor<byte[], byte[], byte[], byte[]>, GuardedProcessor.QuarantineHandler {

    // a plain logger: this class also runs outside Quarkus (tools, tests in child JVMs)
    private static final Logger LOG = Logger.getLogger(IngestProcessor.class);

    /** Most stale transcripts dead-lettered per expiry tick (cheap: no decoding). */
    static final int MAX_STALE_PER_TICK = 1000;

    private final IngestConfig config;
    private final RecordingSegmenter segmenter;
    private final TranscriptParser parser;
    private final IngestMetrics metrics;
    private final Supplier<RecordingSource> recordings;
    private final Tracer tracer;
    private final PoisonGuard guard;

    private ProcessorContext<byte[], byte[]> context;
    private TranscriptRendezvous rendezvous;
    private RecordingPublisher publisher;
    private RecordingSource source;

    IngestProcessor(
            IngestConfig config,
            RecordingSegmenter segmenter,
            IngestMetrics metrics,
            Supplier<RecordingSource> recordings,
            Tracer tracer,
            PoisonGuard guard) {
        this.config = config;
        this.segmenter = segmenter;
        this.parser = new TranscriptParser(TranscriptParser.Limits.of(config));
        this.metrics = metrics;
        this.recordings = recordings;
        this.tracer = tracer;
        this.guard = guard;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.rendezvous = new TranscriptRendezvous(
                context.getStateStore(IngestTopology.WAITING_STORE),
                context.getStateStore(IngestTopology.TRANSCRIPT_STORE),
                config.transcriptRetention(),
                metrics);
        this.publisher = new RecordingPublisher(context, config, segmenter, metrics, tracer, guard.service());
        this.source = recordings.get();
        context.schedule(config.expiryCheckInterval(), PunctuationType.WALL_CLOCK_TIME, this::expire);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata source = context.recordMetadata().orElseThrow();
        if (Topics.RECORDINGS.equals(source.topic())) {
            onRecording(record, source.partition(), source.offset());
        } else {
            onTranscript(record, source.partition(), source.offset());
        }
    }

    /** A record whose processing killed the service on every attempt (consumer guard): dead letter, FAILED status. */
    @Override
    public void quarantined(Record<byte[], byte[]> r, Attempt attempt) {
        RecordMetadata source = context.recordMetadata().orElseThrow();
        Origin origin =
                new Origin(source.topic(), source.partition(), source.offset(), r.key(), r.value(), r.headers());
        String id = recordingId(r.key());
        if (id != null && Topics.RECORDINGS.equals(source.topic())) {
            publisher.fail(id, origin, null, new IngestException(FailureReason.PROCESSING_CRASHED, attempt.detail()));
        } else {
            publisher.deadLetter(origin, FailureReason.PROCESSING_CRASHED, attempt.detail());
        }
    }

    // ---- recordings --------------------------------------------------------------------------------------------

    private void onRecording(Record<byte[], byte[]> r, int partition, long offset) {
        Origin origin = new Origin(Topics.RECORDINGS, partition, offset, r.key(), r.value(), r.headers());
        String id = recordingId(r.key());
        if (id == null) {
            publisher.deadLetter(origin, FailureReason.INVALID_KEY, INVALID_KEY);
            return;
        }
        if (r.value() == null || r.value().length == 0) {
            publisher.fail(
                    id,
                    origin,
                    null,
                    new IngestException(FailureReason.AUDIO_EMPTY, "the recording is empty (0 bytes)"));
            return;
        }
        if (r.value().length > config.maxRecordingBytes()) {
            publisher.fail(
                    id,
                    origin,
                    null,
                    new IngestException(
                            FailureReason.AUDIO_TOO_LARGE,
                            "the recording has " + r.value().length + " bytes, over the limit of "
                                    + config.maxRecordingBytes()));
            return;
        }
        String inline = header(r.headers(), RecordingHeaders.TRANSCRIPT);
        String mode = header(r.headers(), RecordingHeaders.TRANSCRIPT_MODE);
        if (inline != null) {
            try {
                Transcript t = parser.parse(
                        inline.getBytes(StandardCharsets.UTF_8),
                        null,
                        id,
                        header(r.headers(), RecordingHeaders.LANGUAGE));
                publisher.publish(id, origin, t, null);
            } catch (IngestException e) {
                publisher.fail(id, origin, null, e);
            }
            return;
        }
        if (RecordingHeaders.TRANSCRIPT_MODE_NONE.equalsIgnoreCase(mode)) {
            publisher.publish(id, origin, null, null);
            return;
        }
        Optional<KeptTranscript> kept = rendezvous.takeTranscript(id);
        if (kept.isPresent()) {
            KeptTranscript k = kept.get();
            Origin tOrigin = new Origin(
                    Topics.TRANSCRIPTS,
                    k.partition(),
                    k.offset(),
                    r.key(),
                    k.raw(),
                    contentTypeHeaders(k.contentType()));
            try {
                publisher.publish(
                        id,
                        origin,
                        parser.parse(k.raw(), k.contentType(), id, header(r.headers(), RecordingHeaders.LANGUAGE)),
                        tOrigin);
            } catch (IngestException e) {
                publisher.fail(id, origin, tOrigin, e);
            }
            return;
        }
        long now = context.currentSystemTimeMs();
        rendezvous.await(
                id,
                new WaitingRecording(
                        partition, offset, now, now + config.transcriptWait().toMillis()));
        publisher.awaitingTranscript(id, now, r.headers());
    }

    // ---- transcripts -------------------------------------------------------------------------------------------

    private void onTranscript(Record<byte[], byte[]> r, int partition, long offset) {
        Origin origin = new Origin(Topics.TRANSCRIPTS, partition, offset, r.key(), r.value(), r.headers());
        String id = recordingId(r.key());
        if (id == null) {
            publisher.deadLetter(origin, FailureReason.INVALID_KEY, INVALID_KEY);
            return;
        }
        String contentType = header(r.headers(), RecordingHeaders.CONTENT_TYPE);
        Transcript transcript;
        try {
            transcript = parser.parse(r.value(), contentType, id, null);
        } catch (IngestException e) {
            publisher.deadLetter(origin, e.reason(), e.getMessage());
            return;
        }
        Optional<WaitingRecording> w = rendezvous.waitingFor(id);
        if (w.isEmpty()) {
            rendezvous.keep(
                    id, new KeptTranscript(r.value(), contentType, partition, offset, context.currentSystemTimeMs()));
            return;
        }
        release(id, w.get(), transcript, origin);
    }

    // ---- releasing waiting recordings --------------------------------------------------------------------------

    /** A waiting recording goes on: with its transcript, or speech-only when {@code transcript} is null. */
    private void release(String id, WaitingRecording w, Transcript transcript, Origin transcriptOrigin) {
        // segmented outside its own record's processing: an attempt of its own under the consumer guard
        Attempt attempt =
                guard.before(new GuardKey(context.applicationId(), Topics.RECORDINGS, w.partition()), w.offset());
        try {
            release(id, w, transcript, transcriptOrigin, attempt);
        } finally {
            guard.after(attempt);
        }
    }

    private void release(
            String id, WaitingRecording w, Transcript transcript, Origin transcriptOrigin, Attempt attempt) {
        rendezvous.stopWaiting(id, w);
        var fetched = source.fetch(w.partition(), w.offset(), Duration.ofSeconds(60));
        if (fetched.isEmpty()) {
            // retention removed the bytes before the transcript came: nothing left to segment
            LOG.errorf(
                    "recording %s at %s-%d@%d is gone (retention); it cannot be segmented",
                    id, Topics.RECORDINGS, w.partition(), w.offset());
            publisher.failedStatus(
                    id,
                    FailureReason.AUDIO_EMPTY,
                    "the recording expired from " + Topics.RECORDINGS + " before its transcript arrived");
            if (transcriptOrigin != null) {
                publisher.deadLetter(
                        transcriptOrigin,
                        FailureReason.TRANSCRIPT_WITHOUT_RECORDING,
                        "its recording expired before the transcript arrived");
            }
            return;
        }
        ConsumerRecord<byte[], byte[]> rec = fetched.get();
        Origin origin =
                new Origin(Topics.RECORDINGS, rec.partition(), rec.offset(), rec.key(), rec.value(), rec.headers());
        if (attempt.quarantined()) {
            publisher.fail(id, origin, null, new IngestException(FailureReason.PROCESSING_CRASHED, attempt.detail()));
            return;
        }
        guard.injectFaults(rec.key());
        if (transcript != null) {
            Transcript withLanguage = transcript.language() != null
                    ? transcript
                    : new Transcript(
                            transcript.schemaVersion(),
                            transcript.recordingId(),
                            header(rec.headers(), RecordingHeaders.LANGUAGE),
                            transcript.text(),
                            transcript.segments());
            publisher.publish(id, origin, withLanguage, transcriptOrigin);
        } else {
            publisher.publish(id, origin, null, null);
        }
    }

    /**
     * Releases the recordings whose wait is over and drops the transcripts kept too long, reading only what is due
     * (the rendezvous' deadline indexes). Bounded per tick ({@code expiry-batch} recordings,
     * {@link #MAX_STALE_PER_TICK} transcripts), so a backlog that expires at once is worked off over several ticks
     * rather than in one transaction longer than its timeout.
     */
    private void expire(long now) {
        for (KeyValue<String, WaitingRecording> due : rendezvous.waitOver(now, config.expiryBatch())) {
            release(due.key, due.value, null, null);
        }
        for (KeyValue<String, KeptTranscript> stale : rendezvous.dropStale(now, MAX_STALE_PER_TICK)) {
            KeptTranscript k = stale.value;
            publisher.deadLetter(
                    new Origin(
                            Topics.TRANSCRIPTS,
                            k.partition(),
                            k.offset(),
                            stale.key.getBytes(StandardCharsets.UTF_8),
                            k.raw(),
                            contentTypeHeaders(k.contentType())),
                    FailureReason.TRANSCRIPT_WITHOUT_RECORDING,
                    "no recording '" + stale.key + "' arrived within " + config.transcriptRetention());
        }
    }

    @Override
    public void close() {
        if (rendezvous != null) {
            rendezvous.close();
        }
        if (source != null) {
            source.close();
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private static final String INVALID_KEY =
            "the record key must be a recording id (" + UtteranceId.RECORDING_ID_RULE + ")";

    private static String recordingId(byte[] key) {
        if (key == null) {
            return null;
        }
        String id = new String(key, StandardCharsets.UTF_8);
        return UtteranceId.isValidRecordingId(id) ? id : null;
    }

    static String header(Headers headers, String name) {
        Header h = headers == null ? null : headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static Headers contentTypeHeaders(String contentType) {
        RecordHeaders h = new RecordHeaders();
        if (contentType != null) {
            h.add(RecordingHeaders.CONTENT_TYPE, contentType.getBytes(StandardCharsets.UTF_8));
        }
        return h;
    }
}
