package io.emostream.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.emostream.contracts.Topics;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kafka authentication and authorisation on Kubernetes: the Strimzi listener wants SCRAM-SHA-512 and the brokers
 * enforce ACLs; each workload logs in as its own KafkaUser, whose ACLs cover exactly what the service uses. What a
 * service uses is the table {@link #ACCESS}, itself checked against the code (every {@code Topics.X} a module
 * references, the Kafka Streams application ids, the consumer groups in the config classes), so a new topic or
 * group fails here until a KafkaUser grants it.
 */
class KafkaAclsTest {

    /** What one workload does with Kafka. */
    record Access(
            String workload,
            String module,
            Set<String> reads,
            Set<String> writes,
            Set<String> groups,
            Set<String> transactionalIdPrefixes,
            String streamsApplicationId) {

        String kafkaUser() {
            return workload + "-kafka";
        }

        Set<String> topics() {
            Set<String> all = new TreeSet<>(reads);
            all.addAll(writes);
            return all;
        }
    }

    static final String GUARD_TOPIC = Topics.ATTEMPTS;

    /**
     * From the services' code: ingest's Streams topology (sources recordings, transcripts, the global status store;
     * sinks utterances, status, dead letters), its REST uploads (produce recordings and transcripts) and
     * RecordingFetcher; the inference workers (ScoringWorker: group and transactional ids from WorkerManager);
     * fusion's topology; reporting's SinkConsumer and DeadLetterPublisher; every service's consumer guard (attempts).
     */
    static final List<Access> ACCESS = List.of(
            new Access(
                    "ingest",
                    "ingest-service",
                    Set.of(Topics.RECORDINGS, Topics.TRANSCRIPTS, Topics.RECORDING_STATUS, GUARD_TOPIC),
                    Set.of(
                            Topics.RECORDINGS,
                            Topics.TRANSCRIPTS,
                            Topics.UTTERANCES_AUDIO,
                            Topics.UTTERANCES_AUDIO_SPEAKER,
                            Topics.UTTERANCES_TEXT,
                            Topics.RECORDING_STATUS,
                            Topics.DEADLETTER,
                            GUARD_TOPIC),
                    Set.of(),
                    Set.of(),
                    "emostream-ingest"),
            new Access(
                    "inference-speech",
                    "inference-service",
                    Set.of(Topics.UTTERANCES_AUDIO, Topics.UTTERANCES_AUDIO_SPEAKER, GUARD_TOPIC),
                    Set.of(Topics.SCORES_SPEECH, Topics.DEADLETTER, GUARD_TOPIC),
                    // the per-utterance group and the speaker-aware one (same pods, own offsets)
                    Set.of("emostream-inference-speech", "emostream-inference-speech-speaker"),
                    Set.of("emostream-inference-speech-"),
                    null),
            new Access(
                    "inference-text",
                    "inference-service",
                    Set.of(Topics.UTTERANCES_TEXT, GUARD_TOPIC),
                    Set.of(Topics.SCORES_TEXT, Topics.DEADLETTER, GUARD_TOPIC),
                    Set.of("emostream-inference-text"),
                    Set.of("emostream-inference-text-"),
                    null),
            new Access(
                    "fusion",
                    "fusion-service",
                    Set.of(Topics.SCORES_SPEECH, Topics.SCORES_TEXT, GUARD_TOPIC),
                    Set.of(Topics.EMOTIONS, Topics.DEADLETTER, GUARD_TOPIC),
                    Set.of(),
                    Set.of(),
                    "emostream-fusion"),
            new Access(
                    "reporting",
                    "reporting-service",
                    Set.of(Topics.EMOTIONS, Topics.RECORDING_STATUS, GUARD_TOPIC),
                    Set.of(Topics.DEADLETTER, GUARD_TOPIC),
                    Set.of("emostream-reporting"),
                    Set.of(),
                    null));

    @BeforeAll
    static void needsKubectl() {
        String reason = Kustomize.unavailableReason();
        Assumptions.assumeTrue(reason == null, reason);
    }

