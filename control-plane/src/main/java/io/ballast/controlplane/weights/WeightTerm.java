package io.ballast.controlplane.weights;

/**
 * One multiplicative term of an effective weight, and why it has its value.
 *
 * @param name "base", "load", "slow_start", "health" or "damping"
 * @param value the factor (for "base" and "damping": a weight)
 * @param reason human-readable cause
 */
public record WeightTerm(String name, double value, String reason) {}
