package io.emostream.ingest.transcript;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.emostream.contracts.FailureReason;
import io.emostream.contracts.Json;
import io.emostream.contracts.Transcript;
import io.emostream.ingest.IngestException;
import io.emostream.ingest.config.IngestConfig;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a transcript in any of the accepted forms into a {@link Transcript}: JSON (the contract's shape, read
 * leniently: {@code schemaVersion} defaults to 1, {@code recordingId} to the recording's, unknown fields such as
 * other tools write them are ignored), WebVTT as ASR tools emit it (voice tags give the speaker), or plain UTF-8
 * text for a single-utterance recording. The form comes from the content type when given, else from the content.
 *
 * <p>Limits keep one transcript from exhausting memory: its size in bytes, its number of segments (counted while
 * reading, so a huge one is refused early) and how many segments may overlap at any instant. Errors say what is
 * wrong in plain words.
 */
public final class TranscriptParser {

    /** The limits a transcript must respect. */
    public record Limits(int maxBytes, int maxSegments, int maxOverlapping) {

        public static Limits of(IngestConfig config) {
            return new Limits(
                    config.maxTranscriptBytes(), config.maxTranscriptSegments(), config.maxOverlappingSegments());
        }
    }

    private static final Pattern CUE_TIMING = Pattern.compile(
            "^\\s*((?:\\d+:)?\\d{1,2}:\\d{2}[.,]\\d{1,3})\\s+-->\\s+((?:\\d+:)?\\d{1,2}:\\d{2}[.,]\\d{1,3})(?:\\s+.*)?$");
    private static final Pattern VOICE = Pattern.compile("<v(?:\\.[^\\s>]*)?\\s+([^>]+)>");
    private static final Pattern TAG = Pattern.compile("<[^>]*>");

    private final Limits limits;

    public TranscriptParser(Limits limits) {
        this.limits = limits;
    }

    /**
     * @param contentType e.g. {@code application/json}, {@code text/vtt}, {@code text/plain}; may be null
     * @param recordingId the recording the transcript belongs to (the record key, or the upload's id)
     */
    public Transcript parse(byte[] bytes, String contentType, String recordingId, String language)
            throws IngestException {
        if (bytes == null || bytes.length == 0) {
            throw malformed("the transcript is empty");
        }
        if (bytes.length > limits.maxBytes()) {
            throw new IngestException(
                    FailureReason.TRANSCRIPT_TOO_LARGE,
                    "the transcript has " + bytes.length + " bytes, over the limit of " + limits.maxBytes());
        }
        String text = utf8(bytes);
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        String trimmed = text.stripLeading();
        Transcript t;
        if (type.contains("json") || (!type.contains("vtt") && !type.contains("plain") && trimmed.startsWith("{"))) {
            t = json(text, recordingId, language);
        } else if (type.contains("vtt") || trimmed.startsWith("WEBVTT")) {
            t = vtt(text, recordingId, language);
        } else {
            String plain = text.strip();
            if (plain.isEmpty()) {
                throw malformed("the transcript is blank");
            }
            return Transcript.untimed(recordingId, language, plain);
        }
        checkSegments(t.segments());
        return t;
    }

    private void checkSegments(List<Transcript.Segment> segments) throws IngestException {
        if (segments.size() > limits.maxSegments()) {
            throw tooManySegments();
        }
        // the most segments open at one instant: sweep over starts and ends (an end frees its slot first)
        int n = segments.size();
        double[] starts = new double[n];
        double[] ends = new double[n];
        for (int i = 0; i < n; i++) {
            starts[i] = segments.get(i).start();
            ends[i] = segments.get(i).end();
        }
        Arrays.sort(starts);
        Arrays.sort(ends);
        int open = 0;
        for (int i = 0, j = 0; i < n; i++) {
            while (j < n && ends[j] <= starts[i]) {
                j++;
                open--;
            }
            if (++open > limits.maxOverlapping()) {
                throw new IngestException(
                        FailureReason.TRANSCRIPT_OVERLAP,
                        String.format(
                                Locale.ROOT,
                                "more than %d segments overlap at %.3f s; at most %d may cover the same moment",
                                limits.maxOverlapping(),
                                starts[i],
                                limits.maxOverlapping()));
            }
        }
    }

