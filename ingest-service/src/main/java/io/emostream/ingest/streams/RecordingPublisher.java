package io.emostream.ingest.streams;

import io.emostream.contracts.AudioRecords;
import io.emostream.contracts.DeadLetter;
import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.FailureReason;
import io.emostream.contracts.KafkaTracing;
import io.emostream.contracts.PcmAudio;
import io.emostream.contracts.RecordingHeaders;
import io.emostream.contracts.RecordingStatus;
import io.emostream.contracts.SpeakerGroups;
import io.emostream.contracts.Topics;
import io.emostream.contracts.Transcript;
import io.emostream.contracts.UtteranceAudio;
import io.emostream.contracts.UtteranceText;
import io.emostream.ingest.IngestException;
import io.emostream.ingest.RecordingMeta;
import io.emostream.ingest.UploadHeaders;
import io.emostream.ingest.Utterance;
import io.emostream.ingest.config.IngestConfig;
import io.emostream.ingest.segment.RecordingSegmenter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Everything a task publishes: a recording decoded and cut into utterances (audio, then its text utterances with
 * their dialogue context), recording statuses and dead letters. All of it is forwarded in the task's transaction.
 */
final class RecordingPublisher {

    // a plain logger: this class also runs outside Quarkus (tools, tests in child JVMs)
    private static final Logger LOG = Logger.getLogger(RecordingPublisher.class);

    private final ProcessorContext<byte[], byte[]> context;
    private final IngestConfig config;
    private final RecordingSegmenter segmenter;
    private final IngestMetrics metrics;
    private final Tracer tracer;
    /** The service's name, in its dead letters. */
    private final String service;

    RecordingPublisher(
            ProcessorContext<byte[], byte[]> context,
            IngestConfig config,
            RecordingSegmenter segmenter,
            IngestMetrics metrics,
            Tracer tracer,
            String service) {
        this.context = context;
        this.config = config;
        this.segmenter = segmenter;
        this.metrics = metrics;
        this.tracer = tracer;
        this.service = service;
    }

    /**
     * Segments a recording and publishes its utterances. The recording's trace (the producer's or the REST
     * caller's, else a new one) gets an {@code ingest recording} span, which every utterance record carries.
     */
    void publish(String id, Origin origin, Transcript transcript, Origin transcriptOrigin) {
        Headers h = origin.headers();
        String language = transcript != null && transcript.language() != null
                ? transcript.language()
                : IngestProcessor.header(h, RecordingHeaders.LANGUAGE);
        long started = System.nanoTime();
        Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
        int[] count = {0};
        Span span = KafkaTracing.start(tracer, "ingest recording", origin.topic(), id, h, 0);
        span.setAttribute("emostream.recording_id", id);
        Headers traced = KafkaTracing.inject(span, new RecordHeaders());
        try {
            RecordingMeta meta = new RecordingMeta(
                    id,
                    language,
                    RecordingMeta.parseSpeakers(IngestProcessor.header(h, RecordingHeaders.SPEAKERS)),
                    transcript);
            List<UtteranceText> texts = new ArrayList<>();
            Map<String, Integer> groups = new LinkedHashMap<>();
            Consumer<Utterance> out = u -> {
                forwardUtterance(id, u, language, transcript != null, now, traced, texts, groups);
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
                // already sent did), each with the previous segments in transcript order as its context; likewise
                // each speaker group's end marker, so no group is left open
                forwardTexts(texts, traced, now);
                endGroups(id, groups, traced, now);
            }
            metrics.recordingSegmented(
                    count[0], result.audio().samples() / (double) PcmAudio.SAMPLE_RATE, System.nanoTime() - started);
            span.setAttribute("emostream.utterances", count[0]);
            status(new RecordingStatus(
                    RecordingStatus.SCHEMA_VERSION,
                    id,
                    RecordingStatus.State.SEGMENTED,
                    count[0],
                    result.audio().durationMs(),
                    result.hasTranscript(),
                    null,
                    null,
                    now,
                    UploadHeaders.uploadDigest(h)));
        } catch (IngestException e) {
            span.setStatus(StatusCode.ERROR, e.reason().name());
            fail(id, origin, transcriptOrigin, e);
        } catch (RuntimeException e) {
            LOG.errorf(e, "unexpected failure segmenting %s", id);
            span.recordException(e);
            span.setStatus(StatusCode.ERROR, FailureReason.AUDIO_CORRUPT.name());
            fail(
                    id,
                    origin,
                    transcriptOrigin,
                    new IngestException(
                            FailureReason.AUDIO_CORRUPT,
                            "the recording could not be processed (an internal error, logged by ingest-service)"));
        } finally {
            span.end();
        }
    }

