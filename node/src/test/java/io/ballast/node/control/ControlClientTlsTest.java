package io.ballast.node.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.common.config.ClientTls;
import io.ballast.common.config.ServerTls;
import io.ballast.common.zk.ZkPaths;
import io.ballast.node.snapshot.SnapshotApplier;
import io.ballast.node.snapshot.SnapshotStore;
import io.ballast.node.snapshot.TestSnapshots;
import io.ballast.proto.v1.Snapshot;
import io.ballast.testing.TestCertificates;
import io.ballast.testing.ZooKeeperExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The node's control stream over mutual TLS, with the credentials {@code --tls-ca/--tls-cert/--tls-key} make. */
@SuppressWarnings("try") // resources opened only to be closed after the test body
class ControlClientTlsTest {

    @RegisterExtension static final ZooKeeperExtension zk = new ZooKeeperExtension();
    @RegisterExtension static final TestCertificates certs = new TestCertificates();
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final NodeIdentity IDENTITY = new NodeIdentity("node-a", "", "127.0.0.1:18080", "127.0.0.1:19901");

    @TempDir Path stateDir;

    private final List<Snapshot> proxied = new CopyOnWriteArrayList<>();
    private ZkPaths paths;
    private CuratorFramework client;
    private SnapshotApplier applier;

    @BeforeEach
    void setUp() {
        paths = ZkPaths.forCluster(ZooKeeperExtension.uniqueCluster("tls"));
        client = zk.newClient(Duration.ofSeconds(2));
        applier = new SnapshotApplier(proxied::add, new SnapshotStore(stateDir));
    }

    private static FakeControlPlane mutualTlsLeader() {
        return FakeControlPlane.leader(new ServerTls(certs.server().cert(), certs.server().key(),
                Optional.of(certs.caCert()), ServerTls.ClientAuth.REQUIRE).credentials());
    }

    private static ClientTls tls(Path ca, TestCertificates.Pair client) {
        return new ClientTls(Optional.of(ca), Optional.ofNullable(client).map(TestCertificates.Pair::cert),
                Optional.ofNullable(client).map(TestCertificates.Pair::key));
    }

    @Test
    void aNodeWithItsCertificateAppliesAndAcksSnapshots() throws Exception {
        try (FakeControlPlane leader = mutualTlsLeader()) {
            leader.registerAsLeader(client, paths, 1);
            Snapshot snapshot = TestSnapshots.web(1, 1);
            leader.publish(snapshot);

            try (ControlClient ignored = ControlClient.start(client, paths, IDENTITY, applier,
                    tls(certs.caCert(), certs.client("node-a")).credentials())) {
                await().atMost(WAIT).until(() -> leader.acks.size() == 1);
                assertThat(proxied).containsExactly(snapshot);
            }
        }
    }

    @Test
    void aNodeThatFailsTheHandshakeKeepsRetryingAndAppliesNothing() throws Exception {
        try (FakeControlPlane leader = mutualTlsLeader()) {
            leader.registerAsLeader(client, paths, 1);
            leader.publish(TestSnapshots.web(1, 1));

            // No client certificate; then a server it does not trust.
            try (ControlClient ignored = ControlClient.start(client, paths, IDENTITY, applier,
                    tls(certs.caCert(), null).credentials());
                    ControlClient alsoIgnored = ControlClient.start(client, paths, IDENTITY, applier,
                            tls(certs.otherCaCert(), certs.client("node-a")).credentials())) {
                Thread.sleep(1_500); // several backoff rounds
                assertThat(leader.hellos).isEmpty();
                assertThat(leader.acks).isEmpty();
                assertThat(proxied).isEmpty();
            }
        }
    }
}
