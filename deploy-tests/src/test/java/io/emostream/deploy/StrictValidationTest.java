package io.emostream.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The validation is strict: a misspelt or misplaced field fails, in built-in kinds, Strimzi's, CloudNativePG's and
 * KEDA's. Each case takes a valid object from the manifests and breaks exactly one thing.
 */
class StrictValidationTest {

    private final KubernetesSchemas schemas = new KubernetesSchemas();

    static JsonNode object(String relativeFile, String kind, String name) {
        return Yaml.readAll(Repo.read(relativeFile)).stream()
                .filter(o -> kind.equals(o.path("kind").asText()) && name.equals(Rendered.name(o)))
                .findFirst()
                .orElseThrow()
                .deepCopy();
    }

    private List<String> problemsAfter(JsonNode valid, Consumer<ObjectNode> breakIt) {
        assertThat(schemas.validate(valid))
                .as("before the change, " + Yaml.describe(valid) + " is valid")
                .isEmpty();
        ObjectNode broken = (ObjectNode) valid.deepCopy();
        breakIt.accept(broken);
        return schemas.validate(broken);
    }

    private static ObjectNode at(ObjectNode root, String... path) {
        ObjectNode node = root;
        for (String p : path) {
            JsonNode next = p.matches("\\d+") ? node.get(Integer.parseInt(p)) : node.get(p);
            node = (ObjectNode) (next.isArray() ? next.get(0) : next);
        }
        return node;
    }

    private static void rename(ObjectNode node, String from, String to) {
        node.set(to, node.remove(from));
    }

    @Test
    void aMisspeltDeploymentFieldFails() {
        JsonNode ingest = object("k8s/base/ingest.yaml", "Deployment", "ingest");
        assertThat(problemsAfter(ingest, d -> at(d, "spec").put("replica", 2)))
                .singleElement()
                .asString()
                .contains("unknown field 'replica' at spec.replica");
        assertThat(problemsAfter(
                        ingest,
                        d -> rename(
                                at(d, "spec", "template", "spec", "containers", "ports"),
                                "containerPort",
                                "containerPrt")))
                .singleElement()
                .asString()
                .contains("unknown field 'containerPrt'")
                .contains("spec.template.spec.containers[0].ports[0].containerPrt");
        // a field put one level too high is just as unknown
        assertThat(problemsAfter(ingest, d -> at(d, "spec", "template").put("serviceAccountName", "emostream")))
                .singleElement()
                .asString()
                .contains("unknown field 'serviceAccountName' at spec.template");
    }

    @Test
    void aValueOfTheWrongTypeFails() {
        JsonNode ingest = object("k8s/base/ingest.yaml", "Deployment", "ingest");
        // Kubernetes wants env values as strings: `value: 8081` is rejected by the API server
        assertThat(problemsAfter(
                        ingest,
                        d -> at(d, "spec", "template", "spec", "containers", "env")
                                .put("value", 8081)))
                .singleElement()
                .asString()
                .contains("spec.template.spec.containers[0].env[0].value");
    }

    @Test
    void aMisspeltStrimziFieldOrOneTheV1ApiDroppedFails() {
        JsonNode topic = object(TopicManifests.K8S_TOPICS, "KafkaTopic", "emostream-recordings");
        assertThat(problemsAfter(topic, t -> rename(at(t, "spec"), "partitions", "partition")))
                .singleElement()
                .asString()
                .contains("unknown field 'partition' at spec.partition");
        JsonNode kafka = object("k8s/base/kafka/kafka.yaml", "Kafka", "emostream");
        // spec.kafka.replicas exists in v1beta2 only (node pools own it in v1)
        assertThat(problemsAfter(kafka, k -> at(k, "spec", "kafka").put("replicas", 3)))
                .singleElement()
                .asString()
                .contains("unknown field 'replicas' at spec.kafka.replicas");
        JsonNode pool = object("k8s/base/kafka/kafka.yaml", "KafkaNodePool", "brokers");
        assertThat(problemsAfter(pool, p -> at(p, "spec", "storage").put("typ", "jbod")))
                .singleElement()
                .asString()
                .contains("unknown field 'typ'");
    }

