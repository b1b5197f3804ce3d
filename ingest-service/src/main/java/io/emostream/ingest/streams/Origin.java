package io.emostream.ingest.streams;

import org.apache.kafka.common.header.Headers;

/** Where an input record came from, and its original bytes and headers (what a dead letter carries). */
record Origin(String topic, int partition, long offset, byte[] key, byte[] value, Headers headers) {}
