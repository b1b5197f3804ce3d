package io.emostream.reporting;

import java.util.Map;

/** One model's input to a fused result: which model, and what it said. */
public record ModelScore(String model, String modelVersion, String label, Double confidence,
                         Map<String, Double> probabilities) {
}
