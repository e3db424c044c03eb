package io.ballast.node.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.common.zk.ZkPaths;
import io.ballast.node.snapshot.SnapshotApplier;
import io.ballast.node.snapshot.SnapshotStore;
import io.ballast.node.snapshot.TestSnapshots;
import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.Hello;
import io.ballast.proto.v1.Snapshot;
import io.ballast.testing.ZooKeeperExtension;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The control stream against a real gRPC server and a real ZooKeeper; the proxy is a recording stand-in. */
@SuppressWarnings("try") // resources opened only to be closed after the test body
class ControlClientTest {

    @RegisterExtension static final ZooKeeperExtension zk = new ZooKeeperExtension();
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final NodeIdentity IDENTITY = new NodeIdentity("node-a", "zone-1", "127.0.0.1:18080", "127.0.0.1:19901");

    @TempDir Path stateDir;

    private final List<Snapshot> proxied = new CopyOnWriteArrayList<>();
    private ZkPaths paths;
    private CuratorFramework client;
    private SnapshotApplier applier;

    @BeforeEach
    void setUp() {
        paths = ZkPaths.forCluster(ZooKeeperExtension.uniqueCluster("control"));
        client = zk.newClient(Duration.ofSeconds(2));
        applier = new SnapshotApplier(proxied::add, new SnapshotStore(stateDir));
    }

    @Test
    void subscribesWithHelloAndAcksAValidSnapshot() throws Exception {
        try (FakeControlPlane leader = FakeControlPlane.leader()) {
            leader.registerAsLeader(client, paths, 1);
            Snapshot snapshot = TestSnapshots.web(1, 1);
            leader.publish(snapshot);

            try (ControlClient ignored = ControlClient.start(client, paths, IDENTITY, applier)) {
                await().atMost(WAIT).until(() -> leader.acks.size() == 1);
                assertThat(leader.acks.get(0).getNonce()).startsWith("n-");
                assertThat(leader.acks.get(0).getEpoch()).isEqualTo(1);
                assertThat(leader.acks.get(0).getVersion()).isEqualTo(1);
                assertThat(proxied).containsExactly(snapshot);
                assertThat(new SnapshotStore(stateDir).load()).contains(snapshot);
                assertThat(leader.hellos).containsExactly(Hello.newBuilder()
                        .setNodeId("node-a").setZone("zone-1").setProxyAddress("127.0.0.1:18080")
                        .setLastEpoch(0).setLastVersion(0).setAcceptsDeltas(true).build());
            }
        }
    }

    @Test
    void acceptsAFullSnapshotLargerThanGrpcsDefaultMessageLimit() throws Exception {
        // 100,000 endpoints: ~5 MB, above gRPC's default 4 MiB inbound limit, which would fail the stream.
        Endpoint[] endpoints = new Endpoint[100_000];
        for (int i = 0; i < endpoints.length; i++) {
            endpoints[i] = TestSnapshots.endpoint("web-" + i, "10.0." + (i >> 8 & 255) + "." + (i & 255), 1024 + i % 50_000, 100);
        }
        Snapshot large = TestSnapshots.web(1, 1, endpoints);
        assertThat(large.getSerializedSize()).isGreaterThan(4 << 20);
        try (FakeControlPlane leader = FakeControlPlane.leader();
                ControlClient ignored = ControlClient.start(client, paths, IDENTITY, applier)) {
            leader.registerAsLeader(client, paths, 1);
            leader.publish(large);

            await().atMost(WAIT).until(() -> leader.acks.size() == 1);
            assertThat(leader.acks.get(0).getVersion()).isEqualTo(1);
            assertThat(applier.state().snapshot().getServices(0).getEndpointsCount()).isEqualTo(100_000);
        }
    }

    @Test
    void nacksAnInvalidSnapshotWithTheDetailAndKeepsTheOldOne() throws Exception {
        try (FakeControlPlane leader = FakeControlPlane.leader();
                ControlClient ignored = ControlClient.start(client, paths, IDENTITY, applier)) {
            leader.registerAsLeader(client, paths, 1);
            Snapshot good = TestSnapshots.web(1, 1);
            leader.publish(good);
            await().atMost(WAIT).until(() -> leader.acks.size() == 1);

            leader.publish(TestSnapshots.web(1, 2, TestSnapshots.endpoint("web-1", "127.0.0.1", 0, 10)));

            await().atMost(WAIT).until(() -> leader.nacks.size() == 1);
            assertThat(leader.nacks.get(0).getErrorDetail()).isEqualTo("services[0].endpoints[0].port: 0 (expected: 1..65535)");
            assertThat(leader.nacks.get(0).getVersion()).isEqualTo(2);
            assertThat(proxied).containsExactly(good);
            assertThat(applier.state().snapshot()).isEqualTo(good);
            assertThat(applier.state().lastError()).isEqualTo("services[0].endpoints[0].port: 0 (expected: 1..65535)");
        }
    }

