package io.ballast.node.proxy;

import static io.ballast.node.proxy.TestSnapshots.CONNECT_TIMEOUT_MILLIS;
import static io.ballast.node.proxy.TestSnapshots.RESPONSE_TIMEOUT_MILLIS;
import static io.ballast.node.proxy.TestSnapshots.defaultTo;
import static io.ballast.node.proxy.TestSnapshots.endpoint;
import static io.ballast.node.proxy.TestSnapshots.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.Policy;
import io.ballast.testing.FreePorts;
import io.ballast.testing.NettyLeaks;
import io.ballast.testing.RecordingBackend;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Weighted policies through a real proxy with two I/O loops (so per-loop pickers are exercised). */
class ProxyServerWeightedTest {

    @RegisterExtension
    static final NettyLeaks leaks = new NettyLeaks();

    @RegisterExtension
    final RecordingBackend backends = new RecordingBackend();

    private ProxyServer proxy;

    @BeforeEach
    void startProxy() {
        proxy = ProxyServer.start(ProxyConfig.builder().port(0).ioThreads(2).build());
    }

    @AfterEach
    void stopProxy() {
        proxy.close();
    }

    private static Policy policy(LbAlgorithm algorithm) {
        return Policy.newBuilder().setAlgorithm(algorithm).setConnectTimeoutMillis(CONNECT_TIMEOUT_MILLIS)
                .setResponseTimeoutMillis(RESPONSE_TIMEOUT_MILLIS).setConnectRetries(1).build();
    }

    private static Endpoint weighted(RecordingBackend.Instance backend, int weight) {
        return endpoint(backend).toBuilder().setWeight(weight).build();
    }

    @Test
    void smoothWeightedRoundRobinSplitsThreeOneOneOnOneConnection() {
        RecordingBackend.Instance a = backends.start("a");
        RecordingBackend.Instance b = backends.start("b");
        RecordingBackend.Instance c = backends.start("c");
        proxy.apply(defaultTo(1, service("web", policy(LbAlgorithm.WEIGHTED_ROUND_ROBIN),
                weighted(a, 3), weighted(b, 1), weighted(c, 1))));

        StringBuilder order = new StringBuilder();
        // One keep-alive connection: one event loop, so one smooth sequence from its start.
        try (RawHttp http = new RawHttp(proxy.localAddress())) {
            for (int i = 0; i < 50; i++) {
                RawHttp.Response response = http.send("GET /w HTTP/1.1", "Host: x");
                assertThat(response.status()).isEqualTo(200);
                order.append(response.body().trim());
            }
        }
        assertThat(order.toString()).isEqualTo("abaca".repeat(10));
        assertThat(new int[] {a.requests(), b.requests(), c.requests()}).containsExactly(30, 10, 10);
    }

    @Test
    void smoothWeightedRoundRobinKeepsSharesOverConnectionsOnBothLoops() {
        RecordingBackend.Instance a = backends.start("a");
        RecordingBackend.Instance b = backends.start("b");
        RecordingBackend.Instance c = backends.start("c");
        proxy.apply(defaultTo(1, service("web", policy(LbAlgorithm.WEIGHTED_ROUND_ROBIN),
                weighted(a, 3), weighted(b, 1), weighted(c, 1))));

        // A new connection per request: Netty hands connections to the two loops in turn, 25 each,
        // and each loop's own picker completes 5 cycles of 3:1:1.
        for (int i = 0; i < 50; i++) {
            try (RawHttp http = new RawHttp(proxy.localAddress())) {
                assertThat(http.send("GET /w HTTP/1.1", "Host: x", "Connection: close").status()).isEqualTo(200);
            }
        }
        assertThat(new int[] {a.requests(), b.requests(), c.requests()}).containsExactly(30, 10, 10);
    }

    @Test
    void weightedPoliciesRetryOnAnotherEndpointWhenOneRefuses() {
        RecordingBackend.Instance a = backends.start("a");
        RecordingBackend.Instance b = backends.start("b");
        int dead = FreePorts.onLoopback();
        for (LbAlgorithm algorithm : new LbAlgorithm[] {LbAlgorithm.WEIGHTED_ROUND_ROBIN, LbAlgorithm.RANDOM}) {
            long version = algorithm.getNumber();
            proxy.apply(defaultTo(version, service("web", policy(algorithm),
                    endpoint("dead", "127.0.0.1", dead).toBuilder().setWeight(5).build(), weighted(a, 1), weighted(b, 1))));
            Map<String, Integer> bodies = new HashMap<>();
            try (RawHttp http = new RawHttp(proxy.localAddress())) {
                for (int i = 0; i < 20; i++) {
                    RawHttp.Response response = http.send("GET /r HTTP/1.1", "Host: x");
                    assertThat(response.status()).as("%s request %d", algorithm, i).isEqualTo(200);
                    bodies.merge(response.body().trim(), 1, Integer::sum);
                }
            }
            assertThat(bodies).as("%s", algorithm).containsOnlyKeys("a", "b");
        }
    }
}