    private IngestException tooManySegments() {
        return new IngestException(
                FailureReason.TRANSCRIPT_TOO_LARGE,
                "the transcript has more than " + limits.maxSegments() + " segments, the limit");
    }

    /** Streams the JSON, so a transcript with too many segments is refused before it is all in memory. */
    private Transcript json(String text, String recordingId, String language) throws IngestException {
        Integer version = null;
        String id = null;
        String lang = null;
        String whole = null;
        List<Transcript.Segment> segments = null;
        try (JsonParser p = Json.MAPPER.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw malformed("a JSON transcript must be an object with \"text\" or \"segments\"");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "schemaVersion" -> version = value == JsonToken.VALUE_NULL ? null : integer(p, field);
                    case "recordingId" -> id = string(p, field);
                    case "language" -> lang = string(p, field);
                    case "text" -> whole = string(p, field);
                    case "segments" -> segments = segments(p);
                    default -> p.skipChildren();
                }
            }
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            throw malformed("the transcript is not valid JSON"
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        } catch (java.io.IOException e) {
            throw malformed("the transcript could not be read");
        }
        if (version != null && version != Transcript.SCHEMA_VERSION) {
            throw malformed("schemaVersion " + version + " is not supported (this service reads version "
                    + Transcript.SCHEMA_VERSION + ")");
        }
        if (id != null && !id.equals(recordingId)) {
            throw malformed("the transcript is for recording '" + id + "', not '" + recordingId + "'");
        }
        boolean timed = segments != null && !segments.isEmpty();
        if (!timed && (whole == null || whole.isBlank())) {
            throw malformed("the transcript has neither \"text\" nor \"segments\"");
        }
        return new Transcript(
                Transcript.SCHEMA_VERSION,
                recordingId,
                lang != null ? lang : language,
                timed ? null : whole,
                timed ? segments : List.of());
    }

    private List<Transcript.Segment> segments(JsonParser p) throws IngestException, java.io.IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw malformed("\"segments\" must be a list of {\"start\", \"end\", \"text\"} objects");
        }
        List<Transcript.Segment> out = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            int n = out.size() + 1;
            if (n > limits.maxSegments()) {
                throw tooManySegments();
            }
            if (p.currentToken() != JsonToken.START_OBJECT) {
                throw malformed("segment " + n + " is not an object with \"start\", \"end\" and \"text\"");
            }
            Double start = null;
            Double end = null;
            String speaker = null;
            String text = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "start" -> start = seconds(p, n, field);
                    case "end" -> end = seconds(p, n, field);
                    case "speaker" -> speaker = string(p, "segment " + n + " \"speaker\"");
                    case "text" -> text = string(p, "segment " + n + " \"text\"");
                    default -> p.skipChildren();
                }
            }
            if (start == null || end == null) {
                throw malformed("segment " + n + " needs \"start\" and \"end\" (seconds)");
            }
            if (!(start >= 0) || !(end > start) || Double.isInfinite(end)) {
                throw malformed("segment " + n + " [" + start + " s, " + end + " s] must have 0 <= start < end");
            }
            if (text == null) {
                throw malformed("segment " + n + " has no \"text\"");
            }
            out.add(new Transcript.Segment(start, end, speaker, text));
        }
        return out;
    }

    private static double seconds(JsonParser p, int n, String field) throws IngestException, java.io.IOException {
        if (p.currentToken().isNumeric()) {
            return p.getDoubleValue();
        }
        if (p.currentToken() == JsonToken.VALUE_STRING) {
            try {
                return Double.parseDouble(p.getText().trim());
            } catch (NumberFormatException e) {
                // fall through to the message
            }
        }
        throw malformed("segment " + n + " \"" + field + "\" must be a number of seconds");
    }

    private static int integer(JsonParser p, String field) throws IngestException, java.io.IOException {
        if (p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
            return p.getIntValue();
        }
        throw malformed("\"" + field + "\" must be a whole number");
    }

    private static String string(JsonParser p, String what) throws IngestException, java.io.IOException {
        return switch (p.currentToken()) {
            case VALUE_NULL -> null;
            case VALUE_STRING -> p.getText();
            default ->
                throw malformed(what.startsWith("segment") ? what + " must be text" : "\"" + what + "\" must be text");
        };
    }

    private Transcript vtt(String text, String recordingId, String language) throws IngestException {
        String[] lines = text.replace("\r\n", "\n").replace('\r', '\n').split("\n", -1);
        if (lines.length == 0 || !lines[0].startsWith("WEBVTT")) {
            throw malformed("a WebVTT transcript must start with 'WEBVTT'");
        }
        List<Transcript.Segment> segments = new ArrayList<>();
        int i = 1;
        while (i < lines.length) {
            String line = lines[i];
            if (line.isBlank()) {
                i++;
                continue;
            }
            if (line.startsWith("NOTE") || line.startsWith("STYLE") || line.startsWith("REGION")) {
                while (i < lines.length && !lines[i].isBlank()) {
                    i++;
                }
                continue;
            }
            Matcher m = CUE_TIMING.matcher(line);
            if (!m.matches() && i + 1 < lines.length) {
                // a cue identifier line, then the timing
                i++;
                m = CUE_TIMING.matcher(lines[i]);
            }
            if (!m.matches()) {
                String shown = lines[i].length() > 80 ? lines[i].substring(0, 80) + "…" : lines[i];
                throw malformed("line " + (i + 1) + " is not a WebVTT cue timing: '" + shown + "'");
            }
            double start = seconds(m.group(1));
            double end = seconds(m.group(2));
            if (!(end > start)) {
                throw malformed("line " + (i + 1) + ": cue ends before it starts");
            }
            i++;
            StringBuilder payload = new StringBuilder();
            String speaker = null;
            while (i < lines.length && !lines[i].isBlank()) {
                Matcher v = VOICE.matcher(lines[i]);
                if (speaker == null && v.find()) {
                    speaker = v.group(1).trim();
                }
                if (payload.length() > 0) {
                    payload.append(' ');
                }
                payload.append(lines[i].trim());
                i++;
            }
            String cueText = unescape(TAG.matcher(payload).replaceAll(""))
                    .replaceAll("\\s+", " ")
                    .strip();
            if (!cueText.isEmpty()) {
                if (segments.size() == limits.maxSegments()) {
                    throw tooManySegments();
                }
                segments.add(new Transcript.Segment(start, end, speaker, cueText));
            }
        }
        if (segments.isEmpty()) {
            throw malformed("the WebVTT transcript has no cues with text");
        }
        return Transcript.timed(recordingId, language, segments);
    }

    private static double seconds(String ts) {
        String[] parts = ts.replace(',', '.').split(":");
        double s = Double.parseDouble(parts[parts.length - 1]);
        double m = Double.parseDouble(parts[parts.length - 2]);
        double h = parts.length == 3 ? Double.parseDouble(parts[0]) : 0;
        return h * 3600 + m * 60 + s;
    }

    private static String unescape(String s) {
        return s.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&nbsp;", " ")
                .replace("&lrm;", "")
                .replace("&rlm;", "")
                .replace("&amp;", "&");
    }

    private static String utf8(byte[] bytes) throws IngestException {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw malformed("the transcript is not UTF-8 text");
        }
    }

    private static IngestException malformed(String message) {
        return new IngestException(FailureReason.TRANSCRIPT_MALFORMED, message);
    }
}
