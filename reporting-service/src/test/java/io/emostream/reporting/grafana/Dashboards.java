package io.emostream.reporting.grafana;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The provisioned dashboards, read from the repository's {@code grafana/} directory. */
public final class Dashboards {

    /** One query of one panel. */
    public record Query(
            String dashboard,
            String panel,
            String refId,
            String datasourceType,
            String datasourceUid,
            String text,
            String format) {

        public boolean isSql() {
            return datasourceType.contains("postgres");
        }

        public String where() {
            return dashboard + " / " + panel + " / " + refId;
        }
    }

    /** A template variable as declared. */
    public record Variable(
            String dashboard,
            String name,
            String type,
            String query,
            boolean multi,
            boolean includeAll,
            String allValue,
            String datasourceType) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private Dashboards() {}

    /** {@code grafana/} at the repository root, found from the module's working directory. */
    public static Path root() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("grafana/dashboards"))) {
                return p.resolve("grafana");
            }
        }
        throw new IllegalStateException(
                "no grafana/dashboards above " + Path.of("").toAbsolutePath());
    }

    public static List<JsonNode> all() {
        try (Stream<Path> files = Files.list(root().resolve("dashboards"))) {
            List<JsonNode> out = new ArrayList<>();
            for (Path f :
                    files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                out.add(JSON.readTree(f.toFile()));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<Query> queries(JsonNode dashboard) {
        List<Query> out = new ArrayList<>();
        collect(dashboard.path("uid").asText(), dashboard.path("panels"), out);
        return out;
    }

    private static void collect(String uid, JsonNode panels, List<Query> out) {
        for (JsonNode panel : panels) {
            collect(uid, panel.path("panels"), out); // panels inside collapsed rows
            for (JsonNode t : panel.path("targets")) {
                JsonNode ds = t.has("datasource") ? t.path("datasource") : panel.path("datasource");
                String text = t.has("rawSql")
                        ? t.path("rawSql").asText()
                        : t.path("expr").asText();
                out.add(new Query(
                        uid,
                        panel.path("title").asText(),
                        t.path("refId").asText(),
                        ds.path("type").asText(),
                        ds.path("uid").asText(),
                        text,
                        t.path("format").asText("")));
            }
        }
    }

    public static List<Variable> variables(JsonNode dashboard) {
        List<Variable> out = new ArrayList<>();
        for (JsonNode v : dashboard.path("templating").path("list")) {
            JsonNode q = v.path("query");
            out.add(new Variable(
                    dashboard.path("uid").asText(),
                    v.path("name").asText(),
                    v.path("type").asText(),
                    q.isTextual() ? q.asText() : q.path("query").asText(),
                    v.path("multi").asBoolean(),
                    v.path("includeAll").asBoolean(),
                    v.hasNonNull("allValue") ? v.path("allValue").asText() : null,
                    v.path("datasource").path("type").asText("")));
        }
        return out;
    }
}
