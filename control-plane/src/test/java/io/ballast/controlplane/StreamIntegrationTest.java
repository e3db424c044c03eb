package io.ballast.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.common.json.Json;
import io.ballast.common.model.BackendRegistration;
import io.ballast.common.model.EndpointOverride;
import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.Snapshot;
import io.ballast.testing.ZooKeeperExtension;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Registrations in ZooKeeper reach subscribed nodes; invalid ones never do; slow nodes skip versions. */
class StreamIntegrationTest {

    @RegisterExtension
    static final ZooKeeperExtension zk = new ZooKeeperExtension();

    private Replicas replicas;
    private ControlPlane leader;

    @BeforeEach
    void startLeader() {
        replicas = new Replicas(zk);
        leader = replicas.start("cp-1");
        replicas.awaitLeader(0);
    }

    @AfterEach
    void closeAll() {
        replicas.close();
    }

    private static List<String> ids(Snapshot snapshot, String service) {
        return snapshot.getServicesList().stream().filter(s -> s.getName().equals(service))
                .flatMap(s -> s.getEndpointsList().stream()).map(Endpoint::getId).toList();
    }

    @Test
    void aRegistrationAppearsInThePushedSnapshotAndDeletingItRemovesIt() throws Exception {
        TestNode node = replicas.node(leader, "n1");
        Snapshot empty = await().atMost(Replicas.WAIT).until(() -> node.latest().orElse(null), s -> s != null);
        assertThat(empty.getServicesList()).isEmpty();
        assertThat(empty.getVersion()).isEqualTo(1);

        replicas.register(Replicas.registration("web", "a", 8081, 10));

        Snapshot added = await().atMost(Replicas.WAIT).until(() -> node.latest().orElseThrow(), s -> !ids(s, "web").isEmpty());
        assertThat(ids(added, "web")).containsExactly("a");
        assertThat(added.getVersion()).isGreaterThan(empty.getVersion());
        assertThat(added.getEpoch()).isEqualTo(empty.getEpoch());
        assertThat(added.getServices(0).getEndpoints(0).getPort()).isEqualTo(8081);
        assertThat(added.getDefaultService()).isEqualTo("web");
        assertThat(added.getRoutesList()).extracting(r -> r.getHost()).containsExactly("web");
        await().atMost(Replicas.WAIT).until(() -> replicas.leaderInfo().orElseThrow().version() == added.getVersion());

        replicas.deregister("web", "a");

        Snapshot removed = await().atMost(Replicas.WAIT).until(() -> node.latest().orElseThrow(), s -> s.getServicesCount() == 0);
        assertThat(removed.getVersion()).isGreaterThan(added.getVersion());
    }

    @Test
    void invalidRegistrationsAreIgnored() throws Exception {
        TestNode node = replicas.node(leader, "n1");
        replicas.register("web", "junk", "{not json".getBytes(StandardCharsets.UTF_8));
        replicas.register(Replicas.registration("web", "port0", 0, 10));
        replicas.register("web", "mismatch", Json.write(Replicas.registration("web", "other", 8082, 10)));
        replicas.register(Replicas.registration("web", "good", 8083, 10));

        Snapshot snapshot = await().atMost(Replicas.WAIT).until(() -> node.latest().orElse(null),
                s -> s != null && !ids(s, "web").isEmpty());

        assertThat(ids(snapshot, "web")).containsExactly("good");
        assertThat(leader.clusterState().registrations().get("web")).containsOnlyKeys("good");
    }

    @Test
    void aRegistrationThatBecomesInvalidIsWithdrawn() throws Exception {
        TestNode node = replicas.node(leader, "n1");
        replicas.register(Replicas.registration("web", "a", 8081, 10));
        await().atMost(Replicas.WAIT).until(() -> node.latest().map(s -> ids(s, "web")).orElse(List.of()).contains("a"));

        replicas.client.setData().forPath(replicas.paths.backend("web", "a"), "garbage".getBytes(StandardCharsets.UTF_8));

        await().atMost(Replicas.WAIT).until(() -> node.latest().orElseThrow().getServicesCount() == 0);
    }

    @Test
    void overridesWrittenInZooKeeperApplyToTheSnapshot() throws Exception {
        TestNode node = replicas.node(leader, "n1");
        replicas.register(Replicas.registration("web", "a", 8081, 10));
        replicas.client.create().creatingParentsIfNeeded().forPath(replicas.paths.endpointConfig("web", "a"),
                Json.write(new EndpointOverride(3, false)));

        await().atMost(Replicas.WAIT).until(() -> node.latest()
                .filter(s -> s.getServicesCount() == 1 && s.getServices(0).getEndpoints(0).getWeight() == 3).isPresent());
    }

    @Test
    void aNodeThatDoesNotReadSkipsToTheLatestVersion() throws Exception {
        // Snapshots larger than the node's flow-control window: once one is stuck in flight, the
        // leader's call is not ready and later snapshots replace each other in the one pending slot.
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", leader.port())
                .usePlaintext().flowControlWindow(64 * 1024).build();
        replicas.add(() -> {
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        });
        for (int i = 0; i < 4; i++) {
            replicas.register(bulky("b" + i, 10));
        }
        await().atMost(Replicas.WAIT).until(() -> leader.currentSnapshot().filter(s -> ids(s, "web").size() == 4).isPresent());
        TestNode slow = TestNode.subscribeWithoutReading(channel, "slow");
        replicas.add(slow);
        slow.read(1);
        await().atMost(Replicas.WAIT).until(() -> slow.snapshots().size() == 1);
        long firstVersion = slow.snapshots().get(0).getVersion();

        int changes = 6;
        for (int weight = 1; weight <= changes; weight++) {
            long before = leader.currentSnapshot().orElseThrow().getVersion();
            replicas.client.setData().forPath(replicas.paths.backend("web", "b0"), Json.write(bulky("b0", weight)));
            await().atMost(Replicas.WAIT).until(() -> leader.currentSnapshot().orElseThrow().getVersion() > before);
        }
        long latest = leader.currentSnapshot().orElseThrow().getVersion();
        assertThat(latest).isEqualTo(firstVersion + changes);

        slow.read(100);

        await().atMost(Replicas.WAIT).until(() -> slow.latest().orElseThrow().getVersion() == latest);
        List<Long> versions = slow.snapshots().stream().map(Snapshot::getVersion).toList();
        assertThat(versions).isSorted().doesNotHaveDuplicates();
        // Intermediate versions were skipped: at most the first, the one in flight, and the latest.
        assertThat(versions).hasSizeLessThanOrEqualTo(3);
        assertThat(slow.latest().orElseThrow().getServicesList().get(0).getEndpointsList().get(0).getWeight()).isEqualTo(changes);
    }

    /** A valid registration of about 32 KB (32 metadata entries of 1000 characters). */
    private static BackendRegistration bulky(String id, int weight) {
        Map<String, String> metadata = new HashMap<>();
        for (int i = 0; i < BackendRegistration.MAX_METADATA; i++) {
            metadata.put("k" + i, "x".repeat(1000));
        }
        return new BackendRegistration("web", id, "127.0.0.1", 9000, "", weight, metadata, "test", 1L, null);
    }
}
