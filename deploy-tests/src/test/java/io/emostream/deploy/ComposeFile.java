package io.emostream.deploy;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The subset of the Compose specification that docker-compose.yml uses, bound strictly: a key this model does not
 * know (a typo such as {@code enviroment:} or {@code healthchek:}, which docker compose would reject or, for
 * extension-like keys, ignore) fails the test. Add a field here when the compose file starts using it.
 */
record ComposeFile(String name, Map<String, Service> services, Map<String, Object> volumes) {

    record Service(
            String image,
            Build build,
            String hostname,
            Map<String, String> environment,
            List<String> ports,
            List<String> volumes,
            Healthcheck healthcheck,
            @JsonProperty("depends_on") Map<String, Dependency> dependsOn,
            List<String> entrypoint,
            List<String> command,
            String restart) {

        Map<String, String> env() {
            return environment == null ? Map.of() : environment;
        }

        List<String> portList() {
            return ports == null ? List.of() : ports;
        }

        List<String> volumeList() {
            return volumes == null ? List.of() : volumes;
        }

        /** The host port of each {@code [ip:]host:container} mapping. */
        List<Integer> hostPorts() {
            return portList().stream()
                    .map(p -> {
                        String[] parts = p.split(":");
                        return Integer.parseInt(parts[parts.length - 2]);
                    })
                    .toList();
        }

        /** The volume (named or bind) mounted at {@code containerPath}. */
        Optional<String> mountAt(String containerPath) {
            return volumeList().stream()
                    .filter(v -> v.split(":")[1].equals(containerPath))
                    .map(v -> v.split(":")[0])
                    .findFirst();
        }
    }

    record Build(String context, String dockerfile) {}

    record Healthcheck(
            List<String> test,
            String interval,
            String timeout,
            Integer retries,
            @JsonProperty("start_period") String startPeriod) {}

    record Dependency(String condition) {}

    /**
     * Reads with SnakeYAML (which resolves anchors and {@code <<} merge keys, as docker compose does; duplicate keys
     * fail), drops top-level {@code x-} extension fields, then binds strictly.
     */
    static ComposeFile parse(String yaml) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        Object raw = new Yaml(options).load(yaml);
        JsonNode tree = io.emostream.deploy.Yaml.MAPPER.valueToTree(raw);
        ObjectNode root = (ObjectNode) tree;
        List<String> extensions = new ArrayList<>();
        root.fieldNames().forEachRemaining(n -> {
            if (n.startsWith("x-")) {
                extensions.add(n);
            }
        });
        root.remove(extensions);
        return new StrictMapper().bind(tree, ComposeFile.class);
    }
}
