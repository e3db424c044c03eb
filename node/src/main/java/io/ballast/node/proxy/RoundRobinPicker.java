package io.ballast.node.proxy;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Round-robin over a fixed array of endpoints. One atomic counter shared by all event loops:
 * a lock-free increment keeps the spread even across loops, and {@link Math#floorMod} keeps the
 * index valid after the counter wraps.
 */
final class RoundRobinPicker implements EndpointPicker {

    private final BackendEndpoint[] endpoints;
    private final AtomicInteger next;

    RoundRobinPicker(List<BackendEndpoint> endpoints) {
        this(endpoints, 0);
    }

    /** {@code start}: first counter value (tests use it to cross the int wrap-around). */
    RoundRobinPicker(List<BackendEndpoint> endpoints, int start) {
        this.endpoints = endpoints.toArray(new BackendEndpoint[0]);
        this.next = new AtomicInteger(start);
    }

    @Override
    public BackendEndpoint pick(long hash) {
        int n = endpoints.length;
        return n == 0 ? null : endpoints[Math.floorMod(next.getAndIncrement(), n)];
    }

    @Override
    public BackendEndpoint pickExcluding(long hash, Collection<BackendEndpoint> excluded) {
        int n = endpoints.length;
        if (n == 0) {
            return null;
        }
        int start = next.getAndIncrement();
        for (int i = 0; i < n; i++) {
            BackendEndpoint candidate = endpoints[Math.floorMod(start + i, n)];
            if (!excluded.contains(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    @Override
    public int size() {
        return endpoints.length;
    }
}
