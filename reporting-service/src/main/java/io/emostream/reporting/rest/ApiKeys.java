package io.emostream.reporting.rest;

import io.emostream.reporting.config.ReportingConfig;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/** The configured API keys, held as SHA-256 digests and compared in constant time. */
@ApplicationScoped
public class ApiKeys {

    private final List<byte[]> digests;

    public ApiKeys(ReportingConfig config) {
        digests = config.apiKeys().orElse(List.of()).stream()
                .map(String::trim).filter(k -> !k.isEmpty()).map(ApiKeys::digest).toList();
        if (digests.isEmpty()) {
            Log.warn("no API keys configured (emostream.reporting.api-keys): every API request will get 401");
        }
    }

    public boolean accepts(String key) {
        byte[] d = digest(key.trim());
        boolean ok = false;
        for (byte[] k : digests) {
            ok |= MessageDigest.isEqual(k, d); // no early exit: the time does not depend on which key matched
        }
        return ok;
    }

    private static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
