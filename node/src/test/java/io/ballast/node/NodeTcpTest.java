package io.ballast.node;

import static io.ballast.node.proxy.tcp.TcpSnapshots.endpoint;
import static io.ballast.node.proxy.tcp.TcpSnapshots.policy;
import static io.ballast.node.proxy.tcp.TcpSnapshots.service;
import static io.ballast.node.proxy.tcp.TcpSnapshots.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ballast.common.zk.ZkPaths;
import io.ballast.node.control.FakeControlPlane;
import io.ballast.node.proxy.tcp.TcpBackend;
import io.ballast.node.proxy.tcp.TcpClient;
import io.ballast.proto.v1.Snapshot;
import io.ballast.testing.FreePorts;
import io.ballast.testing.ZooKeeperExtension;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** TCP listeners of a whole node: pushed by the control stream, NACKed when unbindable, restored, drained. */
class NodeTcpTest {

    @RegisterExtension static final ZooKeeperExtension zk = new ZooKeeperExtension();
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir Path stateDir;

    private String cluster;
    private ZkPaths paths;
    private CuratorFramework client;
    private TcpBackend b1;
    private TcpBackend b2;

    @BeforeEach
    void setUp() {
        cluster = ZooKeeperExtension.uniqueCluster("node-tcp");
        paths = ZkPaths.forCluster(cluster);
        client = zk.newClient(Duration.ofSeconds(2));
        b1 = TcpBackend.echo("b1");
        b2 = TcpBackend.echo("b2");
    }

    @AfterEach
    void tearDown() throws Exception {
        b1.close();
        b2.close();
    }

    private NodeConfig config(String zkConnect) {
        return NodeConfig.builder().zkConnect(zkConnect).cluster(cluster).id("node-t").listen("127.0.0.1:0")
                .admin("127.0.0.1:0").stateDir(stateDir).ioThreads(1).sessionTimeout(Duration.ofSeconds(2)).build();
    }

    private static Snapshot db(long version, int port, TcpBackend backend) {
        return snapshot(version, service("db", policy(port), endpoint(backend)));
    }

    private static String greeting(int port) throws Exception {
        try (TcpClient tcp = TcpClient.connect(port)) {
            return tcp.readLine();
        }
    }

    @Test
    void listensAsPushedAndNacksAPortItCannotBindKeepingTheOldSnapshot() throws Exception {
        int port = FreePorts.onLoopback();
        try (FakeControlPlane leader = FakeControlPlane.leader(); Node node = Node.start(config(zk.connectString()))) {
            leader.registerAsLeader(client, paths, 1);
            leader.publish(db(1, port, b1));
            await().atMost(WAIT).until(() -> leader.acks.size() == 1);
            assertThat(greeting(port)).isEqualTo("b1");

            int adminPort = node.adminAddress().getPort();
            leader.publish(db(2, adminPort, b2));
            await().atMost(WAIT).until(() -> leader.nacks.size() == 1);
            assertThat(leader.nacks.get(0).getErrorDetail()).isEqualTo("proxy could not apply the snapshot: "
                    + "services[0].policy.tcp.port: " + adminPort + " (expected: not this node's admin port)");

            try (ServerSocket taken = new ServerSocket()) {
                taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                leader.publish(db(3, taken.getLocalPort(), b2));
                await().atMost(WAIT).until(() -> leader.nacks.size() == 2);
                assertThat(leader.nacks.get(1).getErrorDetail()).isEqualTo("proxy could not apply the snapshot: "
                        + "services[0].policy.tcp.port: " + taken.getLocalPort()
                        + " (expected: a port this node can listen on at 127.0.0.1, but: Address already in use)");
            }
            assertThat(node.applied().version()).isEqualTo(1);
            assertThat(node.tcpPorts()).containsExactly(port);
            assertThat(greeting(port)).isEqualTo("b1");

            // A TCP connection open to a backend is reported like a request in flight (drain barriers wait on it).
            try (TcpClient open = TcpClient.connect(port)) {
                assertThat(open.readLine()).isEqualTo("b1");
                String address = "127.0.0.1:" + b1.port();
                await().atMost(WAIT).until(() -> leader.reports.stream().anyMatch(r -> r.getInFlightOrDefault(address, 0) == 1));
            }

            int moved = FreePorts.onLoopback();
            leader.publish(db(4, moved, b2));
            await().atMost(WAIT).until(() -> leader.acks.size() == 2);
            assertThat(node.tcpPorts()).containsExactly(moved);
            assertThat(greeting(moved)).isEqualTo("b2");
            assertThatThrownBy(() -> greeting(port)).isInstanceOf(ConnectException.class);
        }
    }

    @Test
    void restartsWithTheStoredListenersWithoutZooKeeperOrControlPlane() throws Exception {
        int port = FreePorts.onLoopback();
        try (FakeControlPlane leader = FakeControlPlane.leader()) {
            leader.registerAsLeader(client, paths, 1);
            leader.publish(db(1, port, b1));
            try (Node node = Node.start(config(zk.connectString()))) {
                await().atMost(WAIT).until(() -> leader.acks.size() == 1);
            }
        }
        try (Node restarted = Node.start(config("127.0.0.1:" + FreePorts.onLoopback()))) {
            assertThat(restarted.tcpPorts()).containsExactly(port);
            assertThat(greeting(port)).isEqualTo("b1");
        }
    }

    @Test
    void shutdownStopsAcceptingAndLetsAnOpenConnectionFinish() throws Exception {
        int port = FreePorts.onLoopback();
        try (FakeControlPlane leader = FakeControlPlane.leader()) {
            leader.registerAsLeader(client, paths, 1);
            leader.publish(db(1, port, b1));
            Node node = Node.start(config(zk.connectString()));
            try {
                await().atMost(WAIT).until(() -> leader.acks.size() == 1);
                TcpClient open = TcpClient.connect(port);
                assertThat(open.readLine()).isEqualTo("b1");

                CompletableFuture<Boolean> shutdown = CompletableFuture.supplyAsync(() -> node.shutdown(Duration.ofSeconds(10)));
                await().atMost(WAIT).untilAsserted(() -> assertThatThrownBy(() -> greeting(port)).isInstanceOf(ConnectException.class));
                open.send("still relayed\n");
                assertThat(open.readLine()).isEqualTo("still relayed");
                assertThat(shutdown).isNotDone();
                open.close();
                assertThat(shutdown.get(10, TimeUnit.SECONDS)).as("drained in time").isTrue();
            } finally {
                node.close();
            }
        }
    }
}
