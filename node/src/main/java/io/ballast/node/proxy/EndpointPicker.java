package io.ballast.node.proxy;

import java.util.Collection;

/**
 * Chooses the endpoint of one service for one request. Built once per snapshot from the
 * service's eligible endpoints (ACTIVE, weight &gt; 0) by {@link Pickers#forLoops}, which gives
 * every I/O event loop its picker; {@link #pick} is on the hot path and must neither allocate
 * nor lock.
 *
 * <p>Threading: an implementation is either immutable/thread-safe and shared by all loops
 * (round robin, weighted random, ring hash, maglev), or holds plain mutable state and then
 * {@link Pickers#forLoops} builds one instance per loop, used only on that loop (smooth weighted
 * round robin; the load-aware pickers read that loop's {@link LoadTracker}). Callers always go
 * through {@link ServiceTarget#picker(int)} with their loop's {@link BackendPool#index()}.
 */
interface EndpointPicker {

    /**
     * The next endpoint, or {@code null} when the service has no eligible endpoint.
     *
     * @param hash the request's hash key ({@link RequestHash}); only RING_HASH and MAGLEV read it,
     *             the others ignore it
     */
    BackendEndpoint pick(long hash);

    /**
     * The next endpoint that is not in {@code excluded}, or {@code null} if every eligible
     * endpoint is excluded. Used only on the retry path, after a failure.
     */
    BackendEndpoint pickExcluding(long hash, Collection<BackendEndpoint> excluded);

    /** How many endpoints this picker chooses among. */
    int size();
}