    @Test
    void refusesALowerEpochAfterAHigherOne() throws Exception {
        try (FakeControlPlane leader = FakeControlPlane.leader();
                ControlClient ignored = ControlClient.start(client, paths, IDENTITY, applier)) {
            leader.registerAsLeader(client, paths, 5);
            leader.publish(TestSnapshots.web(5, 1));
            await().atMost(WAIT).until(() -> leader.acks.size() == 1);

            leader.publish(TestSnapshots.web(4, 2));

            await().atMost(WAIT).until(() -> leader.nacks.size() == 1);
            assertThat(leader.nacks.get(0).getErrorDetail()).isEqualTo("epoch 4 is lower than the highest seen 5");
            assertThat(applier.state().epoch()).isEqualTo(5);
            assertThat(proxied).hasSize(1);
        }
    }

    @Test
    void followsARedirectToTheNamedLeader() throws Exception {
        try (FakeControlPlane leader = FakeControlPlane.leader();
                FakeControlPlane follower = FakeControlPlane.redirectingTo(leader.address())) {
            follower.registerAsLeader(client, paths, 1);
            leader.publish(TestSnapshots.web(2, 1));

            try (ControlClient ignored = ControlClient.start(client, paths, IDENTITY, applier)) {
                await().atMost(WAIT).until(() -> leader.acks.size() == 1);
                assertThat(follower.hellos).isNotEmpty();
                assertThat(follower.acks).isEmpty();
                assertThat(applier.state().epoch()).isEqualTo(2);
            }
        }
    }

    @Test
    void resubscribesAfterTheStreamFailsAndPresentsTheAppliedVersion() throws Exception {
        try (FakeControlPlane leader = FakeControlPlane.leader();
                ControlClient ignored = ControlClient.start(client, paths, IDENTITY, applier)) {
            leader.registerAsLeader(client, paths, 3);
            leader.publish(TestSnapshots.web(3, 4));
            await().atMost(WAIT).until(() -> leader.acks.size() == 1);

            leader.endStreams(Status.UNAVAILABLE.withDescription("lost leadership"));

            await().atMost(WAIT).until(() -> leader.hellos.size() == 2);
            assertThat(leader.hellos.get(1).getLastEpoch()).isEqualTo(3);
            assertThat(leader.hellos.get(1).getLastVersion()).isEqualTo(4);
            // The leader re-sends its current snapshot; an identical snapshot is acknowledged, not re-applied.
            await().atMost(WAIT).until(() -> leader.acks.size() == 2);
            assertThat(leader.nacks).isEmpty();
            assertThat(proxied).hasSize(1);
        }
    }

    @Test
    void switchesToANewLeaderAsSoonAsZooKeeperNamesIt() throws Exception {
        try (FakeControlPlane first = FakeControlPlane.leader();
                FakeControlPlane second = FakeControlPlane.leader();
                ControlClient ignored = ControlClient.start(client, paths, IDENTITY, applier)) {
            first.registerAsLeader(client, paths, 1);
            first.publish(TestSnapshots.web(1, 1));
            await().atMost(WAIT).until(() -> first.acks.size() == 1);

            second.publish(TestSnapshots.web(2, 1));
            second.registerAsLeader(client, paths, 2);

            // The first stream is still open: only the ZooKeeper change can move the node.
            await().atMost(WAIT).until(() -> second.acks.size() == 1);
            assertThat(applier.state().epoch()).isEqualTo(2);
            await().atMost(WAIT).until(() -> first.subscriberCount() == 0);
        }
    }

    @Test
    void waitsForALeaderToAppearInZooKeeper() throws Exception {
        try (FakeControlPlane leader = FakeControlPlane.leader();
                ControlClient ignored = ControlClient.start(client, paths, IDENTITY, applier)) {
            leader.publish(TestSnapshots.web(1, 1));
            leader.registerAsLeader(client, paths, 1);
            await().atMost(WAIT).until(() -> leader.acks.size() == 1);
        }
    }

    @Test
    void aHalfOpenStreamIsDetectedByKeepaliveAndResubscribed() throws Exception {
        try (FakeControlPlane leader = FakeControlPlane.leader();
                FreezableRelay relay = new FreezableRelay(Integer.parseInt(leader.address().split(":")[1]))) {
            leader.registerAsLeader(client, paths, 1, relay.address());
            leader.publish(TestSnapshots.web(1, 1));
            try (ControlClient ignored = ControlClient.start(client, paths, IDENTITY, applier)) {
                await().atMost(WAIT).until(() -> leader.acks.size() == 1);

                relay.freezeExisting(); // no FIN, no RST: only the keepalive ping can notice

                // keepAliveTime 10 s + keepAliveTimeout 2 s, then a new stream through the relay.
                await().atMost(Duration.ofSeconds(16)).until(() -> leader.hellos.size() == 2);
                assertThat(leader.hellos.get(1).getLastVersion()).isEqualTo(1);
            }
        }
    }
}
