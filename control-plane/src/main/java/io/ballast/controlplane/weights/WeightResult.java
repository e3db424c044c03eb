package io.ballast.controlplane.weights;

import java.util.List;

/**
 * The computed weight of one endpoint with its explanation.
 *
 * @param effective the weight the nodes use, 0..10000
 * @param base operator override, else declared weight
 * @param terms base, load, slow_start, health, damping in that order
 * @param firstReportMillis reportedAt of the first load report seen, -1 if none yet (carried
 *                          forward to the next computation for the blackout period)
 * @param computedAtMillis when it was computed
 */
public record WeightResult(int effective, int base, List<WeightTerm> terms, long firstReportMillis, long computedAtMillis) {
    public WeightResult {
        terms = List.copyOf(terms);
    }
}
