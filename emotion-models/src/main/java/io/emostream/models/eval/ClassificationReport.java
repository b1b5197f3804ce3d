package io.emostream.models.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Confusion matrix and the metrics the training reports use: accuracy, UA (mean recall over the classes present
 * in the truth), support-weighted F1. Same definitions as training/common/metrics.py.
 */
public final class ClassificationReport {

    private final List<String> labels;
    private final long[][] confusion;
    private long n;

    public ClassificationReport(List<String> labels) {
        this.labels = List.copyOf(labels);
        this.confusion = new long[labels.size()][labels.size()];
    }

    public void add(int truth, int predicted) {
        confusion[truth][predicted]++;
        n++;
    }

    public long count() {
        return n;
    }

    public List<String> labels() {
        return labels;
    }

    public long[][] confusion() {
        long[][] c = new long[confusion.length][];
        for (int i = 0; i < c.length; i++) {
            c[i] = confusion[i].clone();
        }
        return c;
    }

    private long support(int c) {
        long s = 0;
        for (long v : confusion[c]) {
            s += v;
        }
        return s;
    }

    private long predicted(int c) {
        long s = 0;
        for (long[] row : confusion) {
            s += row[c];
        }
        return s;
    }

    public double accuracy() {
        if (n == 0) {
            return 0;
        }
        long tp = 0;
        for (int i = 0; i < confusion.length; i++) {
            tp += confusion[i][i];
        }
        return (double) tp / n;
    }

    /** Recall of class c, NaN when the class is absent from the truth. */
    public double recall(int c) {
        long s = support(c);
        return s == 0 ? Double.NaN : (double) confusion[c][c] / s;
    }

    public double precision(int c) {
        long p = predicted(c);
        return p == 0 ? 0 : (double) confusion[c][c] / p;
    }

    public double f1(int c) {
        double r = recall(c);
        double p = precision(c);
        if (Double.isNaN(r) || p + r == 0) {
            return 0;
        }
        return 2 * p * r / (p + r);
    }

    /** Unweighted accuracy: mean recall over classes present in the truth. */
    public double unweightedAccuracy() {
        double sum = 0;
        int k = 0;
        for (int c = 0; c < confusion.length; c++) {
            double r = recall(c);
            if (!Double.isNaN(r)) {
                sum += r;
                k++;
            }
        }
        return k == 0 ? 0 : sum / k;
    }

    public double weightedF1() {
        if (n == 0) {
            return 0;
        }
        double s = 0;
        for (int c = 0; c < confusion.length; c++) {
            s += f1(c) * support(c);
        }
        return s / n;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", n);
        m.put("accuracy", accuracy());
        m.put("unweightedAccuracy", unweightedAccuracy());
        m.put("weightedF1", weightedF1());
        m.put("labels", labels);
        Map<String, Object> per = new LinkedHashMap<>();
        for (int c = 0; c < labels.size(); c++) {
            Map<String, Object> pc = new LinkedHashMap<>();
            pc.put("support", support(c));
            pc.put("recall", Double.isNaN(recall(c)) ? null : recall(c));
            pc.put("precision", precision(c));
            pc.put("f1", f1(c));
            per.put(labels.get(c), pc);
        }
        m.put("perClass", per);
        List<List<Long>> cm = new ArrayList<>();
        for (long[] row : confusion) {
            List<Long> r = new ArrayList<>();
            for (long v : row) {
                r.add(v);
            }
            cm.add(r);
        }
        m.put("confusion", cm);
        return m;
    }

    /** A human-readable block: the three metrics, then the confusion matrix (rows = truth, columns = predicted). */
    public String format(String title) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                Locale.ROOT,
                "%s  n=%d  accuracy %.4f  UA %.4f  weighted-F1 %.4f%n",
                title,
                n,
                accuracy(),
                unweightedAccuracy(),
                weightedF1()));
        sb.append(String.format(Locale.ROOT, "%10s", "truth\\pred"));
        for (String l : labels) {
            sb.append(String.format(Locale.ROOT, "%9s", l.length() > 8 ? l.substring(0, 8) : l));
        }
        sb.append(String.format(Locale.ROOT, "%9s%n", "recall"));
        for (int i = 0; i < labels.size(); i++) {
            sb.append(String.format(Locale.ROOT, "%10s", labels.get(i)));
            for (long v : confusion[i]) {
                sb.append(String.format(Locale.ROOT, "%9d", v));
            }
            double r = recall(i);
            sb.append(
                    Double.isNaN(r)
                            ? String.format(Locale.ROOT, "%9s%n", "-")
                            : String.format(Locale.ROOT, "%9.3f%n", r));
        }
        return sb.toString();
    }
}
