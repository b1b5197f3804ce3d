package io.emostream.deploy;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The compose Prometheus configuration and alert rules, checked by promtool itself. */
class PrometheusConfigTest {

    @BeforeAll
    static void needsPromtool() {
        boolean found = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, "promtool")));
        Assumptions.assumeTrue(
                found,
                "promtool is not on the PATH (Debian: apt-get install -y prometheus): "
                        + "the Prometheus config is then only checked for its scrape targets (ComposeFileTest)");
    }

    @Test
    void configIsValid() throws Exception {
        assertThat(promtool(
                        "check",
                        "config",
                        "--syntax-only",
                        Repo.path("deploy/prometheus/prometheus.yml").toString()))
                .contains("SUCCESS");
    }

    @Test
    void alertRulesAreValid() throws Exception {
        List<String> args = new ArrayList<>(List.of("check", "rules"));
        try (Stream<Path> rules = Files.list(Repo.path("deploy/prometheus/rules"))) {
            rules.filter(p -> p.toString().endsWith(".yml")).forEach(p -> args.add(p.toString()));
        }
        assertThat(args).hasSizeGreaterThan(2);
        assertThat(promtool(args.toArray(String[]::new))).contains("SUCCESS");
    }

    private static String promtool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("promtool"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue())
                .as("promtool " + String.join(" ", args) + ":\n" + out)
                .isZero();
        return out;
    }
}
