package io.ballast.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.common.json.Json;
import io.ballast.common.model.BackendRegistration;
import io.ballast.proto.v1.ClusterStatus;
import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.EndpointOutcomes;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.Event;
import io.ballast.proto.v1.GetBackendRequest;
import io.ballast.proto.v1.GetStatusRequest;
import io.ballast.proto.v1.ListEventsRequest;
import io.ballast.proto.v1.Report;
import io.ballast.proto.v1.ServiceHealth;
import io.ballast.proto.v1.Snapshot;
import io.ballast.testing.ZooKeeperExtension;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import io.ballast.controlplane.health.FailureConfig;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Failure handling with real ZooKeeper sessions and real control streams: agents' sessions ending
 * (self-preservation on leader and follower alike) and nodes' outcome reports (outlier quorum).
 */
class FailureHandlingIntegrationTest {

    @RegisterExtension
    static final ZooKeeperExtension zk = new ZooKeeperExtension();

    private Replicas replicas;
    private ControlPlane leader;
    private ControlPlane follower;
    private final Map<String, CuratorFramework> agents = new HashMap<>();

    @BeforeEach
    void start() {
        replicas = new Replicas(zk);
        leader = replicas.start("cp-1");
        replicas.awaitLeader(0);
        follower = replicas.start("cp-2");
    }

    @AfterEach
    void closeAll() {
        replicas.close(); // the agents' clients are closed by the extension
    }

    /** An agent with its own session, registering as the agent module does (a PersistentNode). */
    private void agent(String id, int port) throws Exception {
        CuratorFramework client = zk.newClient(Replicas.SESSION);
        BackendRegistration registration = Replicas.registration("web", id, port, 100);
        PersistentNode node = new PersistentNode(client, CreateMode.EPHEMERAL, false, replicas.paths.backend("web", id),
                Json.write(registration));
        node.start();
        replicas.add(() -> {
            if (client.getState() == org.apache.curator.framework.imps.CuratorFrameworkState.STARTED) {
                node.close(); // an agent whose session was ended has nothing left to close
            }
        });
        agents.put(id, client);
    }

    /** Ends the agent's session, as a crash followed by session expiry does: its ephemeral registration vanishes. */
    private void endSession(String id) {
        agents.get(id).close();
    }

    private static Optional<Endpoint> endpoint(Snapshot snapshot, String id) {
        return snapshot.getServicesList().stream().flatMap(s -> s.getEndpointsList().stream()).filter(e -> e.getId().equals(id)).findFirst();
    }

    private List<String> eventKinds(ControlPlane replica) {
        return replicas.admin(replica).listEvents(ListEventsRequest.newBuilder().setLimit(1000).build()).getEventsList().stream()
                .map(Event::getKind).toList();
    }

    private void threeAgentsServed(TestNode node) throws Exception {
        agent("a", 8001);
        agent("b", 8002);
        agent("c", 8003);
        await().atMost(Replicas.WAIT).until(() -> node.latest().map(s -> s.getServicesCount() == 1
                && s.getServices(0).getEndpointsCount() == 3).orElse(false));
        await().atMost(Replicas.WAIT).until(() -> follower.clusterState().registrations().getOrDefault("web",
                java.util.Collections.emptySortedMap()).size() == 3);
    }

    @Test
    void oneSessionEndingRemovesItsEndpoint() throws Exception {
        TestNode node = replicas.node(leader, "n1");
        threeAgentsServed(node);

        endSession("a");

        await().atMost(Replicas.WAIT).until(() -> node.latest().flatMap(s -> endpoint(s, "a")).isEmpty());
        assertThat(eventKinds(leader)).doesNotContain("self_preservation_started");
        assertThat(replicas.admin(leader).getStatus(GetStatusRequest.getDefaultInstance()).getServicesList()).isEmpty();
    }

