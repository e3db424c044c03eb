package io.ballast.common.model;

import io.ballast.common.config.Checks;

/**
 * The payload of {@code config/services/<service>}: the operator's policy for one service,
 * persisted by the admin API before it acknowledges the call. Payloads written before a field
 * existed read with that field at its default.
 *
 * @param algorithm name of the {@code ballast.v1.LbAlgorithm} the nodes use for the service
 *                  (one of {@link #ALGORITHMS})
 * @param choiceCount LEAST_REQUEST: endpoints sampled per pick, 2..10, or 0 for the default (2)
 */
public record ServicePolicy(String algorithm, Integer choiceCount) {

    /** The algorithms the control plane lets an operator choose (the ones the nodes implement). */
    public static final java.util.List<String> ALGORITHMS = java.util.List.of(
            "ROUND_ROBIN", "WEIGHTED_ROUND_ROBIN", "RANDOM", "LEAST_CONNECTIONS", "LEAST_REQUEST");
    public static final int MAX_CHOICE_COUNT = 10;

    public ServicePolicy {
        choiceCount = choiceCount == null ? 0 : choiceCount;
    }

    public ServicePolicy(String algorithm) {
        this(algorithm, 0);
    }

    /** {@code choice_count: 1 (expected: 0 (default 2) or 2..10)} unless 0 or 2..10. */
    public static void checkChoiceCount(long choiceCount) {
        Checks.check(choiceCount == 0 || (choiceCount >= 2 && choiceCount <= MAX_CHOICE_COUNT),
                "choice_count", choiceCount, "0 (default 2) or 2.." + MAX_CHOICE_COUNT);
    }
}
