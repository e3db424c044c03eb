package io.ballast.launcher.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.common.config.HostPort;
import io.ballast.common.zk.ZkClients;
import io.ballast.testing.FreePorts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded server for real: start it on a free port, talk to it with Curator, stop it. */
class EmbeddedZooKeeperTest {

    private static ZooKeeperConfig standalone(Path dataDir) {
        return new ZooKeeperConfig(new HostPort("127.0.0.1", FreePorts.onLoopback()), dataDir, 200, 0, List.of());
    }

    @Test
    void servesClientsAndDeletesItsTemporaryDataDirOnClose() throws Exception {
        Path dataDir;
        try (EmbeddedZooKeeper zooKeeper = EmbeddedZooKeeper.start(standalone(null))) {
            dataDir = zooKeeper.dataDir();
            assertThat(dataDir).isDirectory();
            try (CuratorFramework client = ZkClients.newClient(zooKeeper.connectString(), Duration.ofSeconds(2))) {
                client.start();
                assertThat(client.blockUntilConnected(10, TimeUnit.SECONDS)).isTrue();
                client.create().creatingParentsIfNeeded().forPath("/ballast/test/hello", "world".getBytes(StandardCharsets.UTF_8));
                assertThat(new String(client.getData().forPath("/ballast/test/hello"), StandardCharsets.UTF_8))
                        .isEqualTo("world");
            }
        }
        assertThat(dataDir).doesNotExist();
    }

    @Test
    void aGivenDataDirIsKeptAndItsDataSurvivesARestart(@TempDir Path dir) throws Exception {
        Path dataDir = dir.resolve("zk");
        ZooKeeperConfig config = standalone(dataDir);
        try (EmbeddedZooKeeper zooKeeper = EmbeddedZooKeeper.start(config);
                CuratorFramework client = ZkClients.newClient(zooKeeper.connectString(), Duration.ofSeconds(2))) {
            client.start();
            client.create().forPath("/kept", new byte[] {1});
        }
        assertThat(dataDir).isDirectory();

        try (EmbeddedZooKeeper zooKeeper = EmbeddedZooKeeper.start(config);
                CuratorFramework client = ZkClients.newClient(zooKeeper.connectString(), Duration.ofSeconds(2))) {
            client.start();
            assertThat(client.getData().forPath("/kept")).containsExactly(1);
        }
    }

    @Test
    void aPortInUseFailsTheStartWithTheAddress() throws Exception {
        ZooKeeperConfig config = standalone(null);
        try (EmbeddedZooKeeper first = EmbeddedZooKeeper.start(config)) {
            assertThatThrownBy(() -> EmbeddedZooKeeper.start(config))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(config.listen().toString());
        }
    }

    @Test
    void threeMembersFormAnEnsembleThatServesClients(@TempDir Path dir) throws Exception {
        List<ZooKeeperPeer> servers = new ArrayList<>();
        List<HostPort> clientAddresses = new ArrayList<>();
        for (int id = 1; id <= 3; id++) {
            servers.add(new ZooKeeperPeer(id, "127.0.0.1", FreePorts.onLoopback(), FreePorts.onLoopback()));
            clientAddresses.add(new HostPort("127.0.0.1", FreePorts.onLoopback()));
        }
        List<EmbeddedZooKeeper> members = new ArrayList<>();
        try {
            List<CompletableFuture<Void>> started = new ArrayList<>();
            for (int id = 1; id <= 3; id++) {
                EmbeddedZooKeeper member = EmbeddedZooKeeper.create(new ZooKeeperConfig(clientAddresses.get(id - 1),
                        dir.resolve("zk" + id), 200, id, servers));
                members.add(member);
                // Each member's start() returns once a quorum has formed, so they start together.
                started.add(CompletableFuture.runAsync(member::start));
            }
            CompletableFuture.allOf(started.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

            String connect = String.join(",", clientAddresses.stream().map(HostPort::toString).toList());
            try (CuratorFramework client = ZkClients.newClient(connect, Duration.ofSeconds(2))) {
                client.start();
                client.create().forPath("/replicated", new byte[] {7});
            }
            // Written through one member, readable through another.
            try (CuratorFramework client = ZkClients.newClient(clientAddresses.get(2).toString(), Duration.ofSeconds(2))) {
                client.start();
                client.sync().forPath("/replicated");
                assertThat(client.getData().forPath("/replicated")).containsExactly(7);
            }
        } finally {
            members.forEach(EmbeddedZooKeeper::close);
        }
    }

    @Test
    void anEnsembleMemberWritesItsIdAndRefusesAnotherServersData(@TempDir Path dir) throws Exception {
        Path dataDir = dir.resolve("zk2");
        List<ZooKeeperPeer> servers = List.of(
                new ZooKeeperPeer(1, "127.0.0.1", FreePorts.onLoopback(), FreePorts.onLoopback()),
                new ZooKeeperPeer(2, "127.0.0.1", FreePorts.onLoopback(), FreePorts.onLoopback()),
                new ZooKeeperPeer(3, "127.0.0.1", FreePorts.onLoopback(), FreePorts.onLoopback()));
        HostPort listen = new HostPort("127.0.0.1", FreePorts.onLoopback());

        // Prepared but not started: ZooKeeper has parsed the configuration, myid included.
        EmbeddedZooKeeper member = EmbeddedZooKeeper.create(new ZooKeeperConfig(listen, dataDir, 200, 2, servers));
        member.close();
        assertThat(Files.readString(dataDir.resolve("myid")).trim()).isEqualTo("2");

        assertThatThrownBy(() -> EmbeddedZooKeeper.create(new ZooKeeperConfig(listen, dataDir, 200, 3, servers)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("server-id: 3 (expected: 2, the id in " + dataDir.resolve("myid") + ")");
    }
}
