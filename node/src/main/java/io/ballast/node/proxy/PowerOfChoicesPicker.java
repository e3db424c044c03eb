package io.ballast.node.proxy;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Least request with the power of d choices, Envoy's default: draw {@code choices} endpoints at
 * random with probability by weight, send to the one with the fewest requests in flight on this
 * loop relative to its weight ({@code active / weight}); a tie is broken at random, so with no
 * load it is exactly weighted random; under load it steers away from slow endpoints at O(choices × log endpoints) per pick.
 *
 * <p>Threading: reads its loop's {@link LoadTracker}, so one instance per loop
 * ({@link Pickers#forLoops}); the weighted draw ({@link WeightedRandomPicker}) is immutable.
 * No allocation, no locks. {@link #pickExcluding} (retry path) falls back to the weighted draw
 * over the endpoints not excluded.
 */
final class LeastRequestPicker implements EndpointPicker {

    private final WeightedRandomPicker draw;
    private final LoadTracker tracker;
    private final int choices;

    /** @param choices endpoints sampled per pick, 2..10 (validated in the snapshot) */
    LeastRequestPicker(List<BackendEndpoint> endpoints, LoadTracker tracker, int choices) {
        int[] weights = new int[endpoints.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = endpoints.get(i).weight();
        }
        this.draw = new WeightedRandomPicker(endpoints, weights);
        this.tracker = tracker;
        this.choices = choices;
    }

    @Override
    public BackendEndpoint pick(long hash) {
        BackendEndpoint best = draw.pick(hash);
        if (best == null) {
            return null;
        }
        double bestCost = cost(best);
        for (int i = 1; i < choices; i++) {
            BackendEndpoint candidate = draw.pick(hash);
            double cost = cost(candidate);
            if (cost < bestCost || (cost == bestCost && ThreadLocalRandom.current().nextBoolean())) {
                best = candidate;
                bestCost = cost;
            }
        }
        return best;
    }

    private double cost(BackendEndpoint endpoint) {
        return (double) tracker.active(endpoint.index()) / endpoint.weight();
    }

    @Override
    public BackendEndpoint pickExcluding(long hash, Collection<BackendEndpoint> excluded) {
        return draw.pickExcluding(hash, excluded);
    }

    @Override
    public int size() {
        return draw.size();
    }
}
