package io.emostream.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.emostream.models.audio.AudioFileReader;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Where the shipped models are (system property set by surefire) and small test helpers. */
public final class TestModels {

    public static final ModelOptions CPU = new ModelOptions("cpu", 1, 1, 2);

    private TestModels() {}

    public static Path modelsDir() {
        String p = System.getProperty("emostream.models.dir");
        return p != null ? Path.of(p) : Path.of("..", "models");
    }

    public static Path ser() {
        return modelsDir().resolve("ser-default");
    }

    public static Path ter() {
        return modelsDir().resolve("ter-default");
    }

    public static JsonNode reference(Path modelDir) throws IOException {
        return new ObjectMapper()
                .readTree(
                        modelDir.resolve("reference").resolve("reference.json").toFile());
    }

    /**
     * The 16 kHz audio of a speech model's parity fixture entries ({@code inputs}: objects with {@code file}, a WAV in
     * the model's {@code reference/}, and its {@code samples}), in their order; asserts each file decodes to its
     * fixture's sample count.
     */
    public static List<float[]> referenceAudio(Path modelDir, JsonNode inputs) throws IOException {
        List<float[]> audio = new ArrayList<>();
        for (JsonNode in : inputs) {
            Path wav = modelDir.resolve("reference").resolve(in.path("file").asText());
            float[] a = AudioFileReader.read(wav, 16000);
            assertThat(a.length).as(wav.toString()).isEqualTo(in.path("samples").asInt());
            audio.add(a);
        }
        return audio;
    }

    /** A deterministic test waveform: a gliding harmonic tone with amplitude modulation and a little noise. */
    public static float[] tone(int samples, double f0, long seed) {
        java.util.Random r = new java.util.Random(seed);
        float[] w = new float[samples];
        double phase = 0;
        for (int i = 0; i < samples; i++) {
            double f = f0 * (1 + 0.2 * Math.sin(2 * Math.PI * i / 16000.0 * 1.5));
            phase += 2 * Math.PI * f / 16000.0;
            double env = 0.5 + 0.5 * Math.sin(2 * Math.PI * i / 16000.0 * 3);
            w[i] = (float) (0.2 * env * (Math.sin(phase) + 0.5 * Math.sin(2 * phase) + 0.25 * Math.sin(3 * phase))
                    + 0.005 * r.nextGaussian());
        }
        return w;
    }

    /** Writes 16-bit PCM mono WAV. */
    public static void writeWav(Path file, float[] w, int sampleRate) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(44 + 2 * w.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII))
                .putInt(36 + 2 * w.length)
                .put("WAVE".getBytes(StandardCharsets.US_ASCII));
        b.put("fmt ".getBytes(StandardCharsets.US_ASCII))
                .putInt(16)
                .putShort((short) 1)
                .putShort((short) 1)
                .putInt(sampleRate)
                .putInt(sampleRate * 2)
                .putShort((short) 2)
                .putShort((short) 16);
        b.put("data".getBytes(StandardCharsets.US_ASCII)).putInt(2 * w.length);
        for (float v : w) {
            b.putShort((short) Math.max(-32768, Math.min(32767, Math.round(v * 32767))));
        }
        try (OutputStream o = Files.newOutputStream(file)) {
            o.write(b.array());
        }
    }
}
