package io.emostream.ingest.segment;

/** An utterance a transcript asks for: samples [start, end) of a channel (null = the mix-down), with its text. */
public record PlannedUtterance(
        int index, long startSample, long endSample, String speaker, Integer channel, String text) {}
