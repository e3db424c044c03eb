package io.ballast.agent.load;

import io.ballast.common.model.LoadReport;

/**
 * The load a backend reports about itself (ORCA style), as {@link BackendLoadSource} read it.
 *
 * @param qps requests per second the backend served, or {@link LoadReport#UNKNOWN}
 * @param utilization the backend's own utilisation 0.0..1.0, or {@link LoadReport#UNKNOWN}
 * @param inFlight requests in flight at the backend, or -1 when not reported
 */
public record BackendLoad(double qps, double utilization, long inFlight) {

    /** Nothing known: the backend did not answer, or its answer was refused. */
    public static final BackendLoad UNKNOWN = new BackendLoad(LoadReport.UNKNOWN, LoadReport.UNKNOWN, -1);
}
