package io.ballast.node.proxy;

import java.util.AbstractCollection;
import java.util.Collection;
import java.util.Iterator;

/**
 * The picker a request path uses: the service's algorithm over its eligible endpoints, minus the
 * endpoints this node holds ejected, or, while the service is in panic, the same algorithm over
 * all its endpoints that are not DRAINING, ejections ignored (Envoy's panic routing).
 *
 * <p>Threading: one instance per event loop (like the per-loop pickers it wraps) because its
 * exclusion view is reusable mutable state; only that loop calls it. {@link #pick} allocates
 * nothing: without ejections it costs two volatile reads on top of the algorithm; with some, a
 * clock read and, when the pick lands on an ejected endpoint, one {@code pickExcluding} pass.
 */
final class GuardedPicker implements EndpointPicker {

    private final EndpointPicker normal;
    private final EndpointPicker panicPicker;
    private final EndpointHealth[] members;
    private final ServiceOutliers outliers;
    private final Exclusion exclusion = new Exclusion();

    /**
     * @param normal the algorithm over the eligible endpoints
     * @param panicPicker the algorithm over the routable endpoints at their panic weights
     * @param members health by {@link BackendEndpoint#index()}
     */
    GuardedPicker(EndpointPicker normal, EndpointPicker panicPicker, EndpointHealth[] members, ServiceOutliers outliers) {
        this.normal = normal;
        this.panicPicker = panicPicker;
        this.members = members;
        this.outliers = outliers;
    }

    @Override
    public BackendEndpoint pick(long hash) {
        if (!outliers.ejecting()) {
            return outliers.panic() ? panicPicker.pick(hash) : normal.pick(hash);
        }
        long now = System.nanoTime();
        outliers.expire(now);
        if (outliers.panic()) {
            return panicPicker.pick(hash);
        }
        BackendEndpoint endpoint = normal.pick(hash);
        if (endpoint == null || !members[endpoint.index()].ejected(now)) {
            return endpoint;
        }
        return normal.pickExcluding(hash, exclusion.of(null, now));
    }

    /** Not ejected (unless in panic) and not in {@code excluded} (compared by index). */
    @Override
    public BackendEndpoint pickExcluding(long hash, Collection<BackendEndpoint> excluded) {
        long now = System.nanoTime();
        outliers.expire(now);
        if (outliers.panic()) {
            return panicPicker.pickExcluding(hash, exclusion.of(excluded, Long.MIN_VALUE));
        }
        return normal.pickExcluding(hash, exclusion.of(excluded, outliers.ejecting() ? now : Long.MIN_VALUE));
    }

    /** The algorithm over the eligible endpoints (tests). */
    EndpointPicker normal() {
        return normal;
    }

    /** Whether this service is in panic right now (metrics, logs). */
    boolean inPanic() {
        return outliers.panic();
    }

    @Override
    public int size() {
        return normal.size();
    }

    /**
     * The excluded set as the pickers see it (they only call {@code contains}): the tried endpoints,
     * by index (normal and panic endpoints are different records of the same index), plus the
     * ejected ones when {@code nowNanos} is not {@link Long#MIN_VALUE}.
     */
    private final class Exclusion extends AbstractCollection<BackendEndpoint> {
        private Collection<BackendEndpoint> tried;
        private long nowNanos;

        Exclusion of(Collection<BackendEndpoint> tried, long nowNanos) {
            this.tried = tried;
            this.nowNanos = nowNanos;
            return this;
        }

        @Override
        public boolean contains(Object o) {
            if (!(o instanceof BackendEndpoint endpoint)) {
                return false;
            }
            if (tried != null) {
                for (BackendEndpoint t : tried) {
                    if (t.index() == endpoint.index()) {
                        return true;
                    }
                }
            }
            return nowNanos != Long.MIN_VALUE && members[endpoint.index()].ejected(nowNanos);
        }

        @Override
        public Iterator<BackendEndpoint> iterator() {
            throw new UnsupportedOperationException("pickers only ask contains()");
        }

        @Override
        public int size() {
            throw new UnsupportedOperationException("pickers only ask contains()");
        }
    }
}
