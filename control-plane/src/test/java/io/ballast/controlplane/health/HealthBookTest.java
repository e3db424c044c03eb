package io.ballast.controlplane.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.common.model.BackendRegistration;
import io.ballast.common.model.EndpointOverride;
import io.ballast.controlplane.snapshot.SnapshotComputer;
import io.ballast.controlplane.snapshot.SnapshotSequence;
import io.ballast.controlplane.state.ClusterState;
import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.EndpointOutcomes;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.Event;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.OutlierDetection;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.Report;
import io.ballast.proto.v1.ServiceHealth;
import io.ballast.proto.v1.ServicePolicy;
import io.ballast.proto.v1.Snapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Self-preservation, flap damping and outlier quorum as pure logic, with time passed in. */
class HealthBookTest {

    private final HealthBook book = new HealthBook(FailureConfig.DEFAULT, "cp-1");
    private final List<Event> events = new ArrayList<>();
    private ClusterState state = ClusterState.EMPTY;
    private long now = 1_000_000;

    private static BackendRegistration reg(String id, int port) {
        return new BackendRegistration("web", id, "10.0.0.1", port, "z1", 100, Map.of(), "test", 1L, null);
    }

    private void change(ClusterState next) {
        state = next;
        events.addAll(book.onState(state, Map.of(), now));
    }

    private void register(String id, int port) {
        change(state.withRegistration("web", id, reg(id, port)));
    }

    private void vanish(String id) {
        change(state.withoutRegistration("web", id));
    }

    private void tick(long advanceMillis, boolean leading) {
        now += advanceMillis;
        events.addAll(book.tick(state, leading, now));
    }

    private Snapshot snapshot() {
        return SnapshotComputer.compute(state, Map.of(), book.overlay(), 1, 1, now, "web");
    }

    private Optional<Endpoint> endpoint(String id) {
        return snapshot().getServicesList().stream().flatMap(s -> s.getEndpointsList().stream()).filter(e -> e.getId().equals(id)).findFirst();
    }

    private List<String> kinds() {
        return events.stream().map(Event::getKind).toList();
    }

    private Optional<Event> event(String kind) {
        return events.stream().filter(e -> e.getKind().equals(kind)).findFirst();
    }

    private void threeRegistered() {
        change(ClusterState.EMPTY); // the baseline
        register("a", 8001);
        register("b", 8002);
        register("c", 8003);
    }

    @Test
    void oneOfThreeVanishingIsAnOrdinaryRemovalOnceItsGraceHasPassed() {
        threeRegistered();
        now += 1_000;
        Endpoint before = endpoint("a").orElseThrow();
        vanish("a");
        tick(1_000, true);
        assertThat(endpoint("a")).as("within the removal grace: served exactly as before").contains(before);

        tick(FailureConfig.DEFAULT.removalGraceMillis(), true);

        assertThat(endpoint("a")).isEmpty();
        assertThat(kinds()).doesNotContain("self_preservation_started");
        assertThat(book.services(snapshot())).isEmpty();
    }

    @Test
    void vanishingsAFewHundredMillisecondsApartCountTogether() {
        // Sessions cut at one instant expire apart: the first removal must not be published before the second arrives.
        threeRegistered();
        now += 1_000;
        vanish("a");
        tick(250, true);
        tick(250, true);
        assertThat(endpoint("a").map(Endpoint::getState)).as("lingering, not removed").contains(EndpointState.ACTIVE);
        assertThat(kinds()).doesNotContain("self_preservation_started");

        vanish("b");

        assertThat(kinds()).contains("self_preservation_started");
        assertThat(endpoint("a").map(Endpoint::getState)).contains(EndpointState.SUSPECT);
        assertThat(endpoint("b").map(Endpoint::getState)).contains(EndpointState.SUSPECT);
        tick(FailureConfig.DEFAULT.removalGraceMillis() + 1_000, true);
        assertThat(endpoint("a").map(Endpoint::getState)).as("the grace does not end a SUSPECT").contains(EndpointState.SUSPECT);
    }

    @Test
    void aRegistrationReturningWithinTheGraceChangesNothing() {
        threeRegistered();
        now += 1_000;
        Snapshot before = snapshot();
        vanish("a");
        tick(500, true);
        register("a", 8001);
        tick(FailureConfig.DEFAULT.removalGraceMillis(), true);

        assertThat(SnapshotComputer.sameContent(snapshot(), before)).isTrue();
        assertThat(kinds()).doesNotContain("self_preservation_started", "suspect");
    }

