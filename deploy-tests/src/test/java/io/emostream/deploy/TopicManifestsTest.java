package io.emostream.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.emostream.contracts.Topics;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The topic lists in compose and k8s are generated from Topics.ALL and are up to date. */
class TopicManifestsTest {

    @Test
    void composeScriptIsGeneratedFromTopicsAll() throws IOException {
        checkOrRegenerate(TopicManifests.COMPOSE_SCRIPT, TopicManifests.composeScript());
        assertThat(Files.isExecutable(Repo.path(TopicManifests.COMPOSE_SCRIPT)))
                .as("executable")
                .isTrue();
    }

    @Test
    void kafkaTopicResourcesAreGeneratedFromTopicsAll() throws IOException {
        checkOrRegenerate(TopicManifests.K8S_TOPICS, TopicManifests.kafkaTopics());
    }

    /** Reads the generated resources back: one per topic, each with Topics' config and partition count. */
    @Test
    void kafkaTopicResourcesEqualTopicsAll() {
        List<JsonNode> docs = Yaml.readAll(Repo.read(TopicManifests.K8S_TOPICS));
        Map<String, Map<String, String>> rendered = new HashMap<>();
        for (JsonNode d : docs) {
            assertThat(d.path("spec").path("partitions").asInt()).isEqualTo(Topics.DEFAULT_PARTITIONS);
            Map<String, String> config = new HashMap<>();
            d.path("spec")
                    .path("config")
                    .fields()
                    .forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
            rendered.put(d.path("spec").path("topicName").asText(), config);
        }
        Map<String, Map<String, String>> expected = new HashMap<>();
        Topics.ALL.forEach(t -> expected.put(t.name(), t.config()));
        assertThat(rendered).isEqualTo(expected);
    }

    private static void checkOrRegenerate(String relative, String expected) throws IOException {
        Path file = Repo.path(relative);
        if (Boolean.getBoolean("emostream.regenerate")) {
            Files.createDirectories(file.getParent());
            Files.writeString(file, expected);
            if (relative.endsWith(".sh")) {
                file.toFile().setExecutable(true, false);
            }
        }
        assertThat(Files.exists(file) ? Files.readString(file) : "<missing>")
                .as(relative + " is out of date with Topics.ALL: run ./mvnw -B -pl deploy-tests -am verify "
                        + "-Demostream.regenerate=true and commit the result")
                .isEqualTo(expected);
    }
}
