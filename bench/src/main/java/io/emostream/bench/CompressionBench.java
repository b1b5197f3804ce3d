package io.emostream.bench;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.ByteBufferOutputStream;
import org.apache.kafka.common.utils.CloseableIterator;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * What each Kafka compression codec costs and saves on the platform's two kinds of payload, in one JVM on one thread
 * (issue 21): 3-s PCM utterances (96 kB, one record per batch, as ingest writes them) and small JSON score batches
 * (as the inference workers write them at {@code linger.ms=0}). Per batch: bytes on the wire, producer CPU (building the
 * batch with Kafka's own {@link MemoryRecordsBuilder}), broker CPU (walking the batch the way the broker's validator
 * does: decompressing it with a cached buffer supplier) and consumer CPU (decompressing and reading every value).
 *
 * <pre>bench/run-java.sh io.emostream.bench.CompressionBench [pcm-dir] [seconds-per-case=3]</pre>
 *
 * <p>{@code pcm-dir} holds raw s16le 16 kHz mono files ({@code bench/compression.sh} makes them from samples/ with
 * FFmpeg); PCM runs twice: as the files are (synthetic speech with digital silence) and with a ±8 LSB noise floor
 * like a real line's.
 */
public final class CompressionBench {

    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private CompressionBench() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "/tmp/emostream-pcm");
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 3;
        List<byte[]> clean = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                byte[] all = Files.readAllBytes(f);
                for (int off = 0; off + 96_000 <= all.length; off += 96_000) {
                    byte[] u = new byte[96_000];
                    System.arraycopy(all, off, u, 0, u.length);
                    clean.add(u);
                }
            }
        }
        if (clean.isEmpty()) {
            throw new IllegalArgumentException("no 3-s PCM utterances in " + dir);
        }
        List<byte[]> noisy = new ArrayList<>();
        Random r = new Random(21);
        for (byte[] u : clean) {
            byte[] n = u.clone();
            for (int j = 0; j < n.length; j += 2) {
                int s = (short) ((n[j] & 0xff) | (n[j + 1] << 8)) + r.nextInt(17) - 8;
                s = Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, s));
                n[j] = (byte) s;
                n[j + 1] = (byte) (s >> 8);
            }
            noisy.add(n);
        }
        List<byte[]> scoreValues = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            scoreValues.add(scoreJson(r));
        }
        byte[] score = scoreValues.get(0);
        System.out.printf(
                Locale.ROOT,
                "%d PCM utterances of 3 s; score JSON %d bytes; %.1f s per case; java %s%n",
                clean.size(),
                score.length,
                seconds,
                System.getProperty("java.version"));
        System.out.printf(
                Locale.ROOT,
                "%-26s %-7s %10s %7s %12s %12s %12s%n",
                "payload",
                "codec",
                "batch B",
                "ratio",
                "producer us",
                "broker us",
                "consumer us");
        String[] codecs = {"none", "lz4", "snappy", "zstd"};
        // every case once untimed first, so the JIT has compiled every codec before any figure is taken
        for (boolean timed : new boolean[] {false, true}) {
            double s = timed ? seconds : seconds / 4;
            for (String c : codecs) {
                run(timed, "PCM 3 s (samples)", c, batchesOf(clean, 1), s);
            }
            for (String c : codecs) {
                run(timed, "PCM 3 s (noise floor)", c, batchesOf(noisy, 1), s);
            }
            for (int n : new int[] {1, 4, 16}) {
                for (String c : codecs) {
                    run(timed, "scores, " + n + " per batch", c, batchesOf(scoreValues, n), s);
                }
            }
        }
    }

    private static List<List<byte[]>> batchesOf(List<byte[]> values, int per) {
        List<List<byte[]>> out = new ArrayList<>();
        for (int i = 0; i + per <= values.size(); i += per) {
            out.add(values.subList(i, i + per));
        }
        return out;
    }

    private static void run(boolean print, String payload, String codec, List<List<byte[]>> batches, double seconds) {
        Compression compression = Compression.of(CompressionType.forName(codec)).build();
        BufferSupplier supplier = BufferSupplier.create();
        long bytesIn = 0;
        long bytesOut = 0;
        long producerNs = 0;
        long brokerNs = 0;
        long consumerNs = 0;
        long count = 0;
        long sink = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long warm = System.nanoTime() + (long) (seconds * 0.3e9);
        boolean measuring = false;
        while (System.nanoTime() < end) {
            if (!measuring && System.nanoTime() > warm) {
                measuring = true;
                bytesIn = bytesOut = producerNs = brokerNs = consumerNs = count = 0;
            }
            for (List<byte[]> batch : batches) {
                long t0 = CPU.getCurrentThreadCpuTime();
                ByteBufferOutputStream out = new ByteBufferOutputStream(16_384);
                MemoryRecordsBuilder b = new MemoryRecordsBuilder(
                        out,
                        RecordBatch.CURRENT_MAGIC_VALUE,
                        compression,
                        TimestampType.CREATE_TIME,
                        0L,
                        System.currentTimeMillis(),
                        RecordBatch.NO_PRODUCER_ID,
                        RecordBatch.NO_PRODUCER_EPOCH,
                        RecordBatch.NO_SEQUENCE,
                        false,
                        false,
                        RecordBatch.NO_PARTITION_LEADER_EPOCH,
                        out.remaining());
                long ts = System.currentTimeMillis();
                for (byte[] v : batch) {
                    b.append(ts, null, v);
                    bytesIn += v.length;
                }
                MemoryRecords records = b.build();
                long t1 = CPU.getCurrentThreadCpuTime();
                // the broker: for a compressed batch it decompresses to validate every record (keys/values skipped)
                for (MutableRecordBatch rb : records.batches()) {
                    rb.ensureValid();
                    if (rb.compressionType() == CompressionType.NONE) {
                        for (Record rec : rb) {
                            rec.ensureValid();
                            sink += rec.offset();
                        }
                    } else {
                        try (CloseableIterator<Record> it = rb.skipKeyValueIterator(supplier)) {
                            while (it.hasNext()) {
                                Record rec = it.next();
                                sink += rec.offset();
                            }
                        }
                    }
                }
                long t2 = CPU.getCurrentThreadCpuTime();
                // the consumer: every value read out
                for (MutableRecordBatch rb : records.batches()) {
                    try (CloseableIterator<Record> it = rb.streamingIterator(supplier)) {
                        while (it.hasNext()) {
                            ByteBuffer v = it.next().value();
                            byte[] copy = new byte[v.remaining()];
                            v.get(copy);
                            sink += copy[copy.length / 2];
                        }
                    }
                }
                long t3 = CPU.getCurrentThreadCpuTime();
                bytesOut += records.sizeInBytes();
                producerNs += t1 - t0;
                brokerNs += t2 - t1;
                consumerNs += t3 - t2;
                count++;
            }
        }
        if (!print) {
            return;
        }
        System.out.printf(
                Locale.ROOT,
                "%-26s %-7s %10d %7.3f %12.1f %12.1f %12.1f%s%n",
                payload,
                codec,
                bytesOut / count,
                (double) bytesOut / bytesIn,
                producerNs / 1e3 / count,
                brokerNs / 1e3 / count,
                consumerNs / 1e3 / count,
                sink == 42 ? " " : "");
    }

    /** A text score as the inference service writes it (EmotionScore JSON, 7 labels, timings), ids and values varied. */
    private static byte[] scoreJson(Random r) {
        String rec = new java.util.UUID(r.nextLong(), r.nextLong()).toString();
        int index = r.nextInt(40);
        double[] p = new double[7];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = r.nextDouble() * r.nextDouble();
            sum += p[i];
        }
        String[] labels = {"neutral", "happy", "sad", "angry", "fearful", "surprised", "disgusted"};
        StringBuilder probs = new StringBuilder();
        int best = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
            best = p[i] > p[best] ? i : best;
            probs.append(i == 0 ? "" : ",")
                    .append('"')
                    .append(labels[i])
                    .append("\":")
                    .append(String.format(Locale.ROOT, "%.4f", p[i]));
        }
        String json = String.format(
                Locale.ROOT,
                "{\"schemaVersion\":1,\"utteranceId\":\"rec-%s:%04d\",\"recordingId\":\"rec-%s\",\"index\":%d,"
                        + "\"modality\":\"TEXT\",\"startMs\":%d,\"endMs\":%d,\"speaker\":\"agent\",\"hasTranscript\":true,"
                        + "\"text\":\"%s\",\"model\":{\"name\":\"ter-default\",\"version\":\"1.3.0\",\"sha256\":"
                        + "\"9d3c0e2a1f4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d\"},\"probabilities\":{%s},"
                        + "\"label\":\"%s\",\"confidence\":%.4f,\"timing\":{\"queueMs\":%.1f,\"forwardMs\":%.1f,"
                        + "\"batchSize\":%d},\"ingestedAt\":\"2026-12-05T15:%02d:%02d.%03dZ\","
                        + "\"scoredAt\":\"2026-12-05T15:%02d:%02d.%03dZ\"}",
                rec,
                index,
                rec,
                index,
                index * 3000,
                index * 3000 + 1500 + r.nextInt(6000),
                TEXTS[r.nextInt(TEXTS.length)],
                probs,
                labels[best],
                p[best],
                r.nextDouble() * 100,
                r.nextDouble() * 10,
                1 + r.nextInt(16),
                r.nextInt(60),
                r.nextInt(60),
                r.nextInt(1000),
                r.nextInt(60),
                r.nextInt(60),
                r.nextInt(1000));
        return json.getBytes(StandardCharsets.UTF_8);
    }

    private static final String[] TEXTS = {
        "This is absolutely unacceptable! I have waited three weeks and I want my money back, right now!",
        "Oh wow, that is wonderful news! Thank you so much, you made my day!",
        "I miss her so much. Everything feels empty since she left.",
        "Could you tell me when the technician will arrive tomorrow?",
        "Yes.",
        "I have been transferred four times already and nobody can answer a simple question."
    };
}
