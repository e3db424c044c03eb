package io.ballast.node.control;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Jittered exponential backoff for resubscribing: after the n-th consecutive failure (n = 0, 1,
 * ...) wait a uniformly random time in [d/2, d] where d = min(initial * 2^(n+1), max), i.e.
 * 100..200 ms first, never more than 5 s. The jitter spreads a fleet of nodes that lost the
 * same leader at the same moment.
 *
 * <p>Not thread-safe: owned by the control-client thread.
 */
final class Backoff {

    static final Duration INITIAL = Duration.ofMillis(100);
    static final Duration MAX = Duration.ofSeconds(5);

    private final long initialMillis;
    private final long maxMillis;
    private final DoubleSupplier random;
    private int failures;

    Backoff() {
        this(INITIAL, MAX, () -> ThreadLocalRandom.current().nextDouble());
    }

    /** @param random returns values in [0, 1) */
    Backoff(Duration initial, Duration max, DoubleSupplier random) {
        this.initialMillis = initial.toMillis();
        this.maxMillis = max.toMillis();
        this.random = random;
    }

    /** The delay before the next attempt; each call counts one more failure. */
    Duration next() {
        long ceiling = initialMillis << Math.min(failures + 1, 30);
        ceiling = Math.min(ceiling, maxMillis);
        failures++;
        long half = ceiling / 2;
        return Duration.ofMillis(half + (long) (random.getAsDouble() * (ceiling - half + 1)));
    }

    /** Called after a success (a snapshot was handled): the next failure waits the initial delay again. */
    void reset() {
        failures = 0;
    }
}
