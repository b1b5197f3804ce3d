package io.emostream.ingest.segment;

import io.emostream.contracts.FailureReason;
import io.emostream.contracts.PcmAudio;
import io.emostream.contracts.Transcript;
import io.emostream.ingest.IngestException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Turns a transcript into the utterances to cut, before any audio is cut: timed segments become utterances in
 * start order; an untimed text covers the whole recording. Anything longer than the maximum utterance is split
 * into equal pieces, its words shared out in proportion. Segments must lie inside the audio (up to a tolerance
 * for ASR rounding; the overhang is clipped).
 */
public final class TranscriptPlan {

    private TranscriptPlan() {}

    public static List<PlannedUtterance> plan(
            Transcript t, long totalSamples, Map<Integer, String> speakers, long maxSamples, long toleranceSamples)
            throws IngestException {
        record Span(long start, long end, String speaker, String text) {}
        List<Span> spans = new ArrayList<>();
        if (!t.isTimed()) {
            spans.add(new Span(0, totalSamples, null, t.text().strip()));
        } else {
            for (Transcript.Segment s : t.segments()) {
                long start = Math.round(s.start() * PcmAudio.SAMPLE_RATE);
                long end = Math.round(s.end() * PcmAudio.SAMPLE_RATE);
                if (start >= totalSamples || end > totalSamples + toleranceSamples) {
                    throw new IngestException(
                            FailureReason.TRANSCRIPT_OUT_OF_RANGE,
                            String.format(
                                    java.util.Locale.ROOT,
                                    "segment [%.3f s, %.3f s] lies outside the audio (%.3f s long)",
                                    s.start(),
                                    s.end(),
                                    totalSamples / (double) PcmAudio.SAMPLE_RATE));
                }
                String text = s.text() == null ? "" : s.text().strip();
                if (!text.isEmpty()) {
                    spans.add(new Span(start, Math.min(end, totalSamples), s.speaker(), text));
                }
            }
            spans.sort(Comparator.comparingLong(Span::start)); // stable: equal starts keep transcript order
        }
        List<PlannedUtterance> plan = new ArrayList<>();
        for (Span span : spans) {
            Integer channel = channelOf(span.speaker(), speakers);
            long length = span.end() - span.start();
            int pieces = (int) Math.max(1, (length + maxSamples - 1) / maxSamples);
            String[] words = span.text().split("\\s+");
            for (int p = 0; p < pieces; p++) {
                long from = span.start() + length * p / pieces;
                long to = span.start() + length * (p + 1) / pieces;
                String text = pieces == 1
                        ? span.text()
                        : String.join(
                                " ",
                                java.util.Arrays.copyOfRange(
                                        words, words.length * p / pieces, words.length * (p + 1) / pieces));
                plan.add(new PlannedUtterance(
                        plan.size(), from, to, span.speaker(), channel, text.isEmpty() ? null : text));
            }
        }
        return plan;
    }

    private static Integer channelOf(String speaker, Map<Integer, String> speakers) {
        if (speaker == null) {
            return null;
        }
        for (Map.Entry<Integer, String> e : speakers.entrySet()) {
            if (e.getValue().equalsIgnoreCase(speaker)) {
                return e.getKey();
            }
        }
        return null;
    }
}
