package io.ballast.node.proxy.tcp;

import static io.ballast.node.proxy.tcp.TcpSnapshots.endpoint;
import static io.ballast.node.proxy.tcp.TcpSnapshots.policy;
import static io.ballast.node.proxy.tcp.TcpSnapshots.service;
import static io.ballast.node.proxy.tcp.TcpSnapshots.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ballast.node.metrics.NodeMetrics;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.HashKey;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.RateLimit;
import io.ballast.proto.v1.TcpListener;
import io.ballast.testing.FreePorts;
import io.ballast.testing.NettyLeaks;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** TCP listeners through a real {@link TcpProxy}, real sockets and real TCP backends. */
class TcpProxyTest {

    @RegisterExtension static final NettyLeaks leaks = new NettyLeaks();
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final NodeMetrics metrics = new NodeMetrics();
    private int httpPort;
    private TcpProxy proxy;

    @BeforeEach
    void start() {
        httpPort = FreePorts.onLoopback();
        proxy = TcpProxy.start(new TcpProxyConfig("127.0.0.1", 2, "", Map.of(httpPort, "HTTP")), metrics.registry());
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        for (AutoCloseable closeable : closeables) {
            closeable.close();
        }
    }

    private <T extends AutoCloseable> T track(T closeable) {
        closeables.add(closeable);
        return closeable;
    }

    private TcpBackend echo(String name) {
        return track(TcpBackend.echo(name));
    }

    @Test
    void bytesPassBothWaysAndTheClientsHalfCloseReachesTheBackend() throws Exception {
        TcpBackend b1 = echo("b1");
        int port = FreePorts.onLoopback();
        proxy.apply(snapshot(1, service("db", policy(port), endpoint(b1))));

        try (TcpClient client = TcpClient.connect(port)) {
            assertThat(client.readLine()).isEqualTo("b1");
            client.send("hello ");
            client.send("world\n");
            assertThat(client.readLine()).isEqualTo("hello world");
            // Our FIN reaches the backend (it answers "bye" only then), and its FIN comes back.
            client.socket.shutdownOutput();
            assertThat(client.readToEnd()).isEqualTo("bye\n");
        }
        await().atMost(WAIT).until(() -> proxy.connections() == 0);
        String scrape = metrics.scrape();
        assertThat(scrape).contains("ballast_node_tcp_connections_total{outcome=\"completed\",service=\"db\"} 1.0",
                "ballast_node_tcp_connections_active{service=\"db\"} 0.0",
                "ballast_node_tcp_bytes_total{direction=\"in\",service=\"db\"} 12.0",
                // greeting + echo + bye
                "ballast_node_tcp_bytes_total{direction=\"out\",service=\"db\"} 19.0");
    }

    @Test
    void theBackendsHalfCloseReachesTheClientWhichCanStillSend() throws Exception {
        TcpBackend b1 = track(TcpBackend.start("b1", (socket, backend) -> {
            socket.getOutputStream().write("done\n".getBytes());
            socket.shutdownOutput();
            backend.received.append(new String(socket.getInputStream().readAllBytes()));
        }));
        int port = FreePorts.onLoopback();
        proxy.apply(snapshot(1, service("db", policy(port), endpoint(b1))));

        try (TcpClient client = TcpClient.connect(port)) {
            assertThat(client.readToEnd()).isEqualTo("b1\ndone\n");
            client.send("still here");
            client.socket.shutdownOutput();
            await().atMost(WAIT).until(() -> b1.received.toString().equals("still here"));
        }
    }

