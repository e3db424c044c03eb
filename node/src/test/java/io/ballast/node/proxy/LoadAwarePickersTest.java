package io.ballast.node.proxy;

import static io.ballast.node.proxy.TestSnapshots.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.Service;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Least connections and least request read the per-loop {@link LoadTracker} that requests update. */
class LoadAwarePickersTest {

    private static Service service3(LbAlgorithm algorithm, int choiceCount) {
        return service("web", Policy.newBuilder().setAlgorithm(algorithm).setChoiceCount(choiceCount).build(),
                endpoint("a", 1), endpoint("b", 1), endpoint("c", 1));
    }

    private static Endpoint endpoint(String id, int weight) {
        return Endpoint.newBuilder().setId(id).setHost("127.0.0.1").setPort(1000 + id.charAt(0)).setWeight(weight)
                .setState(EndpointState.ACTIVE).build();
    }

    @Test
    void leastConnectionsPicksTheEndpointWithFewestInFlightAndRotatesIdleOnes() {
        LoadTracker[] trackers = Pickers.trackers(service3(LbAlgorithm.LEAST_CONNECTIONS, 0), 1);
        EndpointPicker picker = Pickers.forLoops(service3(LbAlgorithm.LEAST_CONNECTIONS, 0), trackers)[0];
        assertThat(picker).isInstanceOf(LeastConnectionsPicker.class);
        // Idle: in turn.
        StringBuilder idle = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            idle.append(picker.pick(0).id());
        }
        assertThat(idle).hasToString("abcabc");
        trackers[0].start(0);
        trackers[0].start(0);
        trackers[0].start(2);
        assertThat(picker.pick(0).id()).isEqualTo("b");
        trackers[0].start(1);
        trackers[0].start(1);
        assertThat(picker.pick(0).id()).isEqualTo("c"); // a=2, b=2, c=1
        assertThat(picker.pickExcluding(0, Set.of(picker.pickExcluding(0, Set.of())))).isNotNull();
        trackers[0].finish(0, 1_000, 1_000);
        trackers[0].finish(0, 1_000, 2_000);
        assertThat(trackers[0].active(0)).isZero();
        assertThat(picker.pick(0).id()).isEqualTo("a");
    }

    @Test
    void leastConnectionsWeighsInFlightByWeight() {
        Service service = service("web", Policy.newBuilder().setAlgorithm(LbAlgorithm.LEAST_CONNECTIONS).build(),
                endpoint("a", 4), endpoint("b", 1));
        LoadTracker[] trackers = Pickers.trackers(service, 1);
        EndpointPicker picker = Pickers.forLoops(service, trackers)[0];
        trackers[0].start(0);
        trackers[0].start(0);
        trackers[0].start(0); // a: 3/4 = 0.75
        trackers[0].start(1); // b: 1/1 = 1.0
        assertThat(picker.pick(0).id()).isEqualTo("a");
    }

    @Test
    void leastRequestSteersAwayFromTheBusyEndpoint() {
        Service service = service("web", Policy.newBuilder().setAlgorithm(LbAlgorithm.LEAST_REQUEST).build(),
                endpoint("a", 1), endpoint("b", 1));
        LoadTracker[] trackers = Pickers.trackers(service, 1);
        EndpointPicker picker = Pickers.forLoops(service, trackers)[0];
        for (int i = 0; i < 10; i++) {
            trackers[0].start(0);
        }
        Map<String, Integer> counts = new HashMap<>();
        int picks = 40_000;
        for (int i = 0; i < picks; i++) {
            counts.merge(picker.pick(0).id(), 1, Integer::sum);
        }
        // Two equal-weight choices: the busy one wins only when both draws land on it, 1/4 of the time.
        double busyShare = 100.0 * counts.get("a") / picks;
        System.out.printf("least_request: busy endpoint share %.2f%% (expected 25%%)%n", busyShare);
        assertThat(busyShare).isCloseTo(25.0, within(1.5));
    }

    @Test
    void moreChoicesAvoidTheBusyEndpointMore() {
        Service service = service("web", Policy.newBuilder().setAlgorithm(LbAlgorithm.LEAST_REQUEST).setChoiceCount(4).build(),
                endpoint("a", 1), endpoint("b", 1));
        LoadTracker[] trackers = Pickers.trackers(service, 1);
        EndpointPicker picker = Pickers.forLoops(service, trackers)[0];
        trackers[0].start(0);
        int busy = 0;
        int picks = 40_000;
        for (int i = 0; i < picks; i++) {
            busy += picker.pick(0).id().equals("a") ? 1 : 0;
        }
        // All four draws on the busy one: (1/2)^4 = 6.25 %.
        assertThat(100.0 * busy / picks).isCloseTo(6.25, within(1.0));
    }

    @Test
    void theLatencyEstimateJumpsToPeaksAndDecaysTowardFasterResponses() {
        LoadTracker tracker = new LoadTracker(1);
        tracker.start(0);
        tracker.finish(0, 1_000_000, 0);
        assertThat(tracker.latencyNanos(0)).isEqualTo(1_000_000);
        tracker.start(0);
        tracker.finish(0, 100_000_000, 1_000);
        assertThat(tracker.latencyNanos(0)).isEqualTo(100_000_000); // peak replaces at once
        tracker.start(0);
        tracker.finish(0, 1_000_000, 1_000 + LoadTracker.DECAY_NANOS);
        // One decay constant later: weight e^-1 on the old value.
        assertThat(tracker.latencyNanos(0)).isCloseTo(100_000_000 * Math.exp(-1) + 1_000_000 * (1 - Math.exp(-1)), within(1.0));
        assertThat(tracker.active(0)).isZero();
    }
}
