package io.ballast.controlplane.weights;

import io.ballast.common.model.BackendRegistration;
import io.ballast.common.model.EndpointOverride;
import io.ballast.common.model.LoadReport;
import io.ballast.controlplane.state.EffectiveEndpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Effective weight = base x load x slow_start x health, then damped. Pure and deterministic:
 * the same (registrations, overrides, slow start, previous results, now) always give the same
 * result, so the caller (the control loop's state thread) owns all history. Any thread; no
 * failure mode (inputs are validated registrations).
 *
 * <ul>
 *   <li>base: operator override, else declared weight.</li>
 *   <li>load (gRPC weighted_round_robin with ORCA): capacity = qps / utilisation, else
 *       1 / max(cpu, 0.05) when only CPU is known; factor = capacity / mean capacity of the
 *       service's endpoints with fresh reports, clamped to [0.1, 10]. A report in the blackout
 *       (since the endpoint's first report), expired, or without usable numbers gives 1.0.</li>
 *   <li>slow_start: {@link SlowStartConfig#ramp} of age since the agent's startedAtMillis; 1.0 when off.</li>
 *   <li>health: 0 when drained or ejected, else 1.</li>
 *   <li>damping: the weight moves at most maxStep x previous effective weight; a new endpoint
 *       (no previous result) or a changed base (override, declared weight) is undamped. The result is clamped to 1..10000 when base &gt; 0.</li>
 * </ul>
 */
public final class WeightCalculator {

    /** Changes of at most this share of the previous weight are not made (hysteresis against report noise). */
    static final double DEAD_BAND = 0.05;

    private WeightCalculator() {}

    /**
     * Weights of one service's endpoints, by id.
     *
     * @param slowStart the service's slow start, null when off
     * @param previous last results of this service's endpoints, by id (may be empty)
     */
    public static SortedMap<String, WeightResult> compute(SortedMap<String, BackendRegistration> registrations,
            Function<String, EndpointOverride> overrides, SlowStartConfig slowStart,
            Map<String, WeightResult> previous, long nowMillis, WeightConfig config) {
        Map<String, Long> firstReports = new TreeMap<>();
        Map<String, Double> orca = new TreeMap<>();
        Map<String, Double> cpu = new TreeMap<>();
        for (BackendRegistration registration : registrations.values()) {
            WeightResult prior = previous.get(registration.id());
            long first = prior != null ? prior.firstReportMillis() : -1;
            LoadReport load = registration.load();
            if (first < 0 && load != null) {
                first = load.reportedAtMillis();
            }
            firstReports.put(registration.id(), first);
            if (fresh(load, first, nowMillis, config)) {
                if (load.qps() > 0 && load.utilization() > 0) {
                    orca.put(registration.id(), load.qps() / load.utilization());
                } else if (load.cpuUtilization() >= 0) {
                    cpu.put(registration.id(), 1.0 / Math.max(load.cpuUtilization(), WeightConfig.MIN_CPU));
                }
            }
        }
        // One basis per service: capacities in requests/s (qps / utilisation) and in 1/cpu have
        // different units and must not share a mean. The backends' own reports win when any has one.
        boolean byOrca = !orca.isEmpty();
        Map<String, Double> capacities = byOrca ? orca : cpu;
        double mean = capacities.values().stream().mapToDouble(Double::doubleValue).average().orElse(0);
        SortedMap<String, WeightResult> results = new TreeMap<>();
        for (BackendRegistration registration : registrations.values()) {
            String id = registration.id();
            EndpointOverride override = overrides.apply(id);
            List<WeightTerm> terms = new ArrayList<>();
            int base = override.weight() != null ? override.weight() : registration.weight();
            terms.add(new WeightTerm("base", base, override.weight() != null
                    ? "operator override " + base : "agent-declared weight " + base));
            WeightTerm load = loadTerm(registration.load(), firstReports.get(id), capacities.get(id), mean, byOrca, nowMillis, config);
            terms.add(load);
            WeightTerm ramp = slowStartTerm(slowStart, nowMillis - registration.startedAtMillis());
            terms.add(ramp);
            boolean drained = override.drained() || override.hasEjection();
            terms.add(new WeightTerm("health", drained ? 0 : 1, override.hasEjection() ? "ejected by an operator: " + override.ejected()
                    : override.drained() ? "drained by an operator" : "ACTIVE"));
            double raw = base * load.value() * ramp.value() * (drained ? 0 : 1);
            int undamped = clamp((int) Math.round(raw), base, drained);
            WeightResult prior = previous.get(id);
            int effective = undamped;
            String dampingReason = prior == null ? "new endpoint: undamped"
                    : prior.base() != base ? "base changed " + prior.base() + " -> " + base + ": undamped" : "within max step";
            // Only what the control plane infers (load, slow start) is damped; an operator's or an
            // agent's new base weight is a decision and applies at once.
            if (prior != null && prior.base() == base && !drained && base > 0 && prior.effective() > 0) {
                int step = (int) Math.max(1, Math.floor(prior.effective() * config.maxStep()));
                int low = prior.effective() - step;
                int high = prior.effective() + step;
                int band = (int) Math.floor(prior.effective() * DEAD_BAND);
                if (undamped < low || undamped > high) {
                    effective = clamp(Math.max(low, Math.min(high, undamped)), base, false);
                    dampingReason = "undamped " + undamped + " limited to previous " + prior.effective()
                            + " +/- " + step;
                } else if (ramp.value() >= 1.0 && undamped != prior.effective() && Math.abs(undamped - prior.effective()) <= band) {
                    // Load reports jitter from one heartbeat to the next; a change this small would
                    // only cost every node a snapshot. (Not while slow start ramps: its last steps are small.)
                    effective = prior.effective();
                    dampingReason = "undamped " + undamped + " within the dead band of previous " + prior.effective()
                            + " +/- " + band;
                }
            }
            terms.add(new WeightTerm("damping", effective, dampingReason));
            results.put(id, new WeightResult(effective, base, terms, firstReports.get(id), nowMillis));
        }
        return results;
    }

    /**
     * True when a recomputation with the same state could give another result: a load report is in
     * play (blackout ends, reports expire), a slow-start ramp is running, or damping held a weight back.
     */
    public static boolean timeDependent(Map<String, WeightResult> results) {
        for (WeightResult result : results.values()) {
            for (WeightTerm term : result.terms()) {
                boolean moving = switch (term.name()) {
                    case "load" -> !term.reason().equals("no load report");
                    case "slow_start" -> term.value() < 1.0;
                    case "damping" -> term.reason().startsWith("undamped") && !term.reason().contains("dead band");
                    default -> false;
                };
                if (moving) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean fresh(LoadReport load, long first, long now, WeightConfig config) {
        return load != null && now - first >= config.blackoutMillis() && now - load.reportedAtMillis() <= config.expiryMillis();
    }

    private static WeightTerm loadTerm(LoadReport load, long first, Double capacity, double mean, boolean byOrca, long now,
                                       WeightConfig config) {
        if (load == null) {
            return new WeightTerm("load", 1.0, "no load report");
        }
        if (now - first < config.blackoutMillis()) {
            return new WeightTerm("load", 1.0, "blackout: first report " + (now - first) + " ms ago (< "
                    + config.blackoutMillis() + " ms)");
        }
        if (now - load.reportedAtMillis() > config.expiryMillis()) {
            return new WeightTerm("load", 1.0, "expired: report " + (now - load.reportedAtMillis()) + " ms old (> "
                    + config.expiryMillis() + " ms)");
        }
        if (capacity == null || mean <= 0) {
            return new WeightTerm("load", 1.0, byOrca ? "no qps/utilisation in the report (the service is balanced by"
                    + " qps/utilisation)" : "no qps, utilisation or cpu in the report");
        }
        double factor = Math.max(WeightConfig.MIN_LOAD, Math.min(WeightConfig.MAX_LOAD, capacity / mean));
        String basis = byOrca ? "qps/utilisation" : "1/cpu";
        return new WeightTerm("load", factor, basis + " " + number(capacity) + " vs mean " + number(mean));
    }

    /** Whole numbers from 100 up ("1000", not "1.00e+03"), three significant digits below. */
    private static String number(double value) {
        return value >= 100 ? String.format(Locale.ROOT, "%.0f", value) : String.format(Locale.ROOT, "%.3g", value);
    }

    private static WeightTerm slowStartTerm(SlowStartConfig slowStart, long ageMillis) {
        if (slowStart == null) {
            return new WeightTerm("slow_start", 1.0, "slow start off");
        }
        double ramp = slowStart.ramp(ageMillis);
        return new WeightTerm("slow_start", ramp, ageMillis >= slowStart.windowMillis()
                ? "ramp done (age " + ageMillis + " ms >= window " + slowStart.windowMillis() + " ms)"
                : "age " + ageMillis + " ms of window " + slowStart.windowMillis() + " ms");
    }

    private static int clamp(int weight, int base, boolean drained) {
        if (drained || base <= 0) {
            return 0;
        }
        return Math.max(1, Math.min(10_000, weight));
    }
}
