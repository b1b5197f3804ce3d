package io.emostream.deploy;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A small structural schema in the shape of a CRD's OpenAPI v3 schema (type, properties, required, enum, items,
 * additionalProperties, minimum, maximum, pattern), but closed: an object that lists {@code properties} accepts no
 * other field, so a misspelt field fails. {@code x-model: <class>} delegates a subtree to a Kubernetes model class
 * (ObjectMeta, ResourceRequirements, Toleration, ...) bound strictly by {@link StrictMapper}. The schemas under
 * {@code src/test/resources/schemas/} are written for the fields EmoStream uses, checked against the operators'
 * API references; they are narrower than the CRDs on purpose.
 */
final class AllowListSchema {

    private static final Set<String> KEYWORDS = Set.of(
            "type",
            "properties",
            "required",
            "enum",
            "items",
            "additionalProperties",
            "minimum",
            "maximum",
            "pattern",
            "x-model",
            "description");

    private final JsonNode schema;
    private final StrictMapper models;

    AllowListSchema(JsonNode schema, StrictMapper models) {
        this.schema = schema;
        this.models = models;
        checkSchema(schema, "<schema>");
    }

    List<String> validate(JsonNode value) {
        List<String> problems = new ArrayList<>();
        validate(schema, value, "", problems);
        return problems;
    }

    private void validate(JsonNode s, JsonNode v, String path, List<String> problems) {
        String at = path.isEmpty() ? "<root>" : path;
        if (s.has("x-model")) {
            try {
                Class<?> type = Class.forName(s.get("x-model").asText());
                models.check(v, type).ifPresent(p -> problems.add(at + ": " + p));
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("schema names an unknown model class: " + s.get("x-model"), e);
            }
            return;
        }
        String type = s.path("type").asText("");
        switch (type) {
            case "object" -> {
                if (!v.isObject()) {
                    problems.add(at + ": expected an object, got " + v.getNodeType());
                    return;
                }
                JsonNode props = s.path("properties");
                JsonNode additional = s.get("additionalProperties");
                for (JsonNode req : s.path("required")) {
                    if (!v.has(req.asText())) {
                        problems.add(at + ": required field '" + req.asText() + "' is missing");
                    }
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                    var field = it.next();
                    String child = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
                    if (props.has(field.getKey())) {
                        validate(props.get(field.getKey()), field.getValue(), child, problems);
                    } else if (additional != null && additional.isObject()) {
                        validate(additional, field.getValue(), child, problems);
                    } else {
                        List<String> known = new ArrayList<>();
                        props.fieldNames().forEachRemaining(known::add);
                        problems.add(at + ": unknown field '" + field.getKey() + "' (allowed: " + known + ")");
                    }
                }
            }
            case "array" -> {
                if (!v.isArray()) {
                    problems.add(at + ": expected a list, got " + v.getNodeType());
                    return;
                }
                for (int i = 0; i < v.size(); i++) {
                    validate(s.get("items"), v.get(i), path + "[" + i + "]", problems);
                }
            }
            case "string" -> {
                if (!v.isTextual()) {
                    problems.add(at + ": expected a string, got " + v.getNodeType() + " " + v);
                } else if (s.has("pattern")
                        && !Pattern.compile(s.get("pattern").asText())
                                .matcher(v.asText())
                                .find()) {
                    problems.add(at + ": '" + v.asText() + "' does not match "
                            + s.get("pattern").asText());
                }
            }
            case "integer" -> {
                if (!v.isIntegralNumber()) {
                    problems.add(at + ": expected an integer, got " + v.getNodeType() + " " + v);
                } else {
                    range(s, v, at, problems);
                }
            }
            case "number" -> {
                if (!v.isNumber()) {
                    problems.add(at + ": expected a number, got " + v.getNodeType() + " " + v);
                } else {
                    range(s, v, at, problems);
                }
            }
            case "boolean" -> {
                if (!v.isBoolean()) {
                    problems.add(at + ": expected true or false, got " + v.getNodeType() + " " + v);
                }
            }
            case "int-or-string" -> {
                if (!v.isIntegralNumber() && !v.isTextual()) {
                    problems.add(at + ": expected an integer or a string, got " + v.getNodeType());
                }
            }
            default -> throw new IllegalStateException("schema at " + at + " has no known type: " + s);
        }
        if (s.has("enum")) {
            boolean found = false;
            for (JsonNode e : s.get("enum")) {
                found |= e.equals(v);
            }
            if (!found) {
                problems.add(at + ": " + v + " is not one of " + s.get("enum"));
            }
        }
    }

    private static void range(JsonNode s, JsonNode v, String at, List<String> problems) {
        if (s.has("minimum") && v.asDouble() < s.get("minimum").asDouble()) {
            problems.add(at + ": " + v + " is below the minimum " + s.get("minimum"));
        }
        if (s.has("maximum") && v.asDouble() > s.get("maximum").asDouble()) {
            problems.add(at + ": " + v + " is above the maximum " + s.get("maximum"));
        }
    }

    /** A typo in the schema itself (say "propreties") must not silently accept everything. */
    private static void checkSchema(JsonNode s, String at) {
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KEYWORDS.contains(k)) {
                throw new IllegalStateException("schema keyword '" + k + "' at " + at + " is not supported");
            }
        }
        if (!s.has("type") && !s.has("x-model")) {
            throw new IllegalStateException("schema at " + at + " has neither type nor x-model");
        }
        if ("object".equals(s.path("type").asText()) && !s.has("properties") && !s.has("additionalProperties")) {
            throw new IllegalStateException("object schema at " + at + " must list properties or additionalProperties");
        }
        s.path("properties").fields().forEachRemaining(e -> checkSchema(e.getValue(), at + "." + e.getKey()));
        if (s.has("items")) {
            checkSchema(s.get("items"), at + "[]");
        }
        if (s.has("additionalProperties") && s.get("additionalProperties").isObject()) {
            checkSchema(s.get("additionalProperties"), at + ".*");
        }
    }
}