    private void forwardUtterance(
            String id,
            Utterance u,
            String language,
            boolean transcribed,
            Instant now,
            Headers traced,
            List<UtteranceText> texts,
            Map<String, Integer> groups) {
        UtteranceAudio meta = new UtteranceAudio(
                id,
                u.index(),
                u.startMs(),
                u.endMs(),
                u.speaker(),
                u.channel(),
                transcribed && u.text() != null,
                language,
                now);
        boolean grouped = config.speakerGroups() && u.speaker() != null;
        ProducerRecord<String, byte[]> audio = grouped
                ? SpeakerGroups.audio(meta, PcmAudio.encode(u.samples()))
                : AudioRecords.record(meta, PcmAudio.encode(u.samples()));
        byte[] key = audio.key().getBytes(StandardCharsets.UTF_8);
        long ts = now.toEpochMilli();
        for (Header t : traced) {
            audio.headers().add(t.key(), t.value());
        }
        context.forward(
                new Record<>(key, audio.value(), ts, audio.headers()),
                grouped ? IngestTopology.SPEAKER_AUDIO_SINK : IngestTopology.AUDIO_SINK);
        if (grouped) {
            // a long recording's speaker is cut into groups of at most speaker-group-max-utterances (bounded memory)
            if (groups.merge(u.speaker(), 1, Integer::sum) >= Math.max(1, config.speakerGroupMaxUtterances())) {
                endGroup(id, u.speaker(), groups.put(u.speaker(), 0), traced, now);
            }
        }
        if (u.text() != null) {
            texts.add(new UtteranceText(id, u.index(), u.startMs(), u.endMs(), u.speaker(), language, u.text(), now));
        }
    }

    /** Closes each speaker's open group (in order of the speakers' first utterances) with its end marker. */
    private void endGroups(String id, Map<String, Integer> groups, Headers traced, Instant now) {
        groups.forEach((speaker, n) -> {
            if (n > 0) {
                endGroup(id, speaker, n, traced, now);
            }
        });
    }

    private void endGroup(String id, String speaker, int utterances, Headers traced, Instant now) {
        ProducerRecord<String, byte[]> end = SpeakerGroups.end(new SpeakerGroups.End(id, speaker, utterances));
        for (Header t : traced) {
            end.headers().add(t.key(), t.value());
        }
        context.forward(
                new Record<>(
                        end.key().getBytes(StandardCharsets.UTF_8), end.value(), now.toEpochMilli(), end.headers()),
                IngestTopology.SPEAKER_AUDIO_SINK);
    }

