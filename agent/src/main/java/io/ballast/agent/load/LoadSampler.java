package io.ballast.agent.load;

import io.ballast.common.model.LoadReport;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.time.Clock;

/**
 * Samples the load report an agent writes at its heartbeat interval: the host's recent CPU
 * utilisation as the JVM sees it (0.0..1.0, or -1 when the platform does not report it) and,
 * when the agent has a {@link BackendLoadSource}, the qps, utilisation and requests in flight
 * the backend reports about itself. Without a source (or while it fails) those are unknown.
 *
 * <p>Thread-safe; never throws. With a source, {@link #sample} blocks for at most the
 * source's timeout.
 */
public final class LoadSampler {

    private final Clock clock;
    private final BackendLoadSource backend;
    private final OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();

    public LoadSampler(Clock clock) {
        this(clock, null);
    }

    /** @param backend where the backend's own load is read, or null for none */
    public LoadSampler(Clock clock, BackendLoadSource backend) {
        this.clock = clock;
        this.backend = backend;
    }

    public LoadReport sample() {
        BackendLoad reported = backend == null ? BackendLoad.UNKNOWN : backend.fetch();
        return new LoadReport(cpuLoad(), reported.inFlight(), clock.millis(), reported.qps(), reported.utilization());
    }

    private double cpuLoad() {
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            double load = sun.getCpuLoad();
            // Negative (or NaN) means "not available yet", e.g. on the very first call.
            return load >= 0 && load <= 1 ? load : -1;
        }
        return -1;
    }
}