    @Test
    void mostVanishingAtOnceKeepsThemAsSuspectAtHalfTheirWeightUntilTheyReturn() {
        threeRegistered();
        now += 1_000;
        vanish("a");
        now += 100;
        vanish("b");

        assertThat(endpoint("a")).get().satisfies(e -> {
            assertThat(e.getState()).isEqualTo(EndpointState.SUSPECT);
            assertThat(e.getWeight()).isEqualTo(50);
            assertThat(e.getPort()).isEqualTo(8001);
        });
        assertThat(endpoint("b").map(Endpoint::getState)).contains(EndpointState.SUSPECT);
        assertThat(event("self_preservation_started").orElseThrow().getDetail())
                .startsWith("2 of 3 registrations vanished within 10000 ms");
        ServiceHealth health = book.services(snapshot()).get(0);
        assertThat(health.getSelfPreservation()).isTrue();
        assertThat(health.getSuspect()).isEqualTo(2);
        assertThat(health.getEndpoints()).isEqualTo(3);
        assertThat(health.getEligible()).isEqualTo(3);
        assertThat(health.getSelfPreservationReason()).isEqualTo("2 of 3 registrations vanished within 10000 ms");

        vanish("c"); // while in force, a further vanishing is SUSPECT too
        assertThat(endpoint("c").map(Endpoint::getState)).contains(EndpointState.SUSPECT);
        assertThat(snapshot().getRoutesList()).extracting(r -> r.getHost()).containsExactly("web"); // the service stays routed

        register("a", 8001);
        register("b", 8002);
        assertThat(endpoint("a").map(Endpoint::getState)).contains(EndpointState.ACTIVE);
        assertThat(kinds()).doesNotContain("self_preservation_ended");
        register("c", 8003);
        assertThat(kinds()).containsSubsequence("self_preservation_started", "suspect", "suspect_cleared", "self_preservation_ended");
        assertThat(book.services(snapshot())).isEmpty();
    }

    @Test
    void aSuspectLeavesAfterTheMaxHold() {
        threeRegistered();
        vanish("a");
        vanish("b");
        tick(FailureConfig.DEFAULT.selfPreservationMaxMillis() - 1, false);
        assertThat(endpoint("a")).isPresent();

        tick(1, false);

        assertThat(endpoint("a")).isEmpty();
        assertThat(endpoint("b")).isEmpty();
        assertThat(event("suspect_removed").orElseThrow().getDetail()).isEqualTo("still unregistered after 600000 ms");
        assertThat(kinds()).contains("self_preservation_ended");
    }

    @Test
    void vanishingsSpreadBeyondTheWindowOrDrainingOnesDoNotCount() {
        threeRegistered();
        vanish("a");
        now += FailureConfig.DEFAULT.selfPreservationWindowMillis() + 1;
        vanish("b");
        assertThat(kinds()).doesNotContain("self_preservation_started");

        register("a", 8001);
        register("b", 8002);
        change(state.withRegistration("web", "a", reg("a", 8001).withDraining(true)));
        change(state.withRegistration("web", "b", reg("b", 8002).withDraining(true)));
        vanish("a");
        vanish("b");
        assertThat(kinds()).doesNotContain("self_preservation_started");
    }

    @Test
    void theDataPlaneConfirmsASuspectDead() {
        threeRegistered();
        vanish("a");
        vanish("b");
        Report gatewayOnly = Report.newBuilder().putOutcomes("10.0.0.1:8001",
                EndpointOutcomes.newBuilder().setGatewayFailures(3).build()).build();
        Report answered = Report.newBuilder().putOutcomes("10.0.0.1:8001",
                EndpointOutcomes.newBuilder().setSuccesses(1).build()).build();
        book.onReport("n1", gatewayOnly, now);
        book.onReport("n2", answered, now);
        book.onReport("n3", answered, now);
        tick(100, true);
        assertThat(endpoint("a")).isPresent(); // 1 of 3 nodes only

        book.onReport("n2", gatewayOnly, now);
        tick(100, true);
        assertThat(endpoint("a")).isPresent(); // n2 answered within the window

        tick(FailureConfig.DEFAULT.outlierQuorumWindowMillis(), true); // every answer aged out
        book.onReport("n1", gatewayOnly, now);
        book.onReport("n2", gatewayOnly, now);
        tick(100, true);

        assertThat(endpoint("a")).isEmpty();
        assertThat(event("suspect_removed").orElseThrow().getDetail()).isEqualTo("confirmed dead by 2 of 2 nodes: n1, n2");
        assertThat(endpoint("b")).isPresent();
    }

