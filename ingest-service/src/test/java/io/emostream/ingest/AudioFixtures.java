package io.emostream.ingest;

import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Test recordings made at test time with FFmpeg's encoders: speech-like bursts (a voiced harmonic tone with
 * syllable-rate amplitude modulation) separated by near-silence, in any container/codec and channel count.
 */
public final class AudioFixtures {

    /** A container + codec pair as users send them. */
    public enum Format {
        WAV("wav", "pcm_s16le", "audio/wav"),
        WAV_ULAW("wav", "pcm_mulaw", "audio/wav"),
        FLAC("flac", "flac", "audio/flac"),
        MP3("mp3", "libmp3lame", "audio/mpeg"),
        OGG_OPUS("ogg", "libopus", "audio/ogg"),
        OGG_VORBIS("ogg", "vorbis", "audio/ogg"),
        M4A_AAC("mp4", "aac", "audio/mp4");

        public final String container;
        public final String codec;
        public final String contentType;

        Format(String container, String codec, String contentType) {
            this.container = container;
            this.codec = codec;
            this.contentType = contentType;
        }
    }

    static {
        // the encoders print their format dumps to native stderr otherwise
        org.bytedeco.ffmpeg.global.avutil.av_log_set_level(org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR);
    }

    private AudioFixtures() {}

    /**
     * A mono signal at {@code rate}: alternating silence/speech durations in seconds, starting with silence, e.g.
     * {@code pattern(0.5, 1.5, 0.8, 2.0, 0.5)} = 0.5 s silence, 1.5 s speech, 0.8 s silence, 2 s speech, 0.5 s silence.
     */
    public static float[] pattern(int rate, double... seconds) {
        int total = 0;
        for (double s : seconds) {
            total += (int) Math.round(s * rate);
        }
        float[] x = new float[total];
        Random noise = new Random(42);
        int pos = 0;
        for (int k = 0; k < seconds.length; k++) {
            int n = (int) Math.round(seconds[k] * rate);
            boolean speech = k % 2 == 1;
            for (int i = 0; i < n; i++) {
                double t = (double) i / rate;
                double v = 0.0005 * noise.nextGaussian(); // about -66 dBFS background
                if (speech) {
                    double f0 = 140 + 20 * Math.sin(2 * Math.PI * 0.7 * t);
                    double voiced = 0;
                    for (int h = 1; h <= 6; h++) {
                        voiced += Math.sin(2 * Math.PI * f0 * h * t) / h;
                    }
                    double envelope = 0.55 + 0.45 * Math.sin(2 * Math.PI * 4 * t); // syllables
                    double edge = Math.min(1.0, Math.min(i, n - i) / (0.02 * rate)); // 20 ms fades
                    v += 0.2 * voiced * envelope * edge;
                }
                x[pos + i] = (float) v;
            }
            pos += n;
        }
        return x;
    }

    public static byte[] encode(Format format, int rate, float[]... channels) {
        try {
            Path tmp = Files.createTempFile("fixture", "." + format.container);
            try {
                FFmpegFrameRecorder r = new FFmpegFrameRecorder(tmp.toFile(), channels.length);
                r.setFormat(format.container);
                r.setAudioCodecName(format.codec);
                r.setSampleRate(rate);
                r.setAudioChannels(channels.length);
                r.start();
                FloatBuffer[] bufs = new FloatBuffer[channels.length];
                for (int c = 0; c < channels.length; c++) {
                    bufs[c] = FloatBuffer.wrap(channels[c]);
                }
                r.recordSamples(rate, channels.length, bufs);
                r.stop();
                r.release();
                return Files.readAllBytes(tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A tiny MP4 with a video track and no audio track. */
    public static byte[] videoWithoutAudio() {
        try {
            Path tmp = Files.createTempFile("video", ".mp4");
            try {
                FFmpegFrameRecorder r = new FFmpegFrameRecorder(tmp.toFile(), 64, 48, 0);
                r.setFormat("mp4");
                r.setVideoCodecName("mpeg4");
                r.setFrameRate(10);
                r.start();
                for (int i = 0; i < 10; i++) {
                    Frame f = new Frame(64, 48, Frame.DEPTH_UBYTE, 3);
                    r.record(f);
                }
                r.stop();
                r.release();
                return Files.readAllBytes(tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * An MP4 (MPEG-4 video + AAC mono) whose video runs {@code videoSeconds} but whose audio track is only
     * {@code audio} long, as screen and phone recorders write them: the container's duration is the video's.
     */
    public static byte[] videoWithShorterAudio(double videoSeconds, int rate, float[] audio) {
        try {
            Path tmp = Files.createTempFile("video", ".mp4");
            try {
                FFmpegFrameRecorder r = new FFmpegFrameRecorder(tmp.toFile(), 64, 48, 1);
                r.setFormat("mp4");
                r.setVideoCodecName("mpeg4");
                r.setAudioCodecName("aac");
                r.setFrameRate(10);
                r.setSampleRate(rate);
                r.start();
                r.recordSamples(rate, 1, FloatBuffer.wrap(audio));
                for (int i = 0; i < Math.round(videoSeconds * 10); i++) {
                    r.record(new Frame(64, 48, Frame.DEPTH_UBYTE, 3));
                }
                r.stop();
                r.release();
                return Files.readAllBytes(tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A WAV with a valid 44-byte header and no sample data. */
    public static byte[] headerOnlyWav() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeAscii(out, "RIFF");
        writeInt(out, 36);
        writeAscii(out, "WAVE");
        writeAscii(out, "fmt ");
        writeInt(out, 16);
        writeShort(out, 1);
        writeShort(out, 1);
        writeInt(out, 16000);
        writeInt(out, 32000);
        writeShort(out, 2);
        writeShort(out, 16);
        writeAscii(out, "data");
        writeInt(out, 0);
        return out.toByteArray();
    }

    public static byte[] head(byte[] data, double fraction) {
        return java.util.Arrays.copyOf(data, (int) (data.length * fraction));
    }

    private static void writeAscii(ByteArrayOutputStream o, String s) {
        o.writeBytes(s.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    private static void writeInt(ByteArrayOutputStream o, int v) {
        o.write(v);
        o.write(v >> 8);
        o.write(v >> 16);
        o.write(v >> 24);
    }

    private static void writeShort(ByteArrayOutputStream o, int v) {
        o.write(v);
        o.write(v >> 8);
    }
}
