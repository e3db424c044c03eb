package io.ballast.common.model;

/**
 * A load report an agent writes into its registration at its heartbeat interval.
 *
 * @param cpuUtilization host CPU utilisation seen by the agent, 0.0..1.0, or -1 when unknown
 * @param inFlight requests in flight at the backend, or -1 when the backend does not report it
 * @param reportedAtMillis wall-clock time of the report, milliseconds since the Unix epoch
 */
public record LoadReport(double cpuUtilization, long inFlight, long reportedAtMillis) {}
