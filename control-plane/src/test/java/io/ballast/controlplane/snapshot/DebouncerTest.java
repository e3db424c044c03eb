package io.ballast.controlplane.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DebouncerTest {

    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    @Test
    void aLoneChangeRunsAtOnceNotAfterTheQuietTime() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        // A quiet time far beyond the wait below: only the leading edge can run the action in time.
        Debouncer debouncer = new Debouncer(executor, Duration.ofSeconds(30), Duration.ofSeconds(60), runs::incrementAndGet);

        executor.submit(debouncer::changed).get(1, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(2)).until(() -> runs.get() == 1);
    }

    @Test
    void aBurstRunsOnceAtItsStartAndOnceAfterItsQuietTime() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        Debouncer debouncer = new Debouncer(executor, Duration.ofMillis(50), Duration.ofMillis(200), runs::incrementAndGet);

        // Changes made before the leading run starts are covered by it.
        executor.submit(() -> {
            for (int i = 0; i < 10; i++) {
                debouncer.changed();
            }
        }).get(1, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(2)).until(() -> runs.get() == 1);
        // The burst goes on right after the leading run: coalesced into one trailing run.
        executor.submit(() -> {
            for (int i = 0; i < 10; i++) {
                debouncer.changed();
            }
        }).get(1, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(2)).until(() -> runs.get() == 2);
        // One more quiet period must not produce a third run: check on the same thread, after it.
        executor.schedule(() -> { }, 100, TimeUnit.MILLISECONDS).get(1, TimeUnit.SECONDS);
        assertThat(runs).hasValue(2);
    }

    @Test
    void aSteadyTrickleStillRunsWithinTheMaximumDelay() throws Exception {
        AtomicLong fakeNanos = new AtomicLong();
        AtomicInteger runs = new AtomicInteger();
        // Quiet 100 ms, max 200 ms: each change at +60 ms would postpone forever without the bound.
        Debouncer debouncer = new Debouncer(executor, Duration.ofMillis(100), Duration.ofMillis(200), runs::incrementAndGet,
                fakeNanos::get);
        ScheduledDelays delays = new ScheduledDelays();
        executor.submit(debouncer::changed).get(1, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(2)).until(() -> runs.get() == 1); // the leading run, at fake time 0

        executor.submit(() -> {
            fakeNanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
            delays.first = debouncer.nextDelayNanos(fakeNanos.get());
            debouncer.changed();
            fakeNanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(60));
            debouncer.changed();
            fakeNanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(60));
            debouncer.changed();
            fakeNanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(60));
            delays.last = debouncer.nextDelayNanos(fakeNanos.get());
            debouncer.changed();
        }).get(1, TimeUnit.SECONDS);

        // 1 ms after a run the change waits out the quiet time; 180 ms into the burst the next run
        // is due at the 200 ms bound: 20 ms away, not 100.
        assertThat(delays.first).isEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
        assertThat(delays.last).isEqualTo(TimeUnit.MILLISECONDS.toNanos(20));
        await().atMost(Duration.ofSeconds(2)).until(() -> runs.get() == 2);
    }

    @Test
    void aChangeAfterAQuietSpellIsLeadingAgain() throws Exception {
        AtomicLong fakeNanos = new AtomicLong();
        AtomicInteger runs = new AtomicInteger();
        Debouncer debouncer = new Debouncer(executor, Duration.ofMillis(100), Duration.ofMillis(200), runs::incrementAndGet,
                fakeNanos::get);
        executor.submit(debouncer::changed).get(1, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(2)).until(() -> runs.get() == 1);

        fakeNanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(99));
        assertThat(executor.submit(() -> debouncer.nextDelayNanos(fakeNanos.get())).get(1, TimeUnit.SECONDS))
                .isEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
        fakeNanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
        assertThat(executor.submit(() -> debouncer.nextDelayNanos(fakeNanos.get())).get(1, TimeUnit.SECONDS)).isZero();
    }

    private static final class ScheduledDelays {
        volatile long first;
        volatile long last;
    }
}
