package io.ballast.bench.controlplane;

import java.util.Arrays;
import java.util.List;

/**
 * Order statistics of a sample, nearest rank (p99 of 40 values is the 40th: with fewer than 100
 * values p99 is the maximum, and the report says so by printing n).
 */
record Stats(int n, double p50, double p99, double max, double mean) {

    static Stats of(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (sorted.length == 0) {
            return new Stats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        return new Stats(sorted.length, rank(sorted, 0.50), rank(sorted, 0.99), sorted[sorted.length - 1],
                Arrays.stream(sorted).average().orElse(Double.NaN));
    }

    private static double rank(double[] sorted, double quantile) {
        int index = (int) Math.ceil(quantile * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
