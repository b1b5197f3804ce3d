package io.emostream.models;

import io.emostream.contracts.Modality;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelManifestTest {

    @TempDir
    Path dir;

    private void write(String json) throws IOException {
        Files.writeString(dir.resolve("manifest.json"), json);
    }

    private static final String SPEECH = """
            {"name":"s","version":"1","modality":"speech","labels":["calm","happy","powerful"],
             "artifacts":{"model":"m.pt"},
             "input":{"sampleRate":16000,"windowSeconds":4,"hopSeconds":2,"minSeconds":0.25}}""";

    @Test
    void parsesTheShippedManifests() {
        ModelManifest s = ModelManifest.read(TestModels.ser());
        assertThat(s.modality()).isEqualTo(Modality.SPEECH);
        assertThat(s.sampleRate()).isEqualTo(16000);
        assertThat(s.windowSamples()).isGreaterThan(s.hopSamples());
        assertThat(s.metrics().isObject()).isTrue();
        ModelManifest t = ModelManifest.read(TestModels.ter());
        assertThat(t.modality()).isEqualTo(Modality.TEXT);
        assertThat(t.maxTokens()).isGreaterThan(8);
        assertThat(t.encoder().path("onnxSha256").asText()).hasSize(64);
        assertThat(t.labels()).hasSize(7);
    }

    @Test
    void mapsLabelsToCanonicalAndFindsArtifacts() throws IOException {
        write(SPEECH);
        Files.writeString(dir.resolve("m.pt"), "x");
        ModelManifest m = ModelManifest.read(dir);
        assertThat(m.ref().toString()).isEqualTo("s:1");
        assertThat(m.canonicalIndex()).containsExactly(0, 1, -1);
        assertThat(m.windowSamples()).isEqualTo(64000);
        assertThat(m.artifact("model")).isEqualTo(dir.resolve("m.pt"));
    }

    @Test
    void reportsWhatIsWrong() throws IOException {
        assertThatThrownBy(() -> ModelManifest.read(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("no manifest.json");
        write("{not json");
        assertThatThrownBy(() -> ModelManifest.read(dir)).hasMessageContaining("cannot parse");
        write(SPEECH.replace("\"name\":\"s\",", ""));
        assertThatThrownBy(() -> ModelManifest.read(dir)).hasMessageContaining("'name'");
        write(SPEECH.replace("speech", "video"));
        assertThatThrownBy(() -> ModelManifest.read(dir)).hasMessageContaining("modality");
        write(SPEECH.replace("[\"calm\",\"happy\",\"powerful\"]", "[]"));
        assertThatThrownBy(() -> ModelManifest.read(dir)).hasMessageContaining("labels");
        write(SPEECH.replace("[\"calm\",\"happy\",\"powerful\"]", "[\"powerful\",\"peaceful\"]"));
        assertThatThrownBy(() -> ModelManifest.read(dir)).hasMessageContaining("canonical");
        write(SPEECH.replace("\"sampleRate\":16000,", ""));
        assertThatThrownBy(() -> ModelManifest.read(dir)).hasMessageContaining("sampleRate");
        write(SPEECH);
        ModelManifest m = ModelManifest.read(dir);
        assertThatThrownBy(() -> m.artifact("model")).hasMessageContaining("is not a file");
        assertThatThrownBy(() -> m.artifact("head")).hasMessageContaining("missing artifacts.head");
        write(SPEECH.replace("m.pt", "../../etc/passwd"));
        assertThatThrownBy(() -> ModelManifest.read(dir).artifact("model"))
                .hasMessageContaining("is not a file inside");
        write("""
                {"name":"t","version":"1","modality":"text","labels":["joy"],"input":{"maxTokens":32}}""");
        assertThatThrownBy(() -> ModelManifest.read(dir)).hasMessageContaining("encoder");
    }

    @Test
    void loadersRejectTheWrongModality() throws IOException {
        assertThatThrownBy(() -> SpeechEmotionModel.load(TestModels.ter(), TestModels.CPU))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("not a speech model");
        assertThatThrownBy(() -> TextEmotionModel.load(TestModels.ser(), TestModels.CPU))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("not a text model");
    }

    @Test
    void optionsValidateDevice() {
        assertThatThrownBy(() -> new ModelOptions("tpu", 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new ModelOptions("GPU", 1, 1).device()).isEqualTo("gpu");
        assertThat(ModelOptions.defaults().device()).isEqualTo("auto");
    }

    @Test
    void gpuRequestFallsBackToCpuWithoutAGpu() {
        assertThat(Engines.device(Engines.PYTORCH, new ModelOptions("gpu", 1, 1))
                        .isGpu())
                .isEqualTo(ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount() > 0);
        assertThat(Engines.device(Engines.PYTORCH, new ModelOptions("cpu", 1, 1))
                        .isGpu())
                .isFalse();
    }
}
