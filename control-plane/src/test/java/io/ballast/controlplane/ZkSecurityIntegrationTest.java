package io.ballast.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.common.zk.ZkClients;
import io.ballast.common.zk.ZkPaths;
import io.ballast.common.zk.ZkSecurity;
import io.ballast.testing.ZooKeeperExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The ZooKeeper ACLs against a real server: each principal may change only its part of the tree,
 * and a rogue client, without credentials or with wrong ones, can change nothing. Every attempt
 * is a real ZooKeeper call; the matrix is printed.
 */
class ZkSecurityIntegrationTest {

    @RegisterExtension
    static final ZooKeeperExtension zk = new ZooKeeperExtension();

    private static final String CP = "ballast-cp:cp-secret";
    private static final String NODE = "ballast-node:node-secret";
    private static final String AGENT = "agent-web:web-secret";
    private static final String OTHER_AGENT = "agent-api:api-secret";

    private final List<CuratorFramework> clients = new ArrayList<>();

    @AfterEach
    void close() {
        clients.forEach(CuratorFramework::close);
    }

    private CuratorFramework client(String credentials, ZkSecurity security) throws InterruptedException {
        CuratorFramework client = credentials == null ? ZkClients.newClient(zk.connectString(), Duration.ofSeconds(5))
                : ZkClients.newClient(zk.connectString(), Duration.ofSeconds(5), credentials, security);
        client.start();
        assertThat(client.blockUntilConnected(10, TimeUnit.SECONDS)).isTrue();
        clients.add(client);
        return client;
    }

    @Test
    void eachPrincipalChangesOnlyItsOwnPartAndARogueClientNothing() throws Exception {
        ZkPaths paths = ZkPaths.forCluster(ZooKeeperExtension.uniqueCluster("acl"));
        ZkSecurity security = new ZkSecurity(paths.root(), ZkSecurity.digest(CP), List.of(ZkSecurity.digest(NODE)),
                List.of(ZkSecurity.digest(AGENT), ZkSecurity.digest(OTHER_AGENT)));
        CuratorFramework cp = client(CP, security);
        CuratorFramework agent = client(AGENT, security);
        CuratorFramework otherAgent = client(OTHER_AGENT, security);
        CuratorFramework node = client(NODE, security);
        CuratorFramework anonymous = client(null, null);
        CuratorFramework wrongPassword = client("agent-web:guessed", security);

        // What each component writes in normal operation works.
        byte[] data = "{}".getBytes(StandardCharsets.UTF_8);
        cp.create().creatingParentsIfNeeded().forPath(paths.serviceConfig("web"), data);
        agent.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(paths.backend("web", "web-1"), data);
        agent.setData().forPath(paths.backend("web", "web-1"), data); // heartbeats update the registration
        node.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(paths.node("node-1"), data);
        node.setData().forPath(paths.node("node-1"), data);
        cp.setData().forPath(paths.backend("web", "web-1"), data);

        Map<String, Runnable> attempts = new LinkedHashMap<>();
        for (var entry : Map.of("anonymous", anonymous, "wrong password", wrongPassword).entrySet()) {
            CuratorFramework rogue = entry.getValue();
            String who = entry.getKey();
            attempts.put(who + ": create a registration", () -> call(() -> rogue.create().withMode(CreateMode.EPHEMERAL)
                    .forPath(paths.backend("web", "rogue"), data)));
            attempts.put(who + ": change a registration", () -> call(() -> rogue.setData().forPath(paths.backend("web", "web-1"), data)));
            attempts.put(who + ": delete a registration", () -> call(() -> rogue.delete().forPath(paths.backend("web", "web-1"))));
            attempts.put(who + ": change a node's registration", () -> call(() -> rogue.setData().forPath(paths.node("node-1"), data)));
            attempts.put(who + ": change a service policy", () -> call(() -> rogue.setData().forPath(paths.serviceConfig("web"), data)));
            attempts.put(who + ": write the epoch", () -> call(() -> rogue.create().creatingParentsIfNeeded().forPath(paths.epoch(), data)));
        }
        attempts.put("other service's agent: change a registration", () -> call(() -> otherAgent.setData()
                .forPath(paths.backend("web", "web-1"), data)));
        attempts.put("agent: change a service policy", () -> call(() -> agent.setData().forPath(paths.serviceConfig("web"), data)));
        attempts.put("agent: register a node", () -> call(() -> agent.create().withMode(CreateMode.EPHEMERAL)
                .forPath(paths.node("fake"), data)));
        attempts.put("node: change a registration", () -> call(() -> node.setData().forPath(paths.backend("web", "web-1"), data)));
        attempts.put("node: create a registration", () -> call(() -> node.create().withMode(CreateMode.EPHEMERAL)
                .forPath(paths.backend("web", "node-made"), data)));
        attempts.put("node: change a service policy", () -> call(() -> node.setData().forPath(paths.serviceConfig("web"), data)));

        System.out.println("[zk-acl] attempt | outcome");
        for (var attempt : attempts.entrySet()) {
            assertThatThrownBy(attempt.getValue()::run).as(attempt.getKey())
                    .hasCauseInstanceOf(KeeperException.NoAuthException.class);
            System.out.println("[zk-acl] " + attempt.getKey() + " | NoAuth (refused)");
        }
        // Reading stays open: nodes and ballastctl read the tree.
        assertThat(anonymous.getChildren().forPath(paths.service("web"))).containsExactly("web-1");
        assertThat(node.getData().forPath(paths.serviceConfig("web"))).isEqualTo(data);
    }

    @Test
    void aControlPlaneWithCredentialsLeadsAndPushesWhatAnAgentWithItsOwnRegistersOnAnAclTree() throws Exception {
        ZkPaths paths = ZkPaths.forCluster(ZooKeeperExtension.uniqueCluster("acl-cp"));
        ZkSecurity security = new ZkSecurity(paths.root(), ZkSecurity.digest(CP), List.of(ZkSecurity.digest(NODE)),
                List.of(ZkSecurity.digest(AGENT)));
        String cluster = paths.root().substring("/ballast/".length());
        try (ControlPlane cp = ControlPlane.start(ControlPlaneConfig.builder().zkConnect(zk.connectString()).cluster(cluster)
                .id("cp-1").listen("127.0.0.1:0").sessionTimeout(Duration.ofSeconds(2))
                .zkAccess(new io.ballast.common.zk.ZkAccess(CP, security)).build())) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> cp.currentSnapshot().isPresent());
            CuratorFramework agent = client(AGENT, security);
            agent.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(paths.backend("web", "web-1"),
                    io.ballast.common.json.Json.write(Replicas.registration("web", "web-1", 8081, 10)));
            io.grpc.ManagedChannel channel = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder
                    .forAddress("127.0.0.1", cp.port()).usePlaintext().build();
            try (TestNode node = TestNode.subscribe(channel, "n1")) {
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> node.latest()
                        .map(s -> s.getServicesCount() == 1 && s.getServices(0).getEndpointsCount() == 1).orElse(false));
            } finally {
                channel.shutdownNow();
            }
            // What the control plane created is its own: an anonymous client cannot move the epoch.
            CuratorFramework anonymous = client(null, null);
            assertThatThrownBy(() -> anonymous.setData().forPath(paths.epoch(), "99".getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOf(KeeperException.NoAuthException.class);
            assertThat(anonymous.getACL().forPath(paths.epoch())).hasSize(2);
        }
    }

    private interface ZkCall {
        void run() throws Exception;
    }

    private static void call(ZkCall call) {
        try {
            call.run();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
