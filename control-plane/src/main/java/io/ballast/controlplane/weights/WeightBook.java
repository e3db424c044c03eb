package io.ballast.controlplane.weights;

import io.ballast.common.model.BackendRegistration;
import io.ballast.controlplane.state.ClusterState;
import io.ballast.proto.v1.ServicePolicy;
import io.ballast.proto.v1.SlowStart;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The history {@link WeightCalculator} needs, kept per replica: the results of the last
 * committed interval, against which the next results are damped. Recomputing as often as the
 * state changes (every heartbeat) must not multiply the damping steps, so results are committed
 * as the new "previous" at most once per {@code intervalMillis}; computations in between are
 * damped against the same previous results and so stay within one step of them.
 *
 * <p>Threading: not thread-safe; owned by the control loop's state thread. Any failure is a bug
 * (inputs are validated registrations), so nothing is caught here.
 */
public final class WeightBook {

    private final WeightConfig config;
    private final long intervalMillis;
    private SortedMap<String, SortedMap<String, WeightResult>> committed = new TreeMap<>();
    private SortedMap<String, SortedMap<String, WeightResult>> latest = new TreeMap<>();
    private long committedAtMillis = Long.MIN_VALUE;

    /** @param intervalMillis the damping interval: weights move at most one max step per interval, &gt; 0 */
    public WeightBook(WeightConfig config, long intervalMillis) {
        if (intervalMillis <= 0) {
            throw new IllegalArgumentException("intervalMillis: " + intervalMillis + " (expected: > 0)");
        }
        this.config = config;
        this.intervalMillis = intervalMillis;
    }

    public long intervalMillis() {
        return intervalMillis;
    }

    /** Computes every registered endpoint's weight at {@code nowMillis}; the result is also kept as {@link #latest}. */
    public SortedMap<String, SortedMap<String, WeightResult>> compute(ClusterState state, long nowMillis) {
        SortedMap<String, SortedMap<String, WeightResult>> results = new TreeMap<>();
        for (Map.Entry<String, SortedMap<String, BackendRegistration>> service : state.registrations().entrySet()) {
            String name = service.getKey();
            SlowStartConfig slowStart = state.policy(name).map(ServicePolicy::getSlowStart).map(WeightBook::slowStart).orElse(null);
            results.put(name, WeightCalculator.compute(service.getValue(), id -> state.effectiveOverride(name, id), slowStart,
                    committed.getOrDefault(name, Collections.emptySortedMap()), nowMillis, config));
        }
        latest = Collections.unmodifiableSortedMap(results);
        if (nowMillis - committedAtMillis >= intervalMillis || committedAtMillis == Long.MIN_VALUE) {
            committed = latest;
            committedAtMillis = nowMillis;
        } else {
            // Keep endpoints that are new since the commit, so their first-report time carries forward.
            SortedMap<String, SortedMap<String, WeightResult>> merged = new TreeMap<>(committed);
            latest.forEach((name, byId) -> {
                SortedMap<String, WeightResult> previous = new TreeMap<>(committed.getOrDefault(name, Collections.emptySortedMap()));
                byId.forEach(previous::putIfAbsent);
                merged.put(name, previous);
            });
            committed = merged;
        }
        return latest;
    }

    /** The latest results, by service then id. */
    public SortedMap<String, SortedMap<String, WeightResult>> latest() {
        return latest;
    }

    public Optional<WeightResult> result(String service, String id) {
        return Optional.ofNullable(latest.getOrDefault(service, Collections.emptySortedMap()).get(id));
    }

    /** True when recomputing later with unchanged state could change a weight (see {@link WeightCalculator#timeDependent}). */
    public boolean timeDependent() {
        return latest.values().stream().anyMatch(WeightCalculator::timeDependent);
    }

    /** The service's slow start, or null when it is off (no window). */
    static SlowStartConfig slowStart(SlowStart slowStart) {
        return slowStart.getWindowMillis() == 0 ? null
                : new SlowStartConfig(slowStart.getWindowMillis(), slowStart.getAggression(), slowStart.getMinWeightPercent());
    }
}
