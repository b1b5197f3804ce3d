package io.emostream.ingest.segment;

import io.emostream.contracts.PcmAudio;

import java.util.Arrays;

/**
 * Streaming energy-based voice activity detection for one channel. Frames of 20 ms are speech when their energy is
 * {@code thresholdDb} above a noise floor (minimum statistics over the last 3 s), clamped to
 * [{@code minThresholdDbfs}, {@code maxThresholdDbfs}]. An utterance starts at speech (with {@code padding} before
 * it), ends after {@code minSilence} without speech (with {@code padding} after the last speech), and is dropped
 * if it holds less than {@code minUtterance} of speech. Utterances reaching {@code maxUtterance} are split at the
 * quietest frame of their last third. Memory is bounded by one maximum-length utterance.
 */
public final class VoiceActivitySegmenter {

    /** Receives each utterance: its first sample's position in the recording, and its samples. */
    @FunctionalInterface
    public interface Output {
        void utterance(long startSample, float[] samples);
    }

    /** Settings in samples and dB. */
    public record Settings(
            int maxSamples,
            int minSpeechSamples,
            int minSilenceSamples,
            int paddingSamples,
            double thresholdDb,
            double minThresholdDbfs,
            double maxThresholdDbfs) {

        public static Settings fromMillis(
                long maxMs,
                long minMs,
                long silenceMs,
                long paddingMs,
                double thresholdDb,
                double minThresholdDbfs,
                double maxThresholdDbfs) {
            int perMs = PcmAudio.SAMPLE_RATE / 1000;
            return new Settings(
                    (int) (maxMs * perMs),
                    (int) (minMs * perMs),
                    (int) (silenceMs * perMs),
                    (int) (paddingMs * perMs),
                    thresholdDb,
                    minThresholdDbfs,
                    maxThresholdDbfs);
        }
    }

    static final int FRAME = PcmAudio.SAMPLE_RATE / 50; // 20 ms
    private static final int BLOCK_FRAMES = 15; // 300 ms
    private static final int BLOCKS = 10; // floor over the last 3 s

    private final Settings s;
    private final Output out;

    private final float[] frame = new float[FRAME];
    private int frameFill;
    private long position; // samples consumed into complete frames

    // noise floor: minimum statistics
    private final double[] blockMin = new double[BLOCKS];
    private int blocksDone;
    private double currentBlockMin = Double.MAX_VALUE;
    private int framesInBlock;

    // pre-roll ring while idle
    private final float[] preRoll;
    private int preRollFill;
    private int preRollHead;

    // current utterance
    private boolean inSpeech;
    private float[] buf;
    private int bufLen;
    private long bufStart;
    private double[] frameDb;
    private int frames; // frames fully inside buf (after the pre-roll offset)
    private int preRollLen; // samples of pre-roll at the start of buf
    private int lastSpeechEnd; // buf index just after the last speech frame
    private int speechSamples;
    private int silenceRun;

    public VoiceActivitySegmenter(Settings settings, Output out) {
        this.s = settings;
        this.out = out;
        this.preRoll = new float[Math.max(1, settings.paddingSamples())];
        this.buf = new float[Math.min(settings.maxSamples() + FRAME, 16_000 * 10)];
        this.frameDb = new double[buf.length / FRAME + 2];
    }

    public void accept(float[] samples, int from, int to) {
        int i = from;
        while (i < to) {
            int n = Math.min(FRAME - frameFill, to - i);
            System.arraycopy(samples, i, frame, frameFill, n);
            frameFill += n;
            i += n;
            if (frameFill == FRAME) {
                onFrame();
                frameFill = 0;
            }
        }
    }

    /** Flushes the last utterance at the end of the recording. */
    public void finish() {
        if (frameFill > 0) {
            Arrays.fill(frame, frameFill, FRAME, 0f);
            int real = frameFill;
            onFrame();
            // the zero-padded tail is not part of the recording
            if (inSpeech) {
                bufLen -= FRAME - real;
                lastSpeechEnd = Math.min(lastSpeechEnd, bufLen);
            }
            frameFill = 0;
        }
        if (inSpeech) {
            emit(Math.min(bufLen, lastSpeechEnd + s.paddingSamples()));
            inSpeech = false;
        }
    }

