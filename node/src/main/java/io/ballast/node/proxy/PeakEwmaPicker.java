package io.ballast.node.proxy;

import java.util.Collection;
import java.util.List;

/**
 * Peak EWMA with the power of d choices, as Linkerd and Finagle do: draw {@code choices}
 * endpoints by weight and take the one with the lowest cost
 * {@code latency estimate × (active + 1) / weight}, the estimate being this loop's
 * {@link LoadTracker#latencyNanos} (1 ns before the first response, so unmeasured endpoints are
 * tried first but in-flight requests still count).
 *
 * <p>Threading: reads its loop's {@link LoadTracker}, so one instance per loop
 * ({@link Pickers#forLoops}); no allocation, no locks. {@link #pickExcluding} (retry path) falls
 * back to the weighted draw over the endpoints not excluded.
 */
final class PeakEwmaPicker implements EndpointPicker {

    private final WeightedRandomPicker draw;
    private final LoadTracker tracker;
    private final int choices;

    /** @param choices endpoints sampled per pick, 2..10 (validated in the snapshot) */
    PeakEwmaPicker(List<BackendEndpoint> endpoints, LoadTracker tracker, int choices) {
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
            if (cost < bestCost) {
                best = candidate;
                bestCost = cost;
            }
        }
        return best;
    }

    private double cost(BackendEndpoint endpoint) {
        int i = endpoint.index();
        return Math.max(1.0, tracker.latencyNanos(i)) * (tracker.active(i) + 1) / endpoint.weight();
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
