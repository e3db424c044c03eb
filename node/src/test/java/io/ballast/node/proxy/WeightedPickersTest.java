package io.ballast.node.proxy;

import static io.ballast.node.proxy.TestSnapshots.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.Service;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class WeightedPickersTest {

    private static final int PICKS = 100_000;

    private static Endpoint weighted(String id, int weight) {
        return Endpoint.newBuilder().setId(id).setHost("127.0.0.1").setPort(1000 + id.charAt(0)).setWeight(weight)
                .setState(EndpointState.ACTIVE).build();
    }

    private static Service weightedService(LbAlgorithm algorithm, Endpoint... endpoints) {
        return service("web", Policy.newBuilder().setAlgorithm(algorithm).build(), endpoints);
    }

    private static Endpoint[] endpointsWithWeights(int... weights) {
        Endpoint[] endpoints = new Endpoint[weights.length];
        for (int i = 0; i < weights.length; i++) {
            endpoints[i] = weighted(String.valueOf((char) ('a' + i)), weights[i]);
        }
        return endpoints;
    }

    private static String sequence(EndpointPicker picker, int picks) {
        StringBuilder ids = new StringBuilder();
        for (int i = 0; i < picks; i++) {
            ids.append(picker.pick(0).id());
        }
        return ids.toString();
    }

    @ParameterizedTest
    @EnumSource(value = LbAlgorithm.class, names = {"WEIGHTED_ROUND_ROBIN", "RANDOM", "LEAST_REQUEST"})
    void sharesAreWithinOnePercentagePointOfWeightShares(LbAlgorithm algorithm) {
        for (int[] weights : new int[][] {{5, 1, 1}, {10, 3, 2, 1}}) {
            EndpointPicker picker = Pickers.forService(weightedService(algorithm, endpointsWithWeights(weights)));
            Map<String, Integer> counts = new HashMap<>();
            for (int i = 0; i < PICKS; i++) {
                counts.merge(picker.pick(0).id(), 1, Integer::sum);
            }
            int total = java.util.Arrays.stream(weights).sum();
            assertThat(counts).hasSize(weights.length);
            for (int i = 0; i < weights.length; i++) {
                String id = String.valueOf((char) ('a' + i));
                double share = 100.0 * counts.get(id) / PICKS;
                double expected = 100.0 * weights[i] / total;
                assertThat(share).as("%s share of %s with weights %s", algorithm, id, java.util.Arrays.toString(weights))
                        .isCloseTo(expected, within(1.0));
            }
        }
    }

    @Test
    void smoothWeightedRoundRobinInterleavesFiveOneOneAsNginxDoes() {
        EndpointPicker picker = Pickers.forService(weightedService(LbAlgorithm.WEIGHTED_ROUND_ROBIN, endpointsWithWeights(5, 1, 1)));
        String picks = sequence(picker, 7 * 1_000);
        // Every cycle of 7 is exactly nginx's sequence, so the heaviest never runs more than twice in a row.
        assertThat(picks).isEqualTo("aabacaa".repeat(1_000));
    }

    @Test
    void smoothWeightedRoundRobinIsExactPerCycle() {
        EndpointPicker picker = Pickers.forService(weightedService(LbAlgorithm.WEIGHTED_ROUND_ROBIN, endpointsWithWeights(10, 3, 2, 1)));
        for (int cycle = 0; cycle < 100; cycle++) {
            String picks = sequence(picker, 16);
            assertThat(picks.chars().filter(c -> c == 'a').count()).isEqualTo(10);
            assertThat(picks.chars().filter(c -> c == 'b').count()).isEqualTo(3);
            assertThat(picks.chars().filter(c -> c == 'c').count()).isEqualTo(2);
            assertThat(picks.chars().filter(c -> c == 'd').count()).isEqualTo(1);
            // Smooth: the heaviest (10 of 16) never gets more than 3 in a row.
            assertThat(picks).doesNotContain("aaaa");
        }
    }

    @ParameterizedTest
    @EnumSource(value = LbAlgorithm.class, names = {"WEIGHTED_ROUND_ROBIN", "RANDOM", "LEAST_REQUEST", "LEAST_CONNECTIONS"})
    void skipsDrainingAndZeroWeightEndpoints(LbAlgorithm algorithm) {
        Endpoint draining = weighted("d", 50).toBuilder().setState(EndpointState.DRAINING).build();
        EndpointPicker picker = Pickers.forService(weightedService(algorithm,
                draining, weighted("a", 3), weighted("z", 0), weighted("b", 1)));
        assertThat(picker.size()).isEqualTo(2);
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 4_000; i++) {
            counts.merge(picker.pick(0).id(), 1, Integer::sum);
        }
        assertThat(counts).containsOnlyKeys("a", "b");
    }

    @ParameterizedTest
    @EnumSource(value = LbAlgorithm.class, names = {"WEIGHTED_ROUND_ROBIN", "RANDOM", "LEAST_REQUEST", "LEAST_CONNECTIONS"})
    void hasNothingToPickWhenNoEndpointIsEligible(LbAlgorithm algorithm) {
        EndpointPicker picker = Pickers.forService(weightedService(algorithm,
                weighted("z", 0), weighted("d", 5).toBuilder().setState(EndpointState.DRAINING).build()));
        assertThat(picker.size()).isZero();
        assertThat(picker.pick(0)).isNull();
        assertThat(picker.pickExcluding(0, List.of())).isNull();
    }

    @ParameterizedTest
    @EnumSource(value = LbAlgorithm.class, names = {"WEIGHTED_ROUND_ROBIN", "RANDOM"})
    void pickExcludingNeverReturnsAFailedEndpointAndKeepsTheOthersShares(LbAlgorithm algorithm) {
        EndpointPicker picker = Pickers.forService(weightedService(algorithm, endpointsWithWeights(5, 3, 1)));
        BackendEndpoint failed = null;
        while (failed == null || !failed.id().equals("a")) {
            failed = picker.pick(0);
        }
        List<BackendEndpoint> excluded = new ArrayList<>(List.of(failed));
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 40_000; i++) {
            BackendEndpoint next = picker.pickExcluding(0, excluded);
            assertThat(next).isNotNull().isNotEqualTo(failed);
            counts.merge(next.id(), 1, Integer::sum);
        }
        // b:c keep 3:1 among themselves.
        assertThat(100.0 * counts.get("b") / 40_000).isCloseTo(75.0, within(1.0));
        assertThat(100.0 * counts.get("c") / 40_000).isCloseTo(25.0, within(1.0));
    }

    @ParameterizedTest
    @EnumSource(value = LbAlgorithm.class, names = {"WEIGHTED_ROUND_ROBIN", "RANDOM"})
    void pickExcludingReturnsNullWhenEveryEndpointFailed(LbAlgorithm algorithm) {
        EndpointPicker picker = Pickers.forService(weightedService(algorithm, endpointsWithWeights(2, 1)));
        BackendEndpoint first = picker.pick(0);
        BackendEndpoint second = picker.pickExcluding(0, Set.of(first));
        assertThat(second).isNotNull().isNotEqualTo(first);
        assertThat(picker.pickExcluding(0, Set.of(first, second))).isNull();
        // Exclusion does not break the normal sequence afterwards.
        assertThat(picker.pick(0)).isNotNull();
    }

    @Test
    void smoothWeightedRoundRobinExclusionStaysSmoothAmongTheRest() {
        EndpointPicker picker = Pickers.forService(weightedService(LbAlgorithm.WEIGHTED_ROUND_ROBIN, endpointsWithWeights(1, 5, 1, 1)));
        assertThat(picker.pick(0).id()).isEqualTo("b"); // the heaviest goes first
        BackendEndpoint excluded = Pickers.eligible(weightedService(LbAlgorithm.WEIGHTED_ROUND_ROBIN, endpointsWithWeights(1, 5, 1, 1))).get(0);
        StringBuilder picks = new StringBuilder();
        for (int i = 0; i < 700; i++) {
            picks.append(picker.pickExcluding(0, List.of(excluded)).id());
        }
        assertThat(picks.toString()).doesNotContain("a");
        // b:c:d keep 5:1:1 among themselves (exact up to the one cycle in progress).
        assertThat(picks.chars().filter(c -> c == 'b').count()).isBetween(495L, 505L);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4})
    void smoothWeightedRoundRobinGetsOneInstancePerLoopOthersShareOne(int loops) {
        Service wrr = weightedService(LbAlgorithm.WEIGHTED_ROUND_ROBIN, endpointsWithWeights(5, 1, 1));
        EndpointPicker[] perLoop = Pickers.forLoops(wrr, loops);
        assertThat(perLoop).hasSize(loops).doesNotHaveDuplicates();
        // Each loop runs its own sequence: driving loop 0 leaves the others at the cycle start.
        sequence(perLoop[0], 3);
        for (int i = 1; i < loops; i++) {
            assertThat(sequence(perLoop[i], 7)).isEqualTo("aabacaa");
        }
        for (LbAlgorithm shared : new LbAlgorithm[] {LbAlgorithm.RANDOM, LbAlgorithm.ROUND_ROBIN, LbAlgorithm.LB_ALGORITHM_UNSPECIFIED}) {
            EndpointPicker[] pickers = Pickers.forLoops(weightedService(shared, endpointsWithWeights(5, 1, 1)), loops);
            assertThat(pickers).hasSize(loops).containsOnly(pickers[0]);
        }
        assertThat(((GuardedPicker) ServiceTarget.of(wrr, loops).picker(loops - 1)).normal())
                .isInstanceOf(SmoothWeightedRoundRobinPicker.class);
    }

    @Test
    void unspecifiedAndRoundRobinIgnoreWeights() {
        for (LbAlgorithm algorithm : new LbAlgorithm[] {LbAlgorithm.ROUND_ROBIN, LbAlgorithm.LB_ALGORITHM_UNSPECIFIED}) {
            EndpointPicker picker = Pickers.forService(weightedService(algorithm, endpointsWithWeights(5, 1, 1)));
            assertThat(picker).isInstanceOf(RoundRobinPicker.class);
            assertThat(sequence(picker, 6)).isEqualTo("abcabc");
        }
    }
}
