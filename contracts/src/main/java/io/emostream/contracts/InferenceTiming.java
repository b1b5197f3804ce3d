package io.emostream.contracts;

/**
 * How a score was computed.
 *
 * @param queueMs     from the record's arrival at the worker to the start of its forward pass
 * @param inferenceMs the forward pass of the batch it was in
 * @param batchSize   utterances in that batch
 * @param windows     model windows the utterance was cut into (long utterances are windowed and averaged)
 */
public record InferenceTiming(double queueMs, double inferenceMs, int batchSize, int windows) {}
