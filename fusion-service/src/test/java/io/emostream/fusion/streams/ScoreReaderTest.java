package io.emostream.fusion.streams;

import io.emostream.contracts.Emotion;
import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.FailureReason;
import io.emostream.contracts.Topics;
import io.emostream.fusion.Scores;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ScoreReaderTest {

    private final ScoreReader reader = new ScoreReader();

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] speechJson(String id) {
        return EventSerdes.EMOTION_SCORE.serialize(Topics.SCORES_SPEECH, Scores.speech(id, Scores.ANGRY_VOICE));
    }

    /** A speech score as a model with its own label names would have written it. */
    private static String withProbabilities(String id, String probabilities, String label) {
        String json = new String(speechJson(id), StandardCharsets.UTF_8);
        return json.replaceFirst("\"probabilities\":\\{[^}]*}", "\"probabilities\":" + probabilities)
                .replace("\"label\":\"angry\"", "\"label\":\"" + label + "\"");
    }

    @Test
    void aCanonicalScoreIsReadAsItIs() {
        byte[] json = speechJson("rec-1#0");

        ScoreReader.Read read = reader.read(Side.SPEECH, b("rec-1#0"), json);

        assertThat(read).isInstanceOfSatisfying(ScoreReader.Valid.class, v -> {
            assertThat(v.score()).isEqualTo(Scores.speech("rec-1#0", Scores.ANGRY_VOICE));
            assertThat(v.remapped()).isFalse();
            assertThat(v.bytes()).isSameAs(json);
        });
    }

    @Test
    void anotherModelsLabelNamesAreMappedOntoTheCanonicalLabels() {
        String json = withProbabilities(
                "rec-1#0", "{\"anger\":0.5,\"mad\":0.1,\"joy\":0.2,\"calm\":0.15,\"Neutral\":0.05}", "anger");

        ScoreReader.Read read = reader.read(Side.SPEECH, b("rec-1#0"), b(json));

        assertThat(read).isInstanceOfSatisfying(ScoreReader.Valid.class, v -> {
            assertThat(v.remapped()).isTrue();
            assertThat(v.score().probabilities().get(Emotion.ANGRY)).isCloseTo(0.6, within(1e-12));
            assertThat(v.score().probabilities().get(Emotion.HAPPY)).isCloseTo(0.2, within(1e-12));
            assertThat(v.score().probabilities().get(Emotion.NEUTRAL)).isCloseTo(0.2, within(1e-12));
            assertThat(v.score().label()).isEqualTo(Emotion.ANGRY);
            assertThat(v.score().confidence()).isCloseTo(0.6, within(1e-12));
            // what is stored for the join reads back on the fast path
            assertThat(EventSerdes.EMOTION_SCORE.deserialize(Topics.SCORES_SPEECH, v.bytes()))
                    .isEqualTo(v.score());
        });
    }

    @Test
    void aLabelWithNoCanonicalEmotionIsRejected() {
        String json = withProbabilities("rec-1#0", "{\"angry\":0.5,\"powerful\":0.5}", "angry");

        ScoreReader.Read read = reader.read(Side.SPEECH, b("rec-1#0"), b(json));

        assertThat(read).isInstanceOfSatisfying(ScoreReader.Invalid.class, i -> {
            assertThat(i.reason()).isEqualTo(FailureReason.MALFORMED_EVENT);
            assertThat(i.detail()).contains("'powerful'");
        });
    }

    @Test
    void probabilitiesThatAreNotADistributionAreRejected() {
        for (String probs :
                new String[] {"{\"angry\":-0.5,\"sad\":1.5}", "{\"angry\":0}", "{\"angry\":\"high\"}", "[0.5,0.5]"}) {
            ScoreReader.Read read =
                    reader.read(Side.SPEECH, b("rec-1#0"), b(withProbabilities("rec-1#0", probs, "angry")));
            assertThat(read)
                    .as(probs)
                    .isInstanceOfSatisfying(
                            ScoreReader.Invalid.class,
                            i -> assertThat(i.reason()).isEqualTo(FailureReason.MALFORMED_EVENT));
        }
    }

    @Test
    void malformedJsonAndUnknownSchemaVersionsAreRejectedWithTheirReason() {
        assertThat(reader.read(Side.TEXT, b("rec-1#0"), b("{\"schemaVersion\":1,")))
                .isInstanceOfSatisfying(ScoreReader.Invalid.class, i -> {
                    assertThat(i.reason()).isEqualTo(FailureReason.MALFORMED_EVENT);
                    assertThat(i.detail()).contains("EmotionScore");
                });
        String future = new String(speechJson("rec-1#0"), StandardCharsets.UTF_8)
                .replace("\"schemaVersion\":1", "\"schemaVersion\":99");
        assertThat(reader.read(Side.SPEECH, b("rec-1#0"), b(future)))
                .isInstanceOfSatisfying(
                        ScoreReader.Invalid.class,
                        i -> assertThat(i.reason()).isEqualTo(FailureReason.UNSUPPORTED_SCHEMA_VERSION));
        assertThat(reader.read(Side.SPEECH, b("rec-1#0"), new byte[0]))
                .isInstanceOfSatisfying(
                        ScoreReader.Invalid.class,
                        i -> assertThat(i.reason()).isEqualTo(FailureReason.MALFORMED_EVENT));
        // the JSON text null: a dead letter with its reason, not an exception out of the processor
        assertThat(reader.read(Side.TEXT, b("rec-1#0"), b("null")))
                .isInstanceOfSatisfying(ScoreReader.Invalid.class, i -> {
                    assertThat(i.reason()).isEqualTo(FailureReason.MALFORMED_EVENT);
                    assertThat(i.detail()).isEqualTo("not a valid EmotionScore: the JSON value null");
                });
    }

    @Test
    void theKeyMustBeTheScoresUtteranceId() {
        byte[] json = speechJson("rec-1#0");

        for (byte[] key : new byte[][] {null, new byte[0], b("rec-1"), b("rec-1#1")}) {
            assertThat(reader.read(Side.SPEECH, key, json))
                    .isInstanceOfSatisfying(
                            ScoreReader.Invalid.class,
                            i -> assertThat(i.reason()).isEqualTo(FailureReason.INVALID_KEY));
        }
    }

    @Test
    void aScoreOnTheOtherModalitysTopicIsRejected() {
        ScoreReader.Read read = reader.read(Side.TEXT, b("rec-1#0"), speechJson("rec-1#0"));

        assertThat(read).isInstanceOfSatisfying(ScoreReader.Invalid.class, i -> {
            assertThat(i.reason()).isEqualTo(FailureReason.MALFORMED_EVENT);
            assertThat(i.detail()).contains("SPEECH score on " + Topics.SCORES_TEXT);
        });
    }
}
