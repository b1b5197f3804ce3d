package io.emostream.ingest.audio;

import io.emostream.contracts.FailureReason;
import io.emostream.ingest.AudioFixtures;
import io.emostream.ingest.AudioFixtures.Format;
import io.emostream.ingest.IngestException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class AudioDecoderTest {

    private final AudioDecoder decoder = new AudioDecoder(60_000);

    private static final float[] SIGNAL_44K = AudioFixtures.pattern(44_100, 0.5, 1.5, 0.8, 2.0, 0.5); // 5.3 s

    @ParameterizedTest
    @EnumSource(Format.class)
    void decodesEveryFormatTo16kHz(Format format) throws Exception {
        int rate = format == Format.OGG_OPUS ? 48_000 : 44_100;
        float[] x = AudioFixtures.pattern(rate, 0.5, 1.5, 0.8, 2.0, 0.5);
        byte[] file = AudioFixtures.encode(format, rate, x, x);
        long[] seen = {0};
        double[] energy = {0};
        AudioDecoder.Info info = decoder.decode(file, (ch, n) -> {
            assertThat(ch).hasNumberOfRows(2);
            for (int i = 0; i < n; i++) {
                energy[0] += ch[0][i] * ch[0][i];
            }
            seen[0] += n;
        });
        assertThat(info.channels()).isEqualTo(2);
        assertThat(info.samples()).isEqualTo(seen[0]);
        // codecs add or drop a few ms of padding; the duration stays within 120 ms of the 5.3 s made
        assertThat(info.durationMs()).isCloseTo(5300L, within(120L));
        assertThat(energy[0]).as("decoded signal has the speech energy").isGreaterThan(100);
        assertThat(info.sanitised()).isZero();
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 2, 3})
    void floatSamplesArriveUnchangedPerChannelAndOutOfRangeOnesAreSanitised(int channels) throws Exception {
        int n = 16_000;
        float[][] x = new float[channels][n];
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < n; i++) {
                x[c][i] = ((i * (c + 1)) % 200 - 100) / 128f;
            }
        }
        x[0][10] = Float.NaN;
        x[0][11] = Float.POSITIVE_INFINITY;
        x[0][12] = 2f;
        x[channels - 1][13] = -3f;
        float[][] got = new float[channels][n];
        int[] seen = {0};
        AudioDecoder.Info info = decoder.decode(floatWav(x), (ch, k) -> {
            assertThat(ch.length).isEqualTo(channels);
            for (int c = 0; c < channels; c++) {
                System.arraycopy(ch[c], 0, got[c], seen[0], k);
            }
            seen[0] += k;
        });
        assertThat(info.channels()).isEqualTo(channels);
        assertThat(seen[0]).isEqualTo(n);
        assertThat(info.sanitised()).isEqualTo(4);
        float[][] want = new float[channels][];
        for (int c = 0; c < channels; c++) {
            want[c] = x[c].clone();
        }
        want[0][10] = 0f;
        want[0][11] = 0f;
        want[0][12] = 1f;
        want[channels - 1][13] = -1f;
        for (int c = 0; c < channels; c++) {
            assertThat(got[c]).as("channel %d", c).containsExactly(want[c]);
        }
    }

    /** A 16 kHz IEEE-float WAV (no resampling, no conversion: FFmpeg hands the samples through as they are). */
    private static byte[] floatWav(float[][] channels) {
        int n = channels[0].length;
        int data = n * channels.length * 4;
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(44 + data).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + data);
        b.put("WAVEfmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16).putShort((short) 3);
        b.putShort((short) channels.length).putInt(16_000).putInt(16_000 * channels.length * 4);
        b.putShort((short) (channels.length * 4)).putShort((short) 32);
        b.put("data".getBytes(StandardCharsets.US_ASCII)).putInt(data);
        for (int i = 0; i < n; i++) {
            for (float[] ch : channels) {
                b.putFloat(ch[i]);
            }
        }
        return b.array();
    }

    @Test
    void emptyInputIsRejected() {
        assertReason(new byte[0], FailureReason.AUDIO_EMPTY);
    }

    @Test
    void headerOnlyWavHasNoSamples() {
        assertReason(AudioFixtures.headerOnlyWav(), FailureReason.AUDIO_EMPTY);
    }

    @Test
    void videoWithoutAudioHasNoAudioStream() {
        assertReason(AudioFixtures.videoWithoutAudio(), FailureReason.AUDIO_EMPTY);
    }

    @Test
    void nonAudioBytesAreUnreadable() {
        assertReason(
                "this is a text file, not audio\n".repeat(50).getBytes(StandardCharsets.UTF_8),
                FailureReason.AUDIO_UNREADABLE);
        byte[] png = {
            (byte) 0x89,
            'P',
            'N',
            'G',
            '\r',
            '\n',
            0x1a,
            '\n',
            0,
            0,
            0,
            13,
            'I',
            'H',
            'D',
            'R',
            0,
            0,
            0,
            1,
            0,
            0,
            0,
            1,
            8,
            6,
            0,
            0,
            0
        };
        assertReason(png, FailureReason.AUDIO_UNREADABLE);
    }

    @Test
    void playlistsAreRefusedSoTheyCannotReadOtherFiles() {
        byte[] m3u = "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n"
                .getBytes(StandardCharsets.UTF_8);
        assertReason(m3u, FailureReason.AUDIO_UNREADABLE);
    }

    @Test
    void videoWhoseAudioEndsEarlierIsNotTruncated() throws Exception {
        // 12 s of video, 5.3 s of audio: the container says 12 s, the audio stream 5.3 s, and only it counts
        byte[] mp4 = AudioFixtures.videoWithShorterAudio(12, 44_100, SIGNAL_44K);
        AudioDecoder.Info info = decoder.decode(mp4, (c, n) -> {});
        assertThat(info.durationMs()).isCloseTo(5300L, within(120L));
    }

    @ParameterizedTest
    @EnumSource(
            value = Format.class,
            names = {"WAV", "FLAC", "M4A_AAC", "OGG_OPUS", "MP3"})
    void truncatedRecordingsAreCorrupt(Format format) {
        int rate = format == Format.OGG_OPUS ? 48_000 : 44_100;
        float[] x = AudioFixtures.pattern(rate, 0.5, 1.5, 0.8, 2.0, 0.5);
        byte[] cut = AudioFixtures.head(AudioFixtures.encode(format, rate, x), 0.6);
        assertThatThrownBy(() -> decoder.decode(cut, (c, n) -> {}))
                .isInstanceOfSatisfying(
                        IngestException.class,
                        e -> assertThat(e.reason()).isIn(FailureReason.AUDIO_CORRUPT, FailureReason.AUDIO_UNREADABLE));
    }

    @Test
    void recordingsOverTheDurationLimitAreRejected() {
        byte[] file = AudioFixtures.encode(Format.FLAC, 44_100, SIGNAL_44K);
        AudioDecoder strict = new AudioDecoder(3_000);
        assertThatThrownBy(() -> strict.decode(file, (c, n) -> {}))
                .isInstanceOfSatisfying(
                        IngestException.class, e -> assertThat(e.reason()).isEqualTo(FailureReason.AUDIO_TOO_LONG));
    }

    @Test
    void nonFiniteAndOverRangeSamplesAreSanitised() throws Exception {
        float[] x = new float[16_000];
        x[10] = 3.5f;
        x[20] = -7f;
        byte[] file = AudioFixtures.encode(Format.WAV, 16_000, x); // pcm_s16le clips; float WAV keeps them
        AudioDecoder.Info info = decoder.decode(file, (c, n) -> {
            for (int i = 0; i < n; i++) {
                assertThat(c[0][i]).isBetween(-1f, 1f);
            }
        });
        assertThat(info.samples()).isEqualTo(16_000);
    }

    private void assertReason(byte[] data, FailureReason reason) {
        assertThatThrownBy(() -> decoder.decode(data, (c, n) -> {}))
                .isInstanceOfSatisfying(
                        IngestException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }
}
