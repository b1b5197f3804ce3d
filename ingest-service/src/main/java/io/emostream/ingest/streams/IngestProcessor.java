package io.emostream.ingest.streams;

import io.emostream.contracts.AudioRecords;
import io.emostream.contracts.DeadLetter;
import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.FailureReason;
import io.emostream.contracts.Json;
import io.emostream.contracts.KafkaTracing;
import io.emostream.contracts.PcmAudio;
import io.emostream.contracts.RecordingHeaders;
import io.emostream.contracts.RecordingStatus;
import io.emostream.contracts.Topics;
import io.emostream.contracts.Transcript;
import io.emostream.contracts.UtteranceAudio;
import io.emostream.contracts.UtteranceId;
import io.emostream.contracts.UtteranceText;
import io.emostream.ingest.IngestConfig;
import io.emostream.ingest.IngestException;
import io.emostream.ingest.IngestMetrics;
import io.emostream.ingest.RecordingMeta;
import io.emostream.ingest.UploadHeaders;
import io.emostream.ingest.Utterance;
import io.emostream.ingest.segment.RecordingSegmenter;
import io.emostream.ingest.transcript.TranscriptParser;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import org.jboss.logging.Logger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
 * Outputs, state and input offsets commit together (exactly-once), so a crash never half-publishes a recording.
 */
final class IngestProcessor implements Processor<byte[], byte[], byte[], byte[]> {

    // a plain logger: this class also runs outside Quarkus (tools, tests in child JVMs)
    private static final Logger LOG = Logger.getLogger(IngestProcessor.class);

    static final String SERVICE = "ingest-service";

    private final IngestConfig config;
    private final RecordingSegmenter segmenter;
    private final TranscriptParser parser;
    private final IngestMetrics metrics;
    private final Map<String, Object> kafkaConfig;
    private final Tracer tracer;

    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<String, byte[]> waiting;
    private KeyValueStore<String, byte[]> transcripts;
    private RecordingFetcher fetcher;

