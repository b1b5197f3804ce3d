package io.emostream.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.kafka.KafkaClusterSpec;
import io.strimzi.api.kafka.model.kafka.KafkaClusterTemplate;
import io.strimzi.api.kafka.model.kafka.KafkaSpec;
import io.strimzi.api.kafka.model.kafka.PersistentClaimStorage;
import io.strimzi.api.kafka.model.kafka.cruisecontrol.CruiseControlSpec;
import io.strimzi.api.kafka.model.kafka.entityoperator.EntityOperatorSpec;
import io.strimzi.api.kafka.model.kafka.entityoperator.EntityOperatorTemplate;
import io.strimzi.api.kafka.model.kafka.entityoperator.EntityTopicOperatorSpec;
import io.strimzi.api.kafka.model.kafka.entityoperator.EntityUserOperatorSpec;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import io.strimzi.api.kafka.model.user.KafkaUser;
import io.strimzi.api.kafka.model.user.acl.AclRule;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validates every object a kustomize overlay renders, strictly, by its apiVersion and kind: built-in kinds against
 * the fabric8 Kubernetes model, Strimzi's kinds against Strimzi's own Java API model (the classes its CRDs are
 * generated from), CloudNativePG and KEDA kinds against the closed allow-list schemas in resources/schemas/. An
 * apiVersion/kind not listed here is itself a failure: add it with a strict model before using it.
 */
final class KubernetesSchemas {

    static final Map<String, Class<?>> BUILT_IN = Map.ofEntries(
            Map.entry("v1/Namespace", Namespace.class),
            Map.entry("v1/ConfigMap", ConfigMap.class),
            Map.entry("v1/Secret", Secret.class),
            Map.entry("v1/Service", Service.class),
            Map.entry("v1/ServiceAccount", ServiceAccount.class),
            Map.entry("apps/v1/Deployment", Deployment.class),
            Map.entry("apps/v1/StatefulSet", StatefulSet.class),
            Map.entry("batch/v1/Job", Job.class),
            Map.entry("autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class),
            Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
            Map.entry("networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class));

    /** Strimzi >= 0.49 (the first with Kafka 4.1.1) serves kafka.strimzi.io/v1; only v1 is used here. */
    static final Map<String, Class<?>> STRIMZI = Map.of(
            "kafka.strimzi.io/v1/Kafka", Kafka.class,
            "kafka.strimzi.io/v1/KafkaNodePool", KafkaNodePool.class,
            "kafka.strimzi.io/v1/KafkaTopic", KafkaTopic.class,
            "kafka.strimzi.io/v1/KafkaUser", KafkaUser.class);

    /**
     * Strimzi's Java model serves v1beta2 and v1 at once; these properties carry {@code @PresentInVersions("v1beta2")}
     * in api-0.49.1 (read with javap: the annotation's class is not published), i.e. the v1 CRD has no such field.
     */
    static final Map<Class<?>, Set<String>> STRIMZI_V1BETA2_ONLY = Map.of(
            KafkaSpec.class, Set.of("zookeeper", "jmxTrans"),
            KafkaClusterSpec.class, Set.of("replicas", "storage", "resources"),
            KafkaClusterTemplate.class, Set.of("statefulset"),
            PersistentClaimStorage.class, Set.of("overrides"),
            EntityOperatorSpec.class, Set.of("tlsSidecar"),
            EntityOperatorTemplate.class, Set.of("tlsSidecarContainer"),
            EntityTopicOperatorSpec.class,
                    Set.of(
                            "reconciliationIntervalSeconds",
                            "topicMetadataMaxAttempts",
                            "zookeeperSessionTimeoutSeconds"),
            EntityUserOperatorSpec.class, Set.of("reconciliationIntervalSeconds", "zookeeperSessionTimeoutSeconds"),
            CruiseControlSpec.class, Set.of("tlsSidecar"),
            AclRule.class, Set.of("operation"));

    /** Kinds checked against a closed schema in resources/schemas/&lt;group&gt;/&lt;version&gt;/&lt;Kind&gt;.yaml. */
    static final Set<String> ALLOW_LISTED = Set.of(
            "postgresql.cnpg.io/v1/Cluster", "keda.sh/v1alpha1/ScaledObject", "keda.sh/v1alpha1/TriggerAuthentication");

    private final StrictMapper kubernetes = new StrictMapper();
    private final StrictMapper strimziV1 = new StrictMapper(STRIMZI_V1BETA2_ONLY);

    static String typeKey(JsonNode doc) {
        return doc.path("apiVersion").asText() + "/" + doc.path("kind").asText();
    }

    /** @return every problem with {@code doc}; empty when it is valid */
    List<String> validate(JsonNode doc) {
        List<String> problems = new ArrayList<>();
        String key = typeKey(doc);
        if (doc.path("metadata").path("name").asText("").isEmpty()) {
            problems.add("metadata.name is missing");
        }
        if (BUILT_IN.containsKey(key)) {
            kubernetes.check(doc, BUILT_IN.get(key)).ifPresent(problems::add);
        } else if (STRIMZI.containsKey(key)) {
            strimziV1.check(doc, STRIMZI.get(key)).ifPresent(problems::add);
        } else if (ALLOW_LISTED.contains(key)) {
            problems.addAll(allowList(key).validate(doc));
        } else {
            problems.add("no strict schema for " + key + ": add it to " + KubernetesSchemas.class.getSimpleName());
        }
        return problems;
    }

    private AllowListSchema allowList(String key) {
        String resource = "/schemas/" + key + ".yaml";
        try (InputStream in = KubernetesSchemas.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing schema resource " + resource);
            }
            return new AllowListSchema(
                    Yaml.read(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)), kubernetes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
