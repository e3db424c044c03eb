package io.ballast.node.proxy;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Weighted random: each pick chooses an endpoint with probability {@code weight / total}. The
 * prefix sums of the weights are computed once per snapshot; a pick draws one number from
 * {@link ThreadLocalRandom} and binary-searches the prefix sums, so it is O(log endpoints).
 *
 * <p>Threading: immutable after construction and {@link ThreadLocalRandom} is per thread, so one
 * instance is shared by every event loop without locks; neither pick method allocates.
 * {@link #pickExcluding} (retry path only) draws over the weight of the endpoints not excluded, in
 * two linear passes, so the remaining endpoints keep their relative shares.
 */
final class WeightedRandomPicker implements EndpointPicker {

    private final BackendEndpoint[] endpoints;
    private final int[] weights;
    private final long[] cumulative; // cumulative[i] = weights[0] + ... + weights[i]
    private final long total;

    /** {@code endpoints} and {@code weights} are parallel; weights must be &gt; 0 (see {@link Pickers#eligible}). */
    WeightedRandomPicker(List<BackendEndpoint> endpoints, int[] weights) {
        if (endpoints.size() != weights.length) {
            throw new IllegalArgumentException("endpoints: " + endpoints.size() + " (expected: " + weights.length + ", one per weight)");
        }
        this.endpoints = endpoints.toArray(new BackendEndpoint[0]);
        this.weights = weights.clone();
        this.cumulative = new long[weights.length];
        long sum = 0;
        for (int i = 0; i < weights.length; i++) {
            if (weights[i] <= 0) {
                throw new IllegalArgumentException("weights[" + i + "]: " + weights[i] + " (expected: > 0)");
            }
            sum += weights[i];
            cumulative[i] = sum;
        }
        this.total = sum;
    }

    @Override
    public BackendEndpoint pick(long hash) {
        if (endpoints.length == 0) {
            return null;
        }
        long r = ThreadLocalRandom.current().nextLong(total);
        // The first index whose prefix sum exceeds r: endpoint i owns [cumulative[i] - weights[i], cumulative[i]).
        int low = 0;
        int high = cumulative.length - 1;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (cumulative[mid] > r) {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        return endpoints[low];
    }

    @Override
    public BackendEndpoint pickExcluding(long hash, Collection<BackendEndpoint> excluded) {
        long remaining = 0;
        for (int i = 0; i < endpoints.length; i++) {
            if (!excluded.contains(endpoints[i])) {
                remaining += weights[i];
            }
        }
        if (remaining == 0) {
            return null;
        }
        long r = ThreadLocalRandom.current().nextLong(remaining);
        for (int i = 0; i < endpoints.length; i++) {
            if (!excluded.contains(endpoints[i])) {
                r -= weights[i];
                if (r < 0) {
                    return endpoints[i];
                }
            }
        }
        throw new AssertionError("unreachable: r < remaining");
    }

    @Override
    public int size() {
        return endpoints.length;
    }
}