    @Test
    void aQuorumOfNodesEjectsClusterWideForTheDoublingEjectionTime() {
        threeRegistered();
        change(state.withPolicy("web", ServicePolicy.newBuilder().setService("web").setAlgorithm(LbAlgorithm.ROUND_ROBIN)
                .setSettings(Policy.newBuilder().setOutlierDetection(OutlierDetection.newBuilder()
                        .setBaseEjectionTimeMillis(1_000).setMaxEjectionPercent(50))).build()));
        Report ejecting = Report.newBuilder().putOutcomes("10.0.0.1:8001",
                EndpointOutcomes.newBuilder().setErrors5Xx(5).setEjected(true).setEjectedForMillis(1_000).build()).build();
        Report fine = Report.newBuilder().putOutcomes("10.0.0.1:8001", EndpointOutcomes.newBuilder().setSuccesses(9).build()).build();
        book.onReport("node-1", ejecting, now);
        book.onReport("node-2", fine, now);
        book.onReport("node-3", fine, now);
        tick(100, true);
        assertThat(endpoint("a").map(Endpoint::getState)).as("one node of three").contains(EndpointState.ACTIVE);

        book.onReport("node-2", ejecting, now);
        tick(100, true);
        assertThat(endpoint("a")).get().satisfies(e -> {
            assertThat(e.getState()).isEqualTo(EndpointState.EJECTED);
            assertThat(e.getWeight()).isZero();
        });
        assertThat(event("outlier_ejected").orElseThrow().getDetail())
                .isEqualTo("2 of 3 nodes: node-1, node-2; ejected for 1000 ms");
        assertThat(book.reason("web", "a")).get().asString().startsWith("outlier quorum: 2 of 3 nodes: node-1, node-2");
        assertThat(book.outlierEjectedByService()).containsEntry("web", 1);
        assertThat(book.services(snapshot()).get(0).getOutlierEjected()).isEqualTo(1);

        tick(1_000, true);
        assertThat(endpoint("a").map(Endpoint::getState)).contains(EndpointState.ACTIVE);
        assertThat(kinds()).contains("outlier_restored");
        tick(100, true);
        assertThat(endpoint("a").map(Endpoint::getState)).as("old evidence does not eject again").contains(EndpointState.ACTIVE);

        book.onReport("node-1", ejecting, now);
        book.onReport("node-2", ejecting, now);
        tick(100, true);
        assertThat(events.stream().filter(e -> e.getKind().equals("outlier_ejected")).skip(1).findFirst().orElseThrow().getDetail())
                .endsWith("ejected for 2000 ms");
    }

    @Test
    void neverMoreThanMaxEjectionPercentCountingManualEjections() {
        threeRegistered(); // default 10 %: one of three may be ejected
        for (String node : List.of("n1", "n2")) {
            book.onReport(node, Report.newBuilder()
                    .putOutcomes("10.0.0.1:8001", EndpointOutcomes.newBuilder().setEjected(true).build())
                    .putOutcomes("10.0.0.1:8002", EndpointOutcomes.newBuilder().setEjected(true).build()).build(), now);
        }
        tick(100, true);
        assertThat(book.overlay().ejected().get("web")).containsOnlyKeys("a");

        HealthBook other = new HealthBook(FailureConfig.DEFAULT, "cp-1");
        ClusterState manual = state.withOverride("web", "c", new EndpointOverride(null, false, "by hand"));
        other.onState(manual, Map.of(), now);
        other.onReport("n1", Report.newBuilder().putOutcomes("10.0.0.1:8001",
                EndpointOutcomes.newBuilder().setEjected(true).build()).build(), now);
        other.tick(manual, true, now + 100);
        assertThat(other.overlay().ejected()).isEmpty();
    }

    @Test
    void followersNeitherEjectNorConfirm() {
        threeRegistered();
        book.onReport("n1", Report.newBuilder().putOutcomes("10.0.0.1:8001",
                EndpointOutcomes.newBuilder().setEjected(true).build()).build(), now);
        tick(100, false);
        assertThat(book.overlay().ejected()).isEmpty();
    }

    @Test
    void aFlappingRegistrationIsHeldDownAndTheSnapshotChurnIsBounded() {
        change(ClusterState.EMPTY);
        register("a", 8001);
        register("b", 8002);
        register("c", 8003);
        SnapshotSequence sequence = new SnapshotSequence(1, "web");
        sequence.next(state, Map.of(), book.overlay(), now);
        int versions = 0;
        for (int i = 0; i < 50; i++) { // 50 cycles within 50 s
            now += 500;
            vanish("a");
            versions += sequence.next(state, Map.of(), book.overlay(), now).isPresent() ? 1 : 0;
            now += 500;
            register("a", 8001);
            versions += sequence.next(state, Map.of(), book.overlay(), now).isPresent() ? 1 : 0;
        }
        // Each return comes within the removal grace, so the first 4 cycles change nothing; the 5th vanishing
        // starts the hold, which takes "a" out: one version, and nothing after it.
        assertThat(versions).isEqualTo(1);
        assertThat(endpoint("a")).isEmpty();
        assertThat(event("flap_held").orElseThrow().getDetail())
                .isEqualTo("5 vanishings within 60000 ms (threshold 4): held down for 30000 ms");
        assertThat(book.reason("web", "a")).isPresent();
        assertThat(book.flapHeld()).isEqualTo(1);
        assertThat(kinds()).doesNotContain("self_preservation_started");

        tick(30_000, false);
        assertThat(kinds()).contains("flap_released");
        assertThat(endpoint("a")).isPresent();

        for (int i = 0; i < 5; i++) {
            now += 100;
            vanish("a");
            register("a", 8001);
        }
        assertThat(events.stream().filter(e -> e.getKind().equals("flap_held")).reduce((x, y) -> y).orElseThrow().getDetail())
                .endsWith("held down for 60000 ms");
    }
}
