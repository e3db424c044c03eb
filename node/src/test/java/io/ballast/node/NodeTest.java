package io.ballast.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import io.ballast.common.json.Json;
import io.ballast.common.model.NodeRegistration;
import io.ballast.common.zk.ZkPaths;
import io.ballast.node.control.FakeControlPlane;
import io.ballast.node.snapshot.TestSnapshots;
import io.ballast.proto.v1.Snapshot;
import io.ballast.testing.FreePorts;
import io.ballast.testing.RecordingBackend;
import io.ballast.testing.ZooKeeperExtension;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A whole node (proxy, admin, ZooKeeper, control stream) against real ZooKeeper, gRPC and HTTP backends. */
@SuppressWarnings("try") // resources opened only to be closed after the test body
class NodeTest {

    @RegisterExtension static final ZooKeeperExtension zk = new ZooKeeperExtension();
    @RegisterExtension final RecordingBackend backends = new RecordingBackend();
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir Path stateDir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private String cluster;
    private ZkPaths paths;
    private CuratorFramework client;

    @BeforeEach
    void setUp() {
        cluster = ZooKeeperExtension.uniqueCluster("node");
        paths = ZkPaths.forCluster(cluster);
        client = zk.newClient(Duration.ofSeconds(2));
    }

    private NodeConfig config(String zkConnect) {
        return NodeConfig.builder()
                .zkConnect(zkConnect)
                .cluster(cluster)
                .id("node-t")
                .listen("127.0.0.1:0")
                .admin("127.0.0.1:0")
                .zone("z1")
                .stateDir(stateDir)
                .ioThreads(1)
                .sessionTimeout(Duration.ofSeconds(2))
                .build();
    }

    private static Snapshot routingTo(long epoch, long version, RecordingBackend.Instance backend) {
        return TestSnapshots.web(epoch, version, TestSnapshots.endpoint(backend.name(), backend.host(), backend.port(), 100));
    }

    @Test
    void appliesAPushedSnapshotServesItAndRegistersTheAppliedVersion() throws Exception {
        RecordingBackend.Instance web1 = backends.start("web-1");
        try (FakeControlPlane leader = FakeControlPlane.leader()) {
            leader.registerAsLeader(client, paths, 1);
            leader.publish(routingTo(1, 3, web1));

            try (Node node = Node.start(config(zk.connectString()))) {
                await().atMost(WAIT).until(() -> leader.acks.size() == 1);
                assertThat(proxyGet(node).body()).isEqualTo("web-1\n");
                assertThat(adminGet(node, "/ready").statusCode()).isEqualTo(200);

                JsonNode snapshot = Json.mapper().readTree(adminGet(node, "/snapshot").body());
                assertThat(snapshot.path("version").asLong()).isEqualTo(3);
                assertThat(snapshot.path("services").get(0).path("endpoints").get(0).path("id").asText()).isEqualTo("web-1");

                String proxyAddress = "127.0.0.1:" + node.proxyAddress().getPort();
                assertThat(leader.hellos.get(0).getProxyAddress()).isEqualTo(proxyAddress);
                String adminAddress = "127.0.0.1:" + node.adminAddress().getPort();
                await().atMost(WAIT).until(() -> registration().appliedVersion() == 3);
                assertThat(registration()).isEqualTo(new NodeRegistration("node-t", proxyAddress, adminAddress, "z1", 1, 3, ""));
            }
            // Closing deletes the ephemeral registration at once.
            assertThat(client.checkExists().forPath(paths.node("node-t"))).isNull();
        }
    }

    @Test
    void nacksAnInvalidSnapshotAndKeepsServingTheOldOne() throws Exception {
        RecordingBackend.Instance web1 = backends.start("web-1");
        RecordingBackend.Instance web2 = backends.start("web-2");
        try (FakeControlPlane leader = FakeControlPlane.leader();
                Node node = Node.start(config(zk.connectString()))) {
            leader.registerAsLeader(client, paths, 1);
            leader.publish(routingTo(1, 1, web1));
            await().atMost(WAIT).until(() -> leader.acks.size() == 1);

            Snapshot invalid = routingTo(1, 2, web2).toBuilder().setDefaultService("missing").build();
            leader.publish(invalid);

            await().atMost(WAIT).until(() -> leader.nacks.size() == 1);
            String detail = "default_service: \"missing\" (expected: \"\" or the name of a service in this snapshot)";
            assertThat(leader.nacks.get(0).getErrorDetail()).isEqualTo(detail);
            for (int i = 0; i < 3; i++) {
                assertThat(proxyGet(node).body()).isEqualTo("web-1\n");
            }
            assertThat(web2.requests()).isZero();
            JsonNode snapshot = Json.mapper().readTree(adminGet(node, "/snapshot").body());
            assertThat(snapshot.path("version").asLong()).isEqualTo(1);
            assertThat(snapshot.path("applied").path("lastError").asText()).isEqualTo(detail);
            await().atMost(WAIT).until(() -> registration().lastError().equals(detail));
            assertThat(registration().appliedVersion()).isEqualTo(1);
        }
    }

