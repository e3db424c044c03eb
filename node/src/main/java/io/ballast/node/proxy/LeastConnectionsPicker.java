package io.ballast.node.proxy;

import java.util.Collection;
import java.util.List;

/**
 * Weighted least connections: the endpoint with the fewest requests in flight on this event
 * loop relative to its weight ({@code active / weight}); ties go to the next endpoint after the
 * last pick, so idle endpoints are used in turn (as HAProxy's {@code leastconn} does) rather
 * than the first one always.
 *
 * <p>Threading: reads its loop's {@link LoadTracker} and keeps a plain cursor, so it is NOT
 * thread-safe; {@link Pickers#forLoops} builds one per loop. O(endpoints) per pick, no
 * allocation, no locks (as HAProxy's {@code leastconn} scans its tree per pick).
 */
final class LeastConnectionsPicker implements EndpointPicker {

    private final BackendEndpoint[] endpoints;
    private final LoadTracker tracker;
    private int cursor;

    LeastConnectionsPicker(List<BackendEndpoint> endpoints, LoadTracker tracker) {
        this.endpoints = endpoints.toArray(new BackendEndpoint[0]);
        this.tracker = tracker;
    }

    @Override
    public BackendEndpoint pick(long hash) {
        return choose(null);
    }

    @Override
    public BackendEndpoint pickExcluding(long hash, Collection<BackendEndpoint> excluded) {
        return choose(excluded);
    }

    private BackendEndpoint choose(Collection<BackendEndpoint> excluded) {
        int n = endpoints.length;
        BackendEndpoint best = null;
        int bestPosition = 0;
        double bestCost = Double.MAX_VALUE;
        for (int k = 0; k < n; k++) {
            int position = (cursor + k) % n;
            BackendEndpoint candidate = endpoints[position];
            if (excluded != null && excluded.contains(candidate)) {
                continue;
            }
            double cost = (double) tracker.active(candidate.index()) / candidate.weight();
            if (cost < bestCost) {
                bestCost = cost;
                best = candidate;
                bestPosition = position;
            }
        }
        if (best != null) {
            // The position in this picker's array, not index(): a zone's picker holds a subset of the service.
            cursor = (bestPosition + 1) % n;
        }
        return best;
    }

    @Override
    public int size() {
        return endpoints.length;
    }
}
