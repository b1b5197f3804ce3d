package io.emostream.ingest.streams;

/**
 * A recording waiting for its transcript. Only where it is: its bytes stay on the recordings topic and are read
 * back when the transcript arrives or the wait ends, so the changelog stays small whatever the recording size.
 */
record WaitingRecording(int partition, long offset, long receivedMs, long deadlineMs) {}
