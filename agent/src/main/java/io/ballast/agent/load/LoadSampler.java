package io.ballast.agent.load;

import io.ballast.common.model.LoadReport;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.time.Clock;

/**
 * Samples the load report an agent writes at its heartbeat interval: the host's recent CPU
 * utilisation as the JVM sees it (0.0..1.0, or -1 when the platform does not report it).
 * The backend's requests in flight are not known to the agent and are reported as -1.
 *
 * <p>Thread-safe; never throws.
 */
public final class LoadSampler {

    private final Clock clock;
    private final OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();

    public LoadSampler(Clock clock) {
        this.clock = clock;
    }

    public LoadReport sample() {
        return new LoadReport(cpuLoad(), -1, clock.millis());
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
