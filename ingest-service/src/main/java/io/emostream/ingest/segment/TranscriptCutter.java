package io.emostream.ingest.segment;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Cuts planned utterances out of streamed audio. Only utterances that are open at the current position hold
 * samples, so memory is bounded by the overlapping ones, not by the recording.
 */
public final class TranscriptCutter {

    private final List<PlannedUtterance> plan;
    private final BiConsumer<PlannedUtterance, float[]> out;
    private final List<Open> open = new ArrayList<>();
    private int next;
    private long position;

    private static final class Open {
        final PlannedUtterance u;
        final float[] samples;

        Open(PlannedUtterance u) {
            this.u = u;
            this.samples = new float[(int) (u.endSample() - u.startSample())];
        }
    }

    /** @param plan sorted by start sample */
    public TranscriptCutter(List<PlannedUtterance> plan, BiConsumer<PlannedUtterance, float[]> out) {
        this.plan = plan;
        this.out = out;
    }

    /**
     * @param channels per-channel samples for this block
     * @param mix      the mix-down of the same block (for utterances without a channel)
     */
    public void accept(float[][] channels, float[] mix, int n) {
        long blockEnd = position + n;
        while (next < plan.size() && plan.get(next).startSample() < blockEnd) {
            open.add(new Open(plan.get(next++)));
        }
        for (Iterator<Open> it = open.iterator(); it.hasNext(); ) {
            Open o = it.next();
            float[] src = o.u.channel() == null ? mix : channels[o.u.channel()];
            long from = Math.max(position, o.u.startSample());
            long to = Math.min(blockEnd, o.u.endSample());
            if (to > from) {
                System.arraycopy(
                        src, (int) (from - position), o.samples, (int) (from - o.u.startSample()), (int) (to - from));
            }
            if (o.u.endSample() <= blockEnd) {
                out.accept(o.u, o.samples);
                it.remove();
            }
        }
        position = blockEnd;
    }

    /** Emits what is still open (segments clipped at the end of the audio). */
    public void finish() {
        for (Open o : open) {
            int have = (int) Math.max(0, Math.min(o.samples.length, position - o.u.startSample()));
            out.accept(o.u, java.util.Arrays.copyOf(o.samples, have));
        }
        open.clear();
    }
}
