package io.emostream.models.eval;

import io.emostream.contracts.Distribution;
import io.emostream.contracts.Emotion;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ClassificationReportTest {

    @Test
    void metricsMatchHandComputedValues() {
        ClassificationReport r = new ClassificationReport(List.of("a", "b", "c"));
        int[][] pairs = {{0, 0}, {0, 0}, {0, 0}, {0, 1}, {1, 1}, {1, 1}, {1, 0}, {1, 0}, {2, 2}, {2, 1}};
        for (int[] p : pairs) {
            r.add(p[0], p[1]);
        }
        // confusion [[3,1,0],[2,2,0],[0,1,1]]; recall .75/.5/.5; precision .6/.5/1; F1 2/3, 1/2, 2/3
        assertThat(r.confusion()).isDeepEqualTo(new long[][] {{3, 1, 0}, {2, 2, 0}, {0, 1, 1}});
        assertThat(r.accuracy()).isCloseTo(0.6, within(1e-12));
        assertThat(r.unweightedAccuracy()).isCloseTo(1.75 / 3, within(1e-12));
        assertThat(r.weightedF1()).isCloseTo((4 * (2.0 / 3) + 4 * 0.5 + 2 * (2.0 / 3)) / 10, within(1e-12));
    }

    @Test
    void uaIgnoresClassesAbsentFromTheTruth() {
        ClassificationReport r = new ClassificationReport(List.of("x", "y"));
        r.add(0, 0);
        r.add(0, 1);
        assertThat(r.unweightedAccuracy()).isEqualTo(0.5);
        assertThat(r.weightedF1()).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(r.format("t")).contains("recall").contains("-");
    }

    @Test
    void fourClassUsesTheArgmaxAmongTheFour() {
        Evaluation ev = new Evaluation();
        // 7-class says surprise; among the four, sad wins
        ev.add(Emotion.SAD, Distribution.of(0.1, 0.05, 0.2, 0.05, 0.0, 0.0, 0.6));
        ev.add(Emotion.FEAR, Distribution.of(0.1, 0.05, 0.2, 0.05, 0.6, 0.0, 0.0));
        ev.skipUnmappable("powerful");
        assertThat(ev.sevenClass().count()).isEqualTo(2);
        assertThat(ev.sevenClass().accuracy()).isEqualTo(0.5);
        assertThat(ev.fourClass().count()).isEqualTo(1);
        assertThat(ev.fourClass().accuracy()).isEqualTo(1.0);
        assertThat(ev.skippedUnmappable()).isEqualTo(1);
    }

    @Test
    void csvHandlesQuotesCommasAndNewlines() throws Exception {
        var recs = Csv.parse(new StringReader("a,b\n\"x, \"\"y\"\"\",2\r\n\"multi\nline\",3\n"));
        assertThat(recs).hasSize(3);
        assertThat(recs.get(1)).containsExactly("x, \"y\"", "2");
        assertThat(recs.get(2)).containsExactly("multi\nline", "3");
    }
}
