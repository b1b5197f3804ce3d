package io.emostream.ingest.streams;

/** A transcript that arrived before its recording, kept as received (bytes + content type) with its origin. */
record KeptTranscript(byte[] raw, String contentType, int partition, long offset, long receivedMs) {}
