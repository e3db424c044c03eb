package io.ballast.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.common.json.Json;
import io.ballast.common.model.EndpointOverride;
import io.ballast.node.control.ControlClient;
import io.ballast.node.control.NodeIdentity;
import io.ballast.node.snapshot.SnapshotApplier;
import io.ballast.node.snapshot.SnapshotStore;
import io.ballast.proto.v1.Snapshot;
import io.ballast.testing.Scrape;
import io.ballast.testing.ZooKeeperExtension;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delta snapshots over a real leader, a real ZooKeeper and real gRPC streams: a weight change
 * reaches a delta-accepting node as a delta, a new stream starts with the full snapshot, a NACKed
 * delta is answered with the full snapshot, and the node's own control client and applier patch
 * deltas into the same snapshot the leader holds (and store it whole).
 */
class DeltaStreamIntegrationTest {

    @RegisterExtension
    static final ZooKeeperExtension zk = new ZooKeeperExtension();

    @TempDir
    Path stateDir;

    private Replicas replicas;
    private ControlPlane leader;
    private ManagedChannel channel;

    @BeforeEach
    void startLeader() throws Exception {
        replicas = new Replicas(zk);
        leader = ControlPlane.start(ControlPlaneConfig.builder()
                .zkConnect(zk.connectString())
                .cluster(replicas.cluster)
                .id("cp-1")
                .listen("127.0.0.1:0")
                .sessionTimeout(Replicas.SESSION)
                .debounce(Duration.ofMillis(10))
                .metrics("127.0.0.1:0")
                .build());
        replicas.add(leader);
        replicas.awaitLeader(0);
        channel = replicas.channel(leader);
        for (String service : List.of("web", "api")) {
            for (int i = 0; i < 4; i++) {
                replicas.register(Replicas.registration(service, "e" + i, 8080 + i, 10));
            }
        }
        await().atMost(Replicas.WAIT).until(() -> leader.currentSnapshot()
                .filter(s -> s.getServicesCount() == 2 && s.getServices(0).getEndpointsCount() == 4
                        && s.getServices(1).getEndpointsCount() == 4).isPresent());
    }

    @AfterEach
    void closeAll() {
        replicas.close();
    }

    private void setWeight(String service, String id, int weight) throws Exception {
        String path = replicas.paths.endpointConfig(service, id);
        byte[] json = Json.write(new EndpointOverride(weight, false));
        if (replicas.client.checkExists().forPath(path) == null) {
            replicas.client.create().creatingParentsIfNeeded().forPath(path, json);
        } else {
            replicas.client.setData().forPath(path, json);
        }
    }

    private static int weight(Snapshot snapshot, String service, String id) {
        return snapshot.getServicesList().stream().filter(s -> s.getName().equals(service))
                .flatMap(s -> s.getEndpointsList().stream()).filter(e -> e.getId().equals(id))
                .findFirst().orElseThrow().getWeight();
    }

    /** Waits until {@code applied} is the leader's current snapshot, and that has {@code service/id} at {@code weight}. */
    private Snapshot awaitConverged(java.util.function.Supplier<Optional<Snapshot>> applied, String service, String id, int weight) {
        return await().atMost(Replicas.WAIT).until(() -> {
            Optional<Snapshot> current = leader.currentSnapshot();
            return current.isPresent() && current.equals(applied.get()) && weight(current.get(), service, id) == weight
                    ? current.get() : null;
        }, s -> s != null);
    }

    private double pushes(String kind) {
        return Scrape.of(leader.metricsAddress().orElseThrow()).value("ballast_control_plane_push_bytes_count", "kind", kind);
    }

    @Test
    void aWeightChangeArrivesAsADeltaAndANewStreamStartsWithTheFullSnapshot() throws Exception {
        TestNode node = TestNode.subscribeAcceptingDeltas(channel, "n1", 0, 0);
        replicas.add(node);
        awaitConverged(node::latest, "web", "e1", 10);
        assertThat(node.pushKinds()).first().isEqualTo("full");
        int before = node.pushKinds().size();

        setWeight("web", "e1", 3);

        Snapshot changed = awaitConverged(node::latest, "web", "e1", 3);
        assertThat(node.pushKinds().subList(before, node.pushKinds().size())).isNotEmpty().containsOnly("delta");
        assertThat(pushes("delta")).isGreaterThanOrEqualTo(1);
        assertThat(node.received.get(node.received.size() - 1).getSerializedSize())
                .isLessThan(changed.getSerializedSize());

        node.close();
        TestNode again = TestNode.subscribeAcceptingDeltas(channel, "n1", changed.getEpoch(), changed.getVersion());
        replicas.add(again);
        awaitConverged(again::latest, "web", "e1", 3);
        assertThat(again.pushKinds()).containsExactly("full");

        setWeight("api", "e2", 4);

        awaitConverged(again::latest, "api", "e2", 4);
        List<String> kinds = again.pushKinds();
        assertThat(kinds).first().isEqualTo("full");
        assertThat(kinds.subList(1, kinds.size())).isNotEmpty().containsOnly("delta");
    }

    @Test
    void aNackedDeltaIsFollowedByTheFullSnapshot() throws Exception {
        TestNode node = TestNode.subscribeAcceptingDeltas(channel, "n1", 0, 0);
        replicas.add(node);
        awaitConverged(node::latest, "web", "e1", 10);
        int before = node.pushKinds().size();
        node.nackNextDelta();

        setWeight("web", "e1", 3);

        awaitConverged(node::latest, "web", "e1", 3);
        assertThat(node.pushKinds().subList(before, node.pushKinds().size())).containsExactly("delta", "full");
        assertThat(Scrape.of(leader.metricsAddress().orElseThrow()).value("ballast_control_plane_nacks_total")).isEqualTo(1);

        setWeight("web", "e1", 4);

        awaitConverged(node::latest, "web", "e1", 4);
        assertThat(node.pushKinds()).last().isEqualTo("delta");
    }

    @Test
    void theNodesControlClientPatchesDeltasAndStoresFullSnapshots() throws Exception {
        List<Snapshot> routed = new CopyOnWriteArrayList<>();
        SnapshotStore store = new SnapshotStore(stateDir);
        SnapshotApplier applier = new SnapshotApplier(routed::add, store);
        ControlClient client = ControlClient.start(replicas.client, replicas.paths,
                new NodeIdentity("real-1", "z1", "127.0.0.1:1", ""), applier);
        replicas.add(client);
        replicas.add(applier);
        awaitConverged(() -> Optional.ofNullable(applier.state().snapshot()), "web", "e1", 10);
        double deltasBefore = pushes("delta");

        setWeight("web", "e1", 7);
        replicas.deregister("api", "e3");

        Snapshot changed = await().atMost(Replicas.WAIT).until(() -> {
            Optional<Snapshot> current = leader.currentSnapshot();
            return current.isPresent() && current.get().getServices(0).getEndpointsCount() == 3
                    && current.equals(Optional.ofNullable(applier.state().snapshot())) ? current.get() : null;
        }, s -> s != null);
        assertThat(weight(changed, "web", "e1")).isEqualTo(7);
        assertThat(pushes("delta")).isGreaterThan(deltasBefore);
        assertThat(routed).last().isEqualTo(changed);
        applier.flush(); // same epoch: written behind the ACK
        assertThat(store.load()).contains(changed);
        assertThat(applier.state().lastError()).isEmpty();
    }
}