    @Test
    void mostSessionsEndingKeepsTheEndpointsAsSuspectOnEveryReplicaUntilTheyReturn() throws Exception {
        TestNode node = replicas.node(leader, "n1");
        threeAgentsServed(node);

        endSession("a");
        endSession("b");

        Snapshot held = await().atMost(Replicas.WAIT).until(() -> node.latest().orElseThrow(),
                s -> endpoint(s, "b").map(e -> e.getState() == EndpointState.SUSPECT).orElse(false)
                        && endpoint(s, "a").map(e -> e.getState() == EndpointState.SUSPECT).orElse(false));
        assertThat(endpoint(held, "a").orElseThrow().getWeight()).isEqualTo(50);
        assertThat(endpoint(held, "c").orElseThrow().getState()).isEqualTo(EndpointState.ACTIVE);
        for (ControlPlane replica : List.of(leader, follower)) { // the follower tracks it too, ready to lead
            ClusterStatus status = await().atMost(Replicas.WAIT).until(
                    () -> replicas.admin(replica).getStatus(GetStatusRequest.getDefaultInstance()), s -> s.getServicesCount() == 1);
            ServiceHealth web = status.getServices(0);
            assertThat(web.getSelfPreservation()).as(replica.id()).isTrue();
            assertThat(web.getSuspect()).isEqualTo(2);
            assertThat(web.getSelfPreservationReason()).isEqualTo("2 of 3 registrations vanished within 10000 ms");
            assertThat(eventKinds(replica)).contains("self_preservation_started");
        }

        io.ballast.proto.v1.Backend suspect = replicas.admin(follower).getBackend(GetBackendRequest.newBuilder().setService("web")
                .setId("a").build());
        assertThat(suspect.getState()).isEqualTo(EndpointState.SUSPECT);
        assertThat(suspect.getRegistered()).isFalse();
        assertThat(suspect.getEffectiveWeight()).isEqualTo(50);
        assertThat(replicas.admin(leader).listBackends(io.ballast.proto.v1.ListBackendsRequest.newBuilder().setService("web").build())
                .getBackendsList()).extracting(b -> b.getId() + "=" + b.getState())
                .containsExactly("a=SUSPECT", "b=SUSPECT", "c=ACTIVE");

        agent("a", 8001);
        agent("b", 8002);

        await().atMost(Replicas.WAIT).until(() -> node.latest().map(s -> s.getServices(0).getEndpointsList().stream()
                .allMatch(e -> e.getState() == EndpointState.ACTIVE)).orElse(false));
        await().atMost(Replicas.WAIT).until(() -> eventKinds(leader).contains("self_preservation_ended"));
        assertThat(replicas.admin(leader).getStatus(GetStatusRequest.getDefaultInstance()).getServicesList()).isEmpty();
    }

    /**
     * Registrations that vanish in one burst (one ZooKeeper transaction: the cache delivers the
     * deletions one by one) must never be published missing: every snapshot the leader sends
     * holds each of them, as it was (removal grace) or SUSPECT. A snapshot computed from the
     * caches' newest state before failure handling had folded it published the later ones as
     * removed (the chaos suite's "all agents cut" scenario caught it).
     */
    @Test
    void registrationsVanishingInOneBurstAreNeverPublishedMissing() throws Exception {
        TestNode node = replicas.node(leader, "n1");
        List<String> ids = List.of("a", "b", "c", "d", "e");
        for (int i = 0; i < ids.size(); i++) {
            replicas.register(Replicas.registration("web", ids.get(i), 8001 + i, 100));
        }
        await().atMost(Replicas.WAIT).until(() -> node.latest().map(s -> s.getServicesCount() == 1
                && s.getServices(0).getEndpointsCount() == ids.size()).orElse(false));
        int before = node.snapshots().size();

        var burst = new java.util.ArrayList<org.apache.curator.framework.api.transaction.CuratorOp>();
        for (String id : ids) {
            burst.add(replicas.client.transactionOp().delete().forPath(replicas.paths.backend("web", id)));
        }
        replicas.client.transaction().forOperations(burst);

        await().atMost(Replicas.WAIT).until(() -> node.latest().map(s -> s.getServices(0).getEndpointsList().stream()
                .allMatch(e -> e.getState() == EndpointState.SUSPECT)).orElse(false));
        List<Snapshot> since = node.snapshots().subList(before, node.snapshots().size());
        assertThat(since).isNotEmpty();
        for (Snapshot snapshot : since) {
            assertThat(snapshot.getServicesList()).as("version %d", snapshot.getVersion()).hasSize(1);
            assertThat(snapshot.getServices(0).getEndpointsList()).as("version %d", snapshot.getVersion())
                    .extracting(Endpoint::getId).containsExactlyElementsOf(ids);
        }
    }

