package io.emostream.guard.streams;

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
        assertThat(index.pollDue(200, 4))
                .extracting(DeadlineIndex.Due::key)
                .containsExactly("u#0", "u#1", "u#2", "u#3");
        assertThat(index.pollDue(200, 100))
                .extracting(DeadlineIndex.Due::key)
                .containsExactly("u#4", "u#5", "u#6", "u#7", "u#8", "u#9");
        assertThat(index.size()).isEqualTo(1);
    }

    @Test
    void aRemovedOrMovedKeyIsNotDueAtItsOldDeadline() {
        DeadlineIndex index = new DeadlineIndex();
        index.add(100, "a");
        index.add(100, "b");
        index.remove(100, "a");
        index.remove(100, "b");
        index.add(300, "b"); // its deadline moved
        assertThat(index.pollDue(200, 10)).isEmpty();
        assertThat(index.pollDue(300, 10)).extracting(DeadlineIndex.Due::key).containsExactly("b");
        assertThat(index.size()).isZero();
    }
}