    static List<Path> overlays() {
        return Kustomize.overlays();
    }

    @Test
    void everyTopicOfTopicsAllIsUsedBySomeServiceAndNothingElseIs() {
        Set<String> all = Topics.ALL.stream().map(Topics.TopicSpec::name).collect(Collectors.toSet());
        Set<String> used = ACCESS.stream().flatMap(a -> a.topics().stream()).collect(Collectors.toSet());
        assertThat(used).containsExactlyInAnyOrderElementsOf(all);
    }

    /** Every topic constant a module's main code names is in the table for that module's workloads. */
    @Test
    void theTableCoversEveryTopicTheCodeNames() {
        Map<String, String> topicOf = topicConstants();
        for (String module : ACCESS.stream().map(Access::module).collect(Collectors.toSet())) {
            Set<String> named = new TreeSet<>();
            Matcher m = Pattern.compile("Topics\\.([A-Z_]+)\\b").matcher(sources(module));
            while (m.find()) {
                if (topicOf.containsKey(m.group(1))) {
                    named.add(topicOf.get(m.group(1)));
                }
            }
            Set<String> granted = ACCESS.stream()
                    .filter(a -> a.module().equals(module))
                    .flatMap(a -> a.topics().stream())
                    .collect(Collectors.toSet());
            assertThat(granted).as(module + " names these topics in its code").containsAll(named);
        }
        // the consumer guard, in every service, reads and writes its attempts topic; dead letters go everywhere
        assertThat(sources("consumer-guard")).contains("Topics.ATTEMPTS");
        ACCESS.forEach(a -> assertThat(a.reads()).as(a.workload()).contains(GUARD_TOPIC));
        ACCESS.forEach(a -> assertThat(a.writes()).as(a.workload()).contains(GUARD_TOPIC, Topics.DEADLETTER));
    }

