package io.ballast.node;

import io.ballast.node.snapshot.SnapshotApplier;
import io.ballast.node.snapshot.StaleWeights;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches how long the node has not heard from the control plane and, past the weight max age,
 * reroutes by {@link StaleWeights#decay} of the applied snapshot (which stays applied, stored and
 * reported as it is); when the control plane is heard again, the applied snapshot routes unchanged.
 *
 * <p>Threading: one daemon thread ({@code ballast-node-weights}) ticks ten times per max age; the
 * reroute runs under the applier's lock, so it never overwrites a newer snapshot. Failure
 * behaviour: a failed reroute is logged by the applier and the proxy keeps its table; the next
 * change of the decay fraction tries again.
 */
final class StaleWeightGuard implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StaleWeightGuard.class);

    private final ScheduledExecutorService thread;
    private final long maxAgeNanos;
    private final LongUnaryOperator silentForNanos;
    private final SnapshotApplier applier;
    private double fraction; // confined to the thread

    private StaleWeightGuard(Duration maxAge, LongUnaryOperator silentForNanos, SnapshotApplier applier) {
        this.maxAgeNanos = maxAge.toNanos();
        this.silentForNanos = silentForNanos;
        this.applier = applier;
        this.thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread t = new Thread(runnable, "ballast-node-weights");
            t.setDaemon(true);
            return t;
        });
    }

    /** @param silentForNanos given System.nanoTime(), how long the control plane has been silent */
    static StaleWeightGuard start(Duration maxAge, LongUnaryOperator silentForNanos, SnapshotApplier applier) {
        StaleWeightGuard guard = new StaleWeightGuard(maxAge, silentForNanos, applier);
        long tickMillis = Math.max(100, maxAge.toMillis() / 10);
        guard.thread.scheduleWithFixedDelay(guard::tick, tickMillis, tickMillis, TimeUnit.MILLISECONDS);
        return guard;
    }

    private void tick() {
        double next = StaleWeights.fraction(silentForNanos.applyAsLong(System.nanoTime()), maxAgeNanos);
        if (next == fraction) {
            return;
        }
        if (next > 0) {
            log.warn("no word from the control plane for over {} ms: weights moved {}% back toward the declared weights",
                    TimeUnit.NANOSECONDS.toMillis(maxAgeNanos), Math.round(next * 100));
        } else {
            log.info("control plane heard again: routing by the applied snapshot's weights");
        }
        double applied = next;
        applier.reroute(snapshot -> StaleWeights.decay(snapshot, applied));
        fraction = next;
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
