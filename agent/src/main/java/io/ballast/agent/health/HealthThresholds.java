package io.ballast.agent.health;

import io.ballast.common.config.Checks;

/**
 * The rise/fall state machine, free of I/O so that it can be tested alone. Starts
 * UNHEALTHY: a backend must earn traffic with {@code rise} consecutive passes; a HEALTHY
 * one loses it after {@code fall} consecutive failures. One result of the other kind resets
 * the count, so a flapping backend changes state only when it is steadily good or bad.
 *
 * <p>Not thread-safe: the agent feeds it from its single state thread.
 */
public final class HealthThresholds {

    private final int rise;
    private final int fall;
    private HealthState state = HealthState.UNHEALTHY;
    /** Consecutive results that disagree with {@link #state}. */
    private int streak;

    public HealthThresholds(int rise, int fall) {
        this(rise, fall, HealthState.UNHEALTHY);
    }

    /** Starting in {@code initial}: new thresholds for a backend whose state is already known. */
    public HealthThresholds(int rise, int fall, HealthState initial) {
        this.rise = Checks.checkRange("rise", rise, 1, HealthCheckConfig.MAX_THRESHOLD);
        this.fall = Checks.checkRange("fall", fall, 1, HealthCheckConfig.MAX_THRESHOLD);
        this.state = initial;
    }

    /**
     * Records one probe result.
     *
     * @return true when this result changed the state
     */
    public boolean observe(boolean passed) {
        boolean agrees = passed == (state == HealthState.HEALTHY);
        if (agrees) {
            streak = 0;
            return false;
        }
        streak++;
        int needed = state == HealthState.HEALTHY ? fall : rise;
        if (streak < needed) {
            return false;
        }
        state = state == HealthState.HEALTHY ? HealthState.UNHEALTHY : HealthState.HEALTHY;
        streak = 0;
        return true;
    }

    public HealthState state() {
        return state;
    }
}
