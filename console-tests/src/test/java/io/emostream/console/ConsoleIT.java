package io.emostream.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.emostream.runtime.LocalPlatform;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console in headless Chromium against the platform exactly as {@code ./emostream} runs it (the packaged local
 * runtime: real KRaft broker, PostgreSQL, the four service JVMs, shipped models). A wrong key, an upload through the
 * page followed to its timeline, the recording page, the list's filters and live updates, the trends; every page
 * checked against the API's rows, with no error in the browser console. Screenshots of each page go to
 * target/console-screenshots/.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleIT {

    /** The colour of each emotion: what a reader of the timeline's legend relies on. */
    static final Map<String, String> COLOURS = Map.of(
            "neutral",
            "#8a8f98",
            "happy",
            "#f2b705",
            "sad",
            "#2f6fde",
            "angry",
            "#d7263d",
            "fear",
            "#7b3fb5",
            "disgust",
            "#2f8f4e",
            "surprise",
            "#f26b1d");

    static final Duration RESULTS = Duration.ofMinutes(4);

    private static LocalPlatform local;
    private static Platform platform;
    private static Browser browser;
    private static final String RUN = "ui-" + UUID.randomUUID().toString().substring(0, 6) + "-";
    private static final Map<String, String> SEEDED = new HashMap<>(); // recording id -> audio sample
    private static String uploaded;
    private static boolean expectRejections;

    @BeforeAll
    static void start() throws Exception {
        Browser.assumeInstalled();
        local = LocalPlatform.start(Platform.REPO, "all", Map.of());
        platform = new Platform(local);
        // recordings for the list, uploaded the way the console uploads (through reporting to ingest)
        seed("angry", "angry-refund.wav", "angry-refund.txt");
        seed("sad", "sad-goodbye.wav", "sad-goodbye.txt");
        seed("happy", "happy-news.wav", "happy-news.txt");
        seed("voicemail", "voicemail.mp3", null);
        browser = new Browser(platform.reporting, Map.of());
    }

    private static void seed(String name, String audio, String transcript) throws Exception {
        HttpResponse<String> r = platform.upload(RUN + name, audio, transcript, platform.key);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        SEEDED.put(RUN + name, audio);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
        if (local != null) {
            local.close();
        }
    }

    @AfterEach
    void theBrowserConsoleHasNoErrors() {
        List<String> errors = browser.consoleErrors();
        if (expectRejections) { // the wrong key's 401 answers are logged by the browser as failed requests
            assertThat(errors).allSatisfy(e -> assertThat(e).contains("401"));
            expectRejections = false;
        } else {
            assertThat(errors).isEmpty();
        }
    }

    @Test
    @Order(1)
    void aWrongKeyIsRefusedWithAClearMessage() throws Exception {
        expectRejections = true;
        browser.open("/console/index.html");
        assertThat(browser.find("#notice").getText()).contains("Enter your API key");
        browser.find("#api-key").sendKeys("not-the-key");
        browser.find("#api-key-use").click();
        WebElement notice = browser.find("#notice");
        browser.await(
                Duration.ofSeconds(20),
                "a message about the key",
                d -> notice.getText().contains("not accepted"));
        assertThat(notice.getText())
                .isEqualTo("The API key was not accepted (the API key is not valid). Enter a valid key above.");
        assertThat(browser.find("#api-key").isDisplayed())
                .as("the key box asks again")
                .isTrue();
        assertThat(browser.all("#recordings tbody tr")).isEmpty();
        // the upload goes through the same key check: the page says so in the same words
        browser.open("/console/upload.html");
        browser.find("#audio")
                .sendKeys(Platform.SAMPLES.resolve("happy-news.wav").toString());
        browser.await(
                Duration.ofSeconds(10),
                "upload enabled",
                d -> browser.find("#upload").isEnabled());
        browser.find("#upload").click();
        browser.await(
                Duration.ofSeconds(30),
                "the upload refused",
                d -> "401".equals(browser.script("return document.body.dataset.uploadFailed")));
        assertThat(browser.find("#notice").getText()).startsWith("The API key was not accepted");
        browser.screenshot("wrong-key");
        browser.script("sessionStorage.clear()");
    }

    @Test
    @Order(2)
    void anUploadThroughThePageEndsInItsTimeline() throws Exception {
        browser.open("/console/upload.html");
        browser.find("#api-key").sendKeys(platform.key);
        browser.find("#api-key-use").click();
        assertThat(browser.find("#key-status").getText())
                .isEqualTo("API key …" + platform.key.substring(platform.key.length() - 4));

        browser.find("#audio")
                .sendKeys(Platform.SAMPLES.resolve("call-support.wav").toString());
        browser.find("#transcript")
                .sendKeys(Platform.SAMPLES.resolve("call-support.vtt").toString());
        uploaded = Platform.analyzeId("call-support.wav", "call-support.vtt");
        // the page names the recording as ./emostream analyze would: the same file gets the same id
        browser.await(
                Duration.ofSeconds(10),
                "recording id from the file",
                d -> uploaded.equals(browser.find("#recording-id").getAttribute("placeholder")));
        assertThat(browser.find("#chosen-transcript").getText()).isEqualTo("Transcript: call-support.vtt");
        browser.find("#upload").click();

        browser.await(
                RESULTS,
                "the upload's results on the page",
                d -> "true".equals(browser.script("return document.body.dataset.complete")));
        assertThat(browser.all("#steps li"))
                .extracting(li -> li.getAttribute("class"))
                .containsExactly("done", "done", "done", "done");
        assertThat(browser.find("#status").getText()).isEqualTo("Done: 3 utterances analysed. Click one to hear it.");

        JsonNode detail = platform.api("/recordings/" + Platform.encode(uploaded));
        assertThat(Platform.complete(detail)).isTrue();
        assertThat(detail.path("timeline")).hasSize(3);
        assertTimelineShows(detail);

        // hovering shows the utterance: its transcript and each model's label
        JsonNode second = detail.path("timeline").get(1);
        WebElement segment = segment(second.path("utteranceId").asText());
        new Actions(browser.driver).moveToElement(segment).perform();
        WebElement tooltip = browser.find(".tooltip");
        browser.await(Duration.ofSeconds(5), "hover card", d -> tooltip.isDisplayed());
        assertThat(tooltip.getText())
                .contains(
                        "· Customer",
                        "“" + second.path("transcript").asText() + "”",
                        "fused " + second.path("label").asText(),
                        "speech " + second.path("speech").path("label").asText(),
                        "text " + second.path("text").path("label").asText());
        browser.screenshot("upload");
        new Actions(browser.driver).moveToElement(browser.find("h1")).perform();

        // the same file again: it gets the same id, and the page shows that recording's results, no error
        browser.find("#upload").click();
        browser.await(
                RESULTS,
                "the same recording's results again",
                d -> "true".equals(browser.script("return document.body.dataset.complete")));
        assertThat(browser.find("#recording-link").getText()).isEqualTo(uploaded);
        assertThat(browser.all("#notice.error")).isEmpty();
        assertThat(browser.all(".segment")).hasSize(3);
        assertThat(platform.api("/recordings?search=call-support").path("items"))
                .hasSize(1);
    }

    @Test
    @Order(3)
    void theRecordingPageShowsTheTimelineTheSelectionAndDownloads() throws Exception {
        JsonNode detail = platform.api("/recordings/" + Platform.encode(uploaded));
        browser.open("/console/recording.html?id=" + Platform.encode(uploaded));
        browser.await(
                Duration.ofSeconds(20),
                "the timeline",
                d -> browser.all(".segment").size() == 3);
        assertTimelineShows(detail);
        assertThat(browser.find("#state").getText()).contains("SEGMENTED");
        assertThat(browser.find("#speakers").getText()).contains("Agent, Customer");
        assertThat(browser.all("#utterances tbody tr")).hasSize(3);

        JsonNode first = detail.path("timeline").get(0);
        segment(first.path("utteranceId").asText()).click();
        assertThat(browser.find("#selected-transcript").getText())
                .isEqualTo("“" + first.path("transcript").asText() + "”");
        assertThat(browser.find("#selected-head").getText())
                .contains(first.path("label").asText());
        // fused, speech and text distributions, seven labels each, as the API has them
        List<WebElement> rows = browser.all("#selection .prob-row");
        assertThat(rows).hasSize(21);
        String fusedTop = String.format(
                Locale.ROOT, "%.1f %%", 100 * first.path("confidence").asDouble());
        assertThat(browser.find("#selection .prob-row[data-label='"
                                + first.path("label").asText() + "']")
                        .getText())
                .endsWith(fusedTop);
        assertThat(browser.find("#utterances tr.selected").getAttribute("data-utterance-id"))
                .isEqualTo(first.path("utteranceId").asText());

        Path csv = browser.downloads.resolve(uploaded + ".csv");
        Files.deleteIfExists(csv);
        browser.find("#download-csv").click();
        browser.await(Duration.ofSeconds(20), "the CSV download", d -> Files.exists(csv) && sizeOf(csv) > 0);
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines.get(0)).startsWith("utterance_id,recording_id,index,start_ms,end_ms,speaker,transcript,label");
        assertThat(lines).hasSize(4);
        assertThat(lines.get(2)).startsWith(uploaded + "#1," + uploaded + ",1,");
        browser.screenshot("recording");
    }

    @Test
    @Order(4)
    void theListFiltersAndFollowsNewResults() throws Exception {
        Map<String, JsonNode> details = new HashMap<>();
        for (String id : SEEDED.keySet()) {
            details.put(id, platform.awaitRecording(id, Platform::complete, RESULTS));
        }
        details.put(uploaded, platform.api("/recordings/" + Platform.encode(uploaded)));

        browser.open("/console/index.html");
        assertThat(awaitListed(apiIds(""))).containsAll(details.keySet());

        // by dominant emotion: pick one that some but not all recordings have, so the list visibly changes
        Map<String, List<String>> byEmotion = details.values().stream()
                .map(d -> d.path("recording"))
                .collect(Collectors.groupingBy(
                        r -> r.path("dominantEmotion").asText(),
                        Collectors.mapping(r -> r.path("recordingId").asText(), Collectors.toList())));
        String emotion = byEmotion.entrySet().stream()
                .min(Map.Entry.comparingByValue((a, b) -> a.size() - b.size()))
                .orElseThrow()
                .getKey();
        new Select(browser.find("select[name=emotion]")).selectByValue(emotion);
        List<String> angry = awaitListed(apiIds("?emotion=" + emotion));
        assertThat(angry).containsAll(byEmotion.get(emotion)).hasSizeLessThan(details.size());
        assertThat(browser.all("#recordings tbody tr"))
                .allSatisfy(tr -> assertThat(tr.getAttribute("data-dominant")).isEqualTo(emotion));
        assertThat(browser.driver.getCurrentUrl())
                .as("filters are kept in the address")
                .contains("emotion=" + emotion);
        browser.screenshot("recordings-filtered");
        browser.find("#clear").click();
        awaitListed(apiIds(""));

        // by speaker: only the call has an agent and a customer
        browser.find("input[name=speaker]").sendKeys("Customer\n");
        assertThat(awaitListed(apiIds("?speaker=Customer"))).containsExactly(uploaded);
        browser.find("#clear").click();
        awaitListed(apiIds(""));

        // recordings with low-confidence utterances, as the API counts them
        List<String> low = details.values().stream()
                .filter(d -> d.path("lowConfidenceUtterances").asInt() > 0)
                .map(d -> d.path("recording").path("recordingId").asText())
                .toList();
        browser.find("input[name=lowConfidence]").click();
        assertThat(awaitListed(apiIds("?lowConfidence=true"))).containsExactlyInAnyOrderElementsOf(low);
        browser.find("#clear").click();
        awaitListed(apiIds(""));

        // a date range with nothing in it
        String tomorrow = LocalDate.now(ZoneId.systemDefault()).plusDays(1).toString();
        browser.script(
                "const f = document.querySelector('input[name=from]'); f.value = arguments[0]; "
                        + "f.dispatchEvent(new Event('change', {bubbles: true}))",
                tomorrow);
        awaitListed(List.of());
        assertThat(browser.find("#empty").getText()).isEqualTo("No recordings match these filters.");
        browser.find("#clear").click();
        awaitListed(apiIds(""));

        // results that land while the page is open appear without a reload
        browser.script("window.sameDocument = true");
        String late = RUN + "late";
        assertThat(platform.upload(late, "sad-goodbye.wav", "sad-goodbye.txt", platform.key)
                        .statusCode())
                .isEqualTo(202);
        browser.await(RESULTS, "the new recording in the list", d -> listed().contains(late));
        assertThat(browser.script("return window.sameDocument")).isEqualTo(true);
        platform.awaitRecording(late, Platform::complete, RESULTS);
        browser.await(
                Duration.ofSeconds(20),
                "its final state in the list",
                d -> "SEGMENTED"
                        .equals(browser.find("tr[data-recording-id='" + late + "']")
                                .getAttribute("data-state")));
        browser.screenshot("recordings");
    }

    @Test
    @Order(5)
    void trendsShowTheStatsOverTimeAndPerSpeaker() throws Exception {
        browser.open("/console/trends.html");
        browser.await(
                Duration.ofSeconds(30),
                "the charts",
                d -> browser.script("return document.body.dataset.loaded") != null);
        JsonNode speakers = platform.api("/stats/emotions?groupBy=speaker&limit=500");
        List<WebElement> rows = browser.all("#per-speaker-table tbody tr");
        assertThat(rows).hasSize(speakers.path("groups").size());
        for (int i = 0; i < rows.size(); i++) {
            JsonNode g = speakers.path("groups").get(i);
            WebElement row = rows.get(i);
            for (String label : COLOURS.keySet()) {
                assertThat(row.findElement(By.cssSelector("td[data-label='" + label + "']"))
                                .getAttribute("textContent"))
                        .as(g.path("key").asText() + " " + label)
                        .isEqualTo(g.path("counts").path(label).asText());
            }
        }
        JsonNode total = platform.api("/stats/emotions?groupBy=day&limit=10000");
        int utterances = 0;
        for (JsonNode g : total.path("groups")) {
            utterances += g.path("utterances").asInt();
        }
        int shown = 0;
        for (WebElement tr : browser.all("#over-time-table tbody tr")) {
            shown += Integer.parseInt(tr.findElements(By.tagName("td")).get(1).getAttribute("textContent"));
        }
        assertThat(shown).isEqualTo(utterances).isPositive();
        // both charts are drawn (ECharts, SVG renderer) with a legend naming every emotion
        for (String chart : List.of("#over-time", "#per-speaker")) {
            assertThat(browser.all(chart + " svg path").size()).as(chart).isGreaterThan(7);
            String text = browser.find(chart).getText();
            COLOURS.keySet().forEach(l -> assertThat(text).as(chart).contains(l));
        }
        browser.screenshot("trends");
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    private static WebElement segment(String utteranceId) {
        return browser.find(".segment[data-utterance-id='" + utteranceId + "']");
    }

    /** Every utterance of the API's timeline is one segment with its label, colour and confidence as opacity. */
    private static void assertTimelineShows(JsonNode detail) {
        JsonNode timeline = detail.path("timeline");
        assertThat(browser.all(".segment")).hasSize(timeline.size());
        int disagreements = 0;
        for (JsonNode u : timeline) {
            WebElement s = segment(u.path("utteranceId").asText());
            String label = u.path("label").asText();
            double confidence = u.path("confidence").asDouble();
            assertThat(s.getAttribute("data-label")).isEqualTo(label);
            assertThat(s.getAttribute("fill")).as(label).isEqualTo(COLOURS.get(label));
            assertThat(Double.parseDouble(s.getAttribute("fill-opacity")))
                    .isCloseTo(0.2 + 0.8 * confidence, org.assertj.core.data.Offset.offset(0.001));
            assertThat(Double.parseDouble(s.getAttribute("data-confidence")))
                    .isCloseTo(confidence, org.assertj.core.data.Offset.offset(1e-9));
            if (!u.path("speech")
                    .path("label")
                    .asText()
                    .equals(u.path("text").path("label").asText())) {
                disagreements++;
            }
        }
        assertThat(browser.all(".marker-low[data-utterance-id]"))
                .hasSize(detail.path("lowConfidenceUtterances").asInt());
        assertThat(browser.all(".marker-disagree[data-utterance-id]")).hasSize(disagreements);
        List<String> lanes = new ArrayList<>();
        browser.all(".lane-label").forEach(l -> lanes.add(l.getText()));
        assertThat(lanes).containsExactly("Agent", "Customer");
    }

    /** The recording ids the list shows, in order. */
    @SuppressWarnings("unchecked")
    private static List<String> listed() {
        // read in one go: the table is redrawn every few seconds
        return (List<String>) browser.script(
                "return [...document.querySelectorAll('#recordings tbody tr')]" + ".map(tr => tr.dataset.recordingId)");
    }

    private static List<String> apiIds(String query) throws Exception {
        List<String> ids = new ArrayList<>();
        platform.api("/recordings" + query)
                .path("items")
                .forEach(r -> ids.add(r.path("recordingId").asText()));
        return ids;
    }

    /** Waits until the list shows exactly {@code expected}, in order. */
    private static List<String> awaitListed(List<String> expected) {
        browser.await(Duration.ofSeconds(20), "the list to show " + expected, d -> listed().equals(expected));
        return listed();
    }
}