    @Test
    void aLargeTransferToASlowReaderIsHeldBackNotBuffered() throws Exception {
        long total = 64L << 20;
        AtomicLong written = new AtomicLong();
        byte[] chunk = new byte[64 << 10];
        new Random(7).nextBytes(chunk);
        TcpBackend source = track(TcpBackend.start("src", (socket, backend) -> {
            OutputStream out = socket.getOutputStream();
            for (long sent = 0; sent < total; sent += chunk.length) {
                out.write(chunk);
                written.addAndGet(chunk.length);
            }
            socket.shutdownOutput();
        }));
        int port = FreePorts.onLoopback();
        proxy.apply(snapshot(1, service("bulk", policy(port), endpoint(source))));

        try (TcpClient client = TcpClient.connect(port)) {
            assertThat(client.readLine()).isEqualTo("src");
            // The client reads nothing: the backend gets stuck once the socket buffers on the way are
            // full (a few MB), far short of the 64 MB it wants to send. Without backpressure the node
            // would read all of it into memory.
            await().atMost(WAIT).until(() -> written.get() >= 1 << 20);
            await().during(Duration.ofSeconds(1)).atMost(WAIT).until(() -> written.get() < total / 2);

            MessageDigest expected = MessageDigest.getInstance("SHA-256");
            for (long sent = 0; sent < total; sent += chunk.length) {
                expected.update(chunk);
            }
            MessageDigest actual = MessageDigest.getInstance("SHA-256");
            InputStream in = client.in();
            byte[] buffer = new byte[16 << 10];
            long received = 0;
            for (int n; (n = in.read(buffer)) >= 0; ) {
                actual.update(buffer, 0, n);
                received += n;
            }
            assertThat(received).isEqualTo(total);
            assertThat(actual.digest()).isEqualTo(expected.digest());
        }
    }

    @Test
    void roundRobinSpreadsConnectionsAcrossTwoBackends() throws Exception {
        TcpBackend b1 = echo("b1");
        TcpBackend b2 = echo("b2");
        int port = FreePorts.onLoopback();
        proxy.apply(snapshot(1, service("db", policy(port), endpoint(b1), endpoint(b2))));

        Map<String, Integer> landed = new HashMap<>();
        for (int i = 0; i < 10; i++) {
            try (TcpClient client = TcpClient.connect(port)) {
                landed.merge(client.readLine(), 1, Integer::sum);
            }
        }
        assertThat(landed).containsExactlyInAnyOrderEntriesOf(Map.of("b1", 5, "b2", 5));
    }

