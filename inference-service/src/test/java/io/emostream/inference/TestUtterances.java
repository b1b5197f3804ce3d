package io.emostream.inference;

import io.emostream.contracts.AudioRecords;
import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.PcmAudio;
import io.emostream.contracts.Topics;
import io.emostream.contracts.UtteranceAudio;
import io.emostream.contracts.UtteranceText;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;

/** Utterance records as the ingest service publishes them, made from the repository's sample recordings. */
public final class TestUtterances {

    public static final Path MODELS = Path.of("..", "models");
    private static final Path SAMPLES = Path.of("..", "samples");

    private TestUtterances() {}

    /** The 16 kHz mono s16 samples of a bundled sample WAV (its data chunk). */
    public static float[] sample(String name) {
        try {
            byte[] b = Files.readAllBytes(SAMPLES.resolve(name));
            ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            int pos = 12;
            while (pos + 8 <= b.length) {
                String id = new String(b, pos, 4, java.nio.charset.StandardCharsets.US_ASCII);
                int size = buf.getInt(pos + 4);
                if (id.equals("data")) {
                    return PcmAudio.decode(Arrays.copyOfRange(b, pos + 8, Math.min(b.length, pos + 8 + size)));
                }
                pos += 8 + size + (size & 1);
            }
            throw new IllegalStateException("no data chunk in " + name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ProducerRecord<String, byte[]> audio(
            String recordingId, int index, float[] samples, boolean hasTranscript) {
        UtteranceAudio meta = new UtteranceAudio(
                recordingId,
                index,
                0,
                PcmAudio.durationMs(samples.length),
                "caller",
                null,
                hasTranscript,
                "en",
                Instant.now());
        return AudioRecords.record(meta, PcmAudio.encode(samples));
    }

    public static ProducerRecord<String, byte[]> text(String recordingId, int index, String text) {
        UtteranceText u = new UtteranceText(recordingId, index, 0, 1000, "caller", "en", text, Instant.now());
        return new ProducerRecord<>(
                Topics.UTTERANCES_TEXT,
                u.utteranceId(),
                EventSerdes.UTTERANCE_TEXT.serialize(Topics.UTTERANCES_TEXT, u));
    }
}
