package io.emostream.bench;

import io.emostream.ingest.RecordingMeta;
import io.emostream.ingest.config.IngestConfigs;
import io.emostream.ingest.segment.RecordingSegmenter;
import org.bytedeco.javacv.FFmpegFrameRecorder;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Decode + segment speed (× real time per core: audio seconds per CPU second of the segmenting thread) and peak
 * heap for 1-hour recordings, each measured in its own JVM with a capped heap (default -Xmx256m). The recordings are synthetic
 * speech-like bursts and pauses, made once with FFmpeg's encoders and cached in /tmp.
 *
 * <pre>bench/ingest.sh [minutes] [max-heap]</pre>   (defaults: 60, 256m)
 */
public final class IngestBench {

    private record Case(String name, String container, String codec, int rate, int channels, int bitrate) {}

    private static final List<Case> CASES = List.of(
            new Case("mp3-44k-stereo-128k", "mp3", "libmp3lame", 44_100, 2, 128_000),
            new Case("flac-16k-mono", "flac", "flac", 16_000, 1, 0),
            new Case("wav-8k-stereo-ulaw", "wav", "pcm_mulaw", 8_000, 2, 0));

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--measure")) {
            measure(Path.of(args[1]));
            return;
        }
        int minutes = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        String heap = args.length > 1 ? args[1] : "256m";
        org.bytedeco.ffmpeg.global.avutil.av_log_set_level(org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR);
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "emostream-bench-audio");
        Files.createDirectories(dir);
        for (Case c : CASES) {
            Path file = dir.resolve(c.name + "-" + minutes + "min." + c.container);
            if (!Files.exists(file)) {
                System.out.println("generating " + file + " ...");
                generate(c, minutes, file);
            }
            List<String> cmd = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx" + heap,
                    "-XX:+UseG1GC",
                    "-cp",
                    System.getProperty("java.class.path"),
                    IngestBench.class.getName(),
                    "--measure",
                    file.toString()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException("measurement failed:\n" + out);
            }
            System.out.print(out.lines().filter(l -> !l.startsWith("[")).reduce("", (a, b) -> a + b + "\n"));
        }
    }

    static void measure(Path file) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        RecordingSegmenter segmenter = new RecordingSegmenter(IngestConfigs.of(Map.of()));
        RecordingMeta meta = new RecordingMeta("bench", null, Map.of(), null);
        // warm up the natives and the JIT on the first minute worth of bytes' worth of decoding
        segmenter.segment(Files.readAllBytes(warmUpClip()), meta, u -> {});
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
        var threads = ManagementFactory.getThreadMXBean();
        long cpu0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        long[] count = {0};
        double[] speechSeconds = {0};
        RecordingSegmenter.Result r = segmenter.segment(bytes, meta, u -> {
            count[0]++;
            speechSeconds[0] += u.samples().length / 16000.0;
        });
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1e9;
        long peakHeap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peakHeap += pool.getPeakUsage().getUsed();
            }
        }
        double audio = r.audio().samples() / 16000.0;
        var f = Stats.figures();
        f.put("file", file.getFileName().toString());
        f.put("input_mb", bytes.length / 1e6);
        f.put("audio_s", audio);
        f.put("utterances", count[0]);
        f.put("speech_s", speechSeconds[0]);
        f.put("wall_s", wall);
        f.put("cpu_s", cpu);
        f.put("x_realtime_per_core", audio / cpu);
        f.put("x_realtime_wall", audio / wall);
        f.put("peak_heap_mb", peakHeap / 1e6);
        f.put("max_heap_mb", Runtime.getRuntime().maxMemory() / 1e6);
        Stats.print("ingest decode+segment (2 passes: validate, cut)", f);
    }

    private static Path warmUpClip() throws Exception {
        Path clip = Path.of(System.getProperty("java.io.tmpdir"), "emostream-bench-audio", "warmup.flac");
        if (!Files.exists(clip)) {
            generate(new Case("warmup", "flac", "flac", 16_000, 1, 0), 1, clip);
        }
        return clip;
    }

    /** Speech-like bursts (voiced harmonics, syllable modulation) of 1–8 s with 0.3–2 s pauses over noise. */
    static void generate(Case c, int minutes, Path file) throws Exception {
        FFmpegFrameRecorder r = new FFmpegFrameRecorder(file.toFile(), c.channels);
        r.setFormat(c.container);
        r.setAudioCodecName(c.codec);
        r.setSampleRate(c.rate);
        r.setAudioChannels(c.channels);
        if (c.bitrate > 0) {
            r.setAudioBitrate(c.bitrate);
        }
        r.start();
        Random rnd = new Random(2026);
        long total = (long) minutes * 60 * c.rate;
        long written = 0;
        boolean speech = false;
        long left = (long) (0.5 * c.rate);
        double phase = 0;
        int block = c.rate; // one second per write
        float[][] buf = new float[c.channels][block];
        while (written < total) {
            int n = (int) Math.min(block, total - written);
            for (int i = 0; i < n; i++) {
                if (left-- <= 0) {
                    speech = !speech;
                    left = (long) ((speech ? 1 + 7 * rnd.nextDouble() : 0.3 + 1.7 * rnd.nextDouble()) * c.rate);
                }
                double t = (written + i) / (double) c.rate;
                double v = 0.0005 * rnd.nextGaussian();
                if (speech) {
                    double f0 = 140 + 25 * Math.sin(2 * Math.PI * 0.5 * t);
                    phase += 2 * Math.PI * f0 / c.rate;
                    double voiced = Math.sin(phase) + 0.5 * Math.sin(2 * phase) + 0.33 * Math.sin(3 * phase);
                    v += 0.15 * voiced * (0.55 + 0.45 * Math.sin(2 * Math.PI * 4 * t));
                }
                for (int ch = 0; ch < c.channels; ch++) {
                    buf[ch][i] = (float) v;
                }
            }
            FloatBuffer[] fb = new FloatBuffer[c.channels];
            for (int ch = 0; ch < c.channels; ch++) {
                fb[ch] = FloatBuffer.wrap(buf[ch], 0, n);
            }
            r.recordSamples(c.rate, c.channels, fb);
            written += n;
        }
        r.stop();
        r.release();
    }
}
