package io.emostream.deploy;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** The objects one overlay renders, with lookups the checks need. */
record Rendered(String overlay, List<JsonNode> objects) {

    Stream<JsonNode> ofKind(String kind) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asText()));
    }

    Optional<JsonNode> find(String kind, String name) {
        return ofKind(kind)
                .filter(o -> name.equals(o.path("metadata").path("name").asText()))
                .findFirst();
    }

    JsonNode get(String kind, String name) {
        return find(kind, name).orElseThrow(() -> new AssertionError(overlay + " renders no " + kind + "/" + name));
    }

    /** Deployments and StatefulSets. */
    List<JsonNode> workloads() {
        return objects.stream()
                .filter(o -> List.of("Deployment", "StatefulSet")
                        .contains(o.path("kind").asText()))
                .toList();
    }

    static JsonNode podSpec(JsonNode workload) {
        return workload.path("spec").path("template").path("spec");
    }

    static List<JsonNode> containers(JsonNode workload) {
        List<JsonNode> all = new ArrayList<>();
        podSpec(workload).path("initContainers").forEach(all::add);
        podSpec(workload).path("containers").forEach(all::add);
        return all;
    }

    /** The plain {@code value} env entries of a container (valueFrom entries map to null). */
    static Map<String, String> env(JsonNode container) {
        Map<String, String> env = new java.util.HashMap<>();
        container
                .path("env")
                .forEach(e -> env.put(
                        e.path("name").asText(),
                        e.has("value") ? e.path("value").asText() : null));
        return env;
    }

    static String name(JsonNode o) {
        return o.path("metadata").path("name").asText();
    }
}
