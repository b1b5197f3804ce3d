package io.emostream.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code analyze [files…] [--serve] [--timeout SECONDS]}: runs recordings through the whole platform and prints
 * what it found per utterance. Starts the platform if it is not running (and stops it again unless
 * {@code --serve}); uploads each file through the ingest API with its sidecar transcript ({@code .vtt},
 * {@code .json} or {@code .txt} next to it); follows the results in the reporting API. Without files it
 * analyses the bundled samples. A service that restarts meanwhile is waited for: an upload that got no answer
 * is sent again with the same Idempotency-Key ({@link IngestClient}); failures are reported in words.
 */
final class AnalyzeCommand {

    private static final List<String> AUDIO = List.of(
            ".wav", ".mp3", ".flac", ".ogg", ".opus", ".m4a", ".aac", ".mp4", ".webm", ".mkv", ".aiff", ".caf", ".amr");
    private static final List<String> SIDECARS = List.of(".vtt", ".json", ".txt");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final RuntimeSettings settings;
    private final String reporting;
    private final IngestClient ingest;

    private record Submitted(Path file, String recordingId, List<String> utteranceIds, boolean hasTranscript) {}

    AnalyzeCommand(RuntimeSettings settings) {
        this.settings = settings;
        this.reporting = settings.serviceUrl(ServiceSpec.named("reporting"));
        // a service that dies under an upload is restarted by the supervisor: wait for it, then send again
        this.ingest = new IngestClient(
                settings.serviceUrl(ServiceSpec.named("ingest")), settings.apiKey(), 5, Duration.ofMinutes(3));
    }

    int run(List<String> args, List<String> runtimeOptions) throws Exception {
        boolean serve = false;
        Duration timeout = Duration.ofMinutes(5);
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            switch (args.get(i)) {
                case "--serve" -> serve = true;
                case "--timeout" -> timeout = Duration.ofSeconds(Long.parseLong(args.get(++i)));
                default -> files.add(Path.of(args.get(i)));
            }
        }
        if (files.isEmpty()) {
            try (Stream<Path> s = Files.list(settings.repo().resolve("samples"))) {
                files = s.filter(AnalyzeCommand::isAudio).sorted().toList();
            }
            System.out.println("no files given: analysing the " + files.size() + " bundled samples in samples/");
        }
        for (Path f : files) {
            if (!Files.isReadable(f) || Files.isDirectory(f)) {
                System.err.println("cannot read " + f);
                return 2;
            }
        }

