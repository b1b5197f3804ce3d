package io.emostream.console;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The logic in the console's scripts, run in the real browser on fixtures: colours and opacity, the timeline model
 * (lanes, low-confidence and disagreement markers), when a recording is complete, plain-words errors, the filter
 * form's query (in a +05:30 browser zone), recording ids as ./emostream analyze makes them, and the timeline's
 * drawing and hover card. The pages' own files are served as they are shipped (from reporting-service's
 * resources) by a plain file server: no platform is needed.
 */
class ConsoleScriptsTest {

    static final Path PAGES = Path.of(System.getProperty("emostream.repo", ".."))
            .toAbsolutePath()
            .normalize()
            .resolve("reporting-service/src/main/resources/META-INF/resources");
    static final Path FIXTURES = Path.of("src/test/resources").toAbsolutePath();
    static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8", "js", "text/javascript", "css", "text/css", "svg", "image/svg+xml");

    private static HttpServer server;
    private static Browser browser;

    @BeforeAll
    @SuppressWarnings("AddressSelection") // a literal loopback address: nothing to resolve
    static void start() throws IOException {
        Browser.assumeInstalled();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            Path root = path.startsWith("/fixture/") ? FIXTURES : PAGES;
            Path file = root.resolve(path.substring(1)).normalize();
            try (OutputStream out = exchange.getResponseBody()) {
                if (!file.startsWith(root) || !Files.isRegularFile(file)) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                String name = file.getFileName().toString();
                exchange.getResponseHeaders()
                        .set(
                                "Content-Type",
                                TYPES.getOrDefault(
                                        name.substring(name.lastIndexOf('.') + 1), "application/octet-stream"));
                byte[] body = Files.readAllBytes(file);
                exchange.sendResponseHeaders(200, body.length);
                out.write(body);
            }
        });
        server.start();
        // a zone with a half-hour offset: days chosen in the filter form must become that zone's midnights
        browser = new Browser("http://127.0.0.1:" + server.getAddress().getPort(), Map.of("TZ", "Asia/Kolkata"));
        browser.open("/fixture/scripts.html");
        browser.await(
                Duration.ofSeconds(20),
                "fixture modules loaded",
                d -> "true".equals(browser.script("return document.body.dataset.ready")));
    }

    @AfterAll
    static void stop() throws IOException {
        if (browser != null) {
            browser.close();
        }
        if (server != null) {
            server.stop(0);
        }
    }

    @AfterEach
    void noConsoleErrors() {
        assertThat(browser.consoleErrors()).isEmpty();
    }

    private static Object js(String body, Object... args) {
        return browser.script("const {api, emotions, forms, timeline, view} = window.m; " + body, args);
    }

    /** A recording as GET /recordings/{id} gives it: two speakers, one utterance without a speaker. */
    static final String DETAIL = """
            {"recording": {"recordingId": "r1", "state": "SEGMENTED", "durationMs": 20000, "hasTranscript": true,
              "expectedUtterances": 4, "utteranceCount": 4, "speakers": ["Agent", "Customer"]},
             "lowConfidenceThreshold": 0.4,
             "timeline": [
              {"utteranceId": "r1#0", "index": 0, "startMs": 0, "endMs": 4000, "speaker": "Agent",
               "transcript": "Hello, how can I help?", "label": "neutral", "confidence": 0.9, "modalities": "BOTH",
               "probabilities": {"neutral": 0.9, "happy": 0.1},
               "speech": {"model": "ser", "modelVersion": "1", "label": "neutral", "confidence": 0.8},
               "text": {"model": "ter", "modelVersion": "1", "label": "neutral", "confidence": 0.95}},
              {"utteranceId": "r1#1", "index": 1, "startMs": 4500, "endMs": 9000, "speaker": "Customer",
               "transcript": "My parcel never came!", "label": "angry", "confidence": 0.35, "modalities": "BOTH",
               "probabilities": {"angry": 0.35, "sad": 0.3},
               "speech": {"model": "ser", "modelVersion": "1", "label": "sad", "confidence": 0.5},
               "text": {"model": "ter", "modelVersion": "1", "label": "angry", "confidence": 0.6}},
              {"utteranceId": "r1#2", "index": 2, "startMs": 9500, "endMs": 14000, "speaker": "Agent",
               "transcript": "I am sorry.", "label": "sad", "confidence": 0.55, "modalities": "SPEECH_ONLY",
               "probabilities": {"sad": 0.55},
               "speech": {"model": "ser", "modelVersion": "1", "label": "sad", "confidence": 0.55}, "text": null},
              {"utteranceId": "r1#3", "index": 3, "startMs": 15000, "endMs": 22000, "speaker": null,
               "transcript": null, "label": "surprise", "confidence": 0.4, "modalities": "SPEECH_ONLY",
               "probabilities": {"surprise": 0.4},
               "speech": {"model": "ser", "modelVersion": "1", "label": "surprise", "confidence": 0.4}, "text": null}
             ]}""";

    @Test
    void eachEmotionHasItsColourAndConfidenceSetsTheOpacity() {
        assertThat(js("return emotions.LABELS.map(l => emotions.colorOf(l))"))
                .isEqualTo(List.of("#8a8f98", "#f2b705", "#2f6fde", "#d7263d", "#7b3fb5", "#2f8f4e", "#f26b1d"));
        assertThat(js("return emotions.colorOf('furious')")).isEqualTo("#444b55");
        assertThat(js("return [0, 1 / 7, 0.5, 1, 1.5, -1, NaN, null].map(c => emotions.opacityOf(c))"))
                .isEqualTo(List.of(0.2, 0.314, 0.6, 1L, 1L, 0.2, 0.2, 0.2));
        assertThat(js("return [emotions.clock(0), emotions.clock(75300), emotions.clock(3723000), "
                        + "emotions.span(4600, 9400), emotions.percent(0.356), emotions.percent(null)]"))
                .isEqualTo(List.of("0:00", "1:15", "1:02:03", "4.6–9.4 s", "36 %", "–"));
    }

    @Test
    void theTimelineModelHasALanePerSpeakerAndMarksLowConfidenceAndDisagreement() {
        @SuppressWarnings("unchecked")
        Map<String, Object> model = (Map<String, Object>) js("""
                const mo = timeline.timelineModel(JSON.parse(arguments[0]));
                return {lanes: mo.lanes.map(l => l.title), ids: mo.lanes.map(l => l.segments.map(s => s.utteranceId)),
                  low: mo.lanes.flatMap(l => l.segments).filter(s => s.lowConfidence).map(s => s.utteranceId),
                  disagree: mo.lanes.flatMap(l => l.segments).filter(s => s.disagreement).map(s => s.utteranceId),
                  colours: mo.lanes.flatMap(l => l.segments).map(s => s.color),
                  duration: mo.durationMs, counts: [mo.lowConfidence, mo.disagreements],
                  dist: timeline.speakerDistribution(mo).map(d => [d.title, d.total, d.counts.neutral, d.counts.sad])}""", DETAIL);
        // lanes in order of first appearance; the utterance without a speaker gets a lane of its own
        assertThat(model.get("lanes")).isEqualTo(List.of("Agent", "Customer", "(no speaker)"));
        assertThat(model.get("ids")).isEqualTo(List.of(List.of("r1#0", "r1#2"), List.of("r1#1"), List.of("r1#3")));
        // under the recording's threshold (0.4), not at it
        assertThat(model.get("low")).isEqualTo(List.of("r1#1"));
        // only where both models spoke and differ; a speech-only utterance never disagrees
        assertThat(model.get("disagree")).isEqualTo(List.of("r1#1"));
        assertThat(model.get("colours")).isEqualTo(List.of("#8a8f98", "#2f6fde", "#d7263d", "#f26b1d"));
        // the last utterance ends after the stated duration: the axis covers it
        assertThat(model.get("duration")).isEqualTo(22000L);
        assertThat(model.get("counts")).isEqualTo(List.of(1L, 1L));
        assertThat(model.get("dist"))
                .isEqualTo(List.of(
                        List.of("Agent", 2L, 1L, 1L),
                        List.of("Customer", 1L, 0L, 0L),
                        List.of("(no speaker)", 1L, 0L, 0L)));
        assertThat(js("return [timeline.tickStep(15000, 1000), timeline.tickStep(600000, 1000), "
                        + "timeline.tickStep(4 * 3600000, 1200)]"))
                .isEqualTo(List.of(2000L, 60000L, 900000L));
    }

    @Test
    void aRecordingIsStillLandingUntilEveryUtteranceIsFusedOrItFailed() {
        String check = "const d = JSON.parse(arguments[0]); const r = d.recording; %s; return view.stillLanding(d);";
        assertThat(js(check.formatted("d.timeline.forEach(u => u.modalities = 'BOTH')"), DETAIL))
                .isEqualTo(false);
        // two utterances still speech-only in a recording with a transcript: their text results are coming
        assertThat(js(check.formatted(""), DETAIL)).isEqualTo(true);
        assertThat(js(check.formatted("r.hasTranscript = false"), DETAIL)).isEqualTo(false);
        assertThat(js(check.formatted("r.hasTranscript = false; r.utteranceCount = 3; d.timeline.pop()"), DETAIL))
                .isEqualTo(true);
        assertThat(js(check.formatted("r.state = 'ACCEPTED'; r.hasTranscript = false"), DETAIL))
                .isEqualTo(true);
        assertThat(js(check.formatted("r.state = null; r.hasTranscript = false"), DETAIL))
                .isEqualTo(true);
        assertThat(js(check.formatted("r.state = 'FAILED'; d.timeline = []; r.utteranceCount = 0"), DETAIL))
                .isEqualTo(false);
    }

    @Test
    void problemsBecomePlainWords() {
        assertThat(js("return api.problemMessage(401, {detail: 'the API key is not valid'})"))
                .isEqualTo("The API key was not accepted (the API key is not valid). Enter a valid key above.");
        assertThat(
                        js(
                                "return api.problemMessage(422, {title: 'Corrupt or truncated audio', reason: 'AUDIO_CORRUPT', "
                                        + "detail: 'truncated: the WAV header declares 201112 bytes of audio but the file holds 956'})"))
                .isEqualTo("The audio is damaged or cut short: decoding fails part-way through the file. Ingest says: "
                        + "truncated: the WAV header declares 201112 bytes of audio but the file holds 956. "
                        + "[AUDIO_CORRUPT]");
        assertThat((String) js("return api.problemMessage(415, {reason: 'AUDIO_UNREADABLE'})"))
                .startsWith("This is not audio EmoStream can read.");
        assertThat(js("return api.problemMessage(429, null, 7)"))
                .isEqualTo("Ingest is busy with other uploads; trying again in 7 s.");
        assertThat(js("return api.problemMessage(413, null)"))
                .isEqualTo("The file is larger than the service accepts.");
        assertThat(js("return api.problemMessage(0, null)"))
                .isEqualTo("The EmoStream service is not reachable from this browser. Is it running?");
        assertThat(
                        js(
                                "return api.problemMessage(502, {title: 'Ingest is not reachable', detail: 'connection refused'})"))
                .isEqualTo("Ingest is not reachable: connection refused (HTTP 502)");
        assertThat(js("return api.problemMessage(500, api.parseProblem('<html>oops</html>'))"))
                .isEqualTo("The request failed with HTTP 500.");
        assertThat(js(
                        "return [{status: 429, retryAfter: 5}, {status: 503, retryAfter: 2}, {status: 409, retryAfter: 3}, "
                                + "{status: 409, retryAfter: null}, {status: 422, retryAfter: null}, {status: 202}]"
                                + ".map(a => api.retryableUpload(a))"))
                .isEqualTo(List.of(true, true, true, false, false, false));
        // every reason code ingest and the pipeline can give has its words
        for (String reason : List.of(
                "INVALID_KEY",
                "MALFORMED_EVENT",
                "UNSUPPORTED_SCHEMA_VERSION",
                "AUDIO_EMPTY",
                "AUDIO_UNREADABLE",
                "AUDIO_CORRUPT",
                "AUDIO_TOO_LARGE",
                "AUDIO_TOO_LONG",
                "TRANSCRIPT_MALFORMED",
                "TRANSCRIPT_OUT_OF_RANGE",
                "TRANSCRIPT_WITHOUT_RECORDING",
                "MODEL_FAILURE")) {
            assertThat(js("return api.REASONS[arguments[0]]", reason))
                    .as(reason)
                    .isNotNull();
        }
    }

    @Test
    void theFilterFormBecomesTheListQueryInTheBrowsersZone() {
        // Asia/Kolkata is UTC+05:30: 22 Nov starts at 21 Nov 18:30 UTC; "to" includes its day
        assertThat(js("return api.query(forms.filterParams({search: '', emotion: 'angry', speaker: 'agent-7', "
                        + "state: '', from: '2026-11-22', to: '2026-11-23', lowConfidence: true}))"))
                .isEqualTo(
                        "?emotion=angry&speaker=agent-7&from=2026-11-21T18%3A30%3A00.000Z&to=2026-11-23T18%3A30%3A00.000Z"
                                + "&lowConfidence=true");
        assertThat(js("return api.query(forms.filterParams({search: 'call', lowConfidence: false}))"))
                .isEqualTo("?search=call");
        assertThat(js("return api.query({a: null, b: '', c: false, d: 0, e: 'x y'})"))
                .isEqualTo("?d=0&e=x+y");
        assertThat(js(
                        "return [forms.bucketFor('1', 'auto'), forms.bucketFor('7', 'auto'), forms.bucketFor('all', 'auto'), "
                                + "forms.bucketFor('30', 'hour')]"))
                .isEqualTo(List.of("hour", "day", "day", "hour"));
    }

    @Test
    void recordingIdsAreMadeAsAnalyzeMakesThem() {
        String hash = "0123456789abcdef";
        assertThat(js("return forms.recordingId('call-support.wav', arguments[0])", hash))
                .isEqualTo("call-support-0123456789");
        assertThat(js("return forms.recordingId('My call (1).final.mp3', arguments[0])", hash))
                .isEqualTo("My_call__1_.final-0123456789");
        assertThat(js("return forms.recordingId('.hidden.wav', arguments[0])", hash))
                .isEqualTo("rec.hidden-0123456789");
        assertThat(js("return forms.recordingId('x'.repeat(150) + '.wav', arguments[0])", hash))
                .isEqualTo("x".repeat(100) + "-0123456789");
    }

    @Test
    void theTimelineDrawsEveryUtteranceAndDescribesItOnHoverAndKeyboard() {
        js(
                "document.getElementById('host').replaceChildren(); "
                        + "window.picked = []; window.t = new timeline.Timeline(document.getElementById('host'), "
                        + "{onSelect: s => window.picked.push(s.utteranceId)}); window.t.update(JSON.parse(arguments[0]));",
                DETAIL);
        List<WebElement> segments = browser.all("#host .segment");
        assertThat(segments)
                .extracting(s -> s.getAttribute("data-utterance-id"))
                .containsExactly("r1#0", "r1#2", "r1#1", "r1#3");
        assertThat(segments)
                .extracting(s -> s.getAttribute("fill"))
                .containsExactly("#8a8f98", "#2f6fde", "#d7263d", "#f26b1d");
        assertThat(segments)
                .extracting(s -> s.getAttribute("fill-opacity"))
                .containsExactly("0.92", "0.64", "0.48", "0.52");
        assertThat(browser.all("#host .marker-low"))
                .extracting(s -> s.getAttribute("data-utterance-id"))
                .containsExactly("r1#1");
        assertThat(browser.all("#host .marker-disagree"))
                .extracting(s -> s.getAttribute("data-utterance-id"))
                .containsExactly("r1#1");
        assertThat(browser.all("#host .lane-label"))
                .extracting(WebElement::getText)
                .containsExactly("Agent", "Customer", "(no speaker)");
        // later segments sit further right, at their start times
        double x0 = Double.parseDouble(segments.get(0).getAttribute("x"));
        double x1 = Double.parseDouble(segments.get(2).getAttribute("x"));
        double w0 = Double.parseDouble(segments.get(0).getAttribute("width"));
        assertThat(x1 - x0).isCloseTo(w0 * 4500 / 4000, org.assertj.core.data.Offset.offset(0.5));

        WebElement customer = segments.get(2);
        new Actions(browser.driver).moveToElement(customer).perform();
        WebElement tooltip = browser.driver.findElement(By.cssSelector(".tooltip"));
        browser.await(Duration.ofSeconds(5), "tooltip", d -> tooltip.isDisplayed());
        assertThat(tooltip.getText())
                .contains(
                        "#1 · 4.5–9.0 s · Customer",
                        "“My parcel never came!”",
                        "fused angry 35 %",
                        "speech sad 50 %",
                        "text angry 60 %",
                        "low confidence",
                        "speech and text disagree");
        customer.click();
        assertThat(js("return window.picked")).isEqualTo(List.of("r1#1"));
        assertThat(customer.getAttribute("class")).contains("selected");
        // the keyboard walks the utterances in time order
        customer.sendKeys(Keys.ARROW_RIGHT);
        assertThat(js("return document.activeElement.dataset.utteranceId")).isEqualTo("r1#2");
        browser.driver.switchTo().activeElement().sendKeys(Keys.ENTER);
        assertThat(js("return window.picked")).isEqualTo(List.of("r1#1", "r1#2"));
        new Actions(browser.driver).moveByOffset(0, 300).perform();
    }
}