    @Test
    void restartsAndServesFromItsStateDirWithoutZooKeeperOrControlPlane() throws Exception {
        RecordingBackend.Instance web1 = backends.start("web-1");
        try (FakeControlPlane leader = FakeControlPlane.leader()) {
            leader.registerAsLeader(client, paths, 4);
            leader.publish(routingTo(4, 2, web1));
            try (Node node = Node.start(config(zk.connectString()))) {
                await().atMost(WAIT).until(() -> leader.acks.size() == 1);
            }
        }

        // Nothing listens at this ZooKeeper address, and the control plane is gone.
        String deadZk = "127.0.0.1:" + FreePorts.onLoopback();
        Node restarted = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> Node.start(config(deadZk)));
        try (restarted) {
            assertThat(restarted.applied().epoch()).isEqualTo(4);
            assertThat(restarted.applied().version()).isEqualTo(2);
            assertThat(adminGet(restarted, "/ready").statusCode()).isEqualTo(200);
            assertThat(proxyGet(restarted).body()).isEqualTo("web-1\n");
            JsonNode snapshot = Json.mapper().readTree(adminGet(restarted, "/snapshot").body());
            assertThat(snapshot.path("epoch").asLong()).isEqualTo(4);
            assertThat(snapshot.path("version").asLong()).isEqualTo(2);
        }
    }

    @Test
    void computedWeightsDecayToTheDeclaredOnesWhenTheControlPlaneIsSilentPastTheMaxAge() throws Exception {
        RecordingBackend.Instance web1 = backends.start("web-1");
        RecordingBackend.Instance web2 = backends.start("web-2");
        Snapshot loadBased = TestSnapshots.web(1, 1,
                TestSnapshots.endpoint("web-1", web1.host(), web1.port(), 90).toBuilder().setDeclaredWeight(50).build(),
                TestSnapshots.endpoint("web-2", web2.host(), web2.port(), 10).toBuilder().setDeclaredWeight(50).build());
        loadBased = loadBased.toBuilder().setServices(0, loadBased.getServices(0).toBuilder().setPolicy(
                loadBased.getServices(0).getPolicy().toBuilder().setAlgorithm(io.ballast.proto.v1.LbAlgorithm.WEIGHTED_ROUND_ROBIN)))
                .build();
        NodeConfig config = NodeConfig.builder().zkConnect(zk.connectString()).cluster(cluster).id("node-t")
                .listen("127.0.0.1:0").admin("127.0.0.1:0").stateDir(stateDir).ioThreads(1)
                .sessionTimeout(Duration.ofSeconds(2)).weightMaxAge(Duration.ofSeconds(1)).build();
        try (Node node = Node.start(config)) {
            try (FakeControlPlane leader = FakeControlPlane.leader()) {
                leader.registerAsLeader(client, paths, 1);
                leader.publish(loadBased);
                await().atMost(WAIT).until(() -> leader.acks.size() == 1);
                // Smooth WRR over one loop: 100 picks are exactly the weights while the leader is heard.
                assertThat(split(node, 100)).containsEntry("web-1", 90).containsEntry("web-2", 10);
            }
            // Leader gone: after 1 s the weights move linearly back to the declared 50/50 over 1 more second.
            await().atMost(WAIT).pollInterval(Duration.ofMillis(200))
                    .until(() -> split(node, 100), shares -> shares.getOrDefault("web-2", 0) == 50);
            // What the node reports as applied is still the leader's snapshot.
            assertThat(node.applied().snapshot()).isEqualTo(loadBased);
        }
    }

    @Test
    void reportsWhatEachBackendAnsweredOnTheControlStream() throws Exception {
        RecordingBackend.Instance web1 = backends.start("web-1");
        try (FakeControlPlane leader = FakeControlPlane.leader();
                Node node = Node.start(config(zk.connectString()))) {
            leader.registerAsLeader(client, paths, 1);
            leader.publish(routingTo(1, 1, web1));
            await().atMost(WAIT).until(() -> leader.acks.size() == 1);
            for (int i = 0; i < 7; i++) {
                assertThat(proxyGet(node).statusCode()).isEqualTo(200);
            }
            String address = web1.host() + ":" + web1.port();
            // Reports carry what happened since the previous one: their sum is the total.
            await().atMost(WAIT).until(() -> leader.reports.stream()
                    .mapToLong(r -> r.getOutcomesOrDefault(address, io.ballast.proto.v1.EndpointOutcomes.getDefaultInstance())
                            .getSuccesses()).sum() == 7);
            assertThat(leader.reports.stream().filter(r -> r.containsOutcomes(address))
                    .allMatch(r -> !r.getOutcomesOrThrow(address).getEjected())).isTrue();
        }
    }

    @Test
    void shutdownDeregistersRefusesNewConnectionsAndLetsALongRequestFinish() throws Exception {
        com.sun.net.httpserver.HttpServer slow = com.sun.net.httpserver.HttpServer.create(
                new InetSocketAddress("127.0.0.1", 0), 8);
        java.util.concurrent.ExecutorService executor = java.util.concurrent.Executors.newCachedThreadPool();
        java.util.concurrent.atomic.AtomicInteger arrived = new java.util.concurrent.atomic.AtomicInteger();
        slow.setExecutor(executor);
        slow.createContext("/", exchange -> {
            arrived.incrementAndGet();
            try {
                Thread.sleep(2_000); // the backend's work: a 2-second request
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = "slow\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        slow.start();
        try (FakeControlPlane leader = FakeControlPlane.leader()) {
            leader.registerAsLeader(client, paths, 1);
            leader.publish(TestSnapshots.web(1, 1, TestSnapshots.endpoint("slow", "127.0.0.1", slow.getAddress().getPort(), 100)));
            Node node = Node.start(config(zk.connectString()));
            try {
                await().atMost(WAIT).until(() -> leader.acks.size() == 1);
                await().atMost(WAIT).until(() -> client.checkExists().forPath(paths.node("node-t")) != null);
                InetSocketAddress proxyAddress = node.proxyAddress();
                java.util.concurrent.CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxyAddress.getPort() + "/long"))
                                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
                await().atMost(WAIT).until(() -> arrived.get() == 1);

                java.util.concurrent.CompletableFuture<Boolean> shutdown = java.util.concurrent.CompletableFuture.supplyAsync(
                        () -> node.shutdown(Duration.ofSeconds(10)), executor);

                await().atMost(WAIT).until(() -> client.checkExists().forPath(paths.node("node-t")) == null);
                await().atMost(WAIT).untilAsserted(() -> org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> new java.net.Socket(proxyAddress.getAddress(), proxyAddress.getPort()).close())
                        .isInstanceOf(java.net.ConnectException.class));

                HttpResponse<String> response = inFlight.get(10, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.body()).isEqualTo("slow\n");
                assertThat(shutdown.get(10, java.util.concurrent.TimeUnit.SECONDS)).as("drained in time").isTrue();
            } finally {
                node.close();
                slow.stop(0);
                executor.shutdownNow();
            }
        }
    }

    private Map<String, Integer> split(Node node, int requests) throws IOException, InterruptedException {
        Map<String, Integer> bodies = new java.util.TreeMap<>();
        for (int i = 0; i < requests; i++) {
            bodies.merge(proxyGet(node).body().trim(), 1, Integer::sum);
        }
        return bodies;
    }

    @Test
    void startsWithoutZooKeeperAndWithoutStateAndIsNotReady() throws Exception {
        String deadZk = "127.0.0.1:" + FreePorts.onLoopback();
        Node node = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> Node.start(config(deadZk)));
        try {
            assertThat(adminGet(node, "/healthz").statusCode()).isEqualTo(200);
            assertThat(adminGet(node, "/ready").statusCode()).isEqualTo(503);
            assertThat(adminGet(node, "/snapshot").statusCode()).isEqualTo(404);
        } finally {
            // Closing is bounded too, although ZooKeeper never answered.
            assertTimeoutPreemptively(Duration.ofSeconds(10), node::close);
        }
    }

    private NodeRegistration registration() throws Exception {
        String path = paths.node("node-t");
        if (client.checkExists().forPath(path) == null) {
            return new NodeRegistration("", "", "", "", -1, -1, "");
        }
        return Json.read(client.getData().forPath(path), NodeRegistration.class, path);
    }

    private HttpResponse<String> proxyGet(Node node) throws IOException, InterruptedException {
        return get(node.proxyAddress(), "/");
    }

    private HttpResponse<String> adminGet(Node node, String path) throws IOException, InterruptedException {
        return get(node.adminAddress(), path);
    }

    private HttpResponse<String> get(InetSocketAddress address, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + address.getPort() + path))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
