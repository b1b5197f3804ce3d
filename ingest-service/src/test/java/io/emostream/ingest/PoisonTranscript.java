package io.emostream.ingest;

import java.nio.charset.StandardCharsets;

/**
 * The transcript that used to kill ingest (issue 18): 95 000 segments, all overlapping, over a 5 s recording,
 * about 3.8 MB of JSON. Cut naively, every segment would hold up to 5 s of samples at once (~30 GB).
 */
public final class PoisonTranscript {

    public static final int SEGMENTS = 95_000;

    private PoisonTranscript() {}

    public static String json() {
        StringBuilder sb = new StringBuilder("{\"schemaVersion\":1,\"segments\":[");
        for (int i = 0; i < SEGMENTS; i++) {
            sb.append(i == 0 ? "" : ",")
                    .append("{\"start\":")
                    .append((i % 50) / 100.0)
                    .append(",\"end\":4.9,\"text\":\"w")
                    .append(i)
                    .append("\"}");
        }
        return sb.append("]}").toString();
    }

    public static byte[] bytes() {
        return json().getBytes(StandardCharsets.UTF_8);
    }

    /** Few segments, but {@code n} of them over the same second. */
    public static String overlapping(int n) {
        StringBuilder sb = new StringBuilder("{\"segments\":[");
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : ",").append("{\"start\":").append(i / 100.0).append(",\"end\":2,\"text\":\"w\"}");
        }
        return sb.append("]}").toString();
    }
}
