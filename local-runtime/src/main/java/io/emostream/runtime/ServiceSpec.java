package io.emostream.runtime;

import java.nio.file.Path;
import java.util.List;

/**
 * A platform service as the local runtime runs it: its Quarkus fast-jar, started as its own JVM exactly as it is
 * deployed, configured through environment variables.
 *
 * @param name   the service name, also its Maven module {@code <name>-service}
 * @param port   its default HTTP port (health, metrics, REST); see {@link RuntimeSettings#servicePort}
 * @param maxHeap the -Xmx it gets
 * @param nativeModels whether it runs the models in native code (libtorch, ONNX Runtime): its JVM gets the glibc
 *     malloc settings of its container image ({@link ServiceProcess#NATIVE_MALLOC})
 */
public record ServiceSpec(String name, int port, String maxHeap, boolean nativeModels) {

    /** In start order: consumers of a topic come up before its producers. */
    public static final List<ServiceSpec> ALL = List.of(
            new ServiceSpec("reporting", 8080, "512m", false),
            new ServiceSpec("fusion", 8083, "512m", false),
            new ServiceSpec("inference", 8082, "1536m", true),
            new ServiceSpec("ingest", 8081, "768m", false));

    public Path jar(Path repo) {
        return repo.resolve(name + "-service").resolve("target/quarkus-app/quarkus-run.jar");
    }

    public static ServiceSpec named(String name) {
        return ALL.stream()
                .filter(s -> s.name.equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown service '" + name + "'; known: "
                        + ALL.stream().map(ServiceSpec::name).toList()));
    }
}
