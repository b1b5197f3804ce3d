package io.emostream.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The file protocol between {@code ./emostream scale|kafka|postgres} (or a test) and the running supervisor. */
class ControlTest {

    @TempDir
    Path home;

    /** Plays the supervisor: answers the first request it finds with what {@code answer} makes of it. */
    private CompletableFuture<String> supervisor(java.util.function.Function<String, String> answer) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (System.nanoTime() < deadline) {
                    List<Control.Request> pending = Control.pending(home);
                    if (!pending.isEmpty()) {
                        Control.Request r = pending.get(0);
                        Control.answer(r, answer.apply(r.command()));
                        return r.command();
                    }
                    Thread.sleep(20);
                }
                return null;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void aRequestIsAnsweredAndLeavesNoFilesBehind() throws Exception {
        CompletableFuture<String> seen = supervisor(c -> "2 instance(s) of fusion");
        assertThat(Control.send(home, "scale fusion 2", Duration.ofSeconds(10))).isEqualTo("2 instance(s) of fusion");
        assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo("scale fusion 2");
        try (var files = Files.list(Control.dir(home))) {
            assertThat(files.toList()).isEmpty();
        }
    }

    @Test
    void aRefusedRequestThrowsWithTheSupervisorsReason() {
        supervisor(c -> "error: instances must be 1..4");
        assertThatThrownBy(() -> Control.send(home, "scale fusion 9", Duration.ofSeconds(10)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("instances must be 1..4");
    }

    @Test
    void noSupervisorMeansATimeoutThatSaysSoAndNoRequestLeftForALaterOne() throws Exception {
        assertThatThrownBy(() -> Control.send(home, "kafka restart", Duration.ofMillis(300)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("did not answer 'kafka restart'");
        assertThat(Control.pending(home)).isEmpty();
    }
}
