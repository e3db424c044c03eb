package io.ballast.common.model;

/**
 * The payload of {@code config/services/<service>}: the operator's policy for one service,
 * persisted by the admin API before it acknowledges the call.
 *
 * @param algorithm name of the {@code ballast.v1.LbAlgorithm} the nodes use for the service
 *                  ({@code ROUND_ROBIN}, {@code WEIGHTED_ROUND_ROBIN} or {@code RANDOM})
 */
public record ServicePolicy(String algorithm) {}
