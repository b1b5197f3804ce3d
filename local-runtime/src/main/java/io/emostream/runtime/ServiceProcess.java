package io.emostream.runtime;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One running service JVM. */
final class ServiceProcess implements AutoCloseable {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final ServiceSpec spec;
    private final int instance;
    private final String url;
    private final Process process;
    private final Path log;

    private ServiceProcess(ServiceSpec spec, int instance, String url, Process process, Path log) {
        this.spec = spec;
        this.instance = instance;
        this.url = url;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts instance {@code instance} of a service: 0 is the one {@code up} starts; more join its consumer groups as
     * replicas would ({@code scale}), each with its own HTTP port, state directory, transactional id and log.
     */
    static ServiceProcess start(ServiceSpec spec, int instance, RuntimeSettings settings, Map<String, String> extraEnv)
            throws IOException {
        Path jar = spec.jar(settings.repo());
        if (!Files.exists(jar)) {
            throw new IOException(spec.name() + "-service is not built (" + jar + " missing): run "
                    + "./mvnw -B package -DskipTests, or use ./emostream which builds when needed");
        }
        int port = settings.servicePort(spec, instance);
        if (ChildProcesses.portOpen(port)) {
            throw new IOException("port " + port + " for " + spec.name() + " is already in use (set "
                    + "EMOSTREAM_PORT_OFFSET to run beside another platform)");
        }
        Map<String, String> env = new HashMap<>(environment(spec, settings));
        if (instance > 0) {
            String replica = spec.name() + "-" + (instance + 1);
            env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
            env.put(
                    "EMOSTREAM_STATE_DIR",
                    settings.home().resolve("state").resolve(replica).toString());
            // part of inference's transactional ids: two replicas with the same one would fence each other
            env.put("EMOSTREAM_INFERENCE_INSTANCE_ID", "local-" + (instance + 1));
        }
        env.putAll(extraEnv);
        List<String> jvm = new ArrayList<>(List.of(
                "-javaagent:" + ChildProcesses.ownCodeSource(),
                "-Xmx" + spec.maxHeap(),
                "-XX:+UseG1GC",
                "-XX:+ExitOnOutOfMemoryError",
                "-Dai.djl.offline=true",
                "-jar",
                jar.toString()));
        Path log = settings.logs().resolve(spec.name() + (instance == 0 ? "" : "-" + (instance + 1)) + ".log");
        return new ServiceProcess(
                spec,
                instance,
                settings.serviceUrl(spec, instance),
                ChildProcesses.start(ChildProcesses.javaCommand(jvm), log, env),
                log);
    }

    /**
     * glibc malloc settings for the JVM that runs the models (libtorch, ONNX Runtime), as in its container image: keep
     * freed native buffers of up to 64 MB in the heap instead of mmap/munmap per forward pass and trim only above
     * 256 MB. Without them each SER forward pass maps and faults in its buffers afresh: p50 ~18-20 ms instead of ~4 ms
     * per 3 s utterance, most of it system time (issue 21, bench/README.md). Values in the environment win.
     */
    static final Map<String, String> NATIVE_MALLOC =
            Map.of("MALLOC_MMAP_THRESHOLD_", "67108864", "MALLOC_TRIM_THRESHOLD_", "268435456");

    /** The configuration every service reads, as environment variables (MicroProfile Config naming). */
    static Map<String, String> environment(ServiceSpec spec, RuntimeSettings settings) {
        Map<String, String> env = new HashMap<>();
        env.put("QUARKUS_HTTP_PORT", Integer.toString(settings.servicePort(spec)));
        env.put("KAFKA_BOOTSTRAP_SERVERS", settings.bootstrapServers());
        env.put("QUARKUS_DATASOURCE_JDBC_URL", settings.jdbcUrl());
        env.put("QUARKUS_DATASOURCE_USERNAME", RuntimeSettings.DB_USER);
        env.put("QUARKUS_DATASOURCE_PASSWORD", RuntimeSettings.DB_PASSWORD);
        env.put("EMOSTREAM_MODELS_DIR", settings.repo().resolve("models").toString());
        env.put(
                "EMOSTREAM_STATE_DIR",
                settings.home().resolve("state").resolve(spec.name()).toString());
        // one key for this installation's APIs (ingest uploads, reporting results); analyze sends it
        env.put("EMOSTREAM_REPORTING_API_KEYS", settings.apiKey());
        env.put("EMOSTREAM_INGEST_API_KEYS", settings.apiKey());
        // the console's uploads go through reporting to ingest: where ingest listens on this platform
        env.put("EMOSTREAM_REPORTING_INGEST_URL", settings.serviceUrl(ServiceSpec.named("ingest")));
        if (spec.nativeModels()) {
            NATIVE_MALLOC.forEach((k, v) -> env.put(k, System.getenv().getOrDefault(k, v)));
        }
        if (System.getenv("QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT") == null
                && System.getenv("QUARKUS_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == null) {
            // no trace collector: record no new traces (their ids still reach the rows), so nothing fails to export
            env.put("QUARKUS_OTEL_TRACES_SAMPLER_ARG", "0");
        }
        return env;
    }

    ServiceSpec spec() {
        return spec;
    }

    int instance() {
        return instance;
    }

    /** {@code fusion}, {@code fusion-2}, …: how logs and messages name this instance. */
    String displayName() {
        return instance == 0 ? spec.name() : spec.name() + "-" + (instance + 1);
    }

    long pid() {
        return process.pid();
    }

    String url() {
        return url;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    Path log() {
        return log;
    }

    /** Waits until {@code /q/health/ready} answers 200. */
    void awaitReady(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpRequest req = HttpRequest.newBuilder(URI.create(url + "/q/health/ready"))
                .timeout(Duration.ofSeconds(3))
                .build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException(spec.name() + " exited with code " + process.exitValue() + "; see " + log);
            }
            if (isReady(req)) {
                return;
            }
            ChildProcesses.sleep(250);
        }
        throw new IOException(spec.name() + " was not ready within " + timeout + "; see " + log);
    }

    /** The HTTP status of {@code /q/health/live}, or -1 when it does not answer (e.g. still starting). */
    int liveness() {
        try {
            return HTTP.send(
                            HttpRequest.newBuilder(URI.create(url + "/q/health/live"))
                                    .timeout(Duration.ofSeconds(3))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** SIGKILL, as an orchestrator does to a container that failed its liveness probe. */
    void kill() {
        process.destroyForcibly();
    }

    static boolean isReady(String url) {
        return isReady(HttpRequest.newBuilder(URI.create(url + "/q/health/ready"))
                .timeout(Duration.ofSeconds(3))
                .build());
    }

    private static boolean isReady(HttpRequest req) {
        try {
            return HTTP.send(req, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        // SIGTERM: Quarkus drains in-flight work (consumers commit, producers flush) before exiting
        ChildProcesses.stop(process.toHandle(), Duration.ofSeconds(30));
    }
}
