package io.ballast.node.proxy;

import java.util.Collection;

/**
 * Chooses the endpoint of one service for one request. Built once per snapshot from the
 * service's eligible endpoints (ACTIVE, weight &gt; 0) and shared by every event loop, so
 * implementations must be thread-safe; {@link #pick()} is on the hot path and must neither
 * allocate nor lock. New policies (weighted, least-request) implement this interface and are
 * selected in {@link Pickers}.
 */
interface EndpointPicker {

    /** The next endpoint, or {@code null} when the service has no eligible endpoint. */
    BackendEndpoint pick();

    /**
     * The next endpoint that is not in {@code excluded}, or {@code null} if every eligible
     * endpoint is excluded. Used only on the retry path, after a failure.
     */
    BackendEndpoint pickExcluding(Collection<BackendEndpoint> excluded);

    /** How many endpoints this picker chooses among. */
    int size();
}
