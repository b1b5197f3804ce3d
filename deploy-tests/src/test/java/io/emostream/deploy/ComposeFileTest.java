package io.emostream.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.emostream.contracts.Topics;
import io.emostream.runtime.ServiceSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * docker-compose.yml checked without a Docker engine: it parses strictly, everything it builds or mounts exists,
 * every service gets the configuration the local runtime gives it, ports do not clash, everything long-running has
 * a healthcheck, and the broker accepts the records the platform produces.
 */
class ComposeFileTest {

    /** Infrastructure next to the four services. */
    static final Set<String> INFRA = Set.of("kafka", "kafka-init", "postgres", "prometheus", "grafana", "jaeger");
    /** Secrets compose must get from the environment (or .env), with no default that works. */
    static final List<String> SECRETS = List.of(
            "EMOSTREAM_DB_PASSWORD",
            "EMOSTREAM_READER_PASSWORD",
            "EMOSTREAM_REPORTING_API_KEYS",
            "EMOSTREAM_INGEST_API_KEYS",
            "GRAFANA_ADMIN_PASSWORD");
    /** Images without a shell or HTTP client, so compose cannot probe them. */
    static final Set<String> NO_HEALTHCHECK = Set.of("jaeger");

    static ComposeFile compose;

    @BeforeAll
    static void parse() {
        compose = ComposeFile.parse(Repo.read("docker-compose.yml"));
    }

    static ComposeFile.Service service(String name) {
        assertThat(compose.services()).as("compose services").containsKey(name);
        return compose.services().get(name);
    }

