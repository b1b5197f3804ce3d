package io.emostream.deploy;

import io.emostream.contracts.Topics;

import java.util.Map;
import java.util.TreeMap;

/**
 * The deployment files that list the topics, generated from {@link Topics#ALL} so they cannot drift from it:
 * the compose topic-creation script and the Strimzi KafkaTopic resources. {@code TopicManifestsTest} fails when a
 * committed file differs from what this generates, and rewrites them when run with {@code -Demostream.regenerate}.
 */
final class TopicManifests {

    static final String COMPOSE_SCRIPT = "deploy/kafka/create-topics.sh";
    static final String K8S_TOPICS = "k8s/base/kafka/topics.yaml";
    /** Name of the Strimzi Kafka cluster (its bootstrap service is {@code emostream-kafka-bootstrap}). */
    static final String KAFKA_CLUSTER = "emostream";
    /** Replicas of each topic's partitions in Kubernetes (3 brokers, min.insync.replicas 2). */
    static final int K8S_REPLICAS = 3;

    private static final String HEADER = """
            GENERATED from contracts/src/main/java/io/emostream/contracts/Topics.java by deploy-tests: do not edit.
            Regenerate after changing Topics.java: ./mvnw -B -pl deploy-tests -am verify -Demostream.regenerate=true
            """;

    private TopicManifests() {}

    static String composeScript() {
        StringBuilder sb = new StringBuilder("#!/bin/bash\n");
        HEADER.lines().forEach(l -> sb.append("# ").append(l).append('\n'));
        sb.append("""
                # Creates every EmoStream topic with its configuration (idempotent: existing topics get their
                # configuration re-applied, their partition count is left alone). Runs in the apache/kafka image.
                set -euo pipefail
                bootstrap="${KAFKA_BOOTSTRAP_SERVERS:-kafka:9092}"
                replication="${EMOSTREAM_REPLICATION_FACTOR:-1}"
                bin=/opt/kafka/bin

                topic() {
                  local name="$1" configs="$2"
                  "$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --create --if-not-exists --topic "$name" \\
                    --partitions %d --replication-factor "$replication" $(printf -- '--config %%s ' ${configs//,/ })
                  "$bin/kafka-configs.sh" --bootstrap-server "$bootstrap" --alter --entity-type topics \\
                    --entity-name "$name" --add-config "$configs" > /dev/null
                }

                """.formatted(Topics.DEFAULT_PARTITIONS));
        for (Topics.TopicSpec t : Topics.ALL) {
            sb.append("topic ")
                    .append(t.name())
                    .append(' ')
                    .append(joined(t.config()))
                    .append('\n');
        }
        sb.append("\necho \"topics ready:\"\n\"$bin/kafka-topics.sh\" --bootstrap-server \"$bootstrap\" --list\n");
        return sb.toString();
    }

    static String kafkaTopics() {
        StringBuilder sb = new StringBuilder();
        HEADER.lines().forEach(l -> sb.append("# ").append(l).append('\n'));
        for (Topics.TopicSpec t : Topics.ALL) {
            sb.append("---\n")
                    .append("apiVersion: kafka.strimzi.io/v1\n")
                    .append("kind: KafkaTopic\n")
                    .append("metadata:\n")
                    .append("  name: ")
                    .append(t.name().replace('.', '-'))
                    .append('\n')
                    .append("  labels:\n")
                    .append("    strimzi.io/cluster: ")
                    .append(KAFKA_CLUSTER)
                    .append('\n')
                    .append("    app.kubernetes.io/part-of: emostream\n")
                    .append("spec:\n")
                    .append("  topicName: ")
                    .append(t.name())
                    .append('\n')
                    .append("  partitions: ")
                    .append(Topics.DEFAULT_PARTITIONS)
                    .append('\n')
                    .append("  replicas: ")
                    .append(K8S_REPLICAS)
                    .append('\n')
                    .append("  config:\n");
            new TreeMap<>(t.config())
                    .forEach((k, v) ->
                            sb.append("    ").append(k).append(": \"").append(v).append("\"\n"));
        }
        return sb.toString();
    }

    private static String joined(Map<String, String> config) {
        StringBuilder sb = new StringBuilder();
        new TreeMap<>(config)
                .forEach((k, v) ->
                        sb.append(sb.isEmpty() ? "" : ",").append(k).append('=').append(v));
        return sb.toString();
    }
}
