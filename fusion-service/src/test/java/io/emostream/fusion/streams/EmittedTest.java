package io.emostream.fusion.streams;

import io.emostream.contracts.Modalities;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class EmittedTest {

    private static final WaitingScore SPEECH =
            new WaitingScore(Side.SPEECH, 35_000, 1_000, 3, 42, null, "{\"x\":1}".getBytes(StandardCharsets.UTF_8));

    @Test
    void markersRoundTripWithTheirModels() {
        Emitted both = Emitted.decode(Emitted.complete("ser:1", "ter:2").encode());
        assertThat(both.modalities()).isEqualTo(Modalities.BOTH);
        assertThat(both.covers(Side.SPEECH, "ser:1")).isTrue();
        assertThat(both.covers(Side.SPEECH, "ser:2"))
                .as("a new version is a re-score")
                .isFalse();
        assertThat(both.covers(Side.TEXT, "ter:2")).isTrue();

        Emitted alone = Emitted.decode(Emitted.alone(SPEECH, "ser:1").encode());
        assertThat(alone.modalities()).isEqualTo(Modalities.SPEECH_ONLY);
        assertThat(alone.single().offset()).isEqualTo(42);
        assertThat(alone.covers(Side.SPEECH, "ser:1")).isTrue();
        assertThat(alone.covers(Side.TEXT, "ter:2")).as("the late partner").isFalse();
        assertThat(alone.has(Side.TEXT)).isFalse();
        assertThat(alone.rescored(SPEECH, "ser:2").covers(Side.SPEECH, "ser:2")).isTrue();
        assertThat(both.rescored(SPEECH, "ser:2").model(Side.TEXT)).isEqualTo("ter:2");
    }

    @Test
    void markersWrittenBeforeModelsWereRecordedStillReadAndCoverEveryVersion() {
        Emitted both = Emitted.decode(new byte[] {1, (byte) Modalities.BOTH.ordinal()});
        assertThat(both.covers(Side.SPEECH, "ser:9")).isTrue();
        byte[] s = SPEECH.encode();
        Emitted alone = Emitted.decode(ByteBuffer.allocate(2 + s.length)
                .put((byte) 1)
                .put((byte) Modalities.SPEECH_ONLY.ordinal())
                .put(s)
                .array());
        assertThat(alone.single().offset()).isEqualTo(42);
        assertThat(alone.covers(Side.SPEECH, "ser:9")).isTrue();
        assertThat(alone.covers(Side.TEXT, "ter:1")).isFalse();
    }
}
