package io.emostream.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProblemTest {

    @Test
    void aProblemIsRfc9457JsonWithOurTypeAndOnlyTheFieldsItHas() throws Exception {
        JsonNode p = Json.MAPPER.readTree(Problem.of("Not Found", "Not found", 404, "no recording 'x'", "/recordings/x")
                .toJson());
        assertThat(p.get("type").asText()).isEqualTo("urn:emostream:problem:not-found");
        assertThat(p.get("title").asText()).isEqualTo("Not found");
        assertThat(p.get("status").asInt()).isEqualTo(404);
        assertThat(p.get("detail").asText()).isEqualTo("no recording 'x'");
        assertThat(p.get("instance").asText()).isEqualTo("/recordings/x");
        assertThat(p.has("reason")).isFalse();
        assertThat(p.has("parameter")).isFalse();
    }

    @Test
    void rejectedInputCarriesItsDeadLetterReasonAndAParameterProblemNamesTheParameter() throws Exception {
        JsonNode rejected = Json.MAPPER.readTree(
                Problem.rejected(FailureReason.AUDIO_TOO_LARGE, "Recording too large", 413, "too big", null)
                        .toJson());
        assertThat(rejected.get("type").asText()).isEqualTo("urn:emostream:problem:audio-too-large");
        assertThat(rejected.get("reason").asText()).isEqualTo("AUDIO_TOO_LARGE");
        assertThat(rejected.has("instance")).isFalse();

        JsonNode parameter = Json.MAPPER.readTree(Problem.of("invalid-parameter", "Invalid parameter", 400, "bad", "/u")
                .withParameter("from")
                .toJson());
        assertThat(parameter.get("parameter").asText()).isEqualTo("from");
    }

    @Test
    void theUnauthorizedBodyIsAProblem() throws Exception {
        JsonNode p = Json.MAPPER.readTree(ApiKeys.unauthorizedBody("the API key is not valid", "/utterances"));
        assertThat(p.get("type").asText()).isEqualTo("urn:emostream:problem:unauthorized");
        assertThat(p.get("status").asInt()).isEqualTo(401);
    }

    @Test
    void everyServiceRejectsARecordingIdWithTheSameWords() {
        assertThat(UtteranceId.recordingIdProblem("call-1")).isEmpty();
        assertThat(UtteranceId.recordingIdProblem("a#b"))
                .contains("'a#b' is not a recording id (" + UtteranceId.RECORDING_ID_RULE + ")");
        assertThat(UtteranceId.recordingIdProblem(null)).isPresent();
        assertThatThrownBy(() -> UtteranceId.requireValidRecordingId("-x"))
                .hasMessage("'-x' is not a recording id (" + UtteranceId.RECORDING_ID_RULE + ")");
    }
}
