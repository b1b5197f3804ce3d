package io.emostream.contracts;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

class ServiceThreadsTest {

    @Test
    void startedThreadsAreNamedAndStopWaitsForTheNonDaemonOnes() throws InterruptedException {
        ServiceThreads threads = new ServiceThreads();
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<String> name = new AtomicReference<>();
        Thread loop = threads.start("test-loop", false, () -> {
            name.set(Thread.currentThread().getName());
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread daemon = threads.start("test-startup", true, () -> {
            try {
                new CountDownLatch(1).await(); // never ends by itself
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(loop.isDaemon()).isFalse();
        assertThat(daemon.isDaemon()).isTrue();

        assertThat(threads.stop(Duration.ofMillis(50)))
                .as("the loop has not been asked to end")
                .isFalse();
        release.countDown();
        assertThat(threads.stop(Duration.ofSeconds(10))).isTrue();
        assertThat(loop.isAlive()).isFalse();
        assertThat(name.get()).isEqualTo("test-loop");
        assertThat(daemon.isAlive()).as("daemons are not waited for").isTrue();
        daemon.interrupt();
    }

    @Test
    void aThreadThatThrowsIsLoggedByNameAndOthersGoOn() throws InterruptedException {
        List<LogRecord> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                logged.add(r);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger log = Logger.getLogger(ServiceThreads.class.getName());
        log.addHandler(capture);
        try {
            ServiceThreads threads = new ServiceThreads();
            Thread failing = threads.start("test-failing", false, () -> {
                throw new IllegalStateException("boom");
            });
            failing.join(10_000);
            assertThat(failing.isAlive()).isFalse();
            assertThat(logged).anySatisfy(r -> {
                assertThat(r.getLevel()).isEqualTo(Level.SEVERE);
                assertThat(r.getMessage()).contains("test-failing");
                assertThat(r.getThrown()).hasMessage("boom");
            });
            CountDownLatch ran = new CountDownLatch(1);
            threads.start("test-next", false, ran::countDown);
            assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(threads.stop(Duration.ofSeconds(10))).isTrue();
        } finally {
            log.removeHandler(capture);
        }
    }

    @Test
    void aPeriodicTaskThatThrowsRunsAgainUntilStopped() throws InterruptedException {
        ServiceThreads threads = new ServiceThreads();
        CountDownLatch thrice = new CountDownLatch(3);
        threads.every("test-supervisor", Duration.ofMillis(10), () -> {
            thrice.countDown();
            throw new IllegalStateException("every run fails");
        });
        assertThat(thrice.await(10, TimeUnit.SECONDS))
                .as("runs after a failed one")
                .isTrue();
        assertThat(threads.stop(Duration.ofSeconds(10))).isTrue();
    }
}
