package io.emostream.contracts;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The API keys of a service's REST API, one mechanism for every service (reporting, ingest): a key travels in the
 * {@value #HEADER} header; keys come from {@code emostream.<service>.api-keys} (comma-separated, from a secret);
 * with none configured the API is closed. Held as SHA-256 digests, compared in constant time. Each service has a
 * thin request filter that asks {@link #refusal(String)} and answers {@link #unauthorizedBody(String, String)}.
 */
public final class ApiKeys {

    public static final String HEADER = "X-API-Key";
    /** The {@code WWW-Authenticate} value of a 401. */
    public static final String CHALLENGE = "ApiKey header=\"" + HEADER + "\"";

    private final List<byte[]> digests;

    private ApiKeys(List<byte[]> digests) {
        this.digests = digests;
    }

    /** @param keys the configured keys; blanks are ignored */
    public static ApiKeys of(Collection<String> keys) {
        return new ApiKeys(keys.stream()
                .map(String::trim)
                .filter(k -> !k.isEmpty())
                .map(ApiKeys::digest)
                .toList());
    }

    /** No key configured: every request is refused. */
    public boolean isEmpty() {
        return digests.isEmpty();
    }

    public boolean accepts(String key) {
        if (key == null) {
            return false;
        }
        byte[] d = digest(key.trim());
        boolean ok = false;
        for (byte[] k : digests) {
            ok |= MessageDigest.isEqual(k, d); // no early exit: the time does not depend on which key matched
        }
        return ok;
    }

    /** Empty when the {@value #HEADER} value is accepted; else why not, in words for the 401's detail. */
    public Optional<String> refusal(String headerValue) {
        if (headerValue == null || headerValue.isBlank()) {
            return Optional.of("send an API key in the " + HEADER + " header");
        }
        return accepts(headerValue) ? Optional.empty() : Optional.of("the API key is not valid");
    }

    /** A stable, non-reversible name for the caller of a key (hex), e.g. to scope idempotency keys per caller. */
    public static String callerOf(String key) {
        return HexFormat.of().formatHex(digest("caller:" + key.trim()), 0, 16);
    }

    /** The RFC 9457 body of a 401, the same in every service ({@code instance} = the request path). */
    public static String unauthorizedBody(String detail, String instance) {
        return Problem.of("unauthorized", "Unauthorized", 401, detail, instance).toJson();
    }

    private static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