    /** Publishes the text utterances in index order, each with up to text-context-turns previous non-blank ones. */
    private void forwardTexts(List<UtteranceText> texts, Headers traced, Instant now) {
        texts.sort(Comparator.comparingInt(UtteranceText::index));
        int k = Math.max(0, config.textContextTurns());
        List<UtteranceText.Turn> previous = new ArrayList<>();
        for (UtteranceText t : texts) {
            List<UtteranceText.Turn> ctx =
                    List.copyOf(previous.subList(Math.max(0, previous.size() - k), previous.size()));
            UtteranceText out = new UtteranceText(
                    t.recordingId(),
                    t.index(),
                    t.startMs(),
                    t.endMs(),
                    t.speaker(),
                    t.language(),
                    t.text(),
                    t.ingestedAt(),
                    ctx);
            byte[] key = out.utteranceId().getBytes(StandardCharsets.UTF_8);
            context.forward(
                    new Record<>(
                            key,
                            EventSerdes.UTTERANCE_TEXT.serialize(Topics.UTTERANCES_TEXT, out),
                            now.toEpochMilli(),
                            new RecordHeaders(traced.toArray())),
                    IngestTopology.TEXT_SINK);
            if (!t.text().isBlank()) {
                previous.add(new UtteranceText.Turn(t.speaker(), t.text()));
            }
        }
    }

    /** A recording is refused: its dead letter (and its transcript's, if the transcript is at fault), FAILED. */
    void fail(String id, Origin origin, Origin transcriptOrigin, IngestException e) {
        deadLetter(origin, e.reason(), e.getMessage());
        if (transcriptOrigin != null && e.reason().name().startsWith("TRANSCRIPT_")) {
            deadLetter(transcriptOrigin, e.reason(), e.getMessage());
        }
        metrics.recordingFailed(e.reason());
        status(failed(id, e.reason(), e.getMessage()).withUploadDigest(UploadHeaders.uploadDigest(origin.headers())));
    }

    /** The status of a recording that waits for its transcript. */
    void awaitingTranscript(String id, long now, Headers recordingHeaders) {
        status(new RecordingStatus(
                RecordingStatus.SCHEMA_VERSION,
                id,
                RecordingStatus.State.AWAITING_TRANSCRIPT,
                null,
                null,
                null,
                null,
                "waiting up to " + config.transcriptWait().toSeconds() + " s for a transcript on " + Topics.TRANSCRIPTS,
                Instant.ofEpochMilli(now),
                UploadHeaders.uploadDigest(recordingHeaders)));
    }

    /** The status of a recording that failed without an input record of its own to dead-letter. */
    void failedStatus(String id, FailureReason reason, String detail) {
        status(failed(id, reason, detail));
    }

    private RecordingStatus failed(String id, FailureReason reason, String detail) {
        return new RecordingStatus(
                RecordingStatus.SCHEMA_VERSION,
                id,
                RecordingStatus.State.FAILED,
                null,
                null,
                null,
                reason,
                detail,
                Instant.ofEpochMilli(context.currentSystemTimeMs()),
                null);
    }

    private void status(RecordingStatus s) {
        context.forward(
                new Record<>(
                        s.recordingId().getBytes(StandardCharsets.UTF_8),
                        EventSerdes.RECORDING_STATUS.serialize(Topics.RECORDING_STATUS, s),
                        context.currentSystemTimeMs()),
                IngestTopology.STATUS_SINK);
    }

    /** The input record goes to the dead-letter topic with its original bytes and headers and the reason. */
    void deadLetter(Origin o, FailureReason reason, String detail) {
        LOG.warnf("dead-lettering %s-%d@%d: %s %s", o.topic(), o.partition(), o.offset(), reason, detail);
        metrics.deadLettered(reason, o.topic());
        DeadLetter dl = new DeadLetter(
                reason,
                detail,
                o.topic(),
                o.partition(),
                o.offset(),
                service,
                Instant.ofEpochMilli(context.currentSystemTimeMs()));
        // an oversize original goes by reference: it stays on its topic, the dead letter says where
        ProducerRecord<byte[], byte[]> pr =
                dl.toRecord(o.key(), o.value(), o.headers(), config.deadLetterMaxInlineBytes());
        context.forward(
                new Record<>(pr.key(), pr.value(), context.currentSystemTimeMs(), pr.headers()),
                IngestTopology.DLQ_SINK);
    }
}
