package io.emostream.contracts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.io.IOException;

/**
 * Kafka serde for the JSON events. Deserialisation fails with a {@link SerializationException} on malformed JSON
 * (the JSON text {@code null} included) and on a {@code schemaVersion} newer than {@code maxVersion}; a null or empty
 * value reads as null (a tombstone).
 * Reads and writes with {@link Json#MAPPER}, through a reader and writer for the type built once.
 */
public final class JsonSerde<T extends Versioned> implements Serde<T>, Serializer<T>, Deserializer<T> {

    private final Class<T> type;
    private final int maxVersion;
    private final ObjectReader reader;
    private final ObjectWriter writer;

    private JsonSerde(Class<T> type, int maxVersion) {
        this.type = type;
        this.maxVersion = maxVersion;
        this.reader = Json.MAPPER.readerFor(type);
        this.writer = Json.MAPPER.writerFor(type); // event types are records: the declared type is the value's
    }

    public static <T extends Versioned> JsonSerde<T> of(Class<T> type, int maxVersion) {
        return new JsonSerde<>(type, maxVersion);
    }

    public Class<T> type() {
        return type;
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        try {
            return writer.writeValueAsBytes(data);
        } catch (IOException e) {
            throw new SerializationException("cannot write " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null || data.length == 0) {
            return null;
        }
        T value;
        try {
            value = reader.readValue(data);
        } catch (JsonProcessingException e) {
            throw new MalformedEventException(
                    FailureReason.MALFORMED_EVENT,
                    "not a valid " + type.getSimpleName() + ": " + e.getOriginalMessage(),
                    e);
        } catch (IOException e) {
            throw new MalformedEventException(
                    FailureReason.MALFORMED_EVENT, "not a valid " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
        if (value == null) { // the JSON text null: not a tombstone (those have no bytes), and not an event
            throw new MalformedEventException(
                    FailureReason.MALFORMED_EVENT, "not a valid " + type.getSimpleName() + ": the JSON value null");
        }
        if (value.schemaVersion() < 1 || value.schemaVersion() > maxVersion) {
            throw new MalformedEventException(
                    FailureReason.UNSUPPORTED_SCHEMA_VERSION,
                    type.getSimpleName() + " schemaVersion " + value.schemaVersion() + " is not supported (1.."
                            + maxVersion + ")",
                    null);
        }
        return value;
    }

    @Override
    public void configure(java.util.Map<String, ?> configs, boolean isKey) {}

    @Override
    public void close() {}

    @Override
    public Serializer<T> serializer() {
        return this;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this;
    }

    /** A record value that cannot be read; {@link #reason()} is what goes to the dead-letter topic. */
    public static final class MalformedEventException extends SerializationException {
        private final FailureReason reason;

        public MalformedEventException(FailureReason reason, String message, Throwable cause) {
            super(message, cause);
            this.reason = reason;
        }

        public MalformedEventException(FailureReason reason, String message) {
            this(reason, message, null);
        }

        public FailureReason reason() {
            return reason;
        }
    }
}
