package io.emostream.ingest.audio;

import io.emostream.contracts.FailureReason;
import io.emostream.contracts.PcmAudio;
import io.emostream.ingest.IngestException;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.global.avformat;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Decodes any container/codec FFmpeg knows to 16 kHz float samples, one array per source channel, streaming:
 * only one decoded frame is held at a time. FFmpeg resamples; channels are left as they are so callers can mix
 * them down properly or segment them one by one.
 *
 * <p>Rejects what is not usable audio with an {@link IngestException}: unreadable input, no audio stream or no
 * samples, errors inside the stream, truncation (for containers with an exact duration), and recordings over
 * the length limit. NaN/Inf samples become 0 and out-of-range values are clipped.
 */
public final class AudioDecoder {

    /** Demuxers we open; everything else (playlists, devices, images…) is refused. */
    static final String FORMAT_WHITELIST =
            "wav,w64,mp3,flac,ogg,mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,aac,amr,caf,aiff";

    /** Receives decoded audio: {@code channels[c][0..n)} for each channel; the arrays are reused, copy what you keep. */
    @FunctionalInterface
    public interface Sink {
        void accept(float[][] channels, int n);
    }

    /**
     * What was decoded.
     *
     * @param samples        samples per channel at 16 kHz
     * @param declaredMicros the container's duration, 0 when unknown
     * @param sanitised      samples that were NaN/Inf or outside [-1, 1]
     */
    public record Info(int channels, long samples, String format, int sourceRate, long declaredMicros, long sanitised) {

        public long durationMs() {
            return PcmAudio.durationMs((int) Math.min(Integer.MAX_VALUE, samples));
        }
    }

    /** More channels than a speaker map can name are not a recording we segment (and would cost memory). */
    static final int MAX_CHANNELS = 64;

    /** Decoding passes started in this JVM (a metric: each pass reads the whole recording). */
    private static final java.util.concurrent.atomic.LongAdder PASSES = new java.util.concurrent.atomic.LongAdder();

    private final long maxSamples;

    public static long passes() {
        return PASSES.sum();
    }

    /** @param maxDurationMs recordings longer than this are rejected */
    public AudioDecoder(long maxDurationMs) {
        this.maxSamples = maxDurationMs * PcmAudio.SAMPLE_RATE / 1000;
    }

    public Info decode(byte[] data, Sink sink) throws IngestException {
        if (data == null || data.length == 0) {
            throw new IngestException(FailureReason.AUDIO_EMPTY, "the recording is empty (0 bytes)");
        }
        // seekable over the array without a copy; maximumSize must be the real size (0 loses MP4/M4A audio)
        Info info = run(new FFmpegFrameGrabber(new ByteArrayInputStream(data), data.length), sink);
        var truncated = TruncationCheck.check(ByteBuffer.wrap(data));
        if (truncated.isPresent()) {
            throw new IngestException(FailureReason.AUDIO_CORRUPT, truncated.get());
        }
        return info;
    }