    @Test
    void aQuorumOfNodesEjectsClusterWideAndOneNodeAloneDoesNot() throws Exception {
        TestNode n1 = replicas.node(leader, "n1");
        TestNode n2 = replicas.node(leader, "n2");
        threeAgentsServed(n1);
        Report ejecting = Report.newBuilder().putOutcomes("127.0.0.1:8001",
                EndpointOutcomes.newBuilder().setGatewayFailures(5).setEjected(true).setEjectedForMillis(30_000).build()).build();
        Report fine = Report.newBuilder().putOutcomes("127.0.0.1:8001", EndpointOutcomes.newBuilder().setSuccesses(20).build()).build();

        n1.report(ejecting);
        n2.report(fine);
        // The leader's tick runs every 250 ms: three ticks after both reports nothing may have changed.
        await().pollDelay(Duration.ofMillis(3 * ControlLoop.HEALTH_TICK_MILLIS)).atMost(Replicas.WAIT)
                .until(() -> eventKinds(leader).contains("snapshot_published"));
        assertThat(endpoint(n1.latest().orElseThrow(), "a").orElseThrow().getState()).isEqualTo(EndpointState.ACTIVE);
        assertThat(eventKinds(leader)).doesNotContain("outlier_ejected");

        n2.report(ejecting);

        Snapshot ejected = await().atMost(Replicas.WAIT).until(() -> n2.latest().orElseThrow(),
                s -> endpoint(s, "a").map(e -> e.getState() == EndpointState.EJECTED).orElse(false));
        assertThat(endpoint(ejected, "a").orElseThrow().getWeight()).isZero();
        Event event = replicas.admin(leader).listEvents(ListEventsRequest.getDefaultInstance()).getEventsList().stream()
                .filter(e -> e.getKind().equals("outlier_ejected")).findFirst().orElseThrow();
        assertThat(event.getDetail()).isEqualTo("2 of 2 nodes: n1, n2; ejected for 30000 ms");
        assertThat(replicas.admin(leader).getBackend(GetBackendRequest.newBuilder().setService("web").setId("a").build()).getEjected())
                .startsWith("outlier quorum: 2 of 2 nodes: n1, n2");
        ServiceHealth web = replicas.admin(leader).getStatus(GetStatusRequest.getDefaultInstance()).getServices(0);
        assertThat(web.getOutlierEjected()).isEqualTo(1);
        assertThat(web.getEligible()).isEqualTo(2);
        assertThat(web.getPanic()).isFalse();
    }

    @Test
    void aFlappingRegistrationIsHeldDownAfterABoundedNumberOfSnapshots() throws Exception {
        TestNode node = replicas.node(leader, "n1");
        threeAgentsServed(node);
        long before = node.latest().orElseThrow().getVersion();

        for (int i = 0; i < 20; i++) {
            replicas.register(Replicas.registration("web", "flappy", 8009, 100));
            await().atMost(Replicas.WAIT).until(() -> leader.clusterState().registration("web", "flappy").isPresent());
            replicas.deregister("web", "flappy");
            await().atMost(Replicas.WAIT).until(() -> leader.clusterState().registration("web", "flappy").isEmpty());
        }
        replicas.register(Replicas.registration("web", "flappy", 8009, 100));
        await().atMost(Replicas.WAIT).until(() -> eventKinds(leader).contains("flap_held"));
        long settled = await().atMost(Replicas.WAIT).until(() -> replicas.leaderInfo().orElseThrow().version(),
                v -> node.latest().orElseThrow().getVersion() == v);

        // At most one snapshot per change until the 5th vanishing holds it down (4 cycles and the hold), however long it flaps.
        assertThat(settled - before).isBetween(1L, 2L * (FailureConfig.DEFAULT.flapThreshold() + 1));
        assertThat(endpoint(node.latest().orElseThrow(), "flappy")).isEmpty();
        assertThat(replicas.admin(leader).getBackend(GetBackendRequest.newBuilder().setService("web").setId("flappy").build())
                .getEjected()).startsWith("flap damping: 5 vanishings within 60000 ms");
        assertThat(eventKinds(leader)).doesNotContain("self_preservation_started");
    }
}
