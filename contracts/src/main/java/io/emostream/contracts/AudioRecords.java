package io.emostream.contracts;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;

/** Builds and reads {@link Topics#UTTERANCES_AUDIO} records: value = PCM bytes, metadata = JSON header. */
public final class AudioRecords {

    /** Header holding the {@link UtteranceAudio} JSON. */
    public static final String META_HEADER = "emostream-meta";

    public static final String CONTENT_TYPE_HEADER = "content-type";

    private AudioRecords() {}

    public static ProducerRecord<String, byte[]> record(UtteranceAudio meta, byte[] pcm) {
        Headers headers = new RecordHeaders();
        headers.add(META_HEADER, EventSerdes.UTTERANCE_AUDIO.serialize(Topics.UTTERANCES_AUDIO, meta));
        headers.add(CONTENT_TYPE_HEADER, PcmAudio.CONTENT_TYPE.getBytes(StandardCharsets.UTF_8));
        return new ProducerRecord<>(Topics.UTTERANCES_AUDIO, null, meta.utteranceId(), pcm, headers);
    }

    /**
     * The metadata of an audio utterance record.
     *
     * @throws JsonSerde.MalformedEventException when the header is missing or unreadable
     */
    public static UtteranceAudio meta(Headers headers) {
        Header h = headers.lastHeader(META_HEADER);
        if (h == null || h.value() == null) {
            throw new JsonSerde.MalformedEventException(
                    FailureReason.MALFORMED_EVENT, "audio utterance record has no '" + META_HEADER + "' header", null);
        }
        return EventSerdes.UTTERANCE_AUDIO.deserialize(Topics.UTTERANCES_AUDIO, h.value());
    }
}
