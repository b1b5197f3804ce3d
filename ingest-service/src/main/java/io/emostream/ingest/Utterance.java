package io.emostream.ingest;

/**
 * One utterance cut from a recording: 16 kHz mono samples plus where it sits in the recording.
 *
 * @param index   position in the recording's deterministic utterance order
 * @param speaker from the transcript or the channel map, else null
 * @param channel source channel when segmented per channel, else null
 * @param text    transcript text, null when there is none
 */
public record Utterance(
        int index, long startMs, long endMs, String speaker, Integer channel, String text, float[] samples) {}
