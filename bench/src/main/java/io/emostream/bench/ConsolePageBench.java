package io.emostream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.emostream.contracts.Json;
import io.emostream.runtime.LocalPlatform;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * How long the console's recording page takes to show a long recording: builds one recording of N utterances from
 * the bundled samples (a WAV of them back to back and a WebVTT transcript, two speakers), runs it through the whole
 * platform (uploaded through the console's pass-through), then loads its page in headless Chromium (Debian's
 * chromium + chromium-driver) again and again and prints the navigation timing: first byte, DOMContentLoaded,
 * load, and when the timeline was drawn (the page's {@code emostream:timeline} mark), plus the API call and the
 * bytes transferred. The first load has a cold browser cache; the rest reuse it, as a person clicking through does.
 *
 * <pre>bench/console-page.sh [utterances, default 200] [loads, default 20]</pre>
 */
public final class ConsolePageBench {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String[][] PIECES = { // sample, its transcript (one utterance each)
        {"angry-refund.wav", "angry-refund.txt"},
        {"sad-goodbye.wav", "sad-goodbye.txt"},
        {"happy-news.wav", "happy-news.txt"}
    };
    private static final int RATE = 16_000;

    public static void main(String[] args) throws Exception {
        int utterances = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int loads = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        Path repo = Stats.repo();
        System.out.printf("starting the platform (broker, PostgreSQL, four services) ...%n");
        try (LocalPlatform platform = LocalPlatform.start(repo, "all", Map.of())) {
            String base = platform.url("reporting");
            String key = platform.apiKey();
            String id = "bench-console-" + UUID.randomUUID().toString().substring(0, 8);
            Recording rec = build(repo.resolve("samples"), utterances);
            System.out.printf(
                    "uploading %s: %d utterances, %.1f min of audio (%d kB) ...%n",
                    id, utterances, rec.pcm.length / 2.0 / RATE / 60, rec.pcm.length / 1024);
            long t0 = System.nanoTime();
            upload(base, key, id, rec);
            JsonNode detail = awaitComplete(base, key, id, utterances, Duration.ofMinutes(15));
            System.out.printf(
                    "all %d results stored after %.0f s%n",
                    detail.path("timeline").size(), (System.nanoTime() - t0) / 1e9);
            measure(base, key, id, utterances, loads);
        }
    }

    private record Recording(byte[] pcm, String vtt) {}

    /** N utterances: the samples back to back (400 ms apart), speakers alternating, a cue per piece. */
    static Recording build(Path samples, int utterances) throws Exception {
        ByteArrayOutputStream pcm = new ByteArrayOutputStream();
        StringBuilder vtt = new StringBuilder("WEBVTT\n\n");
        byte[] gap = new byte[RATE * 2 * 400 / 1000];
        for (int i = 0; i < utterances; i++) {
            String[] piece = PIECES[i % PIECES.length];
            byte[] wav = Files.readAllBytes(samples.resolve(piece[0]));
            byte[] data = java.util.Arrays.copyOfRange(wav, dataOffset(wav), wav.length);
            double start = pcm.size() / 2.0 / RATE;
            pcm.write(data);
            double end = pcm.size() / 2.0 / RATE;
            pcm.write(gap);
            vtt.append(ts(start))
                    .append(" --> ")
                    .append(ts(end))
                    .append('\n')
                    .append("<v ")
                    .append(i % 2 == 0 ? "Customer" : "Agent")
                    .append('>')
                    .append(Files.readString(samples.resolve(piece[1])).trim())
                    .append("\n\n");
        }
        return new Recording(pcm.toByteArray(), vtt.toString());
    }

    /** Where a canonical WAV's sample data starts (after the "data" chunk header). */
    private static int dataOffset(byte[] wav) {
        for (int i = 12; i + 8 <= wav.length; ) {
            String chunk = new String(wav, i, 4, StandardCharsets.US_ASCII);
            int size = ByteBuffer.wrap(wav, i + 4, 4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .getInt();
            if (chunk.equals("data")) {
                return i + 8;
            }
            i += 8 + size + (size & 1);
        }
        throw new IllegalArgumentException("no data chunk");
    }

    private static String ts(double seconds) {
        int ms = (int) Math.round(seconds * 1000);
        return String.format(
                Locale.ROOT, "%02d:%02d:%02d.%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    }

    private static byte[] wav(byte[] pcm) {
        ByteBuffer h = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
        h.put("RIFF".getBytes(StandardCharsets.US_ASCII))
                .putInt(36 + pcm.length)
                .put("WAVEfmt ".getBytes(StandardCharsets.US_ASCII))
                .putInt(16)
                .putShort((short) 1)
                .putShort((short) 1)
                .putInt(RATE)
                .putInt(RATE * 2)
                .putShort((short) 2)
                .putShort((short) 16)
                .put("data".getBytes(StandardCharsets.US_ASCII))
                .putInt(pcm.length);
        byte[] out = new byte[44 + pcm.length];
        System.arraycopy(h.array(), 0, out, 0, 44);
        System.arraycopy(pcm, 0, out, 44, pcm.length);
        return out;
    }

    private static void upload(String base, String key, String id, Recording rec) throws Exception {
        String boundary = "bench-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        part(body, boundary, "recordingId", null, id.getBytes(StandardCharsets.UTF_8));
        part(body, boundary, "transcript", null, rec.vtt.getBytes(StandardCharsets.UTF_8));
        part(body, boundary, "file", id + ".wav", wav(rec.pcm));
        body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(base + "/ingest/recordings"))
                        .header("X-API-Key", key)
                        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                        .timeout(Duration.ofMinutes(5))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 202) {
            throw new IllegalStateException("upload refused: " + r.statusCode() + " " + r.body());
        }
    }

    private static void part(ByteArrayOutputStream out, String boundary, String name, String filename, byte[] content)
            throws Exception {
        out.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\""
                        + (filename != null
                                ? "; filename=\"" + filename + "\"\r\nContent-Type: audio/wav"
                                : "\r\nContent-Type: text/plain; charset=UTF-8")
                        + "\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        out.write(content);
        out.write("\r\n".getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode awaitComplete(String base, String key, String id, int utterances, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        int shown = -1;
        while (true) {
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(
                                    URI.create(base + "/recordings/" + URLEncoder.encode(id, StandardCharsets.UTF_8)))
                            .header("X-API-Key", key)
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                JsonNode d = Json.MAPPER.readTree(r.body());
                int both = 0;
                for (JsonNode u : d.path("timeline")) {
                    both += "BOTH".equals(u.path("modalities").asText()) ? 1 : 0;
                }
                if (both != shown) {
                    System.out.printf("  %d/%d utterances fused%n", both, utterances);
                    shown = both;
                }
                if (both >= utterances) {
                    return d;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("results incomplete after " + timeout);
            }
            Thread.sleep(1000);
        }
    }

    private static void measure(String base, String key, String id, int utterances, int loads) throws Exception {
        Path profile = Files.createTempDirectory("emostream-bench-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(System.getProperty("emostream.chromium", "/usr/bin/chromium"));
        options.addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--user-data-dir=" + profile,
                "--window-size=1400,1000");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingAnyFreePort()
                .usingDriverExecutable(
                        new java.io.File(System.getProperty("emostream.chromedriver", "/usr/bin/chromedriver")))
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        try {
            String page = base + "/console/recording.html?id=" + URLEncoder.encode(id, StandardCharsets.UTF_8);
            driver.get(page + "#key=" + key); // the key moves into session storage; later loads find it there
            Map<String, Object> first = timing(driver, utterances);
            Stats ttfb = new Stats();
            Stats dcl = new Stats();
            Stats load = new Stats();
            Stats drawn = new Stats();
            Stats api = new Stats();
            Map<String, Object> last = first;
            for (int i = 0; i < loads; i++) {
                driver.get(page);
                last = timing(driver, utterances);
                ttfb.add(num(last, "ttfb"));
                dcl.add(num(last, "dcl"));
                load.add(num(last, "load"));
                drawn.add(num(last, "drawn"));
                api.add(num(last, "api"));
            }
            Map<String, Object> f = Stats.figures();
            f.put("utterances", utterances);
            f.put("loads", loads);
            f.put("cold_timeline_drawn_ms", num(first, "drawn"));
            f.put("cold_load_ms", num(first, "load"));
            f.put("cold_transfer_kB", num(first, "transfer") / 1024);
            f.put("ttfb_p50_ms", ttfb.percentile(50));
            f.put("dom_content_loaded_p50_ms", dcl.percentile(50));
            f.put("load_p50_ms", load.percentile(50));
            f.put("timeline_drawn_p50_ms", drawn.percentile(50));
            f.put("timeline_drawn_p95_ms", drawn.percentile(95));
            f.put("timeline_drawn_max_ms", drawn.percentile(100));
            f.put("api_recording_p50_ms", api.percentile(50));
            f.put("api_recording_kB", num(last, "apiBytes") / 1024);
            Stats.print("console-page", f);
        } finally {
            driver.quit();
            try (var tree = Files.walk(profile)) {
                tree.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Navigation timing of the page just opened, once its timeline is drawn with every utterance. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> timing(ChromeDriver driver, int utterances) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Boolean.TRUE.equals(((JavascriptExecutor) driver)
                .executeScript(
                        "return document.querySelectorAll('.segment').length === arguments[0] "
                                + "&& performance.getEntriesByName('emostream:timeline').length > 0 "
                                + "&& performance.getEntriesByType('navigation')[0].loadEventEnd > 0",
                        utterances))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the page did not draw " + utterances + " utterances in 60 s");
            }
            Thread.sleep(20);
        }
        return (Map<String, Object>) ((JavascriptExecutor) driver).executeScript("""
                const n = performance.getEntriesByType('navigation')[0];
                const api = performance.getEntriesByType('resource').filter(r => r.name.includes('/recordings/'));
                const res = performance.getEntriesByType('resource');
                return {ttfb: n.responseStart, dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd,
                  drawn: performance.getEntriesByName('emostream:timeline')[0].startTime,
                  api: api.length ? api[0].duration : null, apiBytes: api.length ? api[0].encodedBodySize : null,
                  transfer: n.transferSize + res.reduce((s, r) => s + (r.transferSize || 0), 0)};""");
    }

    private static double num(Map<String, Object> m, String k) {
        Object v = m.get(k);
        return v == null ? Double.NaN : ((Number) v).doubleValue();
    }

    private ConsolePageBench() {}
}
