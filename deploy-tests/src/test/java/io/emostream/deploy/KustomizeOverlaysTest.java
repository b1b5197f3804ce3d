package io.emostream.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.emostream.contracts.Topics;
import io.emostream.runtime.ServiceSpec;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Renders every overlay under k8s/overlays with {@code kubectl kustomize} and checks each object strictly against
 * its schema ({@link KubernetesSchemas}), then what a schema cannot say: probes, resources and a non-root,
 * read-only pod for every service, autoscalers that never exceed the partitions, topics equal to Topics.ALL, the
 * consumer groups KEDA watches, the network policies, and what each overlay changes.
 */
class KustomizeOverlaysTest {

    /** The keys the KEDA kafka scaler reads (keda.sh/docs/2.17/scalers/apache-kafka); anything else is a typo. */
    static final Set<String> KAFKA_SCALER_KEYS = Set.of(
            "bootstrapServers",
            "consumerGroup",
            "topic",
            "lagThreshold",
            "activationLagThreshold",
            "offsetResetPolicy",
            "allowIdleConsumers",
            "scaleToZeroOnInvalidOffset",
            "excludePersistentLag",
            "limitToPartitionsWithLag",
            "version",
            "partitionLimitation",
            "sasl",
            "tls",
            "unsafeSsl");
    /** Secrets the overlays reference but never contain: created by CloudNativePG or by the platform operator. */
    static final Set<String> EXTERNAL_SECRETS = Set.of("emostream-db-app", "emostream-reporting", "emostream-ingest");

    private static final Map<Path, Rendered> RENDERED = new ConcurrentHashMap<>();
    private static final KubernetesSchemas SCHEMAS = new KubernetesSchemas();

    @BeforeAll
    static void needsKubectl() {
        String reason = Kustomize.unavailableReason();
        Assumptions.assumeTrue(reason == null, reason);
    }

    static List<Path> overlays() {
        return Kustomize.overlays();
    }

    static Rendered render(Path overlay) {
        return RENDERED.computeIfAbsent(
                overlay, o -> new Rendered(o.getFileName().toString(), Kustomize.render(o)));
    }

