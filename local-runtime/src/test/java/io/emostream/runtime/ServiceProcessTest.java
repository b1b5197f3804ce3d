package io.emostream.runtime;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The environment the local runtime gives each service's JVM. */
class ServiceProcessTest {

    private final RuntimeSettings settings = RuntimeSettings.fromEnv(Map.of("EMOSTREAM_PORT_OFFSET", "7"));

    @Test
    void onlyTheServiceThatRunsModelsGetsTheNativeMallocSettings() {
        for (ServiceSpec spec : ServiceSpec.ALL) {
            Map<String, String> env = ServiceProcess.environment(spec, settings);
            if (spec.nativeModels()) {
                ServiceProcess.NATIVE_MALLOC.forEach((k, v) -> assertThat(env)
                        .as(spec.name())
                        .containsEntry(k, System.getenv().getOrDefault(k, v)));
            } else {
                assertThat(env).as(spec.name()).doesNotContainKeys("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_");
            }
        }
        assertThat(ServiceSpec.ALL.stream().filter(ServiceSpec::nativeModels).map(ServiceSpec::name))
                .containsExactly("inference");
    }

    @Test
    void everyServiceGetsItsPortTheBrokerTheDatabaseAndTheModels() {
        for (ServiceSpec spec : ServiceSpec.ALL) {
            Map<String, String> env = ServiceProcess.environment(spec, settings);
            assertThat(env)
                    .as(spec.name())
                    .containsEntry("QUARKUS_HTTP_PORT", Integer.toString(spec.port() + 7))
                    .containsEntry("KAFKA_BOOTSTRAP_SERVERS", settings.bootstrapServers())
                    .containsEntry("QUARKUS_DATASOURCE_JDBC_URL", settings.jdbcUrl())
                    .containsEntry(
                            "EMOSTREAM_MODELS_DIR",
                            settings.repo().resolve("models").toString());
        }
    }
}
