package io.ballast.controlplane.weights;

/**
 * Envoy's slow start for one service: ramp = max(minPercent / 100, (age / window) ^ (1 / aggression))
 * while age &lt; window. Immutable; any thread.
 *
 * @param windowMillis ramp duration, &gt; 0
 * @param aggression &gt; 0; 1.0 is linear (0 or less means 1.0)
 * @param minPercent floor in percent, 1..100 (0 means 10)
 */
public record SlowStartConfig(long windowMillis, double aggression, int minPercent) {
    public SlowStartConfig {
        aggression = aggression <= 0 ? 1.0 : aggression;
        minPercent = minPercent <= 0 ? 10 : Math.min(minPercent, 100);
    }

    /** The ramp factor at {@code ageMillis}; 1.0 once the window has passed. */
    public double ramp(long ageMillis) {
        if (windowMillis <= 0 || ageMillis >= windowMillis) {
            return 1.0;
        }
        double fraction = Math.max(0, ageMillis) / (double) windowMillis;
        return Math.max(minPercent / 100.0, Math.pow(fraction, 1.0 / aggression));
    }
}
