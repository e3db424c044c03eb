package io.ballast.controlplane.weights;

/**
 * Tunables of {@link WeightCalculator}. Immutable; any thread.
 *
 * @param blackoutMillis load reports are ignored (factor 1) until this long after an endpoint's first report
 * @param expiryMillis load reports older than this are ignored (factor 1)
 * @param maxStep fraction of the previous effective weight the weight may move per computation, &gt; 0
 */
public record WeightConfig(long blackoutMillis, long expiryMillis, double maxStep) {
    public static final WeightConfig DEFAULT = new WeightConfig(10_000, 180_000, 0.5);
    public static final double MIN_LOAD = 0.1;
    public static final double MAX_LOAD = 10.0;
    public static final double MIN_CPU = 0.05;
}
