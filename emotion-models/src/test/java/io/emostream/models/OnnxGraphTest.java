package io.emostream.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The ONNX graph edit that exposes an inner tensor of the shipped text encoder (encoder.headInput). */
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
}
