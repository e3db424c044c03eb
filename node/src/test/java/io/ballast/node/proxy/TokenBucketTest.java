package io.ballast.node.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The node's per-service token bucket, on an injected clock (no sleeps). */
class TokenBucketTest {

    private static final long SECOND = 1_000_000_000L;

    /** Starts at an arbitrary, large reading, as {@link System#nanoTime} may. */
    private final AtomicLong clock = new AtomicLong(7_000_000_000_000L);

    private TokenBucket bucket(double rate, long burst) {
        return new TokenBucket(rate, burst, clock::get);
    }

    private static int drain(TokenBucket bucket) {
        int taken = 0;
        while (bucket.tryAcquire()) {
            taken++;
            assertThat(taken).as("taken from a bucket of %d", bucket.burst()).isLessThanOrEqualTo(1_000_000);
        }
        return taken;
    }

    @Test
    void startsFullThenRefuses() {
        TokenBucket bucket = bucket(10, 20);
        assertThat(drain(bucket)).isEqualTo(20);
        assertThat(bucket.tryAcquire()).isFalse();
        assertThat(bucket.rate()).isEqualTo(10.0);
        assertThat(bucket.burst()).isEqualTo(20);
    }

    @Test
    void refillsAtTheRate() {
        TokenBucket bucket = bucket(10, 10);
        drain(bucket);
        clock.addAndGet(SECOND / 2);
        assertThat(drain(bucket)).isEqualTo(5);
        // 0.1 s is exactly one more token, 0.099 s is not yet.
        clock.addAndGet(99_000_000L);
        assertThat(bucket.tryAcquire()).isFalse();
        clock.addAndGet(1_000_000L);
        assertThat(bucket.tryAcquire()).isTrue();
        assertThat(bucket.tryAcquire()).isFalse();
    }

    @Test
    void slowRateAccumulatesAcrossManySmallSteps() {
        // 0.2/s: a micro-token takes 5 µs. Polled every 1 µs, a step earns 0.2 micro-tokens, which must
        // not round to nothing; polled every 7 µs, 1.4, whose 0.4 must be carried, not dropped.
        for (long step : new long[] {1_000L, 7_000L}) {
            TokenBucket bucket = bucket(0.2, 1);
            assertThat(bucket.tryAcquire()).isTrue();
            int granted = 0;
            long steps = (5 * SECOND + step - 1) / step; // just past 5 s
            for (long i = 0; i < steps; i++) {
                clock.addAndGet(step);
                if (bucket.tryAcquire()) {
                    granted++;
                }
            }
            assertThat(granted).as("tokens in 5 s at 0.2/s, polled every %d ns", step).isEqualTo(1);
            assertThat(bucket.retryAfterSeconds()).isEqualTo(5);
        }
    }

    @Test
    void fastRateOverManyStepsGrantsTheRate() {
        // 1,000/s over 10 s in steps of 37 µs, always drained: 10,000 tokens give or take one.
        TokenBucket bucket = bucket(1_000, 5);
        drain(bucket);
        long granted = 0;
        for (long t = 0; t < 10 * SECOND; t += 37_000L) {
            clock.addAndGet(37_000L);
            granted += drain(bucket);
        }
        assertThat(granted).isBetween(9_999L, 10_001L);
    }

    @Test
    void neverHoldsMoreThanTheBurst() {
        TokenBucket bucket = bucket(10, 3);
        clock.addAndGet(SECOND); // full from the start: the 10 tokens of this second overflow
        assertThat(drain(bucket)).isEqualTo(3);
        clock.addAndGet(SECOND / 5);
        assertThat(bucket.tryAcquire()).isTrue();
        clock.addAndGet(SECOND / 4); // 1 left + 2.5 earned: tops up to 3, not 3.5
        assertThat(drain(bucket)).isEqualTo(3);
        clock.addAndGet(SECOND / 20); // so 0.05 s is half a token, not the missing half of one
        assertThat(bucket.tryAcquire()).isFalse();
        clock.addAndGet(SECOND / 20);
        assertThat(bucket.tryAcquire()).isTrue();
        clock.addAndGet(3_600 * SECOND);
        assertThat(drain(bucket)).isEqualTo(3);
        clock.addAndGet(100_000 * SECOND);
        assertThat(drain(bucket)).isEqualTo(3);
        // A full bucket does not bank time either: after the cap, 0.1 s is one token again.
        clock.addAndGet(SECOND / 10);
        assertThat(drain(bucket)).isEqualTo(1);
    }

    @Test
    void retryAfterIsWholeSecondsUntilTheNextToken() {
        TokenBucket slow = bucket(0.2, 1);
        assertThat(slow.retryAfterSeconds()).isEqualTo(1); // a token is there
        assertThat(slow.tryAcquire()).isTrue();
        assertThat(slow.tryAcquire()).isFalse();
        assertThat(slow.retryAfterSeconds()).isEqualTo(5);
        clock.addAndGet(SECOND * 5 / 2);
        assertThat(slow.retryAfterSeconds()).isEqualTo(3); // 2.5 s left, rounded up
        clock.addAndGet(SECOND * 5 / 2);
        assertThat(slow.retryAfterSeconds()).isEqualTo(1);
        assertThat(slow.tryAcquire()).isTrue();

        TokenBucket fast = bucket(100, 10);
        drain(fast);
        assertThat(fast.retryAfterSeconds()).isEqualTo(1); // 10 ms, but never less than 1
    }

    @Test
    void refusesInvalidArguments() {
        assertThatThrownBy(() -> bucket(-1.0, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rate: -1.0 (expected: > 0)");
        assertThatThrownBy(() -> bucket(0, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rate: 0.0 (expected: > 0)");
        assertThatThrownBy(() -> bucket(Double.NaN, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rate: NaN (expected: > 0)");
        assertThatThrownBy(() -> bucket(Double.POSITIVE_INFINITY, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rate: Infinity (expected: finite)");
        assertThatThrownBy(() -> bucket(10, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("burst: 0 (expected: >= 1)");
        assertThatThrownBy(() -> bucket(10, -5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("burst: -5 (expected: >= 1)");
        assertThatThrownBy(() -> bucket(10, TokenBucket.MAX_BURST + 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("burst: " + (TokenBucket.MAX_BURST + 1) + " (expected: <= " + TokenBucket.MAX_BURST + ")");
        assertThat(bucket(10, TokenBucket.MAX_BURST).tryAcquire()).isTrue();
    }

    @Test
    void concurrentCallersTakeExactlyTheBurst() throws Exception {
        int burst = 50_000;
        TokenBucket bucket = bucket(1, burst); // the clock stands still: no refill
        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<Integer> first = threads.submit(() -> hammer(bucket, start));
            Future<Integer> second = threads.submit(() -> hammer(bucket, start));
            int a = first.get(30, TimeUnit.SECONDS);
            int b = second.get(30, TimeUnit.SECONDS);
            System.out.printf("token bucket contention: %d + %d successes%n", a, b);
            assertThat(a + b).isEqualTo(burst);
        } finally {
            threads.shutdownNow();
        }
        assertThat(bucket.tryAcquire()).isFalse();
    }

    private static int hammer(TokenBucket bucket, CyclicBarrier start) throws Exception {
        start.await(10, TimeUnit.SECONDS);
        int successes = 0;
        for (int i = 0; i < 100_000; i++) {
            if (bucket.tryAcquire()) {
                successes++;
            }
        }
        return successes;
    }
}
