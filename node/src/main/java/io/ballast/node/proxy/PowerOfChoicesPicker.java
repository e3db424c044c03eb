package io.ballast.node.proxy;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The power of d choices: draw {@code choices} endpoints at random with probability by weight
 * and send to the one with the lowest {@link Cost}. Two costs share the one sampling loop:
 * <ul>
 *   <li>{@link Cost#LEAST_REQUEST}, Envoy's default: requests in flight on this loop relative to
 *       the weight ({@code active / weight}); a tie is broken at random, so with no load it is
 *       exactly weighted random;</li>
 *   <li>{@link Cost#PEAK_EWMA}, as Linkerd and Finagle do: {@code latency estimate × (active + 1)
 *       / weight}, the estimate being this loop's {@link LoadTracker#latencyNanos} (1 ns before the
 *       first response, so unmeasured endpoints are tried first but in-flight requests still count).</li>
 * </ul>
 * O(choices × log endpoints) per pick.
 *
 * <p>Threading: reads its loop's {@link LoadTracker}, so one instance per loop
 * ({@link Pickers#forLoops}); the weighted draw ({@link WeightedRandomPicker}) is immutable.
 * No allocation, no locks. {@link #pickExcluding} (retry path) falls back to the weighted draw
 * over the endpoints not excluded.
 */
final class PowerOfChoicesPicker implements EndpointPicker {

    enum Cost { LEAST_REQUEST, PEAK_EWMA }

    private final WeightedRandomPicker draw;
    private final LoadTracker tracker;
    private final int choices;
    private final Cost costFunction;

    /** @param choices endpoints sampled per pick, 2..10 (validated in the snapshot) */
    PowerOfChoicesPicker(List<BackendEndpoint> endpoints, LoadTracker tracker, int choices, Cost cost) {
        int[] weights = new int[endpoints.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = endpoints.get(i).weight();
        }
        this.draw = new WeightedRandomPicker(endpoints, weights);
        this.tracker = tracker;
        this.choices = choices;
        this.costFunction = cost;
    }

    Cost cost() {
        return costFunction;
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
        int i = endpoint.index();
        return switch (costFunction) {
            case LEAST_REQUEST -> (double) tracker.active(i) / endpoint.weight();
            case PEAK_EWMA -> Math.max(1.0, tracker.latencyNanos(i)) * (tracker.active(i) + 1) / endpoint.weight();
        };
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