    @Test
    void clientIpHashingSticksToOneBackendPerClientAddress() throws Exception {
        List<TcpBackend> backends = List.of(echo("b1"), echo("b2"), echo("b3"));
        int port = FreePorts.onLoopback();
        proxy.apply(snapshot(1, service("db", policy(port).setAlgorithm(LbAlgorithm.MAGLEV)
                        .setHashKey(HashKey.newBuilder().setSource(HashKey.Source.CLIENT_IP)),
                backends.stream().map(TcpSnapshots::endpoint).toArray(io.ballast.proto.v1.Endpoint[]::new))));

        Set<String> seenOverall = new HashSet<>();
        for (int ip = 1; ip <= 8; ip++) {
            String from = "127.0.9." + ip;
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < 5; i++) {
                try (TcpClient client = TcpClient.connectFrom(from, port)) {
                    seen.add(client.readLine());
                }
            }
            assertThat(seen).as("backends seen from " + from).hasSize(1);
            seenOverall.addAll(seen);
        }
        // Eight addresses do not all hash to one of three backends.
        assertThat(seenOverall).hasSizeGreaterThan(1);
    }

    @Test
    void aFailedConnectIsRetriedOnAnotherEndpoint() throws Exception {
        TcpBackend live = echo("live");
        int dead = FreePorts.onLoopback(); // nothing listens there
        int port = FreePorts.onLoopback();
        proxy.apply(snapshot(1, service("db", policy(port), endpoint("dead", dead), endpoint(live))));

        for (int i = 0; i < 6; i++) {
            try (TcpClient client = TcpClient.connect(port)) {
                assertThat(client.readLine()).isEqualTo("live");
            }
        }
        // Without retries, the connections that land on the dead endpoint are closed at once.
        proxy.apply(snapshot(2, service("db", policy(port).setConnectRetries(0), endpoint("dead", dead), endpoint(live))));
        List<String> greetings = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            try (TcpClient client = TcpClient.connect(port)) {
                greetings.add(String.valueOf(client.readLine()));
            }
        }
        assertThat(greetings).contains("null", "live");
        assertThat(metrics.scrape()).containsPattern("ballast_node_tcp_connections_total\\{outcome=\"connect_failed\",service=\"db\"} [1-9]");
    }

    @Test
    void aFailedConnectEjectsTheEndpointOnThisNodeAndIsReported() throws Exception {
        TcpBackend live = echo("live");
        int dead = FreePorts.onLoopback();
        int port = FreePorts.onLoopback();
        proxy.apply(snapshot(1, service("db", policy(port).setOutlierDetection(
                        io.ballast.proto.v1.OutlierDetection.newBuilder().setConsecutiveGatewayFailure(1)),
                endpoint("dead", dead), endpoint(live))));

        for (int i = 0; i < 6; i++) {
            try (TcpClient client = TcpClient.connect(port)) {
                assertThat(client.readLine()).isEqualTo("live");
            }
        }
        // One failure ejected it: no later connection tried it again.
        Map<String, io.ballast.proto.v1.EndpointOutcomes> outcomes = proxy.outcomesByAddress();
        assertThat(outcomes.get("127.0.0.1:" + dead).getGatewayFailures()).isEqualTo(1);
        assertThat(outcomes.get("127.0.0.1:" + dead).getEjected()).isTrue();
        assertThat(outcomes.get("127.0.0.1:" + live.port()).getSuccesses()).isEqualTo(6);
    }

    @Test
    void aDrainingEndpointGetsNoNewConnectionsAndKeepsItsOpenOnes() throws Exception {
        TcpBackend b1 = echo("b1");
        TcpBackend b2 = echo("b2");
        int port = FreePorts.onLoopback();
        proxy.apply(snapshot(1, service("db", policy(port), endpoint(b1), endpoint(b2))));
        TcpClient onB2 = null;
        for (int i = 0; i < 2 && onB2 == null; i++) {
            TcpClient client = track(TcpClient.connect(port));
            if (client.readLine().equals("b2")) {
                onB2 = client;
            }
        }
        assertThat(onB2).isNotNull();

        proxy.apply(snapshot(2, service("db", policy(port), endpoint(b1),
                endpoint(b2).toBuilder().setState(EndpointState.DRAINING).setWeight(0).build())));
        for (int i = 0; i < 6; i++) {
            try (TcpClient client = TcpClient.connect(port)) {
                assertThat(client.readLine()).isEqualTo("b1");
            }
        }
        onB2.send("still relayed\n");
        assertThat(onB2.readLine()).isEqualTo("still relayed");
        assertThat(proxy.openByAddress(1_000)).containsEntry("127.0.0.1:" + b2.port(), 1);
    }

    @Test
    void leastConnectionsCountsConnectionsOpenedUnderEarlierSnapshots() throws Exception {
        TcpBackend b1 = echo("b1");
        TcpBackend b2 = echo("b2");
        TcpProxy single = track(TcpProxy.start(new TcpProxyConfig("127.0.0.1", 1, "", Map.of()), metrics.registry()));
        int port = FreePorts.onLoopback();
        single.apply(snapshot(1, service("db", policy(port).setAlgorithm(LbAlgorithm.LEAST_CONNECTIONS), endpoint(b1), endpoint(b2))));
        TcpClient first = track(TcpClient.connect(port));
        String firstLanded = first.readLine();

        for (int version = 2; version <= 4; version++) {
            // New weights, same endpoints: the targets are rebuilt, the open connection still counts.
            single.apply(snapshot(version, service("db", policy(port).setAlgorithm(LbAlgorithm.LEAST_CONNECTIONS),
                    endpoint(b1).toBuilder().setWeight(100 + version).build(),
                    endpoint(b2).toBuilder().setWeight(100 + version).build())));
            try (TcpClient other = TcpClient.connect(port)) {
                assertThat(other.readLine()).as("version " + version).isNotEqualTo(firstLanded);
            }
            await().atMost(WAIT).until(() -> single.connections() == 1);
        }
    }

    @Test
    void listenersFollowTheSnapshotAndOpenConnectionsOutliveTheirListener() throws Exception {
        TcpBackend b1 = echo("b1");
        int first = FreePorts.onLoopback();
        int second = FreePorts.onLoopback();
        proxy.apply(snapshot(1, service("db", policy(first), endpoint(b1))));
        assertThat(proxy.ports()).containsExactly(first);
        TcpClient open = track(TcpClient.connect(first));
        assertThat(open.readLine()).isEqualTo("b1");

        proxy.apply(snapshot(2, service("db", policy(second), endpoint(b1))));
        assertThat(proxy.ports()).containsExactly(second);
        assertThatThrownBy(() -> TcpClient.connect(first)).isInstanceOf(ConnectException.class);
        try (TcpClient client = TcpClient.connect(second)) {
            assertThat(client.readLine()).isEqualTo("b1");
        }
        open.send("ping\n");
        assertThat(open.readLine()).isEqualTo("ping");

        proxy.apply(snapshot(3, service("db", policy(second).clearTcp(), endpoint(b1))));
        assertThat(proxy.ports()).isEmpty();
        assertThatThrownBy(() -> TcpClient.connect(second)).isInstanceOf(ConnectException.class);
    }

    @Test
    void aPortThatCannotBeBoundRefusesTheSnapshotAndChangesNothing() throws Exception {
        TcpBackend b1 = echo("b1");
        TcpBackend b2 = echo("b2");
        int port = FreePorts.onLoopback();
        proxy.apply(snapshot(1, service("db", policy(port), endpoint(b1))));
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int fresh = FreePorts.onLoopback();
            // db moves to b2 and a new service wants a port that is in use: nothing of it may apply,
            // not even the free port of a third service.
            assertThatThrownBy(() -> proxy.apply(snapshot(2, service("db", policy(port), endpoint(b2)),
                    service("cache", policy(fresh), endpoint(b2)),
                    service("queue", policy(taken.getLocalPort()), endpoint(b2)))))
                    .isInstanceOf(TcpListenerException.class)
                    .hasToString("services[2].policy.tcp.port: " + taken.getLocalPort()
                            + " (expected: a port this node can listen on at 127.0.0.1, but: Address already in use)");
            assertThat(proxy.ports()).containsExactly(port);
            try (TcpClient client = TcpClient.connect(port)) {
                assertThat(client.readLine()).isEqualTo("b1");
            }
        }
        assertThatThrownBy(() -> proxy.apply(snapshot(3, service("web", policy(httpPort), endpoint(b2)))))
                .hasToString("services[0].policy.tcp.port: " + httpPort + " (expected: not this node's HTTP port)");
        assertThat(proxy.ports()).containsExactly(port);
    }

    @Test
    void overTheRateLimitAConnectionIsClosedAtOnce() throws Exception {
        TcpBackend b1 = echo("b1");
        int port = FreePorts.onLoopback();
        proxy.apply(snapshot(1, service("db", policy(port).setRateLimit(RateLimit.newBuilder()
                .setClusterRequestsPerSecond(0.001).setNodeRequestsPerSecond(0.001).setBurst(1)), endpoint(b1))));
        try (TcpClient client = TcpClient.connect(port)) {
            assertThat(client.readLine()).isEqualTo("b1");
        }
        try (TcpClient client = TcpClient.connect(port)) {
            assertThat(client.readLine()).isNull();
        }
        assertThat(b1.accepted.get()).isEqualTo(1);
        assertThat(metrics.scrape()).contains("ballast_node_tcp_connections_total{outcome=\"rate_limited\",service=\"db\"} 1.0");
    }

    @Test
    void anIdleConnectionIsClosed() throws Exception {
        TcpBackend b1 = echo("b1");
        int port = FreePorts.onLoopback();
        proxy.apply(snapshot(1, service("db", policy(port).setTcp(TcpListener.newBuilder().setPort(port).setIdleTimeoutMillis(300)),
                endpoint(b1))));
        try (TcpClient client = TcpClient.connect(port)) {
            assertThat(client.readLine()).isEqualTo("b1");
            assertThat(client.readLine()).isNull(); // closed by the node, well within the read timeout
        }
        await().atMost(WAIT).until(() -> b1.open() == 0);
        assertThat(metrics.scrape()).contains("ballast_node_tcp_connections_total{outcome=\"idle_timeout\",service=\"db\"} 1.0");
    }

    @Test
    void stoppingAcceptingRefusesNewConnectionsWhileOpenOnesFinish() throws Exception {
        TcpBackend b1 = echo("b1");
        int port = FreePorts.onLoopback();
        proxy.apply(snapshot(1, service("db", policy(port), endpoint(b1))));
        TcpClient open = track(TcpClient.connect(port));
        assertThat(open.readLine()).isEqualTo("b1");

        proxy.stopAccepting();
        assertThatThrownBy(() -> TcpClient.connect(port)).isInstanceOf(ConnectException.class);
        // A snapshot during the drain binds nothing.
        proxy.apply(snapshot(2, service("db", policy(port), endpoint(b1))));
        assertThat(proxy.ports()).isEmpty();
        open.send("ping\n");
        assertThat(open.readLine()).isEqualTo("ping");
        assertThat(proxy.awaitConnectionsClosed(Duration.ofMillis(50))).isFalse();
        open.close();
        assertThat(proxy.awaitConnectionsClosed(WAIT)).isTrue();
    }
}
