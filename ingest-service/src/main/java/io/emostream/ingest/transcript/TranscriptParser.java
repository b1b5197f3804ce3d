package io.emostream.ingest.transcript;

import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.FailureReason;
import io.emostream.contracts.JsonSerde;
import io.emostream.contracts.Topics;
import io.emostream.contracts.Transcript;
import io.emostream.ingest.IngestException;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a transcript in any of the accepted forms into a {@link Transcript}: JSON (the contract's schema), WebVTT
 * as ASR tools emit it (voice tags give the speaker), or plain UTF-8 text for a single-utterance recording. The
 * form comes from the content type when given, else from the content.
 */
public final class TranscriptParser {

    /** Transcripts larger than this are refused. */
    public static final int MAX_BYTES = 5 * 1024 * 1024;

    private static final Pattern CUE_TIMING = Pattern.compile(
            "^\\s*((?:\\d+:)?\\d{1,2}:\\d{2}[.,]\\d{1,3})\\s+-->\\s+((?:\\d+:)?\\d{1,2}:\\d{2}[.,]\\d{1,3})(?:\\s+.*)?$");
    private static final Pattern VOICE = Pattern.compile("<v(?:\\.[^\\s>]*)?\\s+([^>]+)>");
    private static final Pattern TAG = Pattern.compile("<[^>]*>");

    private TranscriptParser() {
    }

    /**
     * @param contentType e.g. {@code application/json}, {@code text/vtt}, {@code text/plain}; may be null
     * @param recordingId the recording the transcript belongs to (the record key)
     */
    public static Transcript parse(byte[] bytes, String contentType, String recordingId, String language)
            throws IngestException {
        if (bytes == null || bytes.length == 0) {
            throw malformed("the transcript is empty");
        }
        if (bytes.length > MAX_BYTES) {
            throw malformed("the transcript is larger than " + MAX_BYTES + " bytes");
        }
        String text = utf8(bytes);
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        String trimmed = text.stripLeading();
        if (type.contains("json") || (!type.contains("vtt") && !type.contains("plain") && trimmed.startsWith("{"))) {
            return json(bytes, recordingId, language);
        }
        if (type.contains("vtt") || trimmed.startsWith("WEBVTT")) {
            return vtt(text, recordingId, language);
        }
        String plain = text.strip();
        if (plain.isEmpty()) {
            throw malformed("the transcript is blank");
        }
        return Transcript.untimed(recordingId, language, plain);
    }

    private static Transcript json(byte[] bytes, String recordingId, String language) throws IngestException {
        Transcript t;
        try {
            t = EventSerdes.TRANSCRIPT.deserialize(Topics.TRANSCRIPTS, bytes);
        } catch (JsonSerde.MalformedEventException e) {
            throw malformed("not a valid transcript: " + e.getMessage());
        }
        if (t.recordingId() != null && !t.recordingId().equals(recordingId)) {
            throw malformed("the transcript is for recording '" + t.recordingId() + "', not '" + recordingId + "'");
        }
        if (t.isTimed()) {
            for (Transcript.Segment s : t.segments()) {
                if (!(s.start() >= 0) || !(s.end() > s.start()) || Double.isInfinite(s.end())) {
                    throw malformed("segment [" + s.start() + ", " + s.end() + "] must have 0 <= start < end");
                }
                if (s.text() == null) {
                    throw malformed("segment [" + s.start() + ", " + s.end() + "] has no text");
                }
            }
        } else if (t.text() == null || t.text().isBlank()) {
            throw malformed("the transcript has neither text nor segments");
        }
        return new Transcript(Transcript.SCHEMA_VERSION, recordingId,
                t.language() != null ? t.language() : language, t.text(), t.segments());
    }

    static Transcript vtt(String text, String recordingId, String language) throws IngestException {
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
                throw malformed("line " + (i + 1) + " is not a WebVTT cue timing: '" + lines[i] + "'");
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
            String cueText = unescape(TAG.matcher(payload).replaceAll("")).replaceAll("\\s+", " ").strip();
            if (!cueText.isEmpty()) {
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
        return s.replace("&lt;", "<").replace("&gt;", ">").replace("&nbsp;", " ").replace("&lrm;", "")
                .replace("&rlm;", "").replace("&amp;", "&");
    }

    private static String utf8(byte[] bytes) throws IngestException {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw malformed("the transcript is not UTF-8 text");
        }
    }

    private static IngestException malformed(String message) {
        return new IngestException(FailureReason.TRANSCRIPT_MALFORMED, message);
    }
}
