package io.ballast.controlplane.health;

import io.ballast.common.config.Checks;

/**
 * The control plane's failure-handling tunables ({@code bin/ballast control-plane} flags), validated
 * on construction: {@link IllegalArgumentException} in the shared style, naming the flag, e.g.
 * {@code flap-threshold: 0 (expected: 1..1000)}. Immutable value; any thread.
 *
 * @param selfPreservationWindowMillis vanishings within this window count together
 * @param selfPreservationThresholdPercent share of a service's registrations that must vanish within the
 *     window (and at least 2) to enter self-preservation; 0 turns self-preservation off
 * @param suspectWeightPercent a SUSPECT endpoint's weight, in percent of its last weight
 * @param selfPreservationMaxMillis longest a vanished endpoint stays SUSPECT
 * @param outlierQuorumWindowMillis node evidence older than this is forgotten (quorum ejection and
 *     the confirmation of SUSPECT endpoints)
 * @param flapThreshold more vanishings than this within the flap window hold an endpoint down
 * @param flapWindowMillis the flap window
 * @param flapHoldMillis first hold-down; doubles for each hold that follows within the max hold of the previous one
 * @param flapMaxHoldMillis longest hold-down
 * @param removalGraceMillis a registration that vanishes (without draining first) stays in the snapshot as it
 *     was for this long before its removal is published, so that vanishings a few moments apart (sessions cut
 *     together expire up to a third of a session timeout apart) are counted together by self-preservation;
 *     0 publishes removals at once. No grace while self-preservation is off.
 */
public record FailureConfig(long selfPreservationWindowMillis, int selfPreservationThresholdPercent, int suspectWeightPercent,
                            long selfPreservationMaxMillis, long outlierQuorumWindowMillis, int flapThreshold,
                            long flapWindowMillis, long flapHoldMillis, long flapMaxHoldMillis, long removalGraceMillis) {

    public static final FailureConfig DEFAULT = new FailureConfig(10_000, 50, 50, 600_000, 10_000, 4, 60_000, 30_000, 600_000, 3_000);

    public FailureConfig {
        Checks.checkRange("self-preservation-window-ms", selfPreservationWindowMillis, 100, 3_600_000);
        Checks.checkRange("self-preservation-threshold-percent", selfPreservationThresholdPercent, 0, 100);
        Checks.checkRange("suspect-weight-percent", suspectWeightPercent, 1, 100);
        Checks.checkRange("self-preservation-max-ms", selfPreservationMaxMillis, 1_000, 86_400_000);
        Checks.checkRange("outlier-quorum-window-ms", outlierQuorumWindowMillis, 500, 600_000);
        Checks.checkRange("flap-threshold", flapThreshold, 1, 1_000);
        Checks.checkRange("flap-window-ms", flapWindowMillis, 100, 3_600_000);
        Checks.checkRange("flap-hold-ms", flapHoldMillis, 100, 3_600_000);
        Checks.checkRange("flap-max-hold-ms", flapMaxHoldMillis, flapHoldMillis, 86_400_000);
        Checks.checkRange("removal-grace-ms", removalGraceMillis, 0, selfPreservationWindowMillis);
    }
}
