package io.ballast.node.proxy;

import io.ballast.node.metrics.EndpointMetrics;
import java.util.concurrent.atomic.LongAdder;

/**
 * What this node knows about the health of one backend address of one service, across routing
 * tables (it is kept by {@link HealthRegistry} while a snapshot keeps the address in the service):
 * the consecutive-failure counts of each event loop, the local outlier ejection, and the outcome
 * counters the node reports to the leader.
 *
 * <p>Threading: the consecutive counts are plain per-loop slots, written only by the loop with that
 * {@link BackendPool#index()}. The ejection ({@link #ejectedUntilNanos}, {@link #ejectionSeq}) is
 * written under the lock of the owning {@link ServiceOutliers} (only when a limit is reached) and
 * read by every loop through volatile fields. The outcome counters are {@link LongAdder}s: one
 * uncontended add per response on the loops, summed by the reporter thread.
 */
final class EndpointHealth {

    final BackendAddress address;

    // Per event loop, indexed by BackendPool#index(); each slot touched by its loop only.
    private final int[] consecutive5xx;
    private final int[] consecutiveGateway;
    private final long[] seenSeq;

    // Written under ServiceOutliers' lock; read anywhere.
    private volatile long ejectedUntilNanos;
    private volatile long ejectionSeq; // 0 = never ejected; bumped on every ejection
    int ejections; // guarded by the ServiceOutliers lock: ejections so far, decays (see ServiceOutliers#tryEject)
    long lastReturnNanos; // guarded by the ServiceOutliers lock
    volatile EndpointMetrics metrics; // of the newest routing table that has this address; may be null

    private final LongAdder successes = new LongAdder();
    private final LongAdder errors5xx = new LongAdder();
    private final LongAdder gatewayFailures = new LongAdder();
    private final LongAdder latencyMicros = new LongAdder();

    // The reporter thread's previous sums (HealthRegistry#outcomes is synchronized).
    long reportedSuccesses;
    long reported5xx;
    long reportedGateway;
    long reportedLatencyMicros;

    EndpointHealth(BackendAddress address, int loops) {
        this.address = address;
        this.consecutive5xx = new int[loops];
        this.consecutiveGateway = new int[loops];
        this.seenSeq = new long[loops];
    }

    /** Whether this node holds the endpoint ejected at {@code nowNanos}; any thread, two volatile reads. */
    boolean ejected(long nowNanos) {
        return ejectionSeq != 0 && nowNanos - ejectedUntilNanos < 0;
    }

    long ejectedUntilNanos() {
        return ejectedUntilNanos;
    }

    /** Remaining ejection in milliseconds, 0 when not ejected. */
    long ejectedForMillis(long nowNanos) {
        return ejected(nowNanos) ? Math.max(1, (ejectedUntilNanos - nowNanos) / 1_000_000) : 0;
    }

    /**
     * A response from the backend on loop {@code loop}: below 500 resets both counts; a 5xx counts as
     * a consecutive 5xx, and 502/503/504 also as a consecutive gateway failure (Envoy's rules).
     * Responses while ejected (requests already in flight) do not count.
     *
     * @return true when a limit of {@code rules} is reached (the caller then tries to eject)
     */
    boolean onResponse(int loop, int code, long latencyNanos, long nowNanos, OutlierRules rules) {
        latencyMicros.add(latencyNanos / 1_000);
        if (code < 500) {
            successes.increment();
            consecutive5xx[loop] = 0;
            consecutiveGateway[loop] = 0;
            return false;
        }
        errors5xx.increment();
        if (!rules.enabled() || ejected(nowNanos)) {
            return false;
        }
        sync(loop);
        consecutive5xx[loop]++;
        if (RetryRules.isGatewayError(code)) {
            consecutiveGateway[loop]++;
        } else {
            consecutiveGateway[loop] = 0;
        }
        return consecutive5xx[loop] >= rules.consecutive5xx() || consecutiveGateway[loop] >= rules.consecutiveGatewayFailures();
    }

    /**
     * No usable response on loop {@code loop}: connect refused or timed out, reset or closed, timed
     * out, invalid. Counts as a gateway failure and (as Envoy maps it to a 503) as a 5xx.
     *
     * @return true when a limit is reached
     */
    boolean onGatewayFailure(int loop, long nowNanos, OutlierRules rules) {
        gatewayFailures.increment();
        if (!rules.enabled() || ejected(nowNanos)) {
            return false;
        }
        sync(loop);
        consecutive5xx[loop]++;
        consecutiveGateway[loop]++;
        return consecutive5xx[loop] >= rules.consecutive5xx() || consecutiveGateway[loop] >= rules.consecutiveGatewayFailures();
    }

    /** Counts from before the latest ejection are void: that loop starts again from 0. */
    private void sync(int loop) {
        long seq = ejectionSeq;
        if (seenSeq[loop] != seq) {
            seenSeq[loop] = seq;
            consecutive5xx[loop] = 0;
            consecutiveGateway[loop] = 0;
        }
    }

    /** Under the ServiceOutliers lock. */
    void eject(long untilNanos) {
        ejectedUntilNanos = untilNanos;
        ejectionSeq = ejectionSeq + 1;
    }

    long successes() {
        return successes.sum();
    }

    long errors5xx() {
        return errors5xx.sum();
    }

    long gatewayFailures() {
        return gatewayFailures.sum();
    }

    long latencyMicros() {
        return latencyMicros.sum();
    }
}
