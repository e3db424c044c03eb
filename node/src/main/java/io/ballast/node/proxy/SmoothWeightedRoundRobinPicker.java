package io.ballast.node.proxy;

import java.util.Collection;
import java.util.List;

/**
 * Smooth weighted round robin, as nginx does it: every pick adds each endpoint's weight to its
 * running score, takes the endpoint with the highest score (the first one on a tie) and subtracts
 * the total weight from that score. Over one cycle of {@code sum(weights)} picks each endpoint is
 * chosen exactly {@code weight} times, spread out rather than in bursts: 5:1:1 gives
 * {@code a a b a c a a}.
 *
 * <p>Threading: the scores are plain mutable state, so an instance is NOT thread-safe and must be
 * used by one event loop only. {@link Pickers#forLoops} builds one instance per I/O event loop for
 * each snapshot, {@link ServiceTarget#picker(int)} hands each loop its own (by
 * {@link BackendPool#index()}), and the picker is then only touched on that loop. No locks, no
 * atomics, and {@link #pick} allocates nothing. Each loop runs its own sequence from zero scores,
 * so the node as a whole keeps the weight shares exactly per loop-cycle, as nginx does per worker.
 *
 * <p>{@link #pickExcluding} runs the same step over the endpoints that are not excluded (nginx's
 * "tried" peers): excluded endpoints neither gain score nor count in the total, so the sequence of
 * the others stays smooth. Cost is O(endpoints) per pick, like nginx.
 */
final class SmoothWeightedRoundRobinPicker implements EndpointPicker {

    private final BackendEndpoint[] endpoints;
    private final int[] weights;
    private final long[] scores; // nginx's current_weight; long so that no weight sum can overflow

    /** {@code endpoints} and {@code weights} are parallel; weights must be &gt; 0 (see {@link Pickers#eligible}). */
    SmoothWeightedRoundRobinPicker(List<BackendEndpoint> endpoints, int[] weights) {
        if (endpoints.size() != weights.length) {
            throw new IllegalArgumentException("endpoints: " + endpoints.size() + " (expected: " + weights.length + ", one per weight)");
        }
        this.endpoints = endpoints.toArray(new BackendEndpoint[0]);
        this.weights = weights.clone();
        this.scores = new long[weights.length];
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
        int best = -1;
        long total = 0;
        for (int i = 0; i < endpoints.length; i++) {
            if (excluded != null && excluded.contains(endpoints[i])) {
                continue;
            }
            scores[i] += weights[i];
            total += weights[i];
            if (best < 0 || scores[i] > scores[best]) {
                best = i;
            }
        }
        if (best < 0) {
            return null;
        }
        scores[best] -= total;
        return endpoints[best];
    }

    @Override
    public int size() {
        return endpoints.length;
    }
}
