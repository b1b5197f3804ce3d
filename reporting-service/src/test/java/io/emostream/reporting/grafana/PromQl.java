package io.emostream.reporting.grafana;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The metric names a PromQL expression selects, and Grafana's Prometheus variables replaced for a syntax check. */
public final class PromQl {

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    private static final Pattern LABEL_LIST =
            Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Set<String> KEYWORDS = Set.of(
            "and",
            "or",
            "unless",
            "bool",
            "offset",
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "inf",
            "nan",
            "atan2");

    private PromQl() {}

    /** Grafana's built-in Prometheus variables, replaced by typical values. */
    public static String expand(String expr) {
        String e = expr.replace("$__rate_interval", "1m")
                .replace("$__interval", "1m")
                .replace("$__range", "1h");
        Matcher left = Pattern.compile("\\$\\{?\\w+").matcher(e);
        if (left.find()) {
            throw new IllegalArgumentException("unexpanded '" + left.group() + "' in: " + expr);
        }
        return e;
    }

    public static Set<String> metricNames(String expr) {
        String e = STRING.matcher(expr).replaceAll("\"\"");
        e = MATCHERS.matcher(e).replaceAll(" ");
        e = RANGE.matcher(e).replaceAll(" ");
        e = LABEL_LIST.matcher(e).replaceAll(" ");
        Set<String> names = new LinkedHashSet<>();
        Matcher m = IDENTIFIER.matcher(e);
        while (m.find()) {
            String id = m.group();
            if (m.start() > 0 && Character.isDigit(e.charAt(m.start() - 1))) {
                continue; // a duration or number suffix like 5m, 1e3
            }
            if (KEYWORDS.contains(id.toLowerCase(java.util.Locale.ROOT))) {
                continue;
            }
            int next = m.end();
            while (next < e.length() && Character.isWhitespace(e.charAt(next))) {
                next++;
            }
            if (next < e.length() && e.charAt(next) == '(') {
                continue; // a function or aggregation
            }
            names.add(id);
        }
        return names;
    }
}