    /** The groups and transactional ids of the table are the ones the services' configuration gives them. */
    @Test
    void theTableHasTheGroupsAndApplicationIdsOfTheConfiguration() {
        assertThat(property("ingest-service", "quarkus.kafka-streams.application-id"))
                .isEqualTo(access("ingest").streamsApplicationId());
        assertThat(property("fusion-service", "quarkus.kafka-streams.application-id"))
                .isEqualTo(access("fusion").streamsApplicationId());
        String reportingGroup = configDefault(
                "reporting-service/src/main/java/io/emostream/reporting/config/" + "ReportingConfig.java", "groupId");
        assertThat(access("reporting").groups()).containsExactly(reportingGroup);
        String prefix = configDefault(
                "inference-service/src/main/java/io/emostream/inference/config/InferenceConfig.java", "groupPrefix");
        assertThat(access("inference-speech").groups())
                .containsExactlyInAnyOrder(prefix + "-speech", prefix + "-speech-speaker");
        assertThat(access("inference-text").groups()).containsExactly(prefix + "-text");
        for (String modality : List.of("speech", "text")) {
            Access a = access("inference-" + modality);
            // WorkerManager: transactional id = group + "-" + instance id [+ "-" + worker]; one prefix covers the
            // ids of every group of the modality (emostream-inference-speech-speaker-<instance> included)
            assertThat(a.transactionalIdPrefixes()).containsExactly(prefix + "-" + modality + "-");
            for (String g : a.groups()) {
                assertThat(a.transactionalIdPrefixes())
                        .as(g + "'s transactional ids")
                        .anyMatch(p -> (g + "-").startsWith(p));
            }
        }
        assertThat(Repo.read("inference-service/src/main/java/io/emostream/inference/messaging/WorkerManager.java"))
                .contains("String transactionalId = group + \"-\" + config.instanceId()");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void eachKafkaUserGrantsExactlyWhatItsServiceUses(Path overlay) {
        Rendered r = KustomizeOverlaysTest.render(overlay);
        Set<String> users = r.ofKind("KafkaUser").map(Rendered::name).collect(Collectors.toSet());
        assertThat(users)
                .containsExactlyInAnyOrderElementsOf(
                        ACCESS.stream().map(Access::kafkaUser).toList());
        for (Access a : ACCESS) {
            JsonNode user = r.get("KafkaUser", a.kafkaUser());
            String what = r.overlay() + " KafkaUser/" + a.kafkaUser();
            assertThat(user.path("metadata")
                            .path("labels")
                            .path("strimzi.io/cluster")
                            .asText())
                    .as(what)
                    .isEqualTo(TopicManifests.KAFKA_CLUSTER);
            assertThat(user.path("spec").path("authentication").path("type").asText())
                    .as(what)
                    .isEqualTo("scram-sha-512");
            assertThat(user.path("spec").path("authorization").path("type").asText())
                    .as(what)
                    .isEqualTo("simple");
            List<Rule> rules = Rule.of(user);
            for (String t : a.reads()) {
                assertThat(allows(rules, "topic", t, "Read"))
                        .as(what + " reads " + t)
                        .isTrue();
                assertThat(allows(rules, "topic", t, "Describe"))
                        .as(what + " describes " + t)
                        .isTrue();
            }
            for (String t : a.writes()) {
                assertThat(allows(rules, "topic", t, "Write"))
                        .as(what + " writes " + t)
                        .isTrue();
            }
            for (String g : a.groups()) {
                assertThat(allows(rules, "group", g, "Read"))
                        .as(what + " joins group " + g)
                        .isTrue();
                if (!a.transactionalIdPrefixes().isEmpty()) {
                    // WorkerManager's transactional id of a group's worker: group + "-" + instance id
                    assertThat(allows(rules, "transactionalId", g + "-worker-0", "Write"))
                            .as(what + " transactions of group " + g)
                            .isTrue();
                }
            }
            for (String prefix : a.transactionalIdPrefixes()) {
                assertThat(allows(rules, "transactionalId", prefix + "worker-0", "Write"))
                        .as(what + " " + prefix)
                        .isTrue();
            }
            if (a.streamsApplicationId() != null) {
                String app = a.streamsApplicationId();
                assertThat(allows(rules, "group", app, "Read"))
                        .as(what + " group " + app)
                        .isTrue();
                assertThat(allows(rules, "topic", app + "-store-changelog", "Create"))
                        .as(what + " internal topics")
                        .isTrue();
                assertThat(allows(rules, "transactionalId", app + "-0f1e-1", "Write"))
                        .as(what + " EOS")
                        .isTrue();
            }
            // and nothing more: the rules are exactly the ones these uses need
            assertThat(rules).as(what + " ACLs").containsExactlyInAnyOrderElementsOf(expectedRules(a));
            // no other service's group or topic-only access leaks in
            for (Access other : ACCESS) {
                for (String g : other.groups()) {
                    if (!a.groups().contains(g)) {
                        assertThat(allows(rules, "group", g, "Read"))
                                .as(what + " joins " + g)
                                .isFalse();
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theListenerWantsScramAndEveryServiceLogsInAsItsOwnUser(Path overlay) {
        Rendered r = KustomizeOverlaysTest.render(overlay);
        JsonNode kafka = r.get("Kafka", TopicManifests.KAFKA_CLUSTER).path("spec");
        kafka.path("kafka")
                .path("listeners")
                .forEach(l -> assertThat(l.path("authentication").path("type").asText())
                        .as("listener " + l.path("name").asText())
                        .isEqualTo("scram-sha-512"));
        assertThat(kafka.path("kafka").path("authorization").path("type").asText())
                .isEqualTo("simple");
        assertThat(kafka.path("entityOperator").has("userOperator"))
                .as("User Operator reconciles KafkaUsers")
                .isTrue();
        JsonNode common = r.ofKind("ConfigMap")
                .filter(c -> Rendered.name(c).startsWith("emostream-common"))
                .findFirst()
                .orElseThrow()
                .path("data");
        assertThat(common.path("KAFKA_SECURITY_PROTOCOL").asText()).isEqualTo("SASL_PLAINTEXT");
        assertThat(common.path("KAFKA_SASL_MECHANISM").asText()).isEqualTo("SCRAM-SHA-512");
        for (Access a : ACCESS) {
            JsonNode w = r.workloads().stream()
                    .filter(o -> Rendered.name(o).equals(a.workload()))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(r.overlay() + " renders no workload " + a.workload()));
            JsonNode main = Rendered.podSpec(w).path("containers").get(0);
            String what = r.overlay() + " " + Yaml.describe(w);
            assertSecret(main, "KAFKA_SASL_JAAS_CONFIG", a.kafkaUser(), "sasl.jaas.config", what);
            if (a.streamsApplicationId() != null) {
                Map<String, String> env = Rendered.env(main);
                assertThat(env)
                        .as(what)
                        .containsEntry("QUARKUS_KAFKA_STREAMS_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
                        .containsEntry("QUARKUS_KAFKA_STREAMS_SASL_MECHANISM", "SCRAM-SHA-512");
                assertSecret(main, "QUARKUS_KAFKA_STREAMS_SASL_JAAS_CONFIG", a.kafkaUser(), "sasl.jaas.config", what);
            }
        }
        // KEDA reads lag with the scaled service's own user, which may describe the group and topic of every trigger
        r.ofKind("ScaledObject").forEach(so -> {
            String target = so.path("spec").path("scaleTargetRef").path("name").asText();
            assertThat(so.path("spec").path("triggers"))
                    .as(target + " triggers")
                    .isNotEmpty();
            so.path("spec").path("triggers").forEach(trigger -> kedaReadsLagAs(r, target, trigger));
        });
    }

    private static void kedaReadsLagAs(Rendered r, String target, JsonNode trigger) {
        JsonNode metadata = trigger.path("metadata");
        String what = r.overlay() + " " + target + " trigger "
                + metadata.path("consumerGroup").asText();
        assertThat(metadata.path("sasl").asText()).as(what).isEqualTo("scram_sha512");
        List<Rule> rules = Rule.of(r.get("KafkaUser", access(target).kafkaUser()));
        assertThat(allows(rules, "group", metadata.path("consumerGroup").asText(), "Describe"))
                .as(what + ": the user describes the group")
                .isTrue();
        assertThat(allows(rules, "topic", metadata.path("topic").asText(), "Describe"))
                .as(what + ": the user describes " + metadata.path("topic").asText())
                .isTrue();
        JsonNode auth = r.get(
                "TriggerAuthentication",
                trigger.path("authenticationRef").path("name").asText());
        Map<String, JsonNode> params = new HashMap<>();
        auth.path("spec")
                .path("env")
                .forEach(e -> params.put(e.path("parameter").asText(), e));
        auth.path("spec")
                .path("secretTargetRef")
                .forEach(e -> params.put(e.path("parameter").asText(), e));
        JsonNode main =
                Rendered.podSpec(r.get("Deployment", target)).path("containers").get(0);
        assertThat(params.get("username").path("containerName").asText())
                .isEqualTo(main.path("name").asText());
        assertThat(Rendered.env(main).get(params.get("username").path("name").asText()))
                .as(target + " username")
                .isEqualTo(access(target).kafkaUser());
        assertThat(params.get("password").path("name").asText())
                .isEqualTo(access(target).kafkaUser());
        assertThat(params.get("password").path("key").asText()).isEqualTo("password");
    }

    /** One ACL rule, normalised. */
    record Rule(String type, String name, String pattern, Set<String> operations) {

        static List<Rule> of(JsonNode user) {
            return Stream.of(user.path("spec").path("authorization").path("acls"))
                    .flatMap(acls -> java.util.stream.StreamSupport.stream(acls.spliterator(), false))
                    .map(acl -> {
                        JsonNode res = acl.path("resource");
                        Set<String> ops = new TreeSet<>();
                        acl.path("operations").forEach(o -> ops.add(o.asText()));
                        return new Rule(
                                res.path("type").asText(),
                                res.path("name").asText(),
                                res.path("patternType").asText("literal"),
                                ops);
                    })
                    .toList();
        }

        boolean matches(String t, String n) {
            return type.equals(t) && (pattern.equals("prefix") ? n.startsWith(name) : n.equals(name));
        }
    }

    static boolean allows(List<Rule> rules, String type, String name, String operation) {
        // Kafka: Read, Write, Delete and Alter imply Describe; All implies everything
        return rules.stream()
                .filter(r -> r.matches(type, name))
                .anyMatch(r -> r.operations().contains(operation)
                        || r.operations().contains("All")
                        || (operation.equals("Describe")
                                && r.operations().stream()
                                        .anyMatch(o -> Set.of("Read", "Write", "Delete", "Alter")
                                                .contains(o))));
    }

    static List<Rule> expectedRules(Access a) {
        List<Rule> rules = new java.util.ArrayList<>();
        for (String t : a.topics()) {
            Set<String> ops = new TreeSet<>(Set.of("Describe"));
            if (a.reads().contains(t)) {
                ops.add("Read");
            }
            if (a.writes().contains(t)) {
                ops.add("Write");
            }
            rules.add(new Rule("topic", t, "literal", ops));
        }
        a.groups().forEach(g -> rules.add(new Rule("group", g, "literal", Set.of("Read", "Describe"))));
        a.transactionalIdPrefixes()
                .forEach(p -> rules.add(new Rule("transactionalId", p, "prefix", Set.of("Write", "Describe"))));
        if (a.streamsApplicationId() != null) {
            String app = a.streamsApplicationId();
            rules.add(new Rule("topic", app + "-", "prefix", Set.of("All")));
            rules.add(new Rule("group", app, "literal", Set.of("Read", "Describe")));
            rules.add(new Rule("transactionalId", app + "-", "prefix", Set.of("Write", "Describe")));
        }
        return rules.stream()
                .map(r -> new Rule(r.type(), r.name(), r.pattern(), new TreeSet<>(r.operations())))
                .toList();
    }

    private static void assertSecret(JsonNode container, String env, String secret, String key, String what) {
        JsonNode ref = null;
        for (JsonNode e : container.path("env")) {
            if (env.equals(e.path("name").asText())) {
                ref = e.path("valueFrom").path("secretKeyRef");
            }
        }
        assertThat(ref).as(what + " " + env).isNotNull();
        assertThat(ref.path("name").asText()).as(what + " " + env + " secret").isEqualTo(secret);
        assertThat(ref.path("key").asText()).as(what + " " + env + " key").isEqualTo(key);
    }

    static Access access(String workload) {
        return ACCESS.stream()
                .filter(a -> a.workload().equals(workload))
                .findFirst()
                .orElseThrow();
    }

    static Map<String, String> topicConstants() {
        Map<String, String> m = new HashMap<>();
        Set<String> names = Topics.ALL.stream().map(Topics.TopicSpec::name).collect(Collectors.toSet());
        for (Field f : Topics.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                try {
                    String v = (String) f.get(null);
                    if (names.contains(v)) {
                        m.put(f.getName(), v);
                    }
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return m;
    }

    /** All main Java sources of a module, concatenated. */
    static String sources(String module) {
        try (Stream<Path> files = Files.walk(Repo.path(module + "/src/main/java"))) {
            StringBuilder sb = new StringBuilder();
            for (Path p : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                sb.append(Files.readString(p)).append('\n');
            }
            return sb.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String property(String module, String key) {
        for (String line :
                Repo.read(module + "/src/main/resources/application.properties").split("\n")) {
            if (line.startsWith(key + "=")) {
                return line.substring(key.length() + 1).trim();
            }
        }
        throw new AssertionError(module + " sets no " + key);
    }

    /** The {@code @WithDefault} of a config method. */
    static String configDefault(String file, String method) {
        Matcher m = Pattern.compile("@WithDefault\\(\"([^\"]+)\"\\)\\s+String " + method + "\\(\\)")
                .matcher(Repo.read(file));
        assertThat(m.find()).as(file + " " + method).isTrue();
        return m.group(1);
    }
}
