package io.ballast.controlplane.weights;

import io.ballast.common.model.BackendRegistration;
import io.ballast.common.model.EndpointOverride;
import io.ballast.controlplane.state.ClusterState;
import io.ballast.proto.v1.ServicePolicy;
import io.ballast.proto.v1.SlowStart;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
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
    // Per service: the inputs its latest results were computed from, to skip unchanged services.
    private Map<String, Inputs> inputs = new HashMap<>();
    private boolean timeDependent;

    /** What one service's weights are a function of, compared by identity (see ClusterState). */
    private record Inputs(SortedMap<String, BackendRegistration> registrations, SortedMap<String, EndpointOverride> overrides,
                          ServicePolicy policy, SortedMap<String, WeightResult> committed, boolean timeDependent,
                          long computedAtMillis) {
        boolean same(SortedMap<String, BackendRegistration> r, SortedMap<String, EndpointOverride> o, ServicePolicy p,
                     SortedMap<String, WeightResult> c) {
            return registrations == r && overrides == o && Objects.equals(policy, p) && committed == c;
        }
    }

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

    /**
     * Computes every registered endpoint's weight at {@code nowMillis}; the result is also kept as {@link #latest}.
     *
     * <p>Cost: O(endpoints of the services whose inputs changed). A service whose registrations,
     * overrides, policy and damping history are the same instances as last time keeps its
     * results; if those results can move with time alone ({@link WeightCalculator#timeDependent})
     * it is recomputed anyway once {@code intervalMillis} has passed since its last computation,
     * which is the granularity the control loop's weight tick works at.
     */
    public SortedMap<String, SortedMap<String, WeightResult>> compute(ClusterState state, long nowMillis) {
        SortedMap<String, SortedMap<String, WeightResult>> results = new TreeMap<>();
        Map<String, Inputs> nextInputs = new HashMap<>();
        boolean anyTimeDependent = false;
        for (Map.Entry<String, SortedMap<String, BackendRegistration>> service : state.registrations().entrySet()) {
            String name = service.getKey();
            SortedMap<String, BackendRegistration> registrations = service.getValue();
            SortedMap<String, EndpointOverride> overrides = state.overrides().get(name);
            ServicePolicy policy = state.policy(name).orElse(null);
            SortedMap<String, WeightResult> history = committed.getOrDefault(name, Collections.emptySortedMap());
            Inputs was = inputs.get(name);
            SortedMap<String, WeightResult> previous = latest.get(name);
            SortedMap<String, WeightResult> result;
            Inputs is;
            if (was != null && previous != null && was.same(registrations, overrides, policy, history)
                    && (!was.timeDependent() || nowMillis - was.computedAtMillis() < intervalMillis)) {
                result = previous;
                is = was;
            } else {
                SlowStartConfig slowStart = policy == null ? null : slowStart(policy.getSlowStart());
                SortedMap<String, WeightResult> computed = Collections.unmodifiableSortedMap(WeightCalculator.compute(
                        registrations, id -> state.effectiveOverride(name, id), slowStart, history, nowMillis, config));
                // The same weights as before keep the same instance: it is (or becomes) the committed
                // history, and an unchanged history is what lets the next call skip this service.
                result = previous != null && sameWeights(previous, computed) ? previous : computed;
                is = new Inputs(registrations, overrides, policy, history, WeightCalculator.timeDependent(computed), nowMillis);
            }
            results.put(name, result);
            nextInputs.put(name, is);
            anyTimeDependent |= is.timeDependent();
        }
        inputs = nextInputs;
        timeDependent = anyTimeDependent;
        latest = Collections.unmodifiableSortedMap(results);
        if (nowMillis - committedAtMillis >= intervalMillis || committedAtMillis == Long.MIN_VALUE) {
            committed = latest;
            committedAtMillis = nowMillis;
        } else {
            // Keep endpoints that are new since the commit, so their first-report time carries forward.
            SortedMap<String, SortedMap<String, WeightResult>> merged = new TreeMap<>(committed);
            latest.forEach((name, byId) -> {
                SortedMap<String, WeightResult> previous = committed.getOrDefault(name, Collections.emptySortedMap());
                if (previous.keySet().containsAll(byId.keySet())) {
                    return; // nothing new: the history stays the same instance
                }
                SortedMap<String, WeightResult> withNew = new TreeMap<>(previous);
                byId.forEach(withNew::putIfAbsent);
                merged.put(name, Collections.unmodifiableSortedMap(withNew));
            });
            committed = merged;
        }
        return latest;
    }

    /** Equal weights, terms and first-report times; only when each was computed may differ. */
    private static boolean sameWeights(SortedMap<String, WeightResult> a, SortedMap<String, WeightResult> b) {
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        for (Map.Entry<String, WeightResult> entry : a.entrySet()) {
            WeightResult x = entry.getValue();
            WeightResult y = b.get(entry.getKey());
            if (x.effective() != y.effective() || x.base() != y.base() || x.firstReportMillis() != y.firstReportMillis()
                    || !x.terms().equals(y.terms())) {
                return false;
            }
        }
        return true;
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
        return timeDependent;
    }

    /** The service's slow start, or null when it is off (no window). */
    static SlowStartConfig slowStart(SlowStart slowStart) {
        return slowStart.getWindowMillis() == 0 ? null
                : new SlowStartConfig(slowStart.getWindowMillis(), slowStart.getAggression(), slowStart.getMinWeightPercent());
    }
}
