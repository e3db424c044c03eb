package io.ballast.node.proxy;

import static io.ballast.node.proxy.TestSnapshots.endpoint;
import static io.ballast.node.proxy.TestSnapshots.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.EndpointState;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RoundRobinPickerTest {

    private static Endpoint draining(String id) {
        return endpoint(id, "127.0.0.1", 9000).toBuilder().setState(EndpointState.DRAINING).build();
    }

    private static Endpoint weightZero(String id) {
        return endpoint(id, "127.0.0.1", 9001).toBuilder().setWeight(0).build();
    }

    @Test
    void spreadsPicksEvenly() {
        EndpointPicker picker = Pickers.forService(service("web",
                endpoint("a", "127.0.0.1", 1), endpoint("b", "127.0.0.1", 2), endpoint("c", "127.0.0.1", 3)));
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            counts.merge(picker.pick(0).id(), 1, Integer::sum);
        }
        assertThat(counts).containsOnly(Map.entry("a", 100), Map.entry("b", 100), Map.entry("c", 100));
    }

    @Test
    void skipsDrainingAndZeroWeightEndpoints() {
        EndpointPicker picker = Pickers.forService(service("web",
                draining("d"), endpoint("a", "127.0.0.1", 1), weightZero("z"), endpoint("b", "127.0.0.1", 2)));
        assertThat(picker.size()).isEqualTo(2);
        for (int i = 0; i < 20; i++) {
            assertThat(picker.pick(0).id()).isIn("a", "b");
        }
    }

    @Test
    void hasNothingToPickWhenNoEndpointIsEligible() {
        EndpointPicker picker = Pickers.forService(service("web", draining("d"), weightZero("z")));
        assertThat(picker.pick(0)).isNull();
        assertThat(picker.pickExcluding(0, List.of())).isNull();
    }

    @Test
    void pickExcludingNeverReturnsAFailedEndpoint() {
        EndpointPicker picker = Pickers.forService(service("web",
                endpoint("a", "127.0.0.1", 1), endpoint("b", "127.0.0.1", 2), endpoint("c", "127.0.0.1", 3)));
        BackendEndpoint failed = picker.pick(0);
        for (int i = 0; i < 30; i++) {
            BackendEndpoint next = picker.pickExcluding(0, List.of(failed));
            assertThat(next).isNotNull().isNotEqualTo(failed);
        }
    }

    @Test
    void pickExcludingReturnsNullWhenEveryEndpointFailed() {
        EndpointPicker picker = Pickers.forService(service("web", endpoint("a", "127.0.0.1", 1), endpoint("b", "127.0.0.1", 2)));
        BackendEndpoint first = picker.pick(0);
        BackendEndpoint second = picker.pickExcluding(0, Set.of(first));
        assertThat(second).isNotEqualTo(first);
        assertThat(picker.pickExcluding(0, Set.of(first, second))).isNull();
    }

    @Test
    void keepsCyclingAfterTheCounterWraps() {
        RoundRobinPicker picker = new RoundRobinPicker(Pickers.eligible(service("web",
                endpoint("a", "127.0.0.1", 1), endpoint("b", "127.0.0.1", 2), endpoint("c", "127.0.0.1", 3))),
                Integer.MAX_VALUE - 4);
        Map<String, Integer> counts = new HashMap<>();
        // Past Integer.MAX_VALUE the counter goes negative; floorMod must keep every index valid.
        for (int i = 0; i < 9; i++) {
            counts.merge(picker.pick(0).id(), 1, Integer::sum);
        }
        assertThat(counts).containsOnlyKeys("a", "b", "c");
        assertThat(counts.values()).allSatisfy(n -> assertThat(n).isBetween(2, 4));
    }
}
