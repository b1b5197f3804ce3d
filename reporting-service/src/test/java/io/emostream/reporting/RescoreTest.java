package io.emostream.reporting;

import io.emostream.contracts.Distribution;
import io.emostream.contracts.Emotion;
import io.emostream.contracts.EmotionScore;
import io.emostream.contracts.FusedEmotion;
import io.emostream.contracts.FusionMode;
import io.emostream.contracts.InferenceTiming;
import io.emostream.contracts.Modalities;
import io.emostream.contracts.Modality;
import io.emostream.contracts.ModelRef;
import io.emostream.contracts.ScoreFusion;
import io.emostream.contracts.UtteranceId;
import io.emostream.testsupport.KafkaAndPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static io.emostream.reporting.ApiFixtures.api;
import static io.emostream.reporting.Fixtures.awaitSinkCaughtUp;
import static io.emostream.reporting.Fixtures.peaked;
import static io.emostream.reporting.Fixtures.row;
import static io.emostream.reporting.Fixtures.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

/**
 * Re-scoring through the real broker into the real database: a result carrying one modality merges into the stored
 * row per modality, the fused label is recomputed with the shared {@link ScoreFusion}, and an older score of a
 * modality never overwrites a newer one.
 */
@QuarkusTest
@WithTestResource(value = KafkaAndPostgresResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class RescoreTest {

    private static final Instant T0 = Instant.parse("2029-06-01T09:00:00Z");
    private static final Instant LATER = T0.plus(Duration.ofDays(3));
    private static final Distribution CALM_VOICE = peaked(Emotion.NEUTRAL, 0.6);
    private static final Distribution ANGRY_VOICE = peaked(Emotion.ANGRY, 0.95);
    /** neutral 0.4, the rest 0.1 each: weak enough that a clearly angry voice turns the fused label. */
    private static final Distribution MILD_TEXT = peaked(Emotion.NEUTRAL, 0.4);

    private static EmotionScore score(
            Modality m,
            String rec,
            int i,
            Distribution p,
            String version,
            Instant scoredAt,
            Map<String, Double> dimensions) {
        String model = m == Modality.SPEECH ? "ser-crnn" : "ter-minilm-cnn";
        return new EmotionScore(
                EmotionScore.SCHEMA_VERSION,
                UtteranceId.of(rec, i),
                rec,
                i,
                m,
                i * 2000L,
                i * 2000L + 1500,
                "agent",
                true,
                m == Modality.TEXT ? "text " + i : null,
                new ModelRef(model, version),
                p,
                p.label(),
                p.confidence(),
                new InferenceTiming(1, 5, 8, 1),
                T0,
                scoredAt,
                dimensions);
    }

    private static EmotionScore speech(String rec, int i, Distribution p, String version, Instant scoredAt) {
        return score(Modality.SPEECH, rec, i, p, version, scoredAt, null);
    }

    private static EmotionScore text(String rec, int i, Distribution p, String version, Instant scoredAt) {
        return score(Modality.TEXT, rec, i, p, version, scoredAt, null);
    }

    /** What fusion emits for these inputs (FIXED mode; either may be null). */
    private static FusedEmotion fused(EmotionScore s, EmotionScore t, boolean correction, Instant fusedAt) {
        ScoreFusion.Combined c = ScoreFusion.defaults(FusionMode.FIXED)
                .combine(s == null ? null : s.probabilities(), t == null ? null : t.probabilities());
        EmotionScore first = s != null ? s : t;
        Modalities m = s == null ? Modalities.TEXT_ONLY : t == null ? Modalities.SPEECH_ONLY : Modalities.BOTH;
        return new FusedEmotion(
                FusedEmotion.SCHEMA_VERSION,
                first.utteranceId(),
                first.recordingId(),
                first.index(),
                first.startMs(),
                first.endMs(),
                first.speaker(),
                t == null ? null : t.text(),
                m,
                FusionMode.FIXED,
                c.speechWeight(),
                c.textWeight(),
                s,
                t,
                c.probabilities(),
                c.probabilities().label(),
                c.probabilities().confidence(),
                correction,
                T0,
                fusedAt);
    }

    private static Map<String, Object> utterance(String id) throws Exception {
        return row("SELECT * FROM utterances WHERE utterance_id = '" + id + "'");
    }

    @Test
    void aSpeechOnlyReScoreReplacesTheSpeechColumnsAndTheFusedLabelAndKeepsTheText() throws Exception {
        EmotionScore s1 = speech("rs-a", 0, CALM_VOICE, "1.0.0", T0.plusMillis(20));
        EmotionScore t1 = text("rs-a", 0, MILD_TEXT, "1.0.0", T0.plusMillis(30));
        send(fused(s1, t1, false, T0.plusMillis(40)));
        awaitSinkCaughtUp();
        assertThat(utterance("rs-a#0")).containsEntry("label", "neutral").containsEntry("modalities", "BOTH");
        assertThat(row("SELECT dominant_emotion FROM recordings WHERE recording_id = 'rs-a'"))
                .containsEntry("dominant_emotion", "neutral");

        // a new speech model re-scores the utterance; fusion emits the speech score alone, as a correction
        EmotionScore s2 = speech("rs-a", 0, ANGRY_VOICE, "2.0.0", LATER);
        send(fused(s2, null, true, LATER.plusMillis(5)));
        awaitSinkCaughtUp();

        Distribution expected = ScoreFusion.defaults(FusionMode.FIXED)
                .combine(ANGRY_VOICE, MILD_TEXT)
                .probabilities();
        assertThat(expected.label())
                .as("the re-score must change the fused label")
                .isEqualTo(Emotion.ANGRY);
        Map<String, Object> u = utterance("rs-a#0");
        assertThat(u)
                .containsEntry("label", "angry")
                .containsEntry("modalities", "BOTH")
                .containsEntry("correction", true)
                .containsEntry("speech_model_version", "2.0.0")
                .containsEntry("speech_label", "angry")
                .containsEntry("text_model", "ter-minilm-cnn")
                .containsEntry("text_model_version", "1.0.0")
                .containsEntry("text_label", "neutral")
                .containsEntry("transcript", "text 0");
        assertThat((Double) u.get("confidence")).isCloseTo(expected.confidence(), within(1e-9));
        assertThat((Double) u.get("p_angry")).isCloseTo(expected.get(Emotion.ANGRY), within(1e-9));
        assertThat((Double) u.get("p_neutral")).isCloseTo(expected.get(Emotion.NEUTRAL), within(1e-9));
        assertThat((Double) u.get("speech_weight")).isCloseTo(0.375, within(1e-9));
        assertThat(u.get("text_probs").toString()).contains("\"neutral\": 0.4");
        assertThat(u.get("speech_scored_at").toString()).startsWith("2029-06-04");
        assertThat(row("SELECT dominant_emotion FROM recordings WHERE recording_id = 'rs-a'"))
                .as("the recording aggregates follow")
                .containsEntry("dominant_emotion", "angry");
        assertThat(row("SELECT sum(c_angry) AS angry, sum(c_neutral) AS neutral FROM emotion_hourly "
                        + "WHERE recording_id = 'rs-a'"))
                .containsEntry("angry", 1L)
                .containsEntry("neutral", 0L);
    }

    @Test
    void aLateTextOnlyResultNeverBlanksTheSpeechColumns() throws Exception {
        EmotionScore s = speech("rs-b", 0, ANGRY_VOICE, "1.0.0", T0.plusMillis(20));
        EmotionScore t = text("rs-b", 0, MILD_TEXT, "1.0.0", T0.plusMillis(30));
        // fused from both, then the text side arrives again alone (fusion no longer remembered the utterance)
        send(fused(s, t, false, T0.plusMillis(40)));
        send(fused(null, t, false, T0.plus(Duration.ofHours(2))));
        // a speech-only result whose transcript came after fusion's memory: the text merges in, speech stays
        EmotionScore s1 = speech("rs-b", 1, ANGRY_VOICE, "1.0.0", T0.plusMillis(20));
        EmotionScore t1 = text("rs-b", 1, MILD_TEXT, "1.0.0", T0.plus(Duration.ofHours(2)));
        send(fused(s1, null, false, T0.plusSeconds(40)));
        send(fused(null, t1, false, T0.plus(Duration.ofHours(2)).plusMillis(5)));
        awaitSinkCaughtUp();

        assertThat(utterance("rs-b#0"))
                .containsEntry("modalities", "BOTH")
                .containsEntry("speech_model", "ser-crnn")
                .containsEntry("speech_label", "angry")
                .containsEntry("correction", false);
        Map<String, Object> u1 = utterance("rs-b#1");
        assertThat(u1)
                .containsEntry("modalities", "BOTH")
                .containsEntry("speech_model", "ser-crnn")
                .containsEntry("speech_label", "angry")
                .containsEntry("text_label", "neutral")
                .containsEntry("transcript", "text 1")
                .containsEntry("correction", true);
        Distribution expected = ScoreFusion.defaults(FusionMode.FIXED)
                .combine(ANGRY_VOICE, MILD_TEXT)
                .probabilities();
        assertThat((Double) u1.get("p_angry")).isCloseTo(expected.get(Emotion.ANGRY), within(1e-9));
        assertThat(u1).containsEntry("label", expected.label().label());
    }

    @Test
    void aStaleOrReplayedOlderScoreNeverOverwritesANewerOne() throws Exception {
        EmotionScore s1 = speech("rs-c", 0, CALM_VOICE, "1.0.0", T0.plusMillis(20));
        EmotionScore t1 = text("rs-c", 0, MILD_TEXT, "1.0.0", T0.plusMillis(30));
        EmotionScore s2 = speech("rs-c", 0, ANGRY_VOICE, "2.0.0", LATER);
        FusedEmotion original = fused(s1, t1, false, T0.plusMillis(40));
        send(original);
        send(fused(s2, null, true, LATER.plusMillis(5)));
        awaitSinkCaughtUp();
        Map<String, Object> before = utterance("rs-c#0");
        assertThat(before).containsEntry("speech_model_version", "2.0.0").containsEntry("label", "angry");

        // the old version's results replayed (an old speech-only result, then the original fused one), each alone
        send(fused(s1, null, false, T0.plusMillis(25)));
        awaitSinkCaughtUp();
        send(original);
        awaitSinkCaughtUp();
        Map<String, Object> after = utterance("rs-c#0");
        assertThat(after)
                .containsEntry("speech_model_version", "2.0.0")
                .containsEntry("label", "angry")
                .containsEntry("text_model_version", "1.0.0")
                .containsEntry("p_angry", before.get("p_angry"))
                .containsEntry("updated_at", before.get("updated_at"));
    }

    @Test
    void theTextModelsDimensionsAreStoredAndServed() throws Exception {
        Map<String, Double> vad = Map.of("valence", 2.1, "arousal", 3.6, "dominance", 2.9);
        EmotionScore s = speech("rs-d", 0, ANGRY_VOICE, "1.0.0", T0.plusMillis(20));
        EmotionScore t = score(Modality.TEXT, "rs-d", 0, MILD_TEXT, "1.0.0", T0.plusMillis(30), vad);
        send(fused(s, t, false, T0.plusMillis(40)));
        send(fused(s, null, false, T0.plusMillis(10))); // an older speech-only record keeps them too
        awaitSinkCaughtUp();
        assertThat(utterance("rs-d#0").get("text_dimensions").toString()).contains("\"valence\": 2.1");
        api().get("/utterances/rs-d%230")
                .then()
                .statusCode(200)
                .body("text.dimensions.valence", closeTo(2.1, 1e-9))
                .body("text.dimensions.arousal", closeTo(3.6, 1e-9))
                .body("text.scoredAt", is("2029-06-01T09:00:00.030Z"))
                .body("speech.dimensions", nullValue());
        String[] csv = api().get("/utterances/export.csv?recording=rs-d")
                .then()
                .statusCode(200)
                .extract()
                .asString()
                .split("\r\n");
        assertThat(csv[0]).contains(",text_confidence,text_valence,text_arousal,text_dominance,correction,");
        assertThat(csv[1]).contains(",2.1,3.6,2.9,false,");
    }
}
