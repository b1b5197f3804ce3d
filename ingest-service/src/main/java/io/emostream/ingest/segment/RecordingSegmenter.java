package io.emostream.ingest.segment;

import io.emostream.contracts.FailureReason;
import io.emostream.contracts.PcmAudio;
import io.emostream.ingest.IngestConfig;
import io.emostream.ingest.IngestException;
import io.emostream.ingest.RecordingMeta;
import io.emostream.ingest.Utterance;
import io.emostream.ingest.audio.AudioDecoder;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Cuts a recording into utterances: by transcript timings when there is a transcript, else by voice activity
 * (per mapped channel, or on the mono mix-down). Two streaming passes over the bytes: the first decodes
 * everything to validate (errors, truncation, limits, transcript range) so that a recording is either accepted
 * whole or rejected before any utterance leaves; the second cuts and delivers. Deterministic: the same bytes and
 * transcript always give the same utterances in the same order.
 */
public final class RecordingSegmenter {

    /** The outcome of a successful segmentation. */
    public record Result(AudioDecoder.Info audio, int utterances, boolean hasTranscript) {
    }

    private final AudioDecoder decoder;
    private final VoiceActivitySegmenter.Settings vad;
    private final long maxSamples;
    private final long toleranceSamples;

    public RecordingSegmenter(IngestConfig config) {
        IngestConfig.Segmentation s = config.segmentation();
        this.decoder = new AudioDecoder(config.maxDuration().toMillis());
        this.vad = VoiceActivitySegmenter.Settings.fromMillis(s.maxUtterance().toMillis(),
                s.minUtterance().toMillis(), s.minSilence().toMillis(), s.padding().toMillis(), s.thresholdDb(),
                s.minThresholdDbfs(), s.maxThresholdDbfs());
        this.maxSamples = s.maxUtterance().toMillis() * PcmAudio.SAMPLE_RATE / 1000;
        this.toleranceSamples = s.transcriptTolerance().toMillis() * PcmAudio.SAMPLE_RATE / 1000;
    }

    public Result segment(byte[] audio, RecordingMeta meta, Consumer<Utterance> out) throws IngestException {
        AudioDecoder.Info info = decoder.decode(audio, (c, n) -> {
        });
        for (int channel : meta.speakers().keySet()) {
            if (channel >= info.channels()) {
                throw new IngestException(FailureReason.MALFORMED_EVENT, "speakers names channel " + channel
                        + " but the recording has " + info.channels() + " channel(s)");
            }
        }
        if (meta.transcript() != null) {
            List<PlannedUtterance> plan = TranscriptPlan.plan(meta.transcript(), info.samples(), meta.speakers(),
                    maxSamples, toleranceSamples);
            TranscriptCutter cutter = new TranscriptCutter(plan, (u, samples) -> out.accept(new Utterance(u.index(),
                    ms(u.startSample()), ms(u.startSample() + samples.length), u.speaker(), u.channel(), u.text(),
                    samples)));
            Mixer mixer = new Mixer();
            decoder.decode(audio, (c, n) -> cutter.accept(c, mixer.mix(c, n), n));
            cutter.finish();
            return new Result(info, plan.size(), true);
        }
        int[] count = {0};
        List<VoiceActivitySegmenter> segmenters = new ArrayList<>();
        List<Integer> channels = new ArrayList<>();
        if (meta.speakers().isEmpty()) {
            segmenters.add(vadFor(null, null, count, out));
            channels.add(-1);
        } else {
            for (Map.Entry<Integer, String> e : meta.speakers().entrySet()) {
                segmenters.add(vadFor(e.getKey(), e.getValue(), count, out));
                channels.add(e.getKey());
            }
        }
        Mixer mixer = new Mixer();
        decoder.decode(audio, (c, n) -> {
            for (int i = 0; i < segmenters.size(); i++) {
                int ch = channels.get(i);
                segmenters.get(i).accept(ch < 0 ? mixer.mix(c, n) : c[ch], 0, n);
            }
        });
        segmenters.forEach(VoiceActivitySegmenter::finish);
        return new Result(info, count[0], false);
    }

    private VoiceActivitySegmenter vadFor(Integer channel, String speaker, int[] count, Consumer<Utterance> out) {
        return new VoiceActivitySegmenter(vad, (start, samples) -> out.accept(new Utterance(count[0]++, ms(start),
                ms(start + samples.length), speaker, channel, null, samples)));
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