        boolean startedHere = false;
        Optional<RuntimeState> state = RuntimeState.read(settings.home());
        if (state.isEmpty()
                || !state.get().supervisorAlive()
                || !RuntimeState.READY.equals(state.get().state())) {
            if (state.isPresent() && state.get().supervisorAlive()) {
                System.err.println("EmoStream is " + state.get().state() + "; wait for it to be ready or run "
                        + "./emostream down");
                return 1;
            }
            int code = RuntimeMain.upInBackground(settings, runtimeOptions);
            if (code != 0) {
                return code;
            }
            startedHere = true;
        }
        if (startedHere) {
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(
                            () -> {
                                if (RuntimeState.read(settings.home())
                                        .map(RuntimeState::supervisorAlive)
                                        .orElse(false)) {
                                    System.out.println("\nstopping EmoStream ...");
                                    RuntimeMain.stop(settings);
                                }
                            },
                            "analyze-stop"));
        }

        List<Submitted> submitted = new ArrayList<>();
        int failures = 0;
        for (Path f : files) {
            try {
                submitted.add(submit(f));
            } catch (IngestClient.Rejected e) {
                failures++;
                System.err.printf("%-28s rejected: %s%n", f.getFileName(), e.getMessage());
            } catch (IngestClient.Unavailable e) {
                failures++;
                System.err.printf("%-28s not uploaded: %s%n", f.getFileName(), e.getMessage());
            } catch (IOException e) {
                failures++;
                System.err.printf("%-28s cannot be read: %s%n", f.getFileName(), e.getMessage());
            }
        }
        Map<String, List<JsonNode>> results = await(submitted, timeout);
        printTable(submitted, results);

        System.out.println();
        System.out.println("See the results in the console (upload more there too):");
        System.out.println("  "
                + RuntimeMain.consoleUrl(
                        reporting,
                        submitted.isEmpty()
                                ? ""
                                : "recording.html?id="
                                        + URLEncoder.encode(submitted.get(0).recordingId(), StandardCharsets.UTF_8),
                        settings));
        System.out.println("or through the API (key in " + settings.home().resolve("api-key") + "):");
        System.out.println("  " + reporting + "/q/swagger-ui");
        if (!submitted.isEmpty()) {
            System.out.println("  curl -H \"X-API-Key: $(cat " + settings.home().resolve("api-key") + ")\" " + reporting
                    + "/recordings/" + submitted.get(0).recordingId());
        }
        int missing = (int) submitted.stream()
                .filter(s -> results.getOrDefault(s.recordingId(), List.of()).size()
                        < s.utteranceIds().size())
                .count();
        if (serve) {
            System.out.println("\nEmoStream keeps running; Ctrl-C to stop"
                    + (startedHere ? "" : " this command (the platform stays up)"));
            Thread.currentThread().join();
        }
        // when this command started the platform, the shutdown hook stops it as the JVM exits
        return failures + missing == 0 ? 0 : 1;
    }

    private static boolean isAudio(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return AUDIO.stream().anyMatch(n::endsWith);
    }

    private Submitted submit(Path file)
            throws IOException, IngestClient.Rejected, IngestClient.Unavailable, InterruptedException {
        byte[] audio = Files.readAllBytes(file);
        Optional<Path> sidecar = sidecar(file);
        String transcript = sidecar.isPresent() ? Files.readString(sidecar.get()) : null;
        String id = recordingId(file, audio, transcript);
        IngestClient.Accepted a;
        String note = "";
        try {
            a = ingest.upload(id, file.getFileName().toString(), audio, transcript);
        } catch (IngestClient.Rejected e) {
            // the id is a hash of the content: a taken id is this very recording, uploaded before this
            // installation sent Idempotency-Keys; its results are there to show
            var existing = e.status() == 409 ? ingest.existing(id) : Optional.<IngestClient.Accepted>empty();
            if (existing.isEmpty()) {
                throw e;
            }
            a = existing.get();
            note = ", analysed before";
        }
        System.out.printf(
                "%-28s → %s, %d utterance(s)%s%s%n",
                file.getFileName(),
                id,
                a.utteranceIds().size(),
                sidecar.map(s -> ", transcript " + s.getFileName()).orElse(", no transcript"),
                note);
        return new Submitted(file, id, a.utteranceIds(), transcript != null);
    }

    private static Optional<Path> sidecar(Path audio) {
        String name = audio.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String base = dot > 0 ? name.substring(0, dot) : name;
        return SIDECARS.stream()
                .map(ext -> audio.resolveSibling(base + ext))
                .filter(Files::isReadable)
                .findFirst();
    }

    /** The file name made safe, plus a content hash: analysing the same file again gives the same ids. */
    static String recordingId(Path file, byte[] audio, String transcript) {
        String name = file.getFileName().toString().replaceAll("\\.[^.]*$", "").replaceAll("[^A-Za-z0-9._:-]", "_");
        if (name.isEmpty() || !Character.isLetterOrDigit(name.charAt(0))) {
            name = "rec" + name;
        }
        if (name.length() > 100) {
            name = name.substring(0, 100);
        }
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        sha.update(audio);
        if (transcript != null) {
            sha.update(transcript.getBytes(StandardCharsets.UTF_8));
        }
        return name + "-" + HexFormat.of().formatHex(sha.digest()).substring(0, 10);
    }

    /** Polls the reporting API until every utterance has its result (fused from both sides when there is text). */
    // Console.isTerminal() (JDK 22+) is not in Java 17; on JDK 22+ System.console() is never null, so the progress
    // line is then also drawn when the output is redirected
    @SuppressWarnings("SystemConsoleNull")
    private Map<String, List<JsonNode>> await(List<Submitted> submitted, Duration timeout) throws Exception {
        Map<String, List<JsonNode>> results = new LinkedHashMap<>();
        int expected = submitted.stream().mapToInt(s -> s.utteranceIds().size()).sum();
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean terminal = System.console() != null;
        int shown = -1;
        while (true) {
            int done = 0;
            for (Submitted s : submitted) {
                List<JsonNode> items = utterances(s.recordingId());
                if (items == null) { // reporting is not answering right now: keep what we had
                    items = results.getOrDefault(s.recordingId(), List.of());
                }
                results.put(s.recordingId(), items);
                done += (int) items.stream()
                        .filter(u -> !s.hasTranscript()
                                || "BOTH".equals(u.path("modalities").asText()))
                        .count();
            }
            done = Math.min(done, expected);
            if (terminal) { // one line, rewritten in place
                System.out.printf("\r  results: %d/%d utterances", done, expected);
            } else if (done != shown) { // a log: a line per change
                System.out.printf("  results: %d/%d utterances%n", done, expected);
            }
            shown = done;
            if (done >= expected) {
                if (terminal) {
                    System.out.println();
                }
                return results;
            }
            if (System.nanoTime() > deadline) {
                System.out.println((terminal ? "\n" : "") + "  (timed out: showing what is there)");
                return results;
            }
            Thread.sleep(500);
        }
    }

    /** The results so far; null when reporting does not answer right now (restarting): ask again later. */
    private List<JsonNode> utterances(String recordingId) throws Exception {
        HttpResponse<String> r;
        try {
            r = HTTP.send(
                    HttpRequest.newBuilder(URI.create(reporting + "/utterances?order=asc&limit=500&recording="
                                    + URLEncoder.encode(recordingId, StandardCharsets.UTF_8)))
                            .header("X-API-Key", settings.apiKey())
                            .timeout(Duration.ofSeconds(10))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        }
        if (r.statusCode() != 200) {
            return null;
        }
        List<JsonNode> items = new ArrayList<>();
        JSON.readTree(r.body()).path("items").forEach(items::add);
        return items;
    }

    private static void printTable(List<Submitted> submitted, Map<String, List<JsonNode>> results) {
        String format = "%-26s %-13s %-9s %-42s %-14s %-14s %-9s %5s%n";
        System.out.println();
        System.out.printf(format, "recording", "span (s)", "speaker", "transcript", "speech", "text", "fused", "conf");
        System.out.println("-".repeat(140));
        for (Submitted s : submitted) {
            List<JsonNode> items = results.getOrDefault(s.recordingId(), List.of());
            if (items.isEmpty()) {
                System.out.printf(
                        format, cut(s.file().getFileName().toString(), 26), "", "", "(no results yet)", "", "", "", "");
            }
            for (JsonNode u : items) {
                System.out.printf(
                        Locale.ROOT,
                        format,
                        cut(s.file().getFileName().toString(), 26),
                        String.format(
                                Locale.ROOT,
                                "%.1f-%.1f",
                                u.path("startMs").asLong() / 1000.0,
                                u.path("endMs").asLong() / 1000.0),
                        cut(u.path("speaker").asText(""), 9),
                        cut(u.path("transcript").asText(""), 42),
                        score(u.path("speech")),
                        score(u.path("text")),
                        u.path("label").asText(),
                        String.format(Locale.ROOT, "%.2f", u.path("confidence").asDouble()));
            }
        }
        // the distribution of fused labels, most frequent first
        Map<String, Integer> counts = new LinkedHashMap<>();
        results.values()
                .forEach(
                        items -> items.forEach(u -> counts.merge(u.path("label").asText(), 1, Integer::sum)));
        if (!counts.isEmpty()) {
            int total = counts.values().stream().mapToInt(Integer::intValue).sum();
            System.out.println();
            System.out.println("fused labels: "
                    + counts.entrySet().stream()
                            .sorted(Map.Entry.<String, Integer>comparingByValue()
                                    .reversed())
                            .map(e -> String.format(
                                    Locale.ROOT,
                                    "%s %d (%.0f %%)",
                                    e.getKey(),
                                    e.getValue(),
                                    100.0 * e.getValue() / total))
                            .collect(java.util.stream.Collectors.joining(", ")));
        }
    }

    private static String score(JsonNode s) {
        if (s.isMissingNode() || s.isNull()) {
            return "-";
        }
        return String.format(
                Locale.ROOT,
                "%s %.2f",
                s.path("label").asText(),
                s.path("confidence").asDouble());
    }

    private static String cut(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }
}