    @Test
    void hasEveryPlatformServiceAndTheInfrastructure() {
        List<String> expected = new ArrayList<>(INFRA);
        ServiceSpec.ALL.forEach(s -> expected.add(s.name()));
        assertThat(compose.services().keySet()).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void servicesAreBuiltFromTheirDockerfilesAndTagged() {
        for (ServiceSpec spec : ServiceSpec.ALL) {
            ComposeFile.Service s = service(spec.name());
            assertThat(s.build()).as(spec.name() + " build").isNotNull();
            assertThat(s.build().context()).isEqualTo(".");
            assertThat(s.build().dockerfile()).isEqualTo(spec.name() + "-service/src/main/docker/Dockerfile.jvm");
            assertThat(Repo.path(s.build().dockerfile()))
                    .as(s.build().dockerfile())
                    .isRegularFile();
            assertThat(s.image()).isEqualTo("emostream/" + spec.name() + ":${EMOSTREAM_VERSION:-0.1.0}");
        }
    }

    @Test
    void everyImageIsPinnedToATag() {
        compose.services().forEach((name, s) -> {
            assertThat(s.image()).as(name + " image").isNotBlank();
            String tag = s.image().substring(s.image().lastIndexOf('/') + 1);
            assertThat(tag).as(name + " image tag").contains(":").doesNotEndWith(":latest");
        });
    }

    /** The variables local-runtime's ServiceProcess.environment() sets, per service that reads them. */
    @Test
    void everyServiceGetsTheConfigurationTheLocalRuntimeGivesIt() {
        for (ServiceSpec spec : ServiceSpec.ALL) {
            Map<String, String> env = service(spec.name()).env();
            assertThat(env)
                    .as(spec.name())
                    .containsEntry("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
                    .containsEntry("QUARKUS_HTTP_PORT", Integer.toString(spec.port()))
                    .containsEntry("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "true")
                    .containsKey("QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT");
            String otlpHost = env.get("QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT").replaceAll("^https?://([^:/]+).*", "$1");
            assertThat(compose.services()).as("OTLP endpoint host").containsKey(otlpHost);
        }
        // Kafka Streams apps keep state on a volume
        for (String streams : List.of("ingest", "fusion")) {
            ComposeFile.Service s = service(streams);
            assertThat(s.env()).as(streams).containsKey("EMOSTREAM_STATE_DIR");
            assertThat(s.mountAt(s.env().get("EMOSTREAM_STATE_DIR")))
                    .as(streams + " state volume")
                    .isPresent();
        }
        ComposeFile.Service inference = service("inference");
        assertThat(inference.env())
                .containsKeys("EMOSTREAM_MODELS_DIR", "EMOSTREAM_INFERENCE_MODALITIES", "DJL_CACHE_DIR");
        assertThat(inference.mountAt(inference.env().get("EMOSTREAM_MODELS_DIR")))
                .contains("./models");
        assertThat(inference.mountAt(inference.env().get("DJL_CACHE_DIR")))
                .as("DJL cache volume")
                .isPresent();

        ComposeFile.Service reporting = service("reporting");
        Map<String, String> db = service("postgres").env();
        assertThat(reporting.env())
                .containsEntry(
                        "QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://postgres:5432/" + db.get("POSTGRES_DB"))
                .containsEntry("QUARKUS_DATASOURCE_USERNAME", db.get("POSTGRES_USER"))
                .containsEntry("QUARKUS_DATASOURCE_PASSWORD", db.get("POSTGRES_PASSWORD"))
                .containsKey("EMOSTREAM_REPORTING_API_KEYS")
                // the console's uploads pass through reporting to ingest
                .containsEntry(
                        "EMOSTREAM_REPORTING_INGEST_URL",
                        "http://ingest:" + service("ingest").env().get("QUARKUS_HTTP_PORT"));
        assertThat(service("ingest").env()).containsKey("EMOSTREAM_INGEST_API_KEYS");
    }

    @Test
    void kafkaAdvertisesTheAddressTheServicesUseAndAcceptsWholeRecordings() {
        Map<String, String> env = service("kafka").env();
        assertThat(env.get("KAFKA_ADVERTISED_LISTENERS")).contains("INTERNAL://kafka:9092");
        assertThat(env)
                .containsEntry("KAFKA_PROCESS_ROLES", "broker,controller")
                .containsEntry("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                .containsEntry("KAFKA_NUM_PARTITIONS", Integer.toString(Topics.DEFAULT_PARTITIONS))
                .containsKey("CLUSTER_ID");
        assertThat(Long.parseLong(env.get("KAFKA_MESSAGE_MAX_BYTES")))
                .isGreaterThanOrEqualTo(Topics.MAX_RECORDING_MESSAGE_BYTES);
        assertThat(Long.parseLong(env.get("KAFKA_REPLICA_FETCH_MAX_BYTES")))
                .isGreaterThanOrEqualTo(Topics.MAX_RECORDING_MESSAGE_BYTES);
        // a produce request carrying one whole recording, plus request framing
        assertThat(Long.parseLong(env.get("KAFKA_SOCKET_REQUEST_MAX_BYTES")))
                .isGreaterThan(Topics.MAX_RECORDING_MESSAGE_BYTES + 10L * 1024 * 1024);
    }

    @Test
    void topicsAreCreatedByTheGeneratedScriptBeforeAnyServiceStarts() {
        ComposeFile.Service init = service("kafka-init");
        assertThat(init.volumeList()).contains("./" + TopicManifests.COMPOSE_SCRIPT + ":/deploy/create-topics.sh:ro");
        assertThat(init.entrypoint()).containsExactly("/bin/bash", "/deploy/create-topics.sh");
        assertThat(init.restart()).isEqualTo("no");
        assertThat(Repo.read(TopicManifests.COMPOSE_SCRIPT)).isEqualTo(TopicManifests.composeScript());
        for (ServiceSpec spec : ServiceSpec.ALL) {
            assertThat(service(spec.name()).dependsOn())
                    .as(spec.name() + " depends_on")
                    .containsEntry("kafka-init", new ComposeFile.Dependency("service_completed_successfully"));
        }
    }

    @Test
    void hostPortsDoNotClashAndServicesPublishTheirOwnPort() {
        Map<Integer, String> owners = new HashMap<>();
        compose.services()
                .forEach((name, s) -> s.hostPorts().forEach(p -> {
                    String previous = owners.put(p, name);
                    assertThat(previous).as("host port " + p + " of " + name).isNull();
                }));
        for (ServiceSpec spec : ServiceSpec.ALL) {
            assertThat(service(spec.name()).portList()).contains("127.0.0.1:" + spec.port() + ":" + spec.port());
        }
        // the local runtime's broker and database (./emostream up) can run beside compose
        assertThat(owners).doesNotContainKeys(19092, 19093, 15432);
    }

    @Test
    void everyPublishedPortIsBoundToLoopbackOnly() {
        compose.services()
                .forEach((name, s) -> s.portList()
                        .forEach(p -> assertThat(p).as(name + " publishes " + p).matches("127\\.0\\.0\\.1:\\d+:\\d+")));
        assertThat(compose.services().values().stream()
                        .mapToLong(s -> s.portList().size())
                        .sum())
                .isPositive();
    }

    /** Each secret is {@code ${VAR:?message}} wherever it is used; no {@code ${VAR:-default}} or literal remains. */
    @Test
    void secretsAreRequiredFromTheEnvironmentWithoutDefaults() {
        String text = Repo.read("docker-compose.yml");
        for (String secret : SECRETS) {
            assertThat(text).as(secret).contains("${" + secret + ":?");
            assertThat(Pattern.compile("\\$\\{" + secret + "(?!:\\?)")
                            .matcher(text)
                            .find())
                    .as(secret + " used with a default or optional")
                    .isFalse();
        }
        Map<String, String> secretOf = Map.of(
                "postgres",
                "POSTGRES_PASSWORD",
                "grafana",
                "GF_SECURITY_ADMIN_PASSWORD",
                "reporting",
                "QUARKUS_DATASOURCE_PASSWORD");
        secretOf.forEach((name, key) -> assertThat(service(name).env().get(key))
                .as(name + " " + key)
                .startsWith("${")
                .contains(":?"));
        assertThat(service("reporting").env().get("EMOSTREAM_REPORTING_API_KEYS"))
                .isEqualTo("${EMOSTREAM_REPORTING_API_KEYS:?set EMOSTREAM_REPORTING_API_KEYS (see .env.example)}");
        assertThat(service("ingest").env().get("EMOSTREAM_INGEST_API_KEYS"))
                .isEqualTo("${EMOSTREAM_INGEST_API_KEYS:?set EMOSTREAM_INGEST_API_KEYS (see .env.example)}");
        assertThat(text).doesNotContain("dev-key").doesNotContain(":-admin}").doesNotContain(":-emostream");
    }

    /** .env.example names every secret with an empty value (an unedited copy fails fast); git ignores .env. */
    @Test
    void envExampleListsEverySecretEmptyAndDotEnvIsIgnored() {
        Map<String, String> example = new HashMap<>();
        for (String line : Repo.read(".env.example").split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                String[] kv = line.split("=", 2);
                example.put(kv[0], kv[1]);
            }
        }
        for (String secret : SECRETS) {
            assertThat(example).as(".env.example").containsEntry(secret, "");
        }
        assertThat(Repo.read(".gitignore").lines()).contains(".env");
    }

    @Test
    void everythingLongRunningHasAHealthcheckAndDependenciesWaitForIt() {
        compose.services().forEach((name, s) -> {
            boolean oneShot = "no".equals(s.restart());
            if (!oneShot && !NO_HEALTHCHECK.contains(name)) {
                assertThat(s.healthcheck()).as(name + " healthcheck").isNotNull();
                assertThat(s.healthcheck().test())
                        .as(name + " healthcheck test")
                        .isNotEmpty();
                assertThat(s.healthcheck().test().get(0)).isIn("CMD", "CMD-SHELL");
            }
            if (s.dependsOn() != null) {
                s.dependsOn().forEach((dep, d) -> {
                    assertThat(compose.services())
                            .as(name + " depends on " + dep)
                            .containsKey(dep);
                    if ("service_healthy".equals(d.condition())) {
                        assertThat(compose.services().get(dep).healthcheck())
                                .as(dep + " healthcheck")
                                .isNotNull();
                    } else {
                        assertThat(d.condition()).isEqualTo("service_completed_successfully");
                        assertThat(compose.services().get(dep).restart()).isEqualTo("no");
                    }
                });
            }
        });
        for (ServiceSpec spec : ServiceSpec.ALL) {
            String probe = String.join(" ", service(spec.name()).healthcheck().test());
            assertThat(probe)
                    .as(spec.name() + " probes its own readiness")
                    .contains("/dev/tcp/127.0.0.1/" + spec.port())
                    .contains("/q/health/ready");
        }
    }

    @Test
    void everyMountedFileExistsAndEveryNamedVolumeIsDeclared() {
        compose.services()
                .forEach((name, s) -> s.volumeList().forEach(v -> {
                    String source = v.split(":")[0];
                    if (source.startsWith("./")) {
                        assertThat(Files.exists(Repo.path(source.substring(2))))
                                .as(name + " mounts " + source)
                                .isTrue();
                    } else {
                        assertThat(compose.volumes())
                                .as(name + " uses volume " + source)
                                .containsKey(source);
                    }
                }));
    }

    @Test
    void prometheusScrapesEveryServiceMetricsEndpoint() {
        JsonNode prometheus = Yaml.read(Repo.read("deploy/prometheus/prometheus.yml"));
        List<String> targets = new ArrayList<>();
        for (JsonNode job : prometheus.path("scrape_configs")) {
            if ("/q/metrics".equals(job.path("metrics_path").asText())) {
                job.path("static_configs").forEach(c -> c.path("targets").forEach(t -> targets.add(t.asText())));
            }
        }
        assertThat(targets)
                .containsExactlyInAnyOrderElementsOf(ServiceSpec.ALL.stream()
                        .map(s -> s.name() + ":" + s.port())
                        .toList());
        assertThat(service("prometheus").volumeList()).contains("./deploy/prometheus:/etc/prometheus:ro");
    }

    @Test
    void grafanaUsesTheReaderRoleThePostgresInitCreates() {
        String datasources = Repo.read("deploy/grafana/provisioning/datasources/emostream.yml");
        assertThat(datasources).contains("user: emostream_reader", "url: postgres:5432", "url: http://prometheus:9090");
        Matcher m = Pattern.compile("CREATE ROLE (\\w+) LOGIN")
                .matcher(Repo.read("deploy/postgres/init/10-reader-role.sh"));
        assertThat(m.find()).isTrue();
        assertThat(m.group(1)).isEqualTo("emostream_reader");
        assertThat(Files.isExecutable(Repo.path("deploy/postgres/init/10-reader-role.sh")))
                .isTrue();
        assertThat(service("grafana").env().get("EMOSTREAM_READER_PASSWORD"))
                .isEqualTo(service("postgres").env().get("EMOSTREAM_READER_PASSWORD"));
    }

    @Test
    void aMisspeltComposeKeyFailsTheParse() {
        String typo = Repo.read("docker-compose.yml").replaceFirst("\n    healthcheck:\n", "\n    healthchek:\n");
        assertThatThrownBy(() -> ComposeFile.parse(typo)).hasMessageContaining("unknown field 'healthchek'");
        String duplicate = Repo.read("docker-compose.yml")
                .replaceFirst("\n    hostname: kafka\n", "\n    hostname: kafka\n    hostname: broker\n");
        assertThatThrownBy(() -> ComposeFile.parse(duplicate)).hasMessageContaining("duplicate key");
    }
}
