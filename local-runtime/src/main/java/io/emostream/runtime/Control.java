package io.emostream.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Requests to a running supervisor from other processes ({@code ./emostream scale}, {@code kafka}, {@code postgres},
 * tests through {@link LocalPlatform}): one file per request in {@code <home>/control}, answered by a file beside
 * it. Files, like {@code runtime.json}, because the supervisor listens on no port of its own.
 */
final class Control {

    private static final String REQUEST = ".request";
    private static final String ANSWER = ".answer";
    static final String OK = "ok";

    private Control() {}

    /** A request the supervisor has not answered yet. */
    record Request(Path file, String command) {}

    static Path dir(Path home) {
        return home.resolve("control");
    }

    /**
     * Sends one command and waits for its answer.
     *
     * @return the supervisor's answer ({@link #OK} or what it did)
     * @throws IllegalStateException when the supervisor refused or failed the request, or did not answer in time
     */
    static String send(Path home, String command, Duration timeout) throws IOException, InterruptedException {
        Path dir = dir(home);
        Files.createDirectories(dir);
        String id = UUID.randomUUID().toString();
        Path tmp = dir.resolve(id + ".tmp");
        Files.writeString(tmp, command, StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve(id + REQUEST), StandardCopyOption.ATOMIC_MOVE);
        Path answer = dir.resolve(id + ANSWER);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(answer)) {
            if (System.nanoTime() > deadline) {
                Files.deleteIfExists(dir.resolve(id + REQUEST));
                throw new IllegalStateException("the supervisor did not answer '" + command + "' within " + timeout
                        + " (is EmoStream running? see " + home.resolve("logs").resolve("supervisor.log") + ")");
            }
            Thread.sleep(100);
        }
        String text = Files.readString(answer, StandardCharsets.UTF_8);
        Files.deleteIfExists(answer);
        if (text.startsWith("error: ")) {
            throw new IllegalStateException(text.substring("error: ".length()));
        }
        return text;
    }

    /** The requests waiting in {@code home}, oldest first. */
    static List<Request> pending(Path home) throws IOException {
        Path dir = dir(home);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Request> out = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(REQUEST))
                    .sorted(java.util.Comparator.comparing(Control::modified))
                    .toList()) {
                out.add(new Request(
                        f, Files.readString(f, StandardCharsets.UTF_8).trim()));
            }
        }
        return out;
    }

    /** Answers a request: {@link #OK}, a message, or {@code error: …} (which {@link #send} throws). */
    static void answer(Request request, String text) throws IOException {
        String name = request.file().getFileName().toString();
        Path dir = request.file().getParent();
        String id = name.substring(0, name.length() - REQUEST.length());
        Path tmp = dir.resolve(id + ".answer.tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve(id + ANSWER), StandardCopyOption.ATOMIC_MOVE);
        Files.deleteIfExists(request.file());
    }

    private static long modified(Path f) {
        try {
            return Files.getLastModifiedTime(f).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }
}