    @Test
    void aMisspeltKedaOrCloudNativePgFieldFails() {
        JsonNode scaled = object("k8s/base/inference-speech.yaml", "ScaledObject", "inference-speech");
        assertThat(problemsAfter(scaled, s -> rename(at(s, "spec"), "maxReplicaCount", "maxReplicas")))
                .singleElement()
                .asString()
                .contains("spec: unknown field 'maxReplicas'");
        assertThat(problemsAfter(scaled, s -> at(s, "spec").put("maxReplicaCount", "6")))
                .singleElement()
                .asString()
                .contains("spec.maxReplicaCount: expected an integer");
        assertThat(problemsAfter(scaled, s -> at(s, "spec", "scaleTargetRef").remove("name")))
                .singleElement()
                .asString()
                .contains("required field 'name' is missing");

        JsonNode cluster = object("k8s/base/postgres/cluster.yaml", "Cluster", "emostream-db");
        assertThat(problemsAfter(cluster, c -> rename(at(c, "spec"), "instances", "instance")))
                .anySatisfy(p -> assertThat(p).contains("unknown field 'instance'"));
        assertThat(problemsAfter(
                        cluster, c -> rename(at(c, "spec", "managed", "roles"), "passwordSecret", "passwordSecrets")))
                .singleElement()
                .asString()
                .contains("spec.managed.roles[0]: unknown field 'passwordSecrets'");
        // subtrees delegated to the Kubernetes model are strict too
        assertThat(problemsAfter(
                        cluster,
                        c -> at(c, "spec", "resources").putObject("limit").put("memory", "1Gi")))
                .singleElement()
                .asString()
                .contains("spec.resources: unknown field 'limit'");
    }

    @Test
    void aKindWithoutAStrictSchemaFails() {
        JsonNode ingress = Yaml.read("""
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata: {name: api}
                spec: {}
                """);
        assertThat(schemas.validate(ingress))
                .singleElement()
                .asString()
                .contains("no strict schema for networking.k8s.io/v1/Ingress");
    }

    @Test
    void aTypoInAnAllowListSchemaItselfIsRejected() {
        JsonNode schema = Yaml.read("type: object\npropreties: {a: {type: string}}\n");
        assertThatThrownBy(() -> new AllowListSchema(schema, new StrictMapper()))
                .hasMessageContaining("'propreties'");
    }

    /** End to end: a typo in a manifest file fails the rendered overlay's validation. */
    @Test
    void aTypoInAManifestFileFailsTheRenderedOverlay(@TempDir Path tmp) throws IOException {
        String reason = Kustomize.unavailableReason();
        Assumptions.assumeTrue(reason == null, reason);
        Path copy = tmp.resolve("k8s");
        copyTree(Repo.path("k8s"), copy);
        Path ingest = copy.resolve("base/ingest.yaml");
        String original = Files.readString(ingest);
        assertThat(original).contains("containerPort: 8081");
        Files.writeString(ingest, original.replace("containerPort: 8081", "containerPrt: 8081"));

        List<JsonNode> rendered = Kustomize.render(copy.resolve("overlays/cpu"));
        JsonNode deployment = rendered.stream()
                .filter(o -> "ingest".equals(Rendered.name(o))
                        && "Deployment".equals(o.path("kind").asText()))
                .findFirst()
                .orElseThrow();
        assertThat(schemas.validate(deployment)).singleElement().asString().contains("unknown field 'containerPrt'");
        long invalid =
                rendered.stream().filter(o -> !schemas.validate(o).isEmpty()).count();
        assertThat(invalid).as("only the broken object fails").isEqualTo(1);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
