package io.ballast.common.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A load report an agent writes into its registration at its heartbeat interval.
 *
 * <p>JSON compatibility: payloads written before {@code qps} and {@code utilization} existed
 * parse with both unknown (-1).
 *
 * @param cpuUtilization host CPU utilisation seen by the agent, 0.0..1.0, or -1 when unknown
 * @param inFlight requests in flight at the backend, or -1 when the backend does not report it
 * @param reportedAtMillis wall-clock time of the report, milliseconds since the Unix epoch
 * @param qps requests per second the backend served, or -1 when unknown
 * @param utilization the backend's own utilisation (ORCA style), 0.0..1.0, or -1 when unknown
 */
public record LoadReport(double cpuUtilization, long inFlight, long reportedAtMillis, double qps, double utilization) {

    public static final double UNKNOWN = -1;

    /** A report without qps and utilisation. */
    public LoadReport(double cpuUtilization, long inFlight, long reportedAtMillis) {
        this(cpuUtilization, inFlight, reportedAtMillis, UNKNOWN, UNKNOWN);
    }

    @JsonCreator
    static LoadReport fromJson(
            @JsonProperty("cpuUtilization") Double cpuUtilization,
            @JsonProperty("inFlight") Long inFlight,
            @JsonProperty("reportedAtMillis") Long reportedAtMillis,
            @JsonProperty("qps") Double qps,
            @JsonProperty("utilization") Double utilization) {
        return new LoadReport(
                cpuUtilization == null ? UNKNOWN : cpuUtilization,
                inFlight == null ? -1 : inFlight,
                reportedAtMillis == null ? 0 : reportedAtMillis,
                qps == null ? UNKNOWN : qps,
                utilization == null ? UNKNOWN : utilization);
    }
}
