package io.ballast.controlplane.snapshot;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Coalesces bursts of changes into few actions without delaying a lone change.
 *
 * <p>Leading edge: a change after a quiet spell (the action has not run for {@code quiet}, and
 * none is scheduled) runs the action at once, as the executor's next task; changes made before
 * that task starts are covered by it. Trailing edge: changes within {@code quiet} of the last run
 * are coalesced; the action runs {@code quiet} after the last of them, but never later than
 * {@code maxDelay} after the first (a steady trickle must not starve the nodes of snapshots). So
 * a single admin change reaches the nodes without waiting out a debounce, and a storm costs at
 * most one run per {@code quiet} (plus the leading one).
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
    private boolean pendingLeading;
    private long burstStartNanos;
    private boolean ran;
    private long lastRunNanos;

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

    /** Records a change; runs or (re)schedules the action within the bounds. */
    public void changed() {
        long now = nanoClock.getAsLong();
        if (pending != null && pendingLeading) {
            // The leading run has not started yet: it computes from the state as it is then, this change included.
            return;
        }
        long delay = nextDelayNanos(now);
        if (pending == null) {
            burstStartNanos = now;
        } else {
            pending.cancel(false);
        }
        pendingLeading = delay == 0 && pending == null;
        pending = executor.schedule(this::fire, delay, TimeUnit.NANOSECONDS);
    }

    /** The delay a change at {@code now} would schedule the action with. */
    long nextDelayNanos(long now) {
        if (pending == null && (!ran || now - lastRunNanos >= quietNanos)) {
            return 0; // after a quiet spell: leading edge
        }
        long burstStart = pending == null ? now : burstStartNanos;
        return Math.max(0, Math.min(now + quietNanos, burstStart + maxDelayNanos) - now);
    }

    /** Drops a scheduled action, if any. */
    public void cancel() {
        if (pending != null) {
            pending.cancel(false);
            pending = null;
            pendingLeading = false;
        }
    }

    private void fire() {
        pending = null;
        pendingLeading = false;
        ran = true;
        lastRunNanos = nanoClock.getAsLong();
        action.run();
    }
}
