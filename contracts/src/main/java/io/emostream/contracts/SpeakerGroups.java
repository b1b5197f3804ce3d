package io.emostream.contracts;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Builds and reads {@link Topics#UTTERANCES_AUDIO_SPEAKER} records: the audio utterances of one speaker of a
 * recording under one key ({@link #key}), in order, then one {@link End} marker. A group is complete when its
 * marker arrives; its consumer then scores the speaker's utterances together (each relative to the speaker's other
 * speech in the recording) and emits each score under the utterance's own id.
 */
public final class SpeakerGroups {

    /** Header that marks a group's end record (its value: the {@link End} JSON). */
    public static final String END_HEADER = "emostream-speaker-group-end";

    /**
     * The marker that closes a speaker's group.
     *
     * @param utterances how many audio utterances of this speaker the recording published before the marker
     */
    public record End(int schemaVersion, String recordingId, String speaker, int utterances) implements Versioned {

        public static final int SCHEMA_VERSION = 1;

        public End(String recordingId, String speaker, int utterances) {
            this(SCHEMA_VERSION, recordingId, speaker, utterances);
        }

        public End {
            Objects.requireNonNull(recordingId, "recordingId");
            Objects.requireNonNull(speaker, "speaker");
        }
    }

    private SpeakerGroups() {}

    /** The key of every record of a speaker's group: {@code <recording id>|<speaker>}. */
    public static String key(String recordingId, String speaker) {
        return recordingId + '|' + speaker;
    }

    /** An audio utterance of a named speaker: the {@link AudioRecords} record, on the grouped topic, under the group key. */
    public static ProducerRecord<String, byte[]> audio(UtteranceAudio meta, byte[] pcm) {
        Objects.requireNonNull(meta.speaker(), "a grouped utterance needs a speaker");
        ProducerRecord<String, byte[]> r = AudioRecords.record(meta, pcm);
        return new ProducerRecord<>(
                Topics.UTTERANCES_AUDIO_SPEAKER, null, key(meta.recordingId(), meta.speaker()), pcm, r.headers());
    }

    /** The record that closes a group. */
    public static ProducerRecord<String, byte[]> end(End end) {
        Headers headers = new RecordHeaders();
        headers.add(END_HEADER, "1".getBytes(StandardCharsets.UTF_8));
        return new ProducerRecord<>(
                Topics.UTTERANCES_AUDIO_SPEAKER,
                null,
                key(end.recordingId(), end.speaker()),
                EventSerdes.SPEAKER_GROUP_END.serialize(Topics.UTTERANCES_AUDIO_SPEAKER, end),
                headers);
    }

    /** True for a group's end record. */
    public static boolean isEnd(Headers headers) {
        return headers.lastHeader(END_HEADER) != null;
    }

    /**
     * The marker in an end record's value.
     *
     * @throws JsonSerde.MalformedEventException when it is unreadable
     */
    public static End end(byte[] value) {
        End e = EventSerdes.SPEAKER_GROUP_END.deserialize(Topics.UTTERANCES_AUDIO_SPEAKER, value);
        if (e == null) {
            throw new JsonSerde.MalformedEventException(
                    FailureReason.MALFORMED_EVENT, "empty speaker-group end record", null);
        }
        return e;
    }
}
