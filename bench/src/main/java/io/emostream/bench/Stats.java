package io.emostream.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Percentiles over recorded samples, and the table + JSON output every benchmark prints. */
public final class Stats {

    /** The repository root the benchmark scripts run from ({@code EMOSTREAM_REPO}, set by bench/run-java.sh). */
    public static java.nio.file.Path repo() {
        return java.nio.file.Path.of(System.getenv().getOrDefault("EMOSTREAM_REPO", "."))
                .toAbsolutePath()
                .normalize();
    }

    private double[] values = new double[1024];
    private int n;

    public synchronized void add(double v) {
        if (n == values.length) {
            values = Arrays.copyOf(values, n * 2);
        }
        values[n++] = v;
    }

    public synchronized int count() {
        return n;
    }

    /** Nearest-rank percentile, p in [0, 100]. */
    public synchronized double percentile(double p) {
        if (n == 0) {
            return Double.NaN;
        }
        double[] sorted = Arrays.copyOf(values, n);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * n);
        return sorted[Math.max(0, Math.min(n - 1, rank - 1))];
    }

    public synchronized double mean() {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += values[i];
        }
        return n == 0 ? Double.NaN : s / n;
    }

    /** Prints the figures as an aligned table, then as one JSON line (prefixed {@code JSON }) for tooling. */
    public static void print(String benchmark, Map<String, ?> figures) {
        System.out.println();
        System.out.println("== " + benchmark);
        int w = figures.keySet().stream().mapToInt(String::length).max().orElse(10);
        StringBuilder json =
                new StringBuilder("{\"benchmark\":\"").append(benchmark).append('"');
        for (Map.Entry<String, ?> e : figures.entrySet()) {
            Object v = e.getValue();
            String shown = v instanceof Double d ? String.format(Locale.ROOT, "%.2f", d) : String.valueOf(v);
            System.out.printf(Locale.ROOT, "  %-" + w + "s  %s%n", e.getKey(), shown);
            json.append(",\"").append(e.getKey()).append("\":");
            boolean missing = v instanceof Double d && (d.isNaN() || d.isInfinite()); // no such number: JSON null
            json.append(
                    missing
                            ? "null"
                            : v instanceof Number || v instanceof Boolean
                                    ? shown
                                    : "\"" + shown.replace("\"", "\\\"") + "\"");
        }
        System.out.println("JSON " + json.append('}'));
    }

    public static Map<String, Object> figures() {
        return new LinkedHashMap<>();
    }
}