    /** Decodes a file in place: FFmpeg reads it, it is never loaded into the heap (REST uploads). */
    public Info decode(Path file, Sink sink) throws IngestException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() == 0) {
                throw new IngestException(FailureReason.AUDIO_EMPTY, "the recording is empty (0 bytes)");
            }
            Info info = run(new FFmpegFrameGrabber(file.toFile()), sink);
            // the header/trailer checks read a few pages of the mapping, not the whole file
            var truncated = TruncationCheck.check(ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()));
            if (truncated.isPresent()) {
                throw new IngestException(FailureReason.AUDIO_CORRUPT, truncated.get());
            }
            return info;
        } catch (java.io.IOException e) {
            throw new IngestException(FailureReason.AUDIO_UNREADABLE, "the uploaded file could not be read");
        }
    }

    private Info run(FFmpegFrameGrabber g, Sink sink) throws IngestException {
        PASSES.increment();
        FfmpegErrors.Count errors = FfmpegErrors.begin();
        g.setOption("format_whitelist", FORMAT_WHITELIST);
        g.setOption("protocol_whitelist", "file");
        g.setSampleMode(FrameGrabber.SampleMode.FLOAT);
        g.setSampleRate(PcmAudio.SAMPLE_RATE);
        try {
            try {
                g.startUnsafe();
            } catch (FrameGrabber.Exception | RuntimeException e) {
                // javacv reports every open failure of a stream the same way: treat it as unreadable input
                throw new IngestException(
                        FailureReason.AUDIO_UNREADABLE,
                        "not a readable audio file (no supported container/codec found)");
            }
            if (!g.hasAudio() || g.getAudioChannels() <= 0) {
                throw new IngestException(FailureReason.AUDIO_EMPTY, "the file has no audio stream");
            }
            int channels = g.getAudioChannels();
            if (channels > MAX_CHANNELS) {
                throw new IngestException(
                        FailureReason.AUDIO_UNREADABLE,
                        "the audio has " + channels + " channels; at most " + MAX_CHANNELS + " are supported");
            }
            AVFormatContext fc = g.getFormatContext();
            String format = fc.iformat() == null ? "?" : fc.iformat().name().getString();
            long declared = audioMicros(fc, g.getAudioStream(), g.getLengthInTime());
            boolean exact = declared > 0 && fc.duration_estimation_method() != avformat.AVFMT_DURATION_FROM_BITRATE;
            if (declared > 0 && declared / 1_000_000.0 * PcmAudio.SAMPLE_RATE > maxSamples) {
                throw tooLong();
            }
            int sourceRate =
                    g.getAudioStream() >= 0 && fc.streams(g.getAudioStream()).codecpar() != null
                            ? fc.streams(g.getAudioStream()).codecpar().sample_rate()
                            : 0;

            float[][] out = new float[channels][4096];
            float[] interleaved = new float[0];
            long total = 0;
            long sanitised = 0;
            while (true) {
                Frame frame;
                try {
                    frame = g.grabSamples();
                } catch (FrameGrabber.Exception e) {
                    throw new IngestException(
                            FailureReason.AUDIO_CORRUPT,
                            "decoding failed after " + total * 1000 / PcmAudio.SAMPLE_RATE + " ms: " + e.getMessage());
                }
                if (frame == null) {
                    break;
                }
                if (frame.samples == null || frame.samples.length == 0) {
                    continue;
                }
                FloatBuffer fb = (FloatBuffer) frame.samples[0];
                int n = fb.remaining() / channels;
                if (n == 0) {
                    continue;
                }
                if (out[0].length < n) {
                    out = new float[channels][Math.max(n, out[0].length * 2)];
                }
                int pos = fb.position();
                if (channels == 1) {
                    // one bulk copy out of FFmpeg's frame, then clip in place (the branch is almost never taken)
                    float[] o = out[0];
                    fb.get(pos, o, 0, n);
                    for (int i = 0; i < n; i++) {
                        float v = o[i];
                        if (!(v >= -1f && v <= 1f)) {
                            sanitised++;
                            o[i] = sanitise(v);
                        }
                    }
                } else {
                    int len = n * channels;
                    if (interleaved.length < len) {
                        interleaved = new float[Math.max(len, interleaved.length * 2)];
                    }
                    fb.get(pos, interleaved, 0, len);
                    for (int c = 0; c < channels; c++) {
                        float[] o = out[c];
                        for (int i = 0, k = c; i < n; i++, k += channels) {
                            float v = interleaved[k];
                            if (!(v >= -1f && v <= 1f)) {
                                sanitised++;
                                v = sanitise(v);
                            }
                            o[i] = v;
                        }
                    }
                }
                total += n;
                if (total > maxSamples) {
                    throw tooLong();
                }
                sink.accept(out, n);
            }
            if (total == 0) {
                throw new IngestException(FailureReason.AUDIO_EMPTY, "the audio stream has no samples");
            }
            if (errors.errors > 0) {
                throw new IngestException(
                        FailureReason.AUDIO_CORRUPT,
                        "the decoder reported " + errors.errors + " error(s) inside the stream, first: "
                                + errors.first);
            }
            long decodedMicros = total * 1_000_000L / PcmAudio.SAMPLE_RATE;
            if (exact && decodedMicros < declared - Math.max(250_000L, declared / 50)) {
                throw new IngestException(
                        FailureReason.AUDIO_CORRUPT,
                        String.format(
                                java.util.Locale.ROOT,
                                "truncated: the file declares %.2f s of audio but only %.2f s decode",
                                declared / 1e6,
                                decodedMicros / 1e6));
            }
            return new Info(channels, total, format, sourceRate, declared, sanitised);
        } finally {
            try {
                g.releaseUnsafe();
            } catch (Exception ignored) {
                // nothing left to free
            }
        }
    }

    /**
     * The declared duration of the audio itself: its stream's duration when the container states it (a video's
     * audio track may end before the picture does), else the container's when audio is all it holds, else 0
     * (unknown: no truncation check by duration).
     */
    private static long audioMicros(AVFormatContext fc, int audioStream, long containerMicros) {
        if (audioStream >= 0 && audioStream < fc.nb_streams()) {
            AVStream st = fc.streams(audioStream);
            AVRational tb = st.time_base();
            if (st.duration() != avutil.AV_NOPTS_VALUE && st.duration() > 0 && tb.den() > 0) {
                return Math.max(0, Math.round(st.duration() * 1e6 * tb.num() / tb.den()));
            }
        }
        return fc.nb_streams() == 1 ? Math.max(0, containerMicros) : 0;
    }

    /** NaN/Inf become 0, anything else outside [-1, 1] is clipped. */
    private static float sanitise(float v) {
        return Float.isNaN(v) || Float.isInfinite(v) ? 0f : Math.max(-1f, Math.min(1f, v));
    }

    private IngestException tooLong() {
        return new IngestException(
                FailureReason.AUDIO_TOO_LONG,
                "the recording is longer than the limit of " + maxSamples / PcmAudio.SAMPLE_RATE + " s");
    }
}
