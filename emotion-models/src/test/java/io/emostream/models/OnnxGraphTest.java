package io.emostream.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The ONNX graph edits of the shipped text encoder: an inner tensor as an extra output (encoder.headInput, for the
 * training dumps) and fine-tuned initializers swapped in (artifacts.encoderPatch).
 */
class OnnxGraphTest {

    static final String INNER = "/encoder/layer.9/output/LayerNorm/Add_1_output_0";

    @Test
    void anInnerTensorBecomesAnExtraOutputAndTheModelsOwnOutputIsUnchanged() {
        JsonNode enc = ModelManifest.read(TestModels.ter()).encoder();
        ObjectNode plain = enc.deepCopy();
        plain.remove("headInput");
        ObjectNode inner = enc.deepCopy();
        inner.put("headInput", INNER);
        try (TextEncoder a = TextEncoder.load(plain, 64, TestModels.CPU, null);
                TextEncoder b = TextEncoder.load(inner, 64, TestModels.CPU, null)) {
            long[][] ids = a.tokenize(List.of("I can't believe you did that!", "Okay."));
            assertThat(a.innerHeadInput()).isFalse();
            assertThat(b.innerHeadInput()).isTrue();
            TokenFeatures last = a.encode(ids);
            TokenFeatures[] both = b.encodeAll(ids);
            assertThat(both).hasSize(2);
            // the graph's own output is bit-identical with and without the extra output
            assertThat(both[0].data()).containsExactly(last.data());
            assertThat(b.encode(ids).data()).containsExactly(last.data());
            // the extra output is a different tensor of the same geometry: the states three layers earlier
            assertThat(both[1].data()).hasSameSizeAs(last.data());
            assertThat(b.encodeHeadInput(ids).data()).containsExactly(both[1].data());
            double diff = 0;
            for (int i = 0; i < last.data().length; i++) {
                diff = Math.max(diff, Math.abs(both[1].data()[i] - last.data()[i]));
            }
            assertThat(diff).isGreaterThan(0.1);
            // without headInput the head reads the last hidden state
            assertThat(a.encodeHeadInput(ids).data()).containsExactly(last.data());
        }
    }

    @Test
    void aTensorNoNodeProducesOrBytesThatAreNoModelAreRejected() {
        byte[] onnx = TextEncoder.resource(
                ModelManifest.read(TestModels.ter())
                        .encoder()
                        .path("onnxResource")
                        .asText(),
                "");
        assertThat(OnnxGraph.withOutput(onnx, INNER).length).isGreaterThan(onnx.length);
        assertThatThrownBy(() -> OnnxGraph.withOutput(onnx, "/encoder/layer.99/output"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("/encoder/layer.99/output");
        assertThatThrownBy(() -> OnnxGraph.withOutput(new byte[] {(byte) 0xFF, (byte) 0xFF}, INNER))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not an ONNX model");
    }

    @Test
    void theShippedPatchChangesOnlyTheHeadInputAndAForeignPatchIsRejected() throws Exception {
        ModelManifest m = ModelManifest.read(TestModels.ter());
        assertThat(m.hasArtifact(TextEncoder.PATCH_ARTIFACT))
                .as("the shipped TER carries fine-tuned layers")
                .isTrue();
        try (TextEncoder plain = TextEncoder.load(m.encoder(), 64, TestModels.CPU, null);
                TextEncoder patched = TextEncoder.load(m, TestModels.CPU, null)) {
            assertThat(plain.patched()).isFalse();
            assertThat(patched.patched()).isTrue();
            long[][] ids = plain.tokenize(List.of("Get out of my apartment right now!", "Okay."));
            float[] last = plain.encode(ids).data();
            // context turns still see the jar's encoder as it is
            assertThat(patched.encode(ids).data()).containsExactly(last);
            float[] tuned = patched.encodeHeadInput(ids).data();
            assertThat(tuned).hasSameSizeAs(last);
            double diff = 0;
            for (int i = 0; i < last.length; i++) {
                diff = Math.max(diff, Math.abs(tuned[i] - last[i]));
            }
            assertThat(diff)
                    .as("the fine-tuned layers change the last hidden state")
                    .isGreaterThan(0.1);
        }
        byte[] onnx = TextEncoder.resource(m.encoder().path("onnxResource").asText(), "");
        // GraphProto { initializer (5) { name (8) = "nope" } }
        byte[] foreign = {0x2A, 6, 0x42, 4, 'n', 'o', 'p', 'e'};
        assertThatThrownBy(() -> OnnxGraph.withInitializers(onnx, foreign))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nope");
        // GraphProto { name (2) = "g" }: not a patch of initializers
        assertThatThrownBy(() -> OnnxGraph.withInitializers(onnx, new byte[] {0x12, 1, 'g'}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only initializer entries");
    }
}