    IngestProcessor(IngestConfig config, RecordingSegmenter segmenter, IngestMetrics metrics,
                    Map<String, Object> kafkaConfig, Tracer tracer) {
        this.config = config;
        this.segmenter = segmenter;
        this.parser = new TranscriptParser(TranscriptParser.Limits.of(config));
        this.metrics = metrics;
        this.kafkaConfig = kafkaConfig;
        this.tracer = tracer;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.waiting = context.getStateStore(IngestTopology.WAITING_STORE);
        this.transcripts = context.getStateStore(IngestTopology.TRANSCRIPT_STORE);
        this.fetcher = new RecordingFetcher(kafkaConfig);
        try (KeyValueIterator<String, byte[]> it = waiting.all()) {
            it.forEachRemaining(kv -> metrics.awaiting(1));
        }
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

    // ---- recordings --------------------------------------------------------------------------------------------

    private void onRecording(Record<byte[], byte[]> r, int partition, long offset) {
        Origin origin = new Origin(Topics.RECORDINGS, partition, offset, r.key(), r.value(), r.headers());
        String id = recordingId(r.key());
        if (id == null) {
            deadLetter(origin, FailureReason.INVALID_KEY, "the record key must be a recording id ("
                    + UtteranceId.RECORDING_ID.pattern() + ")");
            return;
        }
        if (r.value() == null || r.value().length == 0) {
            fail(id, origin, null, new IngestException(FailureReason.AUDIO_EMPTY, "the recording is empty (0 bytes)"));
            return;
        }
        if (r.value().length > config.maxRecordingBytes()) {
            fail(id, origin, null, new IngestException(FailureReason.AUDIO_TOO_LARGE, "the recording has "
                    + r.value().length + " bytes, over the limit of " + config.maxRecordingBytes()));
            return;
        }
        String inline = header(r.headers(), RecordingHeaders.TRANSCRIPT);
        String mode = header(r.headers(), RecordingHeaders.TRANSCRIPT_MODE);
        if (inline != null) {
            try {
                Transcript t = parser.parse(inline.getBytes(StandardCharsets.UTF_8), null, id,
                        header(r.headers(), RecordingHeaders.LANGUAGE));
                ingest(id, origin, t, null);
            } catch (IngestException e) {
                fail(id, origin, null, e);
            }
            return;
        }
        if (RecordingHeaders.TRANSCRIPT_MODE_NONE.equalsIgnoreCase(mode)) {
            ingest(id, origin, null, null);
            return;
        }
        byte[] kept = transcripts.get(id);
        if (kept != null) {
            transcripts.delete(id);
            KeptTranscript k = read(kept, KeptTranscript.class);
            Origin tOrigin = new Origin(Topics.TRANSCRIPTS, k.partition(), k.offset(), r.key(), k.raw(),
                    contentTypeHeaders(k.contentType()));
            try {
                ingest(id, origin, parser.parse(k.raw(), k.contentType(), id,
                        header(r.headers(), RecordingHeaders.LANGUAGE)), tOrigin);
            } catch (IngestException e) {
                fail(id, origin, tOrigin, e);
            }
            return;
        }
        long now = context.currentSystemTimeMs();
        if (waiting.get(id) == null) {
            metrics.awaiting(1);
        }
        waiting.put(id, write(new WaitingRecording(partition, offset, now, now + config.transcriptWait().toMillis())));
        status(new RecordingStatus(RecordingStatus.SCHEMA_VERSION, id, RecordingStatus.State.AWAITING_TRANSCRIPT,
                null, null, null, null, "waiting up to " + config.transcriptWait().toSeconds()
                + " s for a transcript on " + Topics.TRANSCRIPTS, Instant.ofEpochMilli(now),
                UploadHeaders.uploadDigest(r.headers())));
    }

    // ---- transcripts -------------------------------------------------------------------------------------------

    private void onTranscript(Record<byte[], byte[]> r, int partition, long offset) {
        Origin origin = new Origin(Topics.TRANSCRIPTS, partition, offset, r.key(), r.value(), r.headers());
        String id = recordingId(r.key());
        if (id == null) {
            deadLetter(origin, FailureReason.INVALID_KEY, "the record key must be a recording id");
            return;
        }
        String contentType = header(r.headers(), RecordingHeaders.CONTENT_TYPE);
        Transcript transcript;
        try {
            transcript = parser.parse(r.value(), contentType, id, null);
        } catch (IngestException e) {
            deadLetter(origin, e.reason(), e.getMessage());
            return;
        }
        byte[] w = waiting.get(id);
        if (w == null) {
            transcripts.put(id, write(new KeptTranscript(r.value(), contentType, partition, offset,
                    context.currentSystemTimeMs())));
            return;
        }
        release(id, read(w, WaitingRecording.class), transcript, origin);
    }

    /** A waiting recording goes on: with its transcript, or speech-only when {@code transcript} is null. */
    private void release(String id, WaitingRecording w, Transcript transcript, Origin transcriptOrigin) {
        waiting.delete(id);
        metrics.awaiting(-1);
        var fetched = fetcher.fetch(w.partition(), w.offset(), Duration.ofSeconds(60));
        if (fetched.isEmpty()) {
            // retention removed the bytes before the transcript came: nothing left to segment
            LOG.errorf("recording %s at %s-%d@%d is gone (retention); it cannot be segmented", id,
                    Topics.RECORDINGS, w.partition(), w.offset());
            status(failed(id, FailureReason.AUDIO_EMPTY, "the recording expired from " + Topics.RECORDINGS
                    + " before its transcript arrived"));
            if (transcriptOrigin != null) {
                deadLetter(transcriptOrigin, FailureReason.TRANSCRIPT_WITHOUT_RECORDING,
                        "its recording expired before the transcript arrived");
            }
            return;
        }
        ConsumerRecord<byte[], byte[]> rec = fetched.get();
        Origin origin = new Origin(Topics.RECORDINGS, rec.partition(), rec.offset(), rec.key(), rec.value(),
                rec.headers());
        if (transcript != null) {
            Transcript withLanguage = transcript.language() != null ? transcript
                    : new Transcript(transcript.schemaVersion(), transcript.recordingId(),
                    header(rec.headers(), RecordingHeaders.LANGUAGE), transcript.text(), transcript.segments());
            ingest(id, origin, withLanguage, transcriptOrigin);
        } else {
            ingest(id, origin, null, null);
        }
    }

    private void expire(long now) {
        List<KeyValue<String, byte[]>> due = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = waiting.all()) {
            it.forEachRemaining(kv -> {
                if (read(kv.value, WaitingRecording.class).deadlineMs() <= now) {
                    due.add(kv);
                }
            });
        }
        for (KeyValue<String, byte[]> kv : due) {
            release(kv.key, read(kv.value, WaitingRecording.class), null, null);
        }
        long keep = config.transcriptRetention().toMillis();
        List<KeyValue<String, byte[]>> stale = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = transcripts.all()) {
            it.forEachRemaining(kv -> {
                if (read(kv.value, KeptTranscript.class).receivedMs() + keep <= now) {
                    stale.add(kv);
                }
            });
        }
        for (KeyValue<String, byte[]> kv : stale) {
            transcripts.delete(kv.key);
            KeptTranscript k = read(kv.value, KeptTranscript.class);
            deadLetter(new Origin(Topics.TRANSCRIPTS, k.partition(), k.offset(), kv.key.getBytes(StandardCharsets.UTF_8),
                    k.raw(), contentTypeHeaders(k.contentType())), FailureReason.TRANSCRIPT_WITHOUT_RECORDING,
                    "no recording '" + kv.key + "' arrived within " + config.transcriptRetention());
        }
    }

    // ---- segmentation and outputs ------------------------------------------------------------------------------

    /**
     * Segments a recording and publishes its utterances. The recording's trace (the producer's or the REST
     * caller's, else a new one) gets an {@code ingest recording} span, which every utterance record carries.
     */
    private void ingest(String id, Origin origin, Transcript transcript, Origin transcriptOrigin) {
        Headers h = origin.headers();
        String language = transcript != null && transcript.language() != null ? transcript.language()
                : header(h, RecordingHeaders.LANGUAGE);
        long started = System.nanoTime();
        Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
        int[] count = {0};
        Span span = KafkaTracing.start(tracer, "ingest recording", origin.topic(), id, h, 0);
        span.setAttribute("emostream.recording_id", id);
        Headers traced = KafkaTracing.inject(span, new RecordHeaders());
        try {
            RecordingMeta meta = new RecordingMeta(id, language,
                    RecordingMeta.parseSpeakers(header(h, RecordingHeaders.SPEAKERS)), transcript);
            List<UtteranceText> texts = new ArrayList<>();
            java.util.function.Consumer<Utterance> out = u -> {
                forwardUtterance(id, u, language, transcript != null, now, traced, texts);
                count[0]++;
            };
            RecordingSegmenter.Result result;
            try {
                // validated by the REST path (same bytes): one decoding pass; otherwise validate, then cut
                var validated = UploadHeaders.validated(h, origin.value());
                result = validated.isPresent()
                        ? segmenter.cut(RecordingSegmenter.Audio.of(origin.value()), meta, validated.get(), out)
                        : segmenter.segment(origin.value(), meta, out);
            } finally {
                // text utterances go out once the recording is cut (also when it fails part-way, as the audio
                // already sent did), each with the previous segments in transcript order as its context
                forwardTexts(texts, traced, now);
            }
            metrics.recordingSegmented(count[0], result.audio().samples() / (double) PcmAudio.SAMPLE_RATE,
                    System.nanoTime() - started);
            span.setAttribute("emostream.utterances", count[0]);
            status(new RecordingStatus(RecordingStatus.SCHEMA_VERSION, id, RecordingStatus.State.SEGMENTED, count[0],
                    result.audio().durationMs(), result.hasTranscript(), null, null, now,
                    UploadHeaders.uploadDigest(h)));
        } catch (IngestException e) {
            span.setStatus(StatusCode.ERROR, e.reason().name());
            fail(id, origin, transcriptOrigin, e);
        } catch (RuntimeException e) {
            LOG.errorf(e, "unexpected failure segmenting %s", id);
            span.recordException(e);
            span.setStatus(StatusCode.ERROR, FailureReason.AUDIO_CORRUPT.name());
            fail(id, origin, transcriptOrigin, new IngestException(FailureReason.AUDIO_CORRUPT,
                    "the recording could not be processed (an internal error, logged by ingest-service)"));
        } finally {
            span.end();
        }
    }

    private void forwardUtterance(String id, Utterance u, String language, boolean transcribed, Instant now,
                                  Headers traced, List<UtteranceText> texts) {
        UtteranceAudio meta = new UtteranceAudio(id, u.index(), u.startMs(), u.endMs(), u.speaker(), u.channel(),
                transcribed && u.text() != null, language, now);
        ProducerRecord<String, byte[]> audio = AudioRecords.record(meta, PcmAudio.encode(u.samples()));
        byte[] key = meta.utteranceId().getBytes(StandardCharsets.UTF_8);
        long ts = now.toEpochMilli();
        for (Header t : traced) {
            audio.headers().add(t.key(), t.value());
        }
        context.forward(new Record<>(key, audio.value(), ts, audio.headers()), IngestTopology.AUDIO_SINK);
        if (u.text() != null) {
            texts.add(new UtteranceText(id, u.index(), u.startMs(), u.endMs(), u.speaker(), language, u.text(), now));
        }
    }

    /** Publishes the text utterances in index order, each with up to text-context-turns previous non-blank ones. */
    private void forwardTexts(List<UtteranceText> texts, Headers traced, Instant now) {
        texts.sort(java.util.Comparator.comparingInt(UtteranceText::index));
        int k = Math.max(0, config.textContextTurns());
        List<UtteranceText.Turn> previous = new ArrayList<>();
        for (UtteranceText t : texts) {
            List<UtteranceText.Turn> ctx = List.copyOf(previous.subList(Math.max(0, previous.size() - k),
                    previous.size()));
            UtteranceText out = new UtteranceText(t.recordingId(), t.index(), t.startMs(), t.endMs(), t.speaker(),
                    t.language(), t.text(), t.ingestedAt(), ctx);
            byte[] key = out.utteranceId().getBytes(StandardCharsets.UTF_8);
            context.forward(new Record<>(key, EventSerdes.UTTERANCE_TEXT.serialize(Topics.UTTERANCES_TEXT, out),
                    now.toEpochMilli(), new RecordHeaders(traced.toArray())), IngestTopology.TEXT_SINK);
            if (!t.text().isBlank()) {
                previous.add(new UtteranceText.Turn(t.speaker(), t.text()));
            }
        }
    }

    private void fail(String id, Origin origin, Origin transcriptOrigin, IngestException e) {
        deadLetter(origin, e.reason(), e.getMessage());
        if (transcriptOrigin != null && e.reason().name().startsWith("TRANSCRIPT_")) {
            deadLetter(transcriptOrigin, e.reason(), e.getMessage());
        }
        metrics.recordingFailed(e.reason());
        status(failed(id, e.reason(), e.getMessage()).withUploadDigest(UploadHeaders.uploadDigest(origin.headers())));
    }

    private RecordingStatus failed(String id, FailureReason reason, String detail) {
        return new RecordingStatus(RecordingStatus.SCHEMA_VERSION, id, RecordingStatus.State.FAILED, null, null,
                null, reason, detail, Instant.ofEpochMilli(context.currentSystemTimeMs()), null);
    }

    private void status(RecordingStatus s) {
        context.forward(new Record<>(s.recordingId().getBytes(StandardCharsets.UTF_8),
                EventSerdes.RECORDING_STATUS.serialize(Topics.RECORDING_STATUS, s), context.currentSystemTimeMs()),
                IngestTopology.STATUS_SINK);
    }

    private void deadLetter(Origin o, FailureReason reason, String detail) {
        LOG.warnf("dead-lettering %s-%d@%d: %s %s", o.topic(), o.partition(), o.offset(), reason, detail);
        metrics.deadLettered(reason, o.topic());
        DeadLetter dl = new DeadLetter(reason, detail, o.topic(), o.partition(), o.offset(), SERVICE,
                Instant.ofEpochMilli(context.currentSystemTimeMs()));
        // an oversize original goes by reference: it stays on its topic, the dead letter says where
        ProducerRecord<byte[], byte[]> pr = dl.toRecord(o.key(), o.value(), o.headers(),
                config.deadLetterMaxInlineBytes());
        context.forward(new Record<>(pr.key(), pr.value(), context.currentSystemTimeMs(), pr.headers()),
                IngestTopology.DLQ_SINK);
    }

    @Override
    public void close() {
        if (fetcher != null) {
            fetcher.close();
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    /** Where an input record came from, and its original bytes and headers. */
    private record Origin(String topic, int partition, long offset, byte[] key, byte[] value, Headers headers) {
    }

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

    private static byte[] write(Object o) {
        try {
            return Json.MAPPER.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static <T> T read(byte[] b, Class<T> type) {
        try {
            return Json.MAPPER.readValue(b, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
