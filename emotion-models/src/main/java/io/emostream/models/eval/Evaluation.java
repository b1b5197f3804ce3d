package io.emostream.models.eval;

import io.emostream.contracts.Distribution;
import io.emostream.contracts.Emotion;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Accumulates (truth, prediction) pairs into the 7-class (canonical) and 4-class reports. 4-class: only rows whose
 * truth is neutral/happy/sad/angry; the prediction is {@code Distribution.fourClass().label()}.
 */
public final class Evaluation {

    private static final List<Emotion> FOUR = new ArrayList<>(Emotion.FOUR_CLASS);

    private final ClassificationReport seven =
            new ClassificationReport(Emotion.ALL.stream().map(Emotion::label).toList());
    private final ClassificationReport four =
            new ClassificationReport(FOUR.stream().map(Emotion::label).toList());
    private final Map<String, Integer> unmappable = new TreeMap<>();
    private final Map<String, Integer> failed = new TreeMap<>();

    public void add(Emotion truth, Distribution predicted) {
        seven.add(truth.ordinal(), predicted.label().ordinal());
        if (truth.inFourClass()) {
            four.add(FOUR.indexOf(truth), FOUR.indexOf(predicted.fourClass().label()));
        }
    }

    public void skipUnmappable(String label) {
        unmappable.merge(label == null ? "" : label, 1, Integer::sum);
    }

    public void failed(String reason) {
        failed.merge(reason, 1, Integer::sum);
    }

    public ClassificationReport sevenClass() {
        return seven;
    }

    public ClassificationReport fourClass() {
        return four;
    }

    public int skippedUnmappable() {
        return unmappable.values().stream().mapToInt(Integer::intValue).sum();
    }

    public int failedRows() {
        return failed.values().stream().mapToInt(Integer::intValue).sum();
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("evaluated", seven.count());
        m.put("skippedUnmappable", skippedUnmappable());
        m.put("unmappableLabels", unmappable);
        m.put("failed", failedRows());
        m.put("failures", failed);
        m.put("sevenClass", seven.toMap());
        m.put("fourClass", four.toMap());
        return m;
    }
}
