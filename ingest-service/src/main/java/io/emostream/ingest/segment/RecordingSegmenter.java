package io.emostream.ingest.segment;

import io.emostream.contracts.FailureReason;
import io.emostream.contracts.PcmAudio;
import io.emostream.ingest.IngestException;
import io.emostream.ingest.RecordingMeta;
import io.emostream.ingest.Utterance;
import io.emostream.ingest.audio.AudioDecoder;
import io.emostream.ingest.config.IngestConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Cuts a recording into utterances: by transcript timings when there is a transcript, else by voice activity
 * (per mapped channel, or on the mono mix-down). Two streaming passes: {@link #validate} decodes everything
 * (errors, truncation, limits, transcript range) and counts the utterances, so a recording is either accepted
 * whole or rejected before any utterance leaves; {@link #cut} decodes again and delivers. A caller that already
 * validated the same bytes (the REST path, whose result travels with the recording) cuts in one pass.
 * Deterministic: the same bytes and transcript always give the same utterances in the same order.
 */
public final class RecordingSegmenter {

    /** The outcome of a successful segmentation. */
    public record Result(AudioDecoder.Info audio, int utterances, boolean hasTranscript) {}

    /** The bytes of a recording: in the heap (a Kafka record) or in a file (a REST upload). */
    @FunctionalInterface
    public interface Audio {
        AudioDecoder.Info decode(AudioDecoder decoder, AudioDecoder.Sink sink) throws IngestException;

        static Audio of(byte[] bytes) {
            return (d, s) -> d.decode(bytes, s);
        }

        static Audio of(Path file) {
            return (d, s) -> d.decode(file, s);
        }
    }

    private final AudioDecoder decoder;
    private final VoiceActivitySegmenter.Settings vad;
    private final long maxSamples;
    private final long toleranceSamples;

    public RecordingSegmenter(IngestConfig config) {
        IngestConfig.Segmentation s = config.segmentation();
        this.decoder = new AudioDecoder(config.maxDuration().toMillis());
        this.vad = VoiceActivitySegmenter.Settings.fromMillis(
                s.maxUtterance().toMillis(),
                s.minUtterance().toMillis(),
                s.minSilence().toMillis(),
                s.padding().toMillis(),
                s.thresholdDb(),
                s.minThresholdDbfs(),
                s.maxThresholdDbfs());
        this.maxSamples = s.maxUtterance().toMillis() * PcmAudio.SAMPLE_RATE / 1000;
        this.toleranceSamples = s.transcriptTolerance().toMillis() * PcmAudio.SAMPLE_RATE / 1000;
    }

    /** Validates, then cuts: two decoding passes. */
    public Result segment(byte[] audio, RecordingMeta meta, Consumer<Utterance> out) throws IngestException {
        Audio a = Audio.of(audio);
        return cut(a, meta, validate(a, meta).audio(), out);
    }

    /**
     * One decoding pass that finds every reason to reject the recording and counts the utterances it will give
     * (nothing is delivered).
     */
    public Result validate(Audio audio, RecordingMeta meta) throws IngestException {
        if (meta.transcript() != null) {
            AudioDecoder.Info info = audio.decode(decoder, (c, n) -> {});
            return new Result(info, plan(info, meta).size(), true);
        }
        VoiceActivity vad = new VoiceActivity(meta, u -> {});
        AudioDecoder.Info info = audio.decode(decoder, vad);
        checkChannels(info, meta);
        return new Result(info, vad.finish(), false);
    }

    /**
     * One decoding pass that delivers the utterances of audio already validated ({@code info} is what validation
     * found: its length places the transcript, its channels the speakers).
     */
    public Result cut(Audio audio, RecordingMeta meta, AudioDecoder.Info info, Consumer<Utterance> out)
            throws IngestException {
        if (meta.transcript() != null) {
            List<PlannedUtterance> plan = plan(info, meta);
            TranscriptCutter cutter = new TranscriptCutter(
                    plan,
                    (u, samples) -> out.accept(new Utterance(
                            u.index(),
                            ms(u.startSample()),
                            ms(u.startSample() + samples.length),
                            u.speaker(),
                            u.channel(),
                            u.text(),
                            samples)));
            Mixer mixer = new Mixer();
            audio.decode(decoder, (c, n) -> cutter.accept(c, mixer.mix(c, n), n));
            cutter.finish();
            return new Result(info, plan.size(), true);
        }
        checkChannels(info, meta);
        VoiceActivity vad = new VoiceActivity(meta, out);
        audio.decode(decoder, vad);
        return new Result(info, vad.finish(), false);
    }

    private List<PlannedUtterance> plan(AudioDecoder.Info info, RecordingMeta meta) throws IngestException {
        checkChannels(info, meta);
        return TranscriptPlan.plan(meta.transcript(), info.samples(), meta.speakers(), maxSamples, toleranceSamples);
    }

    private static void checkChannels(AudioDecoder.Info info, RecordingMeta meta) throws IngestException {
        for (int channel : meta.speakers().keySet()) {
            if (channel >= info.channels()) {
                throw new IngestException(
                        FailureReason.MALFORMED_EVENT,
                        "speakers names channel " + channel + " but the recording has " + info.channels()
                                + " channel(s)");
            }
        }
    }

    /** Voice activity detection per mapped channel (or on the mix-down), fed by a decoding pass. */
    private final class VoiceActivity implements AudioDecoder.Sink {
        private final List<VoiceActivitySegmenter> segmenters = new ArrayList<>();
        private final List<Integer> channels = new ArrayList<>();
        private final Mixer mixer = new Mixer();
        private final int[] count = {0};

        VoiceActivity(RecordingMeta meta, Consumer<Utterance> out) {
            if (meta.speakers().isEmpty()) {
                segmenters.add(vadFor(null, null, count, out));
                channels.add(-1);
            } else {
                for (Map.Entry<Integer, String> e : meta.speakers().entrySet()) {
                    segmenters.add(vadFor(e.getKey(), e.getValue(), count, out));
                    channels.add(e.getKey());
                }
            }
        }

        @Override
        public void accept(float[][] c, int n) {
            for (int i = 0; i < segmenters.size(); i++) {
                int ch = channels.get(i);
                if (ch < c.length) { // a speaker map naming a missing channel is rejected once the decode ends
                    segmenters.get(i).accept(ch < 0 ? mixer.mix(c, n) : c[ch], 0, n);
                }
            }
        }

        /** Ends the open utterances; returns how many utterances there were. */
        int finish() {
            segmenters.forEach(VoiceActivitySegmenter::finish);
            return count[0];
        }
    }

    private VoiceActivitySegmenter vadFor(Integer channel, String speaker, int[] count, Consumer<Utterance> out) {
        return new VoiceActivitySegmenter(
                vad,
                (start, samples) -> out.accept(new Utterance(
                        count[0]++, ms(start), ms(start + samples.length), speaker, channel, null, samples)));
    }

    private static long ms(long samples) {
        return samples * 1000 / PcmAudio.SAMPLE_RATE;
    }

    /** Mono mix-down: the mean of the channels (FFmpeg's own downmix adds +3 dB and can clip). */
    private static final class Mixer {
        private float[] mix = new float[0];

        float[] mix(float[][] c, int n) {
            if (c.length == 1) {
                return c[0];
            }
            if (mix.length < n) {
                mix = new float[n];
            }
            float scale = 1f / c.length;
            for (int i = 0; i < n; i++) {
                float s = 0;
                for (float[] ch : c) {
                    s += ch[i];
                }
                mix[i] = s * scale;
            }
            return mix;
        }
    }
}
