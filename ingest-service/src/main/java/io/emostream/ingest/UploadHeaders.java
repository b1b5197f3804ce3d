package io.emostream.ingest;

import io.emostream.contracts.Json;
import io.emostream.ingest.audio.AudioDecoder;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * Headers the REST path adds to a recording it publishes, for the stream: what its validation found (so the
 * stream cuts in one decoding pass instead of validating again) and the upload's idempotency digest (carried
 * into every status of the recording).
 */
public final class UploadHeaders {

    /**
     * The validated audio, tied to the exact bytes by their length and CRC32C: a header copied onto other bytes
     * does not match and the stream validates as usual.
     */
    public static final String VALIDATED = "emostream-ingest-validated";
    /** See {@link io.emostream.contracts.RecordingStatus#uploadDigest()}. */
    public static final String UPLOAD_DIGEST = "emostream-upload-digest";

    private record Validated(long bytes, long crc32c, AudioDecoder.Info audio) {}

    private UploadHeaders() {}

    public static byte[] validated(AudioDecoder.Info audio, long bytes, long crc32c) {
        try {
            return Json.MAPPER.writeValueAsBytes(new Validated(bytes, crc32c, audio));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What the REST path found for exactly these bytes, if it validated them. */
    public static Optional<AudioDecoder.Info> validated(Headers headers, byte[] value) {
        Header h = headers == null ? null : headers.lastHeader(VALIDATED);
        if (h == null || h.value() == null || value == null) {
            return Optional.empty();
        }
        try {
            Validated v = Json.MAPPER.readValue(h.value(), Validated.class);
            return v.bytes() == value.length && v.crc32c() == crc32c(value) && v.audio() != null
                    ? Optional.of(v.audio())
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // not ours: validate as usual
        }
    }

    public static String uploadDigest(Headers headers) {
        Header h = headers == null ? null : headers.lastHeader(UPLOAD_DIGEST);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    public static long crc32c(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b, 0, b.length);
        return c.getValue();
    }

    public static long crc32c(Path file) throws IOException {
        CRC32C c = new CRC32C();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                c.update(buf, 0, n);
            }
        }
        return c.getValue();
    }
}
