package io.ballast.controlplane.snapshot;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Coalesces a burst of changes into one action: the action runs {@code quiet} after the last
 * change, but never later than {@code maxDelay} after the first change of the burst (a steady
 * trickle of changes must not starve the nodes of snapshots).
 *
 * <p>Not thread-safe: {@link #changed()} must be called on the single thread of
 * {@code executor}, which also runs the action.
 */
public final class Debouncer {

    private final ScheduledExecutorService executor;
    private final long quietNanos;
    private final long maxDelayNanos;
    private final Runnable action;
    private final LongSupplier nanoClock;
    private ScheduledFuture<?> pending;
    private long burstStartNanos;

    public Debouncer(ScheduledExecutorService executor, Duration quiet, Duration maxDelay, Runnable action) {
        this(executor, quiet, maxDelay, action, System::nanoTime);
    }

    Debouncer(ScheduledExecutorService executor, Duration quiet, Duration maxDelay, Runnable action, LongSupplier nanoClock) {
        this.executor = executor;
        this.quietNanos = quiet.toNanos();
        this.maxDelayNanos = Math.max(maxDelay.toNanos(), quietNanos);
        this.action = action;
        this.nanoClock = nanoClock;
    }

    /** Records a change; (re)schedules the action within the bounds. */
    public void changed() {
        long now = nanoClock.getAsLong();
        long delay = nextDelayNanos(now);
        if (pending == null) {
            burstStartNanos = now;
        } else {
            pending.cancel(false);
        }
        pending = executor.schedule(this::fire, delay, TimeUnit.NANOSECONDS);
    }

    /** The delay a change at {@code now} would schedule the action with. */
    long nextDelayNanos(long now) {
        long burstStart = pending == null ? now : burstStartNanos;
        return Math.max(0, Math.min(now + quietNanos, burstStart + maxDelayNanos) - now);
    }

    /** Drops a scheduled action, if any. */
    public void cancel() {
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }

    private void fire() {
        pending = null;
        action.run();
    }
}
