package io.emostream.inference.messaging;

import io.emostream.contracts.AudioRecords;
import io.emostream.contracts.EmotionScore;
import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.FailureReason;
import io.emostream.contracts.InferenceTiming;
import io.emostream.contracts.JsonSerde;
import io.emostream.contracts.ModelRef;
import io.emostream.contracts.PcmAudio;
import io.emostream.contracts.SpeakerGroups;
import io.emostream.contracts.Topics;
import io.emostream.contracts.UtteranceAudio;
import io.emostream.contracts.UtteranceText;
import io.emostream.models.Prediction;
import io.emostream.models.TextInput;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/** How each modality's records are read: audio utterances (PCM + meta header) and text utterances (JSON). */
public final class Inputs {

    private Inputs() {}

    public static BatchScorer.Decoded<float[]> audio(ConsumerRecord<byte[], byte[]> r) {
        return audio(r, UtteranceAudio::utteranceId, "the utterance id");
    }

    /** An audio utterance of a speaker group ({@link Topics#UTTERANCES_AUDIO_SPEAKER}): keyed by its group. */
    public static BatchScorer.Decoded<float[]> groupedAudio(ConsumerRecord<byte[], byte[]> r) {
        return audio(
                r,
                m -> m.speaker() == null ? "" : SpeakerGroups.key(m.recordingId(), m.speaker()),
                "its speaker group's key");
    }

    private static BatchScorer.Decoded<float[]> audio(
            ConsumerRecord<byte[], byte[]> r, Function<UtteranceAudio, String> expectedKey, String what) {
        UtteranceAudio meta = AudioRecords.meta(r.headers());
        requireKey(r, expectedKey.apply(meta), what);
        if (meta.sampleRate() != PcmAudio.SAMPLE_RATE || !PcmAudio.ENCODING.equals(meta.encoding())) {
            throw malformed("audio must be " + PcmAudio.ENCODING + " at " + PcmAudio.SAMPLE_RATE + " Hz, got "
                    + meta.encoding() + " at " + meta.sampleRate());
        }
        float[] samples;
        try {
            samples = PcmAudio.decode(r.value());
        } catch (IllegalArgumentException e) {
            throw malformed(e.getMessage());
        }
        if (samples.length == 0) {
            throw malformed("the utterance has no samples");
        }
        return new BatchScorer.Decoded<>() {
            @Override
            public float[] input() {
                return samples;
            }

            @Override
            public EmotionScore score(ModelRef model, Prediction p, InferenceTiming timing, Instant at) {
                return EmotionScore.forSpeech(meta, model, p.canonical(), timing, at);
            }
        };
    }

    /** A text utterance with the previous turns ingest attached (empty for schema version 1 records). */
    public static BatchScorer.Decoded<TextInput> text(ConsumerRecord<byte[], byte[]> r) {
        UtteranceText u = EventSerdes.UTTERANCE_TEXT.deserialize(Topics.UTTERANCES_TEXT, r.value());
        if (u == null) {
            throw malformed("empty record");
        }
        requireKey(r, u.utteranceId(), "the utterance id");
        if (u.text() == null || u.text().isBlank()) {
            throw malformed("the utterance has no text");
        }
        List<TextInput.Turn> context = u.context().stream()
                .map(t -> new TextInput.Turn(t.speaker(), t.text()))
                .toList();
        TextInput input = new TextInput(u.text(), u.speaker(), context);
        return new BatchScorer.Decoded<>() {
            @Override
            public TextInput input() {
                return input;
            }

            @Override
            public EmotionScore score(ModelRef model, Prediction p, InferenceTiming timing, Instant at) {
                return EmotionScore.forText(u, model, p.canonical(), timing, at, p.dimensions());
            }
        };
    }

    private static void requireKey(ConsumerRecord<byte[], byte[]> r, String expected, String what) {
        String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        if (!expected.equals(key)) {
            throw new JsonSerde.MalformedEventException(
                    FailureReason.INVALID_KEY, "record key '" + key + "' is not " + what + " '" + expected + "'");
        }
    }

    private static JsonSerde.MalformedEventException malformed(String message) {
        return new JsonSerde.MalformedEventException(FailureReason.MALFORMED_EVENT, message);
    }
}
