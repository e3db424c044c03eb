package io.ballast.node.proxy;

import io.ballast.node.metrics.EndpointMetrics;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Node-wide failure state of one service that outlives routing tables: the local outlier
 * ejections of its endpoints, the panic decision that follows from them, and the per-loop retry
 * budgets. {@link HealthRegistry} keeps one per service while snapshots keep the service.
 *
 * <p>Threading: the data path reads {@link #ejecting()} and {@link #panic()} (volatile) on every
 * pick; when an ejection may have ended, {@link #expire} recomputes under this object's lock. An
 * ejection decision ({@link #tryEject}) also takes the lock; both happen only when an endpoint
 * fails {@code consecutive} times or an ejection ends, never per request. {@link #view} is
 * replaced by the thread that builds a routing table. The budgets are per loop and touched only
 * by their loop.
 */
final class ServiceOutliers {

    private static final Logger log = LoggerFactory.getLogger(ServiceOutliers.class);

    /**
     * What the newest routing table says about the service.
     *
     * @param members the routable endpoints' health, by {@link BackendEndpoint#index()}
     * @param eligible whether each member is eligible (ACTIVE or SUSPECT, weight &gt; 0)
     * @param total all the service's endpoints, the denominator of the panic share
     * @param panicThresholdPercent 0 = panic disabled
     */
    record View(EndpointHealth[] members, boolean[] eligible, int total, OutlierRules rules,
                int panicThresholdPercent) {}

    final String name;
    /** Health per backend address, across tables; {@link HealthRegistry} adds and drops entries. */
    final Map<BackendAddress, EndpointHealth> endpoints = new ConcurrentHashMap<>();
    private final RetryBudget[] budgets;
    private volatile View view;
    private volatile boolean ejecting; // some member is (or was, until expire runs) ejected
    private volatile long nextExpiryNanos;
    private volatile boolean panic;

    ServiceOutliers(String name, int loops) {
        this.name = name;
        this.budgets = new RetryBudget[loops];
        for (int i = 0; i < loops; i++) {
            budgets[i] = new RetryBudget();
        }
    }

    /** Installs the newest table's view and recomputes the panic state; the table-building thread. */
    synchronized void view(View next) {
        this.view = next;
        refresh(System.nanoTime());
    }

    View view() {
        return view;
    }

    /** True while some endpoint may be ejected; when false, no pick needs the clock. */
    boolean ejecting() {
        return ejecting;
    }

    /** True while the eligible share is below the panic threshold: pick across all endpoints. */
    boolean panic() {
        return panic;
    }

    /** Ends the ejections that are over by {@code nowNanos}; cheap unless one just ended. */
    void expire(long nowNanos) {
        if (ejecting && nowNanos - nextExpiryNanos >= 0) {
            synchronized (this) {
                refresh(nowNanos);
            }
        }
    }

    /** The proxy's number of I/O loops (the per-second retry minimum is split across them). */
    int loops() {
        return budgets.length;
    }

    RetryBudget budget(int loop) {
        return budgets[loop];
    }

    /**
     * Ejects {@code health} at {@code nowNanos} if outlier detection is on, it is not ejected yet,
     * and {@code max_ejection_percent} allows one more. Its n-th ejection lasts base x 2^(n-1)
     * capped at max; the count starts again once the endpoint has stayed back for the max ejection
     * time. Any event loop; takes the lock.
     *
     * @return true if it was ejected
     */
    synchronized boolean tryEject(EndpointHealth health, long nowNanos, String why) {
        View v = view;
        if (v == null || !v.rules().enabled() || health.ejected(nowNanos)) {
            return false;
        }
        int ejected = 0;
        for (EndpointHealth member : v.members()) {
            if (member.ejected(nowNanos)) {
                ejected++;
            }
        }
        if (!v.rules().mayEject(ejected, v.members().length)) {
            log.debug("service {}: not ejecting {} ({}): {} of {} endpoints already ejected", name, health.address, why,
                    ejected, v.members().length);
            return false;
        }
        long maxNanos = TimeUnit.MILLISECONDS.toNanos(v.rules().maxEjectionMillis());
        if (health.ejections > 0 && nowNanos - health.lastReturnNanos > maxNanos) {
            health.ejections = 0;
        }
        long millis = v.rules().ejectionMillis(health.ejections);
        health.ejections++;
        long until = nowNanos + TimeUnit.MILLISECONDS.toNanos(millis);
        health.lastReturnNanos = until;
        health.eject(until);
        EndpointMetrics metrics = health.metrics;
        if (metrics != null) {
            metrics.ejected();
        }
        refresh(nowNanos);
        log.info("service {}: ejected {} on this node for {} ms ({}, ejection {})", name, health.address, millis, why,
                health.ejections);
        return true;
    }

    /** Under the lock: which members are ejected, when the next ejection ends, and whether to panic. */
    private void refresh(long nowNanos) {
        View v = view;
        if (v == null) {
            return;
        }
        boolean any = false;
        long next = 0;
        int eligibleNow = 0;
        EndpointHealth[] members = v.members();
        for (int i = 0; i < members.length; i++) {
            boolean out = members[i].ejected(nowNanos);
            if (out) {
                long until = members[i].ejectedUntilNanos();
                next = any ? (until - next < 0 ? until : next) : until;
                any = true;
            } else if (v.eligible()[i]) {
                eligibleNow++;
            }
        }
        nextExpiryNanos = next;
        ejecting = any;
        // Panic when eligible/total < threshold/100, in integers.
        boolean nowPanic = v.panicThresholdPercent() > 0 && v.total() > 0
                && (long) eligibleNow * 100 < (long) v.panicThresholdPercent() * v.total();
        if (nowPanic != panic) {
            log.warn("service {}: {} panic routing ({} of {} endpoints eligible, threshold {}%)", name,
                    nowPanic ? "entering" : "leaving", eligibleNow, v.total(), v.panicThresholdPercent());
        }
        panic = nowPanic;
    }
}
