package io.emostream.reporting.rest;

import io.emostream.contracts.Emotion;
import io.emostream.reporting.ModelScore;
import io.emostream.reporting.Utterance;

import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Utterances as RFC 4180 CSV. Text cells that a spreadsheet would run as a formula (leading {@code = + - @},
 * tab or CR) get a leading apostrophe: transcripts are user content, and CSV files end up in spreadsheets.
 */
final class CsvWriter {

    static final List<String> HEADER;
    /** The text model's dimensional scores that get a column each (EmoBank's, which the shipped text model gives). */
    static final List<String> DIMENSIONS = List.of("valence", "arousal", "dominance");

    private static final String[] LABELS =
            Emotion.ALL.stream().map(Emotion::label).toArray(String[]::new);

    static {
        List<String> h = new ArrayList<>(List.of(
                "utterance_id",
                "recording_id",
                "index",
                "start_ms",
                "end_ms",
                "speaker",
                "transcript",
                "label",
                "confidence"));
        Emotion.ALL.forEach(e -> h.add("p_" + e.label()));
        h.addAll(List.of(
                "modalities",
                "fusion_mode",
                "speech_model",
                "speech_model_version",
                "speech_label",
                "speech_confidence",
                "text_model",
                "text_model_version",
                "text_label",
                "text_confidence"));
        DIMENSIONS.forEach(d -> h.add("text_" + d));
        h.addAll(List.of("correction", "event_time", "fused_at", "ingested_at", "trace_id"));
        HEADER = List.copyOf(h);
    }

    private final Writer out;

    CsvWriter(Writer out) {
        this.out = out;
    }

    void header() throws IOException {
        line(new ArrayList<>(HEADER));
    }

    void row(Utterance u) throws IOException {
        List<Object> cells =
                new ArrayList<>(List.of(u.utteranceId(), u.recordingId(), u.index(), u.startMs(), u.endMs()));
        cells.add(u.speaker());
        cells.add(u.transcript());
        cells.add(u.label());
        cells.add(u.confidence());
        for (String label : LABELS) {
            cells.add(u.probabilities().get(label));
        }
        cells.add(u.modalities());
        cells.add(u.fusionMode());
        score(cells, u.speech());
        score(cells, u.text());
        Map<String, Double> dimensions = u.text() == null ? null : u.text().dimensions();
        for (String d : DIMENSIONS) {
            cells.add(dimensions == null ? null : dimensions.get(d));
        }
        cells.add(u.correction());
        cells.add(u.eventTime());
        cells.add(u.fusedAt());
        cells.add(u.ingestedAt());
        cells.add(u.traceId());
        line(cells);
    }

    private static void score(List<Object> cells, ModelScore s) {
        cells.add(s == null ? null : s.model());
        cells.add(s == null ? null : s.modelVersion());
        cells.add(s == null ? null : s.label());
        cells.add(s == null ? null : s.confidence());
    }

    private void line(List<?> cells) throws IOException {
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            Object c = cells.get(i);
            if (c != null) {
                out.write(c instanceof String s ? text(s) : c.toString());
            }
        }
        out.write("\r\n");
    }

    static String text(String s) {
        String v = s;
        if (!v.isEmpty() && "=+-@\t\r".indexOf(v.charAt(0)) >= 0) {
            v = "'" + v;
        }
        if (v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0) {
            v = '"' + v.replace("\"", "\"\"") + '"';
        }
        return v;
    }
}
