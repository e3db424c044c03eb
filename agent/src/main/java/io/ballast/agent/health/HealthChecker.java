package io.ballast.agent.health;

import io.ballast.common.config.HostPort;

/**
 * Probes one backend and turns the results into a HEALTHY/UNHEALTHY state with the rise/fall
 * thresholds of {@link HealthThresholds}.
 *
 * <p>Not thread-safe: the agent calls {@link #check} from its single state thread. A check
 * blocks that thread for at most the configured timeout (plus, for HTTP, reading the status
 * line) and never throws.
 */
public final class HealthChecker {

    /**
     * The outcome of one {@link #check}.
     *
     * @param probe the probe's own result
     * @param state the state after this result
     * @param changed whether this result changed the state
     */
    public record Check(ProbeResult probe, HealthState state, boolean changed) {}

    private final HealthProbe probe;
    private final HealthThresholds thresholds;

    HealthChecker(HealthProbe probe, HealthThresholds thresholds) {
        this.probe = probe;
        this.thresholds = thresholds;
    }

    public static HealthChecker create(HostPort backend, HealthCheckConfig config) {
        HealthProbe probe = switch (config.kind()) {
            case HTTP -> new HttpProbe(backend, config);
            case TCP -> new TcpProbe(backend, config.timeout());
        };
        return new HealthChecker(probe, new HealthThresholds(config.rise(), config.fall()));
    }

    /** The same backend probed with {@code config} from now on, keeping the current state (a healthy backend stays registered). */
    public HealthChecker reconfigured(HostPort backend, HealthCheckConfig config) {
        HealthChecker next = create(backend, config);
        return new HealthChecker(next.probe, new HealthThresholds(config.rise(), config.fall(), thresholds.state()));
    }

    /** Runs one probe and records its result. */
    public Check check() {
        ProbeResult result = probe.probe();
        boolean changed = thresholds.observe(result.passed());
        return new Check(result, thresholds.state(), changed);
    }

    public HealthState state() {
        return thresholds.state();
    }
}
