package io.emostream.ingest;

import io.emostream.contracts.FailureReason;
import io.emostream.contracts.Transcript;

import java.util.Map;
import java.util.TreeMap;

/**
 * What the producer said about a recording, besides its bytes.
 *
 * @param speakers   channel index to speaker name; empty = mix all channels down to mono
 * @param transcript null when there is none
 */
public record RecordingMeta(String recordingId, String language, Map<Integer, String> speakers, Transcript transcript) {

    public RecordingMeta {
        speakers = speakers == null ? Map.of() : Map.copyOf(speakers);
    }

    public RecordingMeta withTranscript(Transcript t) {
        return new RecordingMeta(recordingId, language, speakers, t);
    }

    /** Parses a channel map such as {@code 0=agent,1=customer}. */
    public static Map<Integer, String> parseSpeakers(String header) throws IngestException {
        Map<Integer, String> map = new TreeMap<>();
        if (header == null || header.isBlank()) {
            return map;
        }
        for (String part : header.split(",")) {
            String[] kv = part.split("=", 2);
            try {
                int channel = Integer.parseInt(kv[0].trim());
                String name = kv.length == 2 ? kv[1].trim() : "";
                if (channel < 0 || channel > 63 || name.isEmpty()) {
                    throw new NumberFormatException();
                }
                map.put(channel, name);
            } catch (NumberFormatException e) {
                throw new IngestException(
                        FailureReason.MALFORMED_EVENT,
                        "speakers must look like '0=agent,1=customer', got '" + header + "'");
            }
        }
        return map;
    }

    /** The canonical header form of a channel map. */
    public static String formatSpeakers(Map<Integer, String> speakers) {
        StringBuilder sb = new StringBuilder();
        new TreeMap<>(speakers)
                .forEach((c, s) -> sb.append(sb.length() == 0 ? "" : ",")
                        .append(c)
                        .append('=')
                        .append(s));
        return sb.toString();
    }
}
