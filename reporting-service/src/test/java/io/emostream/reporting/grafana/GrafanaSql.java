package io.emostream.reporting.grafana;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Expands a Grafana SQL panel query into the plain SQL the PostgreSQL data source would run: first the template
 * variables (as the Grafana frontend does, SQL formatting rules included), then the backend macros exactly as
 * Grafana's {@code pkg/tsdb/grafana-postgresql-datasource/macros.go} writes them. Anything left unexpanded is an
 * error, so a typo in a dashboard fails the test instead of reaching PostgreSQL as text.
 */
public final class GrafanaSql {

    /** A template variable's current selection. */
    public record Selection(List<String> values, boolean multiOrAll, boolean all, String allValue) {

        public static Selection single(String value) {
            return new Selection(List.of(value), false, false, null);
        }

        public static Selection many(List<String> values) {
            return new Selection(values, true, false, null);
        }

        public static Selection all(List<String> values, String allValue) {
            return new Selection(values, true, true, allValue);
        }
    }

    private static final Pattern VARIABLE =
            Pattern.compile("\\$\\{(\\w+)(?::(\\w+))?}|\\[\\[(\\w+)(?::(\\w+))?]]|\\$(\\w+)(?!\\w|\\()");
    private static final Pattern MACRO = Pattern.compile("\\$([_a-zA-Z0-9]+)\\(([^)]*)\\)");
    private static final Pattern LEFTOVER = Pattern.compile("\\$\\{?\\w+|\\[\\[\\w+");

    private GrafanaSql() {}

    public static String expand(
            String sql, Map<String, Selection> variables, Instant from, Instant to, Duration interval) {
        String withVariables = replaceVariables(sql, variables, from, to, interval);
        String expanded = replaceMacros(withVariables, from, to);
        Matcher left = LEFTOVER.matcher(stripStrings(expanded));
        if (left.find()) {
            throw new IllegalArgumentException("unexpanded '" + left.group() + "' in: " + expanded);
        }
        return expanded;
    }

    static String replaceVariables(
            String sql, Map<String, Selection> variables, Instant from, Instant to, Duration interval) {
        Matcher m = VARIABLE.matcher(sql);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(3) != null ? m.group(3) : m.group(5);
            String format = m.group(2) != null ? m.group(2) : m.group(4);
            String value = builtIn(name, from, to, interval);
            if (value == null) {
                Selection s = variables.get(name);
                if (s == null) {
                    throw new IllegalArgumentException("query uses undefined variable '" + name + "': " + sql);
                }
                value = format(s, format);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String builtIn(String name, Instant from, Instant to, Duration interval) {
        return switch (name) {
            case "__interval" -> grafanaDuration(interval);
            case "__interval_ms" -> Long.toString(interval.toMillis());
            case "__range" -> grafanaDuration(Duration.between(from, to));
            case "__range_s" -> Long.toString(Duration.between(from, to).toSeconds());
            case "__range_ms" -> Long.toString(Duration.between(from, to).toMillis());
            case "__from" -> Long.toString(from.toEpochMilli());
            case "__to" -> Long.toString(to.toEpochMilli());
            default -> null;
        };
    }

    /** Grafana's SQL formatting: multi-value and All selections are quoted lists unless a custom all value is set. */
    static String format(Selection s, String format) {
        if (format == null || (format.equals("sqlstring") && s.multiOrAll())) {
            if (s.all() && s.allValue() != null && format == null) {
                return s.allValue();
            }
            if (!s.multiOrAll() && format == null) {
                return s.values().get(0);
            }
            return quoted(s.values());
        }
        return switch (format) {
            case "sqlstring" -> quoted(s.values());
            case "raw" -> String.join(",", s.values());
            case "csv" -> String.join(",", s.values());
            case "singlequote" -> quoted(s.values());
            case "doublequote" ->
                s.values().stream()
                        .map(v -> '"' + v.replace("\"", "\\\"") + '"')
                        .collect(Collectors.joining(","));
            default -> throw new IllegalArgumentException("variable format '" + format + "' is not supported here");
        };
    }

    private static String quoted(List<String> values) {
        return values.stream().map(v -> "'" + v.replace("'", "''") + "'").collect(Collectors.joining(","));
    }

    static String replaceMacros(String sql, Instant from, Instant to) {
        Matcher m = MACRO.matcher(sql);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            if (name.equals("__timeGroup") && m.end() < sql.length() && sql.charAt(m.end()) == ',') {
                name = "__timeGroupAlias"; // Grafana's pre-5.3 compatibility rule
            }
            String[] args = m.group(2).isBlank() ? new String[0] : m.group(2).split(",");
            for (int i = 0; i < args.length; i++) {
                args[i] = args[i].trim();
            }
            m.appendReplacement(out, Matcher.quoteReplacement(macro(name, args, from, to)));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String macro(String name, String[] a, Instant from, Instant to) {
        return switch (name) {
            case "__time" -> need(a, 1, name) + " AS \"time\"";
            case "__timeEpoch" -> "extract(epoch from " + need(a, 1, name) + ") as \"time\"";
            case "__timeFilter" -> need(a, 1, name) + " BETWEEN '" + from + "' AND '" + to + "'";
            case "__timeFrom" -> "'" + from + "'";
            case "__timeTo" -> "'" + to + "'";
            case "__timeGroup" -> {
                need(a, 2, name);
                String s = seconds(parseInterval(a[1].replace("'", "")));
                yield "floor(extract(epoch from " + a[0] + ")/" + s + ")*" + s;
            }
            case "__timeGroupAlias" -> macro("__timeGroup", a, from, to) + " AS \"time\"";
            case "__unixEpochFilter" ->
                need(a, 1, name) + " >= " + from.getEpochSecond() + " AND " + a[0] + " <= " + to.getEpochSecond();
            case "__unixEpochGroup" -> {
                need(a, 2, name);
                String s = seconds(parseInterval(a[1].replace("'", "")));
                yield "floor((" + a[0] + ")/" + s + ")*" + s;
            }
            case "__unixEpochGroupAlias" -> macro("__unixEpochGroup", a, from, to) + " AS \"time\"";
            default -> throw new IllegalArgumentException("unknown macro $" + name);
        };
    }

    private static String need(String[] args, int n, String macro) {
        if (args.length < n) {
            throw new IllegalArgumentException("macro $" + macro + " needs " + n + " argument(s)");
        }
        return args[0];
    }

    /** Grafana interval syntax: a number and a unit (ms, s, m, h, d, w, y). */
    public static Duration parseInterval(String s) {
        Matcher m = Pattern.compile("(\\d+)(ms|s|m|h|d|w|y)").matcher(s.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a Grafana interval: '" + s + "'");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            case "w" -> Duration.ofDays(7 * n);
            default -> Duration.ofDays(365 * n);
        };
    }

    static String grafanaDuration(Duration d) {
        long s = d.toSeconds();
        if (d.toMillis() % 1000 != 0) {
            return d.toMillis() + "ms";
        }
        if (s % 86400 == 0) {
            return s / 86400 + "d";
        }
        if (s % 3600 == 0) {
            return s / 3600 + "h";
        }
        if (s % 60 == 0) {
            return s / 60 + "m";
        }
        return s + "s";
    }

    /** Go's %v of a float64 number of seconds: 300, 0.5. */
    private static String seconds(Duration d) {
        double s = d.toNanos() / 1e9;
        return s == Math.rint(s) ? Long.toString((long) s) : Double.toString(s);
    }

    private static String stripStrings(String sql) {
        return sql.replaceAll("'(?:[^']|'')*'", "''");
    }
}
