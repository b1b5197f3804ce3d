package io.emostream.deploy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyName;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Binds YAML/JSON trees to model classes (fabric8 Kubernetes model, Strimzi API model) so that any field the model
 * does not declare is an error. Both models catch unknown fields in an {@code additionalProperties} map through a
 * {@code @JsonAnySetter}, which would make FAIL_ON_UNKNOWN_PROPERTIES a no-op: the modifier removes every any-setter
 * and every "ignore unknown" flag, so a misspelt field fails exactly as the API server's strict field validation
 * ({@code kubectl apply --validate=strict}) rejects it. Scalars are not coerced either: {@code replicas: "3"} or
 * {@code value: 8080} (a number where Kubernetes wants a string) fail, as they do in the API server.
 */
final class StrictMapper {

    private final ObjectMapper mapper;

    /**
     * @param removedProperties per model class, properties to treat as unknown (for Strimzi: fields of the Java model
     *                          that exist only in an older API version than the one being validated)
     */
    StrictMapper(Map<Class<?>, Set<String>> removedProperties) {
        SimpleModule strict = new SimpleModule("strict-fields");
        strict.setDeserializerModifier(new BeanDeserializerModifier() {
            @Override
            public BeanDeserializerBuilder updateBuilder(
                    DeserializationConfig config, BeanDescription desc, BeanDeserializerBuilder builder) {
                builder.setAnySetter(null);
                builder.setIgnoreUnknownProperties(false);
                // the models also expose the any-setter's map as a bean property of that name
                builder.removeProperty(PropertyName.construct("additionalProperties"));
                for (String name : removedProperties.getOrDefault(desc.getBeanClass(), Set.of())) {
                    builder.removeProperty(PropertyName.construct(name));
                }
                return builder;
            }
        });
        mapper = JsonMapper.builder()
                .addModule(strict)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                // Kubernetes rejects a number or boolean where a string belongs (env values, labels, annotations)
                .withCoercionConfig(
                        LogicalType.Textual,
                        c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .build();
    }

    StrictMapper() {
        this(Map.of());
    }

    /** Binds strictly, failing with the same description {@link #check} gives. */
    <T> T bind(JsonNode node, Class<T> type) {
        try {
            return mapper.treeToValue(node, type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new IllegalArgumentException(check(node, type).orElse(e.getMessage()), e);
        }
    }

    /** @return a problem description, or empty when {@code node} binds to {@code type} without loss */
    Optional<String> check(JsonNode node, Class<?> type) {
        try {
            mapper.treeToValue(node, type);
            return Optional.empty();
        } catch (UnrecognizedPropertyException e) {
            return Optional.of("unknown field '" + e.getPropertyName() + "' at " + path(e)
                    + " (" + e.getReferringClass().getSimpleName() + " declares: "
                    + e.getKnownPropertyIds().stream()
                            .map(Object::toString)
                            .sorted()
                            .collect(Collectors.joining(", ")) + ")");
        } catch (JsonMappingException e) {
            return Optional.of("invalid value at " + path(e) + ": " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            return Optional.of(e.getOriginalMessage());
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                sb.append(sb.isEmpty() ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.isEmpty() ? "<root>" : sb.toString();
    }
}
