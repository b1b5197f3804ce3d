package io.emostream.fusion.streams;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DeadlineIndexTest {

    @Test
    void pollsAtMostTheLimitEarliestFirstAndKeepsTheRest() {
        DeadlineIndex index = new DeadlineIndex();
        for (int i = 9; i >= 0; i--) {
            index.add(100 + i, "u#" + i);
        }
        index.add(500, "later#0");
        assertThat(index.pollDue(200, 4)).extracting(DeadlineIndex.Due::utteranceId)
                .containsExactly("u#0", "u#1", "u#2", "u#3");
        assertThat(index.pollDue(200, 100)).extracting(DeadlineIndex.Due::utteranceId)
                .containsExactly("u#4", "u#5", "u#6", "u#7", "u#8", "u#9");
        assertThat(index.size()).isEqualTo(1);
    }
}
