package io.emostream.deploy;

import io.emostream.runtime.ServiceSpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The service images: built from the fast-jar, non-root, on the port the service listens on, offline DJL. */
class DockerfileTest {

    private static final Pattern COPY = Pattern.compile("(?m)^COPY (?:--chown=\\S+ )?(?!--from)(\\S+) ");
    private static final Pattern FROM = Pattern.compile("(?m)^FROM (\\S+)");
    private static final Pattern USER = Pattern.compile("(?m)^USER (\\S+)");

    static String dockerfile(String relative) {
        return Repo.read(relative);
    }

    @Test
    void everyServiceImageCopiesItsOwnFastJarAndRunsAsNonRoot() {
        String dockerignore = Repo.read(".dockerignore");
        for (ServiceSpec spec : ServiceSpec.ALL) {
            String path = spec.name() + "-service/src/main/docker/Dockerfile.jvm";
            String df = dockerfile(path);
            Matcher copy = COPY.matcher(df);
            int copies = 0;
            while (copy.find()) {
                assertThat(copy.group(1)).as(path + " COPY").startsWith(spec.name() + "-service/target/quarkus-app/");
                copies++;
            }
            assertThat(copies).as(path + " copies the fast-jar layers").isEqualTo(4);
            assertThat(dockerignore)
                    .as(".dockerignore lets the fast-jar in")
                    .contains("!" + spec.name() + "-service/target/quarkus-app/");
            assertLastUserIsNonRoot(path, df);
            assertThat(df)
                    .as(path)
                    .contains("EXPOSE " + spec.port() + "\n")
                    .contains("ENV QUARKUS_HTTP_PORT=" + spec.port() + "\n")
                    .contains("/opt/jboss/container/java/run/run-java.sh");
            assertPinnedBaseImages(path, df);
        }
    }

    @Test
    void inferenceImagesRunDjlOfflineAndTheGpuImageLoadsTheTorchVersionTheBuildUses() {
        for (String path : List.of(
                "inference-service/src/main/docker/Dockerfile.jvm",
                "inference-service/src/main/docker/Dockerfile.gpu")) {
            String df = dockerfile(path);
            assertThat(df)
                    .as(path)
                    .contains("-Dai.djl.offline=true")
                    .contains("EMOSTREAM_MODELS_DIR=/deployments/models")
                    .contains("DJL_CACHE_DIR=/var/cache/djl");
            assertLastUserIsNonRoot(path, df);
            assertPinnedBaseImages(path, df);
        }
        String gpu = dockerfile("inference-service/src/main/docker/Dockerfile.gpu");
        String torch = property(Repo.read("pom.xml"), "pytorch.native.version");
        assertThat(gpu)
                .contains("ARG PYTORCH_VERSION=" + torch + "\n")
                .contains("PYTORCH_VERSION=" + torch + " ")
                .contains("PYTORCH_LIBRARY_PATH=/opt/libtorch")
                .contains("PYTORCH_FLAVOR=cu128");
    }

    /** A JVM out of memory must die (and be restarted), not limp on: the consumer guard counts the deaths. */
    @Test
    void everyServiceJvmExitsOnOutOfMemory() {
        for (ServiceSpec spec : ServiceSpec.ALL) {
            String path = spec.name() + "-service/src/main/docker/Dockerfile.jvm";
            assertThat(dockerfile(path))
                    .as(path)
                    .containsPattern("(?m)^ENV JAVA_OPTS_APPEND=.*-XX:\\+ExitOnOutOfMemoryError");
        }
        assertThat(dockerfile("inference-service/src/main/docker/Dockerfile.gpu"))
                .containsPattern("(?m)^ENV JAVA_OPTS_APPEND=.*-XX:\\+ExitOnOutOfMemoryError");
        assertThat(Repo.read("local-runtime/src/main/java/io/emostream/runtime/ServiceProcess.java"))
                .as("the local runtime's service JVMs")
                .contains("\"-XX:+ExitOnOutOfMemoryError\"");
    }

    /**
     * The models' JVM keeps libtorch's freed forward-pass buffers (glibc malloc thresholds): without them each SER
     * pass maps and faults in its buffers afresh, ~4x slower on the CPU. Images and the local runtime the same.
     */
    @Test
    void theInferenceJvmKeepsNativeBuffersBetweenForwardPasses() {
        for (String path : List.of(
                "inference-service/src/main/docker/Dockerfile.jvm",
                "inference-service/src/main/docker/Dockerfile.gpu")) {
            assertThat(dockerfile(path))
                    .as(path)
                    .containsPattern("(?m)^ENV MALLOC_MMAP_THRESHOLD_=67108864 MALLOC_TRIM_THRESHOLD_=268435456$");
        }
        assertThat(Repo.read("local-runtime/src/main/java/io/emostream/runtime/ServiceProcess.java"))
                .as("the local runtime's inference JVM")
                .contains("\"MALLOC_MMAP_THRESHOLD_\", \"67108864\", \"MALLOC_TRIM_THRESHOLD_\", \"268435456\"");
        assertThat(Repo.read("emotion-models/native-malloc.sh"))
                .as("the scripts that run the models in a JVM (bench, evaluate)")
                .contains("MALLOC_MMAP_THRESHOLD_:-67108864", "MALLOC_TRIM_THRESHOLD_:-268435456");
        for (String script : List.of(
                "bench/run-java.sh",
                "bench/models.sh",
                "bench/inference.sh",
                "bench/ser-forward.sh",
                "emotion-models/evaluate")) {
            assertThat(Repo.read(script)).as(script).contains("/emotion-models/native-malloc.sh\"");
        }
    }

    @Test
    void theStreamsServicesDeclareAWritableStateDirectory() {
        for (String svc : List.of("ingest", "fusion")) {
            String df = dockerfile(svc + "-service/src/main/docker/Dockerfile.jvm");
            assertThat(df)
                    .contains("ENV EMOSTREAM_STATE_DIR=/var/lib/emostream/state")
                    .contains("chown -R 185:0 /var/lib/emostream");
        }
    }

    private static void assertLastUserIsNonRoot(String path, String df) {
        Matcher user = USER.matcher(df);
        String last = null;
        while (user.find()) {
            last = user.group(1);
        }
        assertThat(last).as(path + " final USER").isNotNull().isNotIn("root", "0");
    }

    private static void assertPinnedBaseImages(String path, String df) {
        Matcher from = FROM.matcher(df);
        while (from.find()) {
            String image = from.group(1);
            assertThat(image.substring(image.lastIndexOf('/') + 1))
                    .as(path + " FROM " + image)
                    .contains(":")
                    .doesNotEndWith(":latest");
        }
    }

    static String property(String pom, String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(pom);
        assertThat(m.find()).as("pom property " + name).isTrue();
        return m.group(1);
    }
}
