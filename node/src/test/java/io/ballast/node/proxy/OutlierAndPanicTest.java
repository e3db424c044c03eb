package io.ballast.node.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.OutlierDetection;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.Service;
import io.ballast.proto.v1.Snapshot;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Local ejection, max_ejection_percent and panic routing, on routing tables (no sockets). */
class OutlierAndPanicTest {

    private static Endpoint endpoint(String id, int port, EndpointState state, int weight) {
        return Endpoint.newBuilder().setId(id).setHost("127.0.0.1").setPort(port).setWeight(weight).setDeclaredWeight(100)
                .setState(state).build();
    }

    private static Endpoint active(String id, int port) {
        return endpoint(id, port, EndpointState.ACTIVE, 100);
    }

    private static Service service(Policy policy, Endpoint... endpoints) {
        return Service.newBuilder().setName("web").setPolicy(policy).addAllEndpoints(List.of(endpoints)).build();
    }

    private static Policy roundRobin() {
        return Policy.newBuilder().setAlgorithm(LbAlgorithm.ROUND_ROBIN).build();
    }

    private static Set<String> picked(ServiceTarget target, int times) {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < times; i++) {
            BackendEndpoint e = target.picker(0).pick(i);
            ids.add(e == null ? "none" : e.id());
        }
        return ids;
    }

    /** Five gateway failures on loop 0, then the ejection decision, as the Exchange does it. */
    private static boolean failFiveTimes(ServiceTarget target, int index) {
        EndpointHealth health = target.health(index);
        long now = System.nanoTime();
        boolean reached = false;
        for (int i = 0; i < 5; i++) {
            reached = health.onGatewayFailure(0, now, target.outlierRules());
        }
        return reached && target.outliers().tryEject(health, now, "test");
    }

    @Test
    void consecutiveFailuresEjectAndEjectedEndpointsGetNoRequests() {
        ServiceTarget target = ServiceTarget.of(service(roundRobin(), active("a", 1), active("b", 2), active("c", 3)), 1);
        EndpointHealth a = target.health(0);
        long now = System.nanoTime();
        for (int i = 0; i < 4; i++) {
            assertThat(a.onGatewayFailure(0, now, target.outlierRules())).isFalse();
        }
        assertThat(a.onResponse(0, 200, 1_000, now, target.outlierRules())).as("a success resets the count").isFalse();
        assertThat(failFiveTimes(target, 0)).isTrue();

        assertThat(a.ejected(System.nanoTime())).isTrue();
        assertThat(picked(target, 30)).containsExactlyInAnyOrder("b", "c");
        assertThat(target.outliers().panic()).as("2 of 3 eligible: above 50 %").isFalse();
    }

    @Test
    void fiveXxCountOnlyAsFiveXxAndGatewayErrorsAsBoth() {
        Policy policy = roundRobin().toBuilder().setOutlierDetection(OutlierDetection.newBuilder()
                .setConsecutive5Xx(100).setConsecutiveGatewayFailure(3)).build();
        ServiceTarget target = ServiceTarget.of(service(policy, active("a", 1), active("b", 2)), 1);
        EndpointHealth a = target.health(0);
        long now = System.nanoTime();
        assertThat(a.onResponse(0, 500, 1, now, target.outlierRules())).isFalse();
        assertThat(a.onResponse(0, 500, 1, now, target.outlierRules())).isFalse();
        assertThat(a.onResponse(0, 500, 1, now, target.outlierRules())).as("500 is no gateway error").isFalse();
        assertThat(a.onResponse(0, 503, 1, now, target.outlierRules())).isFalse();
        assertThat(a.onResponse(0, 502, 1, now, target.outlierRules())).isFalse();
        assertThat(a.onResponse(0, 504, 1, now, target.outlierRules())).isTrue();
    }

    @Test
    void failuresCountPerEventLoop() {
        ServiceTarget target = ServiceTarget.of(service(roundRobin(), active("a", 1), active("b", 2)), 2);
        EndpointHealth a = target.health(0);
        long now = System.nanoTime();
        for (int i = 0; i < 4; i++) {
            assertThat(a.onGatewayFailure(0, now, target.outlierRules())).isFalse();
            assertThat(a.onGatewayFailure(1, now, target.outlierRules())).isFalse();
        }
        assertThat(a.onGatewayFailure(1, now, target.outlierRules())).isTrue();
    }

    @Test
    void disabledDetectionNeverEjects() {
        Policy policy = roundRobin().toBuilder().setOutlierDetection(OutlierDetection.newBuilder().setDisabled(true)).build();
        ServiceTarget target = ServiceTarget.of(service(policy, active("a", 1), active("b", 2)), 1);
        assertThat(failFiveTimes(target, 0)).isFalse();
        assertThat(picked(target, 10)).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void maxEjectionPercentKeepsTheRest() {
        ServiceTarget target = ServiceTarget.of(service(roundRobin(), active("a", 1), active("b", 2), active("c", 3)), 1);
        assertThat(failFiveTimes(target, 0)).as("the first one always").isTrue();
        assertThat(failFiveTimes(target, 1)).as("10 % of 3: no second").isFalse();
        assertThat(picked(target, 30)).containsExactlyInAnyOrder("b", "c");

        ServiceTarget single = ServiceTarget.of(service(roundRobin(), active("only", 9)), 1);
        assertThat(failFiveTimes(single, 0)).as("never the only endpoint").isFalse();
    }

    @Test
    void ejectionSurvivesASnapshotThatKeepsTheAddressAndEndsWithIt() {
        HealthRegistry registry = new HealthRegistry(1);
        Service before = service(roundRobin(), active("a", 1), active("b", 2), active("c", 3));
        RoutingTable first = RoutingTable.from(Snapshot.newBuilder().setVersion(1).addServices(before).build(), 1, "", null,
                null, registry);
        assertThat(failFiveTimes(first.service("web"), 0)).isTrue();

        // New ids, weights and order; same address 127.0.0.1:1.
        Service after = service(roundRobin(), active("c", 3), endpoint("a2", 1, EndpointState.ACTIVE, 50), active("b", 2));
        RoutingTable second = RoutingTable.from(Snapshot.newBuilder().setVersion(2).addServices(after).build(), 1, "", first,
                null, registry);
        registry.retain(second);
        assertThat(picked(second.service("web"), 30)).containsExactlyInAnyOrder("b", "c");

        Service without = service(roundRobin(), active("b", 2), active("c", 3));
        RoutingTable third = RoutingTable.from(Snapshot.newBuilder().setVersion(3).addServices(without).build(), 1, "",
                second, null, registry);
        registry.retain(third);
        RoutingTable back = RoutingTable.from(Snapshot.newBuilder().setVersion(4).addServices(before).build(), 1, "", third,
                null, registry);
        assertThat(picked(back.service("web"), 30)).as("the address left: its ejection went with it")
                .containsExactlyInAnyOrder("a", "b", "c");
    }

    @Test
    void suspectEndpointsAreRoutedLikeActiveOnes() {
        ServiceTarget target = ServiceTarget.of(service(roundRobin(), active("a", 1),
                endpoint("s", 2, EndpointState.SUSPECT, 20)), 1);
        assertThat(picked(target, 10)).containsExactlyInAnyOrder("a", "s");
        assertThat(target.outliers().panic()).isFalse();
    }

    @Test
    void belowThePanicThresholdAllEndpointsButDrainingOnesServe() {
        Service service = service(roundRobin(), active("a", 1),
                endpoint("x", 2, EndpointState.EJECTED, 0),
                endpoint("y", 3, EndpointState.ACTIVE, 0),
                endpoint("d", 4, EndpointState.DRAINING, 0));
        ServiceTarget target = ServiceTarget.of(service, 1);
        assertThat(target.outliers().panic()).as("1 of 4 eligible < 50 %").isTrue();
        assertThat(picked(target, 40)).containsExactlyInAnyOrder("a", "x", "y");

        ServiceTarget atThreshold = ServiceTarget.of(service(roundRobin().toBuilder().setPanicThresholdPercent(25).build(),
                service.getEndpointsList().toArray(Endpoint[]::new)), 1);
        assertThat(atThreshold.outliers().panic()).as("1 of 4 is not below 25 %").isFalse();
        assertThat(picked(atThreshold, 40)).containsExactly("a");

        ServiceTarget disabled = ServiceTarget.of(service(roundRobin().toBuilder().setPanicThresholdPercent(0).build(),
                endpoint("x", 2, EndpointState.EJECTED, 0)), 1);
        assertThat(disabled.outliers().panic()).isFalse();
        assertThat(picked(disabled, 5)).containsExactly("none");
    }

    @Test
    void localEjectionsCanCausePanicWhichIgnoresThem() {
        Policy policy = roundRobin().toBuilder().setPanicThresholdPercent(100)
                .setOutlierDetection(OutlierDetection.newBuilder().setMaxEjectionPercent(100)).build();
        ServiceTarget target = ServiceTarget.of(service(policy, active("a", 1), active("b", 2)), 1);
        assertThat(target.outliers().panic()).isFalse();
        assertThat(failFiveTimes(target, 0)).isTrue();
        assertThat(target.outliers().panic()).as("1 of 2 eligible < 100 %").isTrue();
        assertThat(picked(target, 10)).as("panic ignores ejections").containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void retriesAvoidTriedAndEjectedEndpoints() {
        ServiceTarget target = ServiceTarget.of(service(roundRobin(), active("a", 1), active("b", 2), active("c", 3)), 1);
        assertThat(failFiveTimes(target, 0)).isTrue();
        BackendEndpoint b = target.picker(0).pickExcluding(0, List.of());
        assertThat(b.id()).isIn("b", "c");
        for (int i = 0; i < 10; i++) {
            assertThat(target.picker(0).pickExcluding(i, List.of(b)).id()).isNotIn("a", b.id());
        }
    }

    @Test
    void eachEjectionDoublesUntilTheEndpointStaysBackForTheMaxEjectionTime() {
        Policy policy = roundRobin().toBuilder().setOutlierDetection(OutlierDetection.newBuilder()
                .setBaseEjectionTimeMillis(100).setMaxEjectionTimeMillis(1_000)).build();
        ServiceTarget target = ServiceTarget.of(service(policy, active("a", 1), active("b", 2)), 1);
        EndpointHealth a = target.health(0);
        long ms = 1_000_000L;
        long t = System.nanoTime();
        assertThat(target.outliers().tryEject(a, t, "test")).isTrue();
        assertThat(a.ejectedForMillis(t)).isEqualTo(100);
        assertThat(target.outliers().tryEject(a, t + 50 * ms, "test")).as("already ejected").isFalse();
        assertThat(a.ejected(t + 100 * ms)).as("back after 100 ms").isFalse();

        t += 150 * ms;
        assertThat(target.outliers().tryEject(a, t, "test")).isTrue();
        assertThat(a.ejectedForMillis(t)).isEqualTo(200);
        t += 250 * ms;
        assertThat(target.outliers().tryEject(a, t, "test")).isTrue();
        assertThat(a.ejectedForMillis(t)).isEqualTo(400);
        t += 500 * ms;
        assertThat(target.outliers().tryEject(a, t, "test")).isTrue();
        assertThat(a.ejectedForMillis(t)).isEqualTo(800);
        t += 900 * ms;
        assertThat(target.outliers().tryEject(a, t, "test")).isTrue();
        assertThat(a.ejectedForMillis(t)).as("capped").isEqualTo(1_000);

        t += 1_000 * ms + 1_001 * ms; // back for longer than the max ejection time
        assertThat(target.outliers().tryEject(a, t, "test")).isTrue();
        assertThat(a.ejectedForMillis(t)).as("the count starts again").isEqualTo(100);
    }

    @Test
    void outcomesAreDeltasPerAddressSummedOverServices() {
        HealthRegistry registry = new HealthRegistry(1);
        Service web = service(roundRobin(), active("a", 1), active("b", 2));
        Service api = web.toBuilder().setName("api").build();
        RoutingTable table = RoutingTable.from(Snapshot.newBuilder().setVersion(1).addServices(web).addServices(api).build(),
                1, "", null, null, registry);
        long now = System.nanoTime();
        table.service("web").health(0).onResponse(0, 200, 3_000, now, table.service("web").outlierRules());
        table.service("api").health(0).onResponse(0, 503, 5_000, now, table.service("api").outlierRules());
        table.service("api").health(0).onGatewayFailure(0, now, table.service("api").outlierRules());

        var outcomes = registry.outcomes(now);
        assertThat(outcomes).containsOnlyKeys("127.0.0.1:1");
        assertThat(outcomes.get("127.0.0.1:1").getSuccesses()).isEqualTo(1);
        assertThat(outcomes.get("127.0.0.1:1").getErrors5Xx()).isEqualTo(1);
        assertThat(outcomes.get("127.0.0.1:1").getGatewayFailures()).isEqualTo(1);
        assertThat(outcomes.get("127.0.0.1:1").getLatencyMicrosSum()).isEqualTo(8);
        assertThat(registry.outcomes(now)).as("nothing new").isEmpty();
    }
}
