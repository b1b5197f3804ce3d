package io.emostream.reporting.persistence;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * A keyset paging position: the sort key (a time and an id) of the last row of a page. The next page starts
 * strictly after it, so rows arriving meanwhile never shift or repeat a page. Opaque to clients (base64url).
 */
public record Cursor(Instant time, String id) {

    private static final String VERSION = "1";

    public String encode() {
        String raw = VERSION + '|' + time.getEpochSecond() + '|' + time.getNano() + '|' + id;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    /** @throws IllegalArgumentException when {@code s} is not a cursor this service issued */
    public static Cursor decode(String s) {
        String raw;
        try {
            raw = new String(Base64.getUrlDecoder().decode(s), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a cursor returned by this API");
        }
        String[] parts = raw.split("\\|", 4);
        if (parts.length != 4 || !parts[0].equals(VERSION) || parts[3].isEmpty()) {
            throw new IllegalArgumentException("not a cursor returned by this API");
        }
        try {
            return new Cursor(Instant.ofEpochSecond(Long.parseLong(parts[1]), Long.parseLong(parts[2])), parts[3]);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a cursor returned by this API");
        }
    }
}
