package io.emostream.models.audio;

import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Decodes any audio file FFmpeg can read (WAV, FLAC, MP3, Opus, AAC/MP4, ...) to mono float samples at a given
 * rate. Channels are averaged here (FFmpeg's own downmix adds +3 dB); NaN/Inf become 0 and values are clamped to
 * [-1, 1]. Only local files and a whitelist of audio demuxers are allowed. Small on purpose: the ingest service's
 * shared decoder can replace it.
 */
public final class AudioFileReader {

    static final String FORMATS = "wav,w64,mp3,flac,ogg,mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,aac,amr,caf,aiff";

    static {
        avutil.av_log_set_level(avutil.AV_LOG_QUIET);
    }

    private AudioFileReader() {}

    public static float[] read(Path file, int sampleRate) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("no such audio file: " + file);
        }
        FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toFile());
        g.setOption("format_whitelist", FORMATS);
        g.setOption("protocol_whitelist", "file");
        g.setSampleRate(sampleRate);
        g.setSampleMode(FrameGrabber.SampleMode.FLOAT);
        try {
            try {
                g.startUnsafe();
            } catch (FrameGrabber.Exception e) {
                throw new IOException("unreadable audio " + file + ": " + e.getMessage(), e);
            }
            if (!g.hasAudio() || g.getAudioChannels() < 1) {
                throw new IOException("no audio stream in " + file);
            }
            int channels = g.getAudioChannels();
            float[] out = new float[1 << 16];
            int n = 0;
            Frame f;
            while ((f = g.grabSamples()) != null) {
                if (f.samples == null) {
                    continue;
                }
                FloatBuffer b = (FloatBuffer) f.samples[0];
                int frames = b.remaining() / channels;
                if (n + frames > out.length) {
                    out = Arrays.copyOf(out, Math.max(out.length * 2, n + frames));
                }
                for (int i = 0; i < frames; i++) {
                    float s = 0;
                    for (int c = 0; c < channels; c++) {
                        s += b.get(b.position() + i * channels + c);
                    }
                    out[n++] = clean(s / channels);
                }
            }
            if (n == 0) {
                throw new IOException("no audio samples decoded from " + file);
            }
            return Arrays.copyOf(out, n);
        } catch (FrameGrabber.Exception e) {
            throw new IOException("cannot decode " + file + ": " + e.getMessage(), e);
        } finally {
            try {
                g.releaseUnsafe();
            } catch (FrameGrabber.Exception ignored) {
                // nothing left to release
            }
            g.close();
        }
    }

    private static float clean(float s) {
        if (!Float.isFinite(s)) {
            return 0f;
        }
        return Math.max(-1f, Math.min(1f, s));
    }
}