    @Test
    void theCpuGpuAndExternalPostgresOverlaysExist() {
        assertThat(overlays().stream().map(p -> p.getFileName().toString()))
                .contains("cpu", "gpu", "external-postgres");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyObjectIsValidAgainstItsSchema(Path overlay) {
        Rendered r = render(overlay);
        assertThat(r.objects()).isNotEmpty();
        Map<String, List<String>> problems = new HashMap<>();
        for (JsonNode o : r.objects()) {
            List<String> p = SCHEMAS.validate(o);
            if (!p.isEmpty()) {
                problems.put(KubernetesSchemas.typeKey(o) + " " + Rendered.name(o), p);
            }
        }
        assertThat(problems)
                .as(r.overlay() + ": objects that fail strict validation")
                .isEmpty();
        for (JsonNode o : r.objects()) {
            if (!"Namespace".equals(o.path("kind").asText())) {
                assertThat(o.path("metadata").path("namespace").asText())
                        .as(Yaml.describe(o) + " namespace")
                        .isEqualTo("emostream");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyServiceIsProbedSizedAndRunsNonRootReadOnly(Path overlay) {
        Rendered r = render(overlay);
        Set<String> components = new HashSet<>();
        for (JsonNode w : r.workloads()) {
            String what = r.overlay() + " " + Yaml.describe(w);
            JsonNode pod = Rendered.podSpec(w);
            components.add(w.path("metadata")
                    .path("labels")
                    .path("app.kubernetes.io/component")
                    .asText());
            assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean())
                    .as(what + " runAsNonRoot")
                    .isTrue();
            assertThat(pod.path("securityContext")
                            .path("seccompProfile")
                            .path("type")
                            .asText())
                    .isEqualTo("RuntimeDefault");
            assertThat(pod.path("automountServiceAccountToken").asBoolean(true))
                    .as(what + " token")
                    .isFalse();
            Set<String> volumes = new HashSet<>();
            pod.path("volumes").forEach(v -> volumes.add(v.path("name").asText()));
            w.path("spec")
                    .path("volumeClaimTemplates")
                    .forEach(v -> volumes.add(v.path("metadata").path("name").asText()));
            for (JsonNode c : Rendered.containers(w)) {
                String cw = what + " container " + c.path("name").asText();
                JsonNode sc = c.path("securityContext");
                assertThat(sc.path("allowPrivilegeEscalation").asBoolean(true))
                        .as(cw + " privilege escalation")
                        .isFalse();
                assertThat(sc.path("readOnlyRootFilesystem").asBoolean())
                        .as(cw + " read-only root")
                        .isTrue();
                assertThat(sc.path("capabilities").path("drop").toString())
                        .as(cw + " capabilities")
                        .contains("ALL");
                JsonNode res = c.path("resources");
                assertThat(res.path("requests").has("cpu")
                                && res.path("requests").has("memory")
                                && res.path("limits").has("memory"))
                        .as(cw + " requests cpu/memory and limits memory")
                        .isTrue();
                String image = c.path("image").asText();
                assertThat(image.substring(image.lastIndexOf('/') + 1))
                        .as(cw + " image tag")
                        .contains(":")
                        .doesNotEndWith(":latest");
                c.path("volumeMounts")
                        .forEach(m -> assertThat(volumes)
                                .as(cw + " mounts")
                                .contains(m.path("name").asText()));
            }
            JsonNode main = pod.path("containers").get(0);
            String component = w.path("metadata")
                    .path("labels")
                    .path("app.kubernetes.io/component")
                    .asText();
            ServiceSpec spec = ServiceSpec.named(component);
            Map<String, String> env = Rendered.env(main);
            assertThat(env).as(what + " env").containsEntry("QUARKUS_HTTP_PORT", Integer.toString(spec.port()));
            assertThat(main.path("ports").get(0).path("containerPort").asInt()).isEqualTo(spec.port());
            assertThat(main.path("livenessProbe").path("httpGet").path("path").asText())
                    .as(what)
                    .isEqualTo("/q/health/live");
            // the image's JAVA_OPTS_APPEND makes the JVM exit on OutOfMemoryError; a manifest must not drop that
            assertThat(env.getOrDefault("JAVA_OPTS_APPEND", "-XX:+ExitOnOutOfMemoryError"))
                    .as(what + " JAVA_OPTS_APPEND")
                    .contains("-XX:+ExitOnOutOfMemoryError");
            assertThat(main.path("readinessProbe").path("httpGet").path("path").asText())
                    .as(what)
                    .isEqualTo("/q/health/ready");
            assertThat(main.path("startupProbe").path("httpGet").path("path").asText())
                    .as(what)
                    .isEqualTo("/q/health/started");
            // everything a service writes is a volume, since the root filesystem is read-only
            Set<String> mounted = new HashSet<>();
            main.path("volumeMounts")
                    .forEach(m -> mounted.add(m.path("mountPath").asText()));
            assertThat(mounted).as(what + " writable /tmp").contains("/tmp");
            for (String dirVar : List.of("EMOSTREAM_STATE_DIR", "DJL_CACHE_DIR", "EMOSTREAM_MODELS_DIR")) {
                if (env.containsKey(dirVar)) {
                    assertThat(mounted).as(what + " mounts " + dirVar).contains(env.get(dirVar));
                }
            }
            assertThat(main.path("envFrom").toString())
                    .as(what + " common config")
                    .contains("emostream-common");
        }
        assertThat(components)
                .containsExactlyInAnyOrderElementsOf(
                        ServiceSpec.ALL.stream().map(ServiceSpec::name).toList());
        // the Kafka Streams services keep state on a volume
        assertThat(Rendered.env(Rendered.podSpec(r.get("Deployment", "ingest"))
                        .path("containers")
                        .get(0)))
                .containsKey("EMOSTREAM_STATE_DIR");
        assertThat(Rendered.env(Rendered.podSpec(r.get("StatefulSet", "fusion"))
                        .path("containers")
                        .get(0)))
                .containsKey("EMOSTREAM_STATE_DIR");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void referencedConfigMapsAndSecretsExist(Path overlay) {
        Rendered r = render(overlay);
        Set<String> configMaps = r.ofKind("ConfigMap").map(Rendered::name).collect(Collectors.toSet());
        Set<String> secrets = r.ofKind("Secret").map(Rendered::name).collect(Collectors.toSet());
        secrets.addAll(EXTERNAL_SECRETS);
        // Strimzi's User Operator writes one Secret per KafkaUser, named like it
        r.ofKind("KafkaUser").forEach(u -> secrets.add(Rendered.name(u)));
        for (JsonNode w : r.workloads()) {
            for (JsonNode c : Rendered.containers(w)) {
                c.path("envFrom").forEach(e -> {
                    if (e.has("configMapRef")) {
                        assertThat(configMaps)
                                .contains(e.path("configMapRef").path("name").asText());
                    }
                });
                c.path("env").forEach(e -> {
                    JsonNode from = e.path("valueFrom");
                    if (from.has("secretKeyRef")) {
                        assertThat(secrets)
                                .as(Yaml.describe(w) + " " + e.path("name").asText())
                                .contains(from.path("secretKeyRef").path("name").asText());
                    }
                    if (from.has("configMapKeyRef")) {
                        assertThat(configMaps)
                                .contains(from.path("configMapKeyRef")
                                        .path("name")
                                        .asText());
                    }
                });
            }
        }
        JsonNode common = r.ofKind("ConfigMap")
                .filter(c -> Rendered.name(c).startsWith("emostream-common"))
                .findFirst()
                .orElseThrow();
        assertThat(common.path("data").path("KAFKA_BOOTSTRAP_SERVERS").asText())
                .isEqualTo(TopicManifests.KAFKA_CLUSTER + "-kafka-bootstrap:9092");
        assertThat(common.path("data").path("QUARKUS_LOG_CONSOLE_JSON_ENABLED").asText())
                .isEqualTo("true");
        assertThat(common.path("data").has("QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT"))
                .isTrue();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void autoscalersNeverExceedThePartitionsAndOwnTheirReplicaCount(Path overlay) {
        Rendered r = render(overlay);
        Set<String> scaled = new HashSet<>();
        r.ofKind("HorizontalPodAutoscaler").forEach(h -> {
            String target = h.path("spec").path("scaleTargetRef").path("name").asText();
            assertThat(h.path("spec").path("maxReplicas").asInt())
                    .as(Yaml.describe(h))
                    .isLessThanOrEqualTo(Topics.DEFAULT_PARTITIONS);
            r.get(h.path("spec").path("scaleTargetRef").path("kind").asText(), target);
            assertThat(scaled.add(target)).as(target + " has one autoscaler").isTrue();
        });
        assertThat(scaled).containsExactlyInAnyOrder("ingest", "reporting");
        String bootstrap = r.ofKind("ConfigMap")
                .filter(c -> Rendered.name(c).startsWith("emostream-common"))
                .findFirst()
                .orElseThrow()
                .path("data")
                .path("KAFKA_BOOTSTRAP_SERVERS")
                .asText();
        // per modality, the lag KEDA watches: consumer group -> its input topic (speech also scores the
        // speaker-grouped utterances in a group of their own, so its pods scale on either backlog)
        Map<String, Map<String, String>> lagOf = Map.of(
                "speech",
                Map.of(
                        "emostream-inference-speech",
                        Topics.UTTERANCES_AUDIO,
                        "emostream-inference-speech-speaker",
                        Topics.UTTERANCES_AUDIO_SPEAKER),
                "text",
                Map.of("emostream-inference-text", Topics.UTTERANCES_TEXT));
        List<String> kedaTargets = new ArrayList<>();
        r.ofKind("ScaledObject").forEach(so -> {
            String target = so.path("spec").path("scaleTargetRef").path("name").asText();
            JsonNode deployment = r.get("Deployment", target);
            String modality = Rendered.env(
                            Rendered.podSpec(deployment).path("containers").get(0))
                    .get("EMOSTREAM_INFERENCE_MODALITIES");
            assertThat(modality).as(target + " serves one modality").isIn("speech", "text");
            // every worker of every pod is a consumer in the modality's group; more than the partitions sit idle
            int workers = Integer.parseInt(
                    Rendered.env(Rendered.podSpec(deployment).path("containers").get(0))
                            .getOrDefault("EMOSTREAM_INFERENCE_WORKERS", "1"));
            assertThat(so.path("spec").path("maxReplicaCount").asInt() * workers)
                    .as(Yaml.describe(so) + " maxReplicaCount x " + workers + " workers per pod")
                    .isBetween(1, Topics.DEFAULT_PARTITIONS);
            assertThat(so.path("spec").path("minReplicaCount").asInt()).isGreaterThanOrEqualTo(1);
            Map<String, String> watched = new HashMap<>();
            for (JsonNode trigger : so.path("spec").path("triggers")) {
                assertThat(trigger.path("type").asText()).isEqualTo("kafka");
                Set<String> keys = new HashSet<>();
                trigger.path("metadata").fieldNames().forEachRemaining(keys::add);
                assertThat(KAFKA_SCALER_KEYS)
                        .as(Yaml.describe(so) + " kafka scaler keys")
                        .containsAll(keys);
                String group = trigger.path("metadata").path("consumerGroup").asText();
                assertThat(watched.put(
                                group, trigger.path("metadata").path("topic").asText()))
                        .as(Yaml.describe(so) + " watches " + group + " once")
                        .isNull();
                assertThat(trigger.path("metadata").path("bootstrapServers").asText())
                        .isEqualTo(bootstrap);
                assertThat(trigger.path("metadata").path("allowIdleConsumers").asText())
                        .isEqualTo("false");
                assertThat(trigger.path("metadata").path("lagThreshold").asInt())
                        .as(Yaml.describe(so) + " " + group + " lagThreshold")
                        .isPositive();
            }
            assertThat(watched)
                    .as(Yaml.describe(so) + " consumer group -> topic of its kafka triggers")
                    .isEqualTo(lagOf.get(modality));
            assertThat(scaled.add(target)).as(target + " has one autoscaler").isTrue();
            kedaTargets.add(target);
        });
        assertThat(kedaTargets).containsExactlyInAnyOrder("inference-speech", "inference-text");
        for (String target : scaled) {
            assertThat(r.get("Deployment", target).path("spec").has("replicas"))
                    .as(target + " leaves replicas to its autoscaler")
                    .isFalse();
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyWorkloadHasADisruptionBudgetAndItsServicesSelectIt(Path overlay) {
        Rendered r = render(overlay);
        for (JsonNode w : r.workloads()) {
            JsonNode podLabels =
                    w.path("spec").path("template").path("metadata").path("labels");
            long budgets = r.ofKind("PodDisruptionBudget")
                    .filter(p -> selects(p.path("spec").path("selector").path("matchLabels"), podLabels))
                    .count();
            assertThat(budgets).as(Yaml.describe(w) + " PodDisruptionBudgets").isEqualTo(1);
            assertThat(podLabels.path("app.kubernetes.io/part-of").asText())
                    .as("network policies select it")
                    .isEqualTo("emostream");
        }
        r.ofKind("Service").filter(s -> s.path("spec").has("selector")).forEach(s -> {
            List<JsonNode> selected = r.workloads().stream()
                    .filter(w -> selects(
                            s.path("spec").path("selector"),
                            w.path("spec").path("template").path("metadata").path("labels")))
                    .toList();
            assertThat(selected).as(Yaml.describe(s) + " selects a workload").hasSize(1);
            Set<String> portNames = new HashSet<>();
            Rendered.podSpec(selected.get(0))
                    .path("containers")
                    .get(0)
                    .path("ports")
                    .forEach(p -> portNames.add(p.path("name").asText()));
            s.path("spec")
                    .path("ports")
                    .forEach(p ->
                            assertThat(portNames).contains(p.path("targetPort").asText()));
        });
        JsonNode fusion = r.get("StatefulSet", "fusion");
        r.get("Service", fusion.path("spec").path("serviceName").asText());
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void networkPoliciesDenyByDefaultAndAllowOnlyTheNeededPaths(Path overlay) {
        Rendered r = render(overlay);
        JsonNode deny = r.get("NetworkPolicy", "emostream-default-deny");
        assertThat(deny.path("spec")
                        .path("podSelector")
                        .path("matchLabels")
                        .path("app.kubernetes.io/part-of")
                        .asText())
                .isEqualTo("emostream");
        assertThat(deny.path("spec").path("policyTypes").toString()).contains("Ingress", "Egress");
        assertThat(deny.path("spec").has("ingress") || deny.path("spec").has("egress"))
                .isFalse();
        // only reporting may reach PostgreSQL
        r.ofKind("NetworkPolicy")
                .forEach(np -> np.path("spec")
                        .path("egress")
                        .forEach(rule -> rule.path("ports").forEach(port -> {
                            if (port.path("port").asInt() == 5432) {
                                assertThat(Rendered.name(np)).isEqualTo("reporting-egress-postgres");
                            }
                        })));
        assertThat(r.get("NetworkPolicy", "reporting-egress-postgres")
                        .path("spec")
                        .path("podSelector")
                        .path("matchLabels")
                        .path("app.kubernetes.io/name")
                        .asText())
                .isEqualTo("reporting");
        // Strimzi builds the Kafka listener's policy from these peers: our pods and KEDA
        JsonNode listener = r.get("Kafka", TopicManifests.KAFKA_CLUSTER)
                .path("spec")
                .path("kafka")
                .path("listeners")
                .get(0);
        assertThat(listener.path("networkPolicyPeers").toString()).contains("emostream", "keda");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void kafkaIsKraftWithTheTopicsOfTopicsAll(Path overlay) {
        Rendered r = render(overlay);
        JsonNode kafka = r.get("Kafka", TopicManifests.KAFKA_CLUSTER);
        String version = kafka.path("spec").path("kafka").path("version").asText();
        assertThat(version).isEqualTo(DockerfileTest.property(Repo.read("pom.xml"), "kafka.version"));
        JsonNode config = kafka.path("spec").path("kafka").path("config");
        assertThat(config.path("message.max.bytes").asLong())
                .isGreaterThanOrEqualTo(Topics.MAX_RECORDING_MESSAGE_BYTES);
        assertThat(config.path("replica.fetch.max.bytes").asLong())
                .isGreaterThanOrEqualTo(Topics.MAX_RECORDING_MESSAGE_BYTES);
        assertThat(config.path("socket.request.max.bytes").asLong())
                .isGreaterThan(Topics.MAX_RECORDING_MESSAGE_BYTES + 10L * 1024 * 1024);
        assertThat(config.path("auto.create.topics.enable").asBoolean(true)).isFalse();
        int brokers = 0;
        boolean controllers = false;
        for (JsonNode pool : r.ofKind("KafkaNodePool").toList()) {
            assertThat(pool.path("metadata")
                            .path("labels")
                            .path("strimzi.io/cluster")
                            .asText())
                    .isEqualTo(TopicManifests.KAFKA_CLUSTER);
            String roles = pool.path("spec").path("roles").toString();
            controllers |= roles.contains("controller");
            brokers += roles.contains("broker")
                    ? pool.path("spec").path("replicas").asInt()
                    : 0;
        }
        assertThat(controllers).as("KRaft controllers").isTrue();
        int minIsr = config.path("min.insync.replicas").asInt();
        Map<String, JsonNode> topics = new HashMap<>();
        for (JsonNode t : r.ofKind("KafkaTopic").toList()) {
            assertThat(t.path("metadata")
                            .path("labels")
                            .path("strimzi.io/cluster")
                            .asText())
                    .isEqualTo(TopicManifests.KAFKA_CLUSTER);
            assertThat(t.path("spec").path("replicas").asInt())
                    .isLessThanOrEqualTo(brokers)
                    .isGreaterThan(minIsr);
            topics.put(t.path("spec").path("topicName").asText(), t);
        }
        assertThat(topics.keySet())
                .containsExactlyInAnyOrderElementsOf(
                        Topics.ALL.stream().map(Topics.TopicSpec::name).toList());
        for (Topics.TopicSpec spec : Topics.ALL) {
            JsonNode t = topics.get(spec.name());
            assertThat(t.path("spec").path("partitions").asInt()).isEqualTo(Topics.DEFAULT_PARTITIONS);
            Map<String, String> config2 = new HashMap<>();
            t.path("spec")
                    .path("config")
                    .fields()
                    .forEachRemaining(e -> config2.put(e.getKey(), e.getValue().asText()));
            assertThat(config2).as(spec.name()).isEqualTo(spec.config());
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void onlyTheGpuOverlayRequestsGpus(Path overlay) {
        Rendered r = render(overlay);
        for (JsonNode w : r.workloads()) {
            boolean gpu = Rendered.containers(w).stream()
                    .anyMatch(c -> c.path("resources").path("limits").has("nvidia.com/gpu"));
            boolean expected = r.overlay().equals("gpu") && Rendered.name(w).equals("inference-speech");
            assertThat(gpu)
                    .as(r.overlay() + " " + Yaml.describe(w) + " requests nvidia.com/gpu")
                    .isEqualTo(expected);
        }
    }

    @Test
    void theGpuOverlayRunsSpeechOnAGpuNodeWithTheCudaImage() {
        Assumptions.assumeTrue(Kustomize.unavailableReason() == null);
        Rendered r = render(Repo.path("k8s/overlays/gpu"));
        JsonNode speech = r.get("Deployment", "inference-speech");
        JsonNode pod = Rendered.podSpec(speech);
        JsonNode main = pod.path("containers").get(0);
        assertThat(main.path("resources").path("limits").path("nvidia.com/gpu").asText())
                .isEqualTo("1");
        assertThat(main.path("image").asText()).startsWith("emostream/inference-gpu:");
        assertThat(Rendered.env(main))
                .containsEntry("EMOSTREAM_INFERENCE_DEVICE", "gpu")
                .containsEntry("EMOSTREAM_INFERENCE_MODALITIES", "speech")
                .containsEntry("EMOSTREAM_INFERENCE_WORKERS", "1");
        assertThat(pod.path("nodeSelector").path("nvidia.com/gpu.present").asText())
                .isEqualTo("true");
        assertThat(pod.path("tolerations").toString()).contains("nvidia.com/gpu", "NoSchedule");
        // the patch merged into the base container: everything else is still there
        assertThat(main.path("readinessProbe").isMissingNode()).isFalse();
        assertThat(Rendered.env(main)).containsKeys("EMOSTREAM_MODELS_DIR", "DJL_CACHE_DIR", "QUARKUS_HTTP_PORT");
        JsonNode scaled = r.get("ScaledObject", "inference-speech");
        assertThat(scaled.path("spec").path("maxReplicaCount").asInt()).isLessThanOrEqualTo(Topics.DEFAULT_PARTITIONS);
        // a GPU pod clears more lag: every speech trigger (per-utterance and speaker-grouped) gets the GPU threshold
        assertThat(scaled.path("spec").path("triggers")).hasSize(2);
        scaled.path("spec")
                .path("triggers")
                .forEach(t -> assertThat(t.path("metadata").path("lagThreshold").asText())
                        .as("gpu " + t.path("metadata").path("consumerGroup").asText() + " lagThreshold")
                        .isEqualTo("3000"));
        JsonNode text = Rendered.podSpec(r.get("Deployment", "inference-text"))
                .path("containers")
                .get(0);
        assertThat(text.path("image").asText()).startsWith("emostream/inference:");
        assertThat(Rendered.env(text)).containsEntry("EMOSTREAM_INFERENCE_DEVICE", "cpu");
        String gpuDockerfile = Repo.read("inference-service/src/main/docker/Dockerfile.gpu");
        assertThat(gpuDockerfile).contains("EMOSTREAM_INFERENCE_DEVICE=gpu");
    }

    @Test
    void postgresIsCloudNativePgWithTheReaderRoleOrAnExternalService() {
        Assumptions.assumeTrue(Kustomize.unavailableReason() == null);
        Rendered cpu = render(Repo.path("k8s/overlays/cpu"));
        JsonNode cluster = cpu.get("Cluster", "emostream-db");
        assertThat(cluster.path("spec")
                        .path("bootstrap")
                        .path("initdb")
                        .path("database")
                        .asText())
                .isEqualTo("emostream");
        assertThat(cluster.path("spec").path("managed").path("roles").findValuesAsText("name"))
                .contains("emostream_reader");
        JsonNode reporting = Rendered.podSpec(cpu.get("Deployment", "reporting"))
                .path("containers")
                .get(0);
        assertThat(Rendered.env(reporting).get("QUARKUS_DATASOURCE_JDBC_URL"))
                .isEqualTo("jdbc:postgresql://emostream-db-rw:5432/emostream");
        assertThat(reporting.path("env").toString()).contains("emostream-db-app", "EMOSTREAM_REPORTING_API_KEYS");
        // the console's uploads pass through reporting to ingest: its address, and a network path both ways
        assertThat(Rendered.env(reporting).get("EMOSTREAM_REPORTING_INGEST_URL"))
                .isEqualTo("http://ingest:"
                        + cpu.get("Service", "ingest")
                                .path("spec")
                                .path("ports")
                                .get(0)
                                .path("port")
                                .asInt());
        assertThat(cpu.get("NetworkPolicy", "reporting-egress-ingest").toString())
                .contains("\"ingest\"");
        assertThat(cpu.get("NetworkPolicy", "ingest-ingress-reporting").toString())
                .contains("\"reporting\"");
        JsonNode ingest = Rendered.podSpec(cpu.get("Deployment", "ingest"))
                .path("containers")
                .get(0);
        assertThat(ingest.path("env").toString()).contains("emostream-ingest", "EMOSTREAM_INGEST_API_KEYS");

        Rendered external = render(Repo.path("k8s/overlays/external-postgres"));
        assertThat(external.ofKind("Cluster")).isEmpty();
        assertThat(external.find("NetworkPolicy", "emostream-db-ingress")).isEmpty();
        JsonNode service = external.get("Service", "emostream-db-rw");
        assertThat(service.path("spec").path("type").asText()).isEqualTo("ExternalName");
        assertThat(external.get("NetworkPolicy", "reporting-egress-postgres").toString())
                .contains("ipBlock");
    }

    static boolean selects(JsonNode selector, JsonNode labels) {
        if (selector.isMissingNode() || selector.isEmpty()) {
            return false;
        }
        for (var it = selector.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) {
                return false;
            }
        }
        return true;
    }
}
