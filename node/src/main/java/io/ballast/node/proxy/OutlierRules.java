package io.ballast.node.proxy;

import io.ballast.proto.v1.OutlierDetection;
import io.ballast.proto.v1.Policy;

/**
 * A service's {@link OutlierDetection} with the proto's defaults filled in, resolved once per
 * routing table. Immutable; any thread. Out-of-range values never reach here (the snapshot
 * validator refuses them through {@code PolicyRules}); a 0 still falls back to the default.
 *
 * @param consecutive5xx consecutive 5xx responses (gateway failures included, as Envoy counts) that eject
 * @param consecutiveGatewayFailures consecutive gateway failures (connect/reset/timeout, 502/503/504) that eject
 * @param baseEjectionMillis first ejection; the n-th lasts base x 2^(n-1), capped at {@code maxEjectionMillis}
 * @param maxEjectionPercent at most this share of the service's endpoints ejected by this node at once
 */
record OutlierRules(boolean enabled, int consecutive5xx, int consecutiveGatewayFailures, long baseEjectionMillis,
                    long maxEjectionMillis, int maxEjectionPercent) {

    static final int DEFAULT_CONSECUTIVE = 5;
    static final long DEFAULT_BASE_EJECTION_MILLIS = 30_000;
    static final long DEFAULT_MAX_EJECTION_MILLIS = 300_000;
    static final int DEFAULT_MAX_EJECTION_PERCENT = 10;

    static OutlierRules of(Policy policy) {
        OutlierDetection d = policy.getOutlierDetection();
        long base = d.getBaseEjectionTimeMillis() > 0 ? d.getBaseEjectionTimeMillis() : DEFAULT_BASE_EJECTION_MILLIS;
        long max = d.getMaxEjectionTimeMillis() > 0 ? d.getMaxEjectionTimeMillis() : DEFAULT_MAX_EJECTION_MILLIS;
        return new OutlierRules(!d.getDisabled(),
                d.getConsecutive5Xx() > 0 ? d.getConsecutive5Xx() : DEFAULT_CONSECUTIVE,
                d.getConsecutiveGatewayFailure() > 0 ? d.getConsecutiveGatewayFailure() : DEFAULT_CONSECUTIVE,
                base, Math.max(base, max),
                d.hasMaxEjectionPercent() ? Math.min(100, d.getMaxEjectionPercent()) : DEFAULT_MAX_EJECTION_PERCENT);
    }

    /** Length of the ejection that follows {@code ejectionsSoFar} earlier ones: base x 2^n, capped at max. */
    long ejectionMillis(int ejectionsSoFar) {
        long millis = baseEjectionMillis;
        for (int i = 0; i < ejectionsSoFar && millis < maxEjectionMillis; i++) {
            millis *= 2;
        }
        return Math.min(millis, maxEjectionMillis);
    }

    /**
     * Whether one more endpoint may be ejected while {@code ejected} of {@code total} are: within
     * the percentage, or the first one of a service with two or more endpoints (as Envoy allows).
     */
    boolean mayEject(int ejected, int total) {
        if (total < 2) {
            return false;
        }
        return ejected == 0 || (long) (ejected + 1) * 100 <= (long) maxEjectionPercent * total;
    }
}