    private void onFrame() {
        double db = energyDb(frame);
        updateFloor(db);
        boolean speech = db > threshold();
        if (!inSpeech) {
            if (speech) {
                startUtterance();
                append(db, true);
            } else {
                pushPreRoll();
            }
        } else {
            append(db, speech);
            if (silenceRun >= s.minSilenceSamples()) {
                int end = Math.min(bufLen, lastSpeechEnd + s.paddingSamples());
                // what follows the cut becomes the pre-roll of the next utterance
                float[] tail = Arrays.copyOfRange(buf, Math.max(end, bufLen - preRoll.length), bufLen);
                emit(end);
                inSpeech = false;
                preRollFill = 0;
                preRollHead = 0;
                for (float v : tail) {
                    pushPreRollSample(v);
                }
            } else if (bufLen >= s.maxSamples()) {
                splitAtQuietestFrame();
            }
        }
        position += FRAME;
    }

    private void startUtterance() {
        inSpeech = true;
        bufLen = 0;
        frames = 0;
        speechSamples = 0;
        silenceRun = 0;
        lastSpeechEnd = 0;
        // pre-roll, oldest first
        int start = (preRollHead - preRollFill + preRoll.length) % preRoll.length;
        for (int k = 0; k < preRollFill; k++) {
            ensure(1);
            buf[bufLen++] = preRoll[(start + k) % preRoll.length];
        }
        preRollLen = preRollFill;
        bufStart = position - preRollFill;
        preRollFill = 0;
        preRollHead = 0;
    }

    private void append(double db, boolean speech) {
        ensure(FRAME);
        System.arraycopy(frame, 0, buf, bufLen, FRAME);
        bufLen += FRAME;
        if (frames == frameDb.length) {
            frameDb = Arrays.copyOf(frameDb, frameDb.length * 2);
        }
        frameDb[frames++] = db;
        if (speech) {
            speechSamples += FRAME;
            silenceRun = 0;
            lastSpeechEnd = bufLen;
        } else {
            silenceRun += FRAME;
        }
    }

    /** Cuts a too-long utterance at the quietest frame in its last third and carries on with the rest. */
    private void splitAtQuietestFrame() {
        int lookFrom = frames - Math.max(1, frames / 3);
        int best = frames - 1;
        for (int f = frames - 1; f >= lookFrom; f--) {
            if (frameDb[f] < frameDb[best]) {
                best = f;
            }
        }
        int cut = preRollLen + best * FRAME + FRAME / 2;
        float[] first = Arrays.copyOf(buf, cut);
        out.utterance(bufStart, first);
        // keep the remainder as the start of the next utterance
        int rest = bufLen - cut;
        System.arraycopy(buf, cut, buf, 0, rest);
        bufStart += cut;
        bufLen = rest;
        int keptFrames = frames - best - 1;
        System.arraycopy(frameDb, best + 1, frameDb, 0, keptFrames);
        frames = keptFrames;
        preRollLen = rest - keptFrames * FRAME;
        lastSpeechEnd = Math.max(0, lastSpeechEnd - cut);
        speechSamples = keptFrames * FRAME;
    }

    private void emit(int end) {
        if (speechSamples >= s.minSpeechSamples() && end > 0) {
            out.utterance(bufStart, Arrays.copyOf(buf, end));
        }
        bufLen = 0;
        frames = 0;
    }

    private void ensure(int extra) {
        if (bufLen + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(bufLen + extra, buf.length * 2));
        }
    }

    private void pushPreRoll() {
        for (int k = Math.max(0, FRAME - preRoll.length); k < FRAME; k++) {
            pushPreRollSample(frame[k]);
        }
    }

    private void pushPreRollSample(float v) {
        preRoll[preRollHead] = v;
        preRollHead = (preRollHead + 1) % preRoll.length;
        preRollFill = Math.min(preRoll.length, preRollFill + 1);
    }

    private void updateFloor(double db) {
        currentBlockMin = Math.min(currentBlockMin, db);
        if (++framesInBlock == BLOCK_FRAMES) {
            blockMin[blocksDone % BLOCKS] = currentBlockMin;
            blocksDone++;
            currentBlockMin = Double.MAX_VALUE;
            framesInBlock = 0;
        }
    }

    private double threshold() {
        double floor = currentBlockMin;
        for (int b = 0; b < Math.min(blocksDone, BLOCKS); b++) {
            floor = Math.min(floor, blockMin[b]);
        }
        return Math.max(s.minThresholdDbfs(), Math.min(s.maxThresholdDbfs(), floor + s.thresholdDb()));
    }

    static double energyDb(float[] x) {
        double sum = 0;
        for (float v : x) {
            sum += v * v;
        }
        return 10 * Math.log10(sum / x.length + 1e-12);
    }
}
