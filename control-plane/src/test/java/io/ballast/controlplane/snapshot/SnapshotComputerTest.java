package io.ballast.controlplane.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.common.model.BackendRegistration;
import io.ballast.common.model.EndpointOverride;
import io.ballast.common.model.LoadReport;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.ServicePolicy;
import io.ballast.controlplane.state.ClusterState;
import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.Route;
import io.ballast.proto.v1.Snapshot;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotComputerTest {

    static BackendRegistration reg(String service, String id, int weight) {
        return new BackendRegistration(service, id, "10.0.0." + id.length(), 8080, "z1", weight, Map.of("v", "1"), "0.1",
                1L, null);
    }

    static ClusterState state(BackendRegistration... registrations) {
        ClusterState state = ClusterState.EMPTY;
        for (BackendRegistration r : registrations) {
            state = state.withRegistration(r.service(), r.id(), r);
        }
        return state;
    }

    @Test
    void emptyStateGivesEmptySnapshotWithHeader() {
        Snapshot snapshot = SnapshotComputer.compute(ClusterState.EMPTY, 3, 7, 1234, "web");

        assertThat(snapshot.getEpoch()).isEqualTo(3);
        assertThat(snapshot.getVersion()).isEqualTo(7);
        assertThat(snapshot.getComputedAtUnixMillis()).isEqualTo(1234);
        assertThat(snapshot.getServicesList()).isEmpty();
        assertThat(snapshot.getRoutesList()).isEmpty();
        assertThat(snapshot.getDefaultService()).isEmpty();
    }

    @Test
    void copiesRegistrationsWithDefaultPolicyAndSortsEndpointsById() {
        ClusterState state = state(reg("web", "b", 5), reg("web", "a", 7), reg("api", "x", 1));

        Snapshot snapshot = SnapshotComputer.compute(state, 1, 1, 0, "web");

        assertThat(snapshot.getServicesList()).extracting(s -> s.getName()).containsExactly("api", "web");
        var web = snapshot.getServices(1);
        assertThat(web.getEndpointsList()).extracting(Endpoint::getId).containsExactly("a", "b");
        Endpoint a = web.getEndpoints(0);
        assertThat(a.getHost()).isEqualTo("10.0.0.1");
        assertThat(a.getPort()).isEqualTo(8080);
        assertThat(a.getZone()).isEqualTo("z1");
        assertThat(a.getWeight()).isEqualTo(7);
        assertThat(a.getState()).isEqualTo(EndpointState.ACTIVE);
        assertThat(a.getMetadataMap()).containsExactly(Map.entry("v", "1"));
        assertThat(web.getPolicy().getAlgorithm()).isEqualTo(LbAlgorithm.ROUND_ROBIN);
        assertThat(web.getPolicy().getConnectTimeoutMillis()).isEqualTo(1000);
        assertThat(web.getPolicy().getResponseTimeoutMillis()).isEqualTo(30000);
        assertThat(web.getPolicy().getConnectRetries()).isEqualTo(1);
        assertThat(snapshot.getRoutesList()).containsExactly(
                Route.newBuilder().setHost("api").setPathPrefix("/").setService("api").build(),
                Route.newBuilder().setHost("web").setPathPrefix("/").setService("web").build());
    }

    @Test
    void overrideWeightWinsOverDeclaredWeight() {
        ClusterState state = state(reg("web", "a", 7), reg("web", "b", 7))
                .withOverride("web", "a", new EndpointOverride(42, false));

        Snapshot snapshot = SnapshotComputer.compute(state, 1, 1, 0, "web");

        assertThat(snapshot.getServices(0).getEndpointsList()).extracting(Endpoint::getWeight).containsExactly(42, 7);
    }

    @Test
    void overrideWeightZeroKeepsEndpointActive() {
        ClusterState state = state(reg("web", "a", 7)).withOverride("web", "a", new EndpointOverride(0, false));

        Endpoint a = SnapshotComputer.compute(state, 1, 1, 0, "web").getServices(0).getEndpoints(0);

        assertThat(a.getWeight()).isZero();
        assertThat(a.getState()).isEqualTo(EndpointState.ACTIVE);
    }

    @Test
    void drainedEndpointIsDrainingWithWeightZeroWhateverTheOverride() {
        ClusterState state = state(reg("web", "a", 7), reg("web", "b", 7))
                .withOverride("web", "a", new EndpointOverride(99, true))
                .withOverride("web", "b", new EndpointOverride(null, true));

        var endpoints = SnapshotComputer.compute(state, 1, 1, 0, "web").getServices(0).getEndpointsList();

        assertThat(endpoints).allSatisfy(e -> {
            assertThat(e.getState()).isEqualTo(EndpointState.DRAINING);
            assertThat(e.getWeight()).isZero();
        });
    }

    @Test
    void overrideWithoutRegistrationAddsNothing() {
        ClusterState state = state(reg("web", "a", 7)).withOverride("api", "ghost", new EndpointOverride(5, false));

        Snapshot snapshot = SnapshotComputer.compute(state, 1, 1, 0, "web");

        assertThat(snapshot.getServicesList()).extracting(s -> s.getName()).containsExactly("web");
        assertThat(snapshot.getServices(0).getEndpointsCount()).isEqualTo(1);
    }

    @Test
    void defaultServiceIsTheConfiguredOneWhenItHasRegistrations() {
        Snapshot snapshot = SnapshotComputer.compute(state(reg("web", "a", 1), reg("api", "b", 1)), 1, 1, 0, "web");

        assertThat(snapshot.getDefaultService()).isEqualTo("web");
    }

    @Test
    void defaultServiceIsTheOnlyServiceWhenTheConfiguredOneIsAbsent() {
        Snapshot snapshot = SnapshotComputer.compute(state(reg("api", "b", 1)), 1, 1, 0, "web");

        assertThat(snapshot.getDefaultService()).isEqualTo("api");
    }

    @Test
    void noDefaultServiceWhenSeveralServicesAndNoneIsTheConfiguredOne() {
        Snapshot snapshot = SnapshotComputer.compute(state(reg("api", "b", 1), reg("img", "c", 1)), 1, 1, 0, "web");

        assertThat(snapshot.getDefaultService()).isEmpty();
    }

    @Test
    void isDeterministicWhateverTheInsertionOrder() {
        ClusterState one = state(reg("web", "a", 1), reg("web", "b", 2), reg("api", "c", 3));
        ClusterState two = state(reg("api", "c", 3), reg("web", "b", 2), reg("web", "a", 1));

        assertThat(SnapshotComputer.compute(one, 4, 2, 99, "web").toByteArray())
                .isEqualTo(SnapshotComputer.compute(two, 4, 2, 99, "web").toByteArray());
    }

    @Test
    void sameContentIgnoresEpochVersionAndTimeButNotRouting() {
        ClusterState state = state(reg("web", "a", 1));
        Snapshot first = SnapshotComputer.compute(state, 1, 1, 10, "web");

        assertThat(SnapshotComputer.sameContent(first, SnapshotComputer.compute(state, 2, 9, 20, "web"))).isTrue();
        assertThat(SnapshotComputer.sameContent(first,
                SnapshotComputer.compute(state.withOverride("web", "a", new EndpointOverride(3, false)), 1, 1, 10, "web")))
                .isFalse();
    }

    @Test
    void loadReportsDoNotChangeTheContent() {
        BackendRegistration quiet = reg("web", "a", 1);
        BackendRegistration busy = quiet.withLoad(new LoadReport(0.9, 12, 5_000));

        assertThat(SnapshotComputer.sameContent(
                SnapshotComputer.compute(state(quiet), 1, 1, 0, "web"),
                SnapshotComputer.compute(state(busy), 1, 2, 5, "web"))).isTrue();
    }

    @Test
    void serviceAlgorithmIsTheOperatorsPolicyElseRoundRobin() {
        ClusterState state = state(reg("web", "a", 1), reg("api", "b", 1))
                .withPolicy("web", policy(LbAlgorithm.WEIGHTED_ROUND_ROBIN))
                .withPolicy("ghost", policy(LbAlgorithm.RANDOM));

        Snapshot snapshot = SnapshotComputer.compute(state, 1, 1, 0, "web");

        assertThat(snapshot.getServicesList()).extracting(s -> s.getName() + "=" + s.getPolicy().getAlgorithm())
                .containsExactly("api=ROUND_ROBIN", "web=WEIGHTED_ROUND_ROBIN");
        assertThat(snapshot.getServices(1).getPolicy().getConnectTimeoutMillis())
                .isEqualTo(SnapshotComputer.CONNECT_TIMEOUT_MILLIS);
    }

    @Test
    void aPolicyChangeChangesTheContent() {
        ClusterState state = state(reg("web", "a", 1));
        Snapshot before = SnapshotComputer.compute(state, 1, 1, 0, "web");

        assertThat(SnapshotComputer.sameContent(before,
                SnapshotComputer.compute(state.withPolicy("web", policy(LbAlgorithm.RANDOM)), 1, 2, 0, "web"))).isFalse();
        assertThat(SnapshotComputer.sameContent(before,
                SnapshotComputer.compute(state.withPolicy("web", policy(LbAlgorithm.ROUND_ROBIN)), 1, 2, 0, "web")))
                .isTrue();
    }

    static ServicePolicy policy(LbAlgorithm algorithm) {
        return ServicePolicy.newBuilder().setAlgorithm(algorithm).build();
    }

    @Test
    void operatorRoutesComeFirstAndTheServicesTheyNameExistEvenWithoutBackends() {
        io.ballast.proto.v1.Route split = io.ballast.proto.v1.Route.newBuilder().setPathPrefix("/shop")
                .addSplit(io.ballast.proto.v1.WeightedService.newBuilder().setService("web").setWeight(95))
                .addSplit(io.ballast.proto.v1.WeightedService.newBuilder().setService("web-canary").setWeight(5)).build();
        Snapshot snapshot = SnapshotComputer.compute(state(reg("web", "a", 1)).withRoutes(java.util.List.of(split)), 1, 1, 0, "web");

        assertThat(snapshot.getRoutesList()).first().isEqualTo(split);
        assertThat(snapshot.getRoutes(1).getHost()).isEqualTo("web");
        assertThat(snapshot.getServicesList()).extracting(io.ballast.proto.v1.Service::getName).containsExactly("web", "web-canary");
        assertThat(snapshot.getServices(1).getEndpointsCount()).isZero();
    }

    @Test
    void aRateLimitIsSplitEvenlyAcrossTheLiveNodes() {
        ServicePolicy limited = ServicePolicy.newBuilder().setAlgorithm(LbAlgorithm.ROUND_ROBIN)
                .setSettings(io.ballast.proto.v1.Policy.newBuilder().setRateLimit(
                        io.ballast.proto.v1.RateLimit.newBuilder().setClusterRequestsPerSecond(90))).build();
        ClusterState state = state(reg("web", "a", 1)).withPolicy("web", limited).withNode("n1").withNode("n2").withNode("n3");

        var rate = SnapshotComputer.compute(state, 1, 1, 0, "web").getServices(0).getPolicy().getRateLimit();
        assertThat(rate.getNodeRequestsPerSecond()).isEqualTo(30.0);
        assertThat(rate.getLiveNodes()).isEqualTo(3);
        var afterLoss = SnapshotComputer.compute(state.withoutNode("n3"), 1, 2, 0, "web").getServices(0).getPolicy().getRateLimit();
        assertThat(afterLoss.getNodeRequestsPerSecond()).isEqualTo(45.0);
        var noNodes = SnapshotComputer.compute(state(reg("web", "a", 1)).withPolicy("web", limited), 1, 1, 0, "web")
                .getServices(0).getPolicy().getRateLimit();
        assertThat(noNodes.getNodeRequestsPerSecond()).isEqualTo(90.0);
    }

    @Test
    void computedWeightsGoToWeightAndTheBaseToDeclaredWeight() {
        var computed = java.util.Map.of("web", java.util.Map.of("a",
                new io.ballast.controlplane.weights.WeightResult(37, 7, java.util.List.of(), -1, 0)));
        Endpoint a = SnapshotComputer.compute(state(reg("web", "a", 7)), computed, 1, 1, 0, "web").getServices(0).getEndpoints(0);
        assertThat(a.getWeight()).isEqualTo(37);
        assertThat(a.getDeclaredWeight()).isEqualTo(7);
        Endpoint drained = SnapshotComputer.compute(state(reg("web", "a", 7)).withOverride("web", "a",
                new EndpointOverride(null, true)), computed, 1, 1, 0, "web").getServices(0).getEndpoints(0);
        assertThat(drained.getWeight()).isZero();
    }
}
