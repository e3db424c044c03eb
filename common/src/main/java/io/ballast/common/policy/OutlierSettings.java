package io.ballast.common.policy;

import io.ballast.proto.v1.OutlierDetection;
import io.ballast.proto.v1.Policy;

/**
 * A service's outlier detection with every default of snapshot.proto resolved, so that nodes and
 * the leader read the same numbers. Pure value; any thread. Built from a policy that passed
 * {@link PolicyRules#check}; out-of-range values are not re-checked here.
 *
 * @param disabled outlier detection is off (no local or cluster-wide ejections)
 * @param consecutive5xx consecutive 5xx responses that eject locally
 * @param consecutiveGatewayFailure consecutive gateway failures that eject locally
 * @param baseEjectionTimeMillis first ejection; doubles with each further ejection
 * @param maxEjectionTimeMillis longest ejection
 * @param maxEjectionPercent most of a service's endpoints ejected at once (at least one of two or more)
 * @param quorumPercent share of the nodes with evidence that must hold an endpoint ejected (leader)
 */
public record OutlierSettings(boolean disabled, int consecutive5xx, int consecutiveGatewayFailure,
                              long baseEjectionTimeMillis, long maxEjectionTimeMillis, int maxEjectionPercent,
                              int quorumPercent) {

    public static final int DEFAULT_CONSECUTIVE_5XX = 5;
    public static final int DEFAULT_CONSECUTIVE_GATEWAY_FAILURE = 5;
    public static final long DEFAULT_BASE_EJECTION_TIME_MILLIS = 30_000;
    public static final long DEFAULT_MAX_EJECTION_TIME_MILLIS = 300_000;
    public static final int DEFAULT_MAX_EJECTION_PERCENT = 10;
    public static final int DEFAULT_QUORUM_PERCENT = 51;
    /** Policy.panic_threshold_percent when absent. */
    public static final int DEFAULT_PANIC_THRESHOLD_PERCENT = 50;

    public static final OutlierSettings DEFAULT = of(OutlierDetection.getDefaultInstance());

    public static OutlierSettings of(Policy policy) {
        return of(policy.getOutlierDetection());
    }

    public static OutlierSettings of(OutlierDetection outlier) {
        long base = outlier.getBaseEjectionTimeMillis() == 0 ? DEFAULT_BASE_EJECTION_TIME_MILLIS
                : Integer.toUnsignedLong(outlier.getBaseEjectionTimeMillis());
        long max = outlier.getMaxEjectionTimeMillis() == 0 ? Math.max(base, DEFAULT_MAX_EJECTION_TIME_MILLIS)
                : Integer.toUnsignedLong(outlier.getMaxEjectionTimeMillis());
        return new OutlierSettings(outlier.getDisabled(),
                orDefault(outlier.getConsecutive5Xx(), DEFAULT_CONSECUTIVE_5XX),
                orDefault(outlier.getConsecutiveGatewayFailure(), DEFAULT_CONSECUTIVE_GATEWAY_FAILURE),
                base, max,
                outlier.hasMaxEjectionPercent() ? outlier.getMaxEjectionPercent() : DEFAULT_MAX_EJECTION_PERCENT,
                orDefault(outlier.getQuorumPercent(), DEFAULT_QUORUM_PERCENT));
    }

    /** The n-th ejection's duration (n = ejections before it): base x 2^n, capped at the maximum. */
    public long ejectionTimeMillis(int previousEjections) {
        int shift = Math.min(Math.max(previousEjections, 0), 30);
        return Math.min(maxEjectionTimeMillis, baseEjectionTimeMillis << shift);
    }

    /** How many of {@code endpoints} may be ejected at once: the share, but at least one of two or more. */
    public int maxEjected(int endpoints) {
        int share = (int) ((long) endpoints * maxEjectionPercent / 100);
        return endpoints >= 2 ? Math.max(1, share) : share;
    }

    /** The policy's panic threshold with its default resolved; 0 means off. */
    public static int panicThresholdPercent(Policy policy) {
        return policy.hasPanicThresholdPercent() ? policy.getPanicThresholdPercent() : DEFAULT_PANIC_THRESHOLD_PERCENT;
    }

    private static int orDefault(int value, int fallback) {
        return value == 0 ? fallback : value;
    }
}
