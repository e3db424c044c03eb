package io.ballast.node.proxy;

import static io.ballast.node.proxy.TestSnapshots.RESPONSE_TIMEOUT_MILLIS;
import static io.ballast.node.proxy.TestSnapshots.defaultTo;
import static io.ballast.node.proxy.TestSnapshots.endpoint;
import static io.ballast.node.proxy.TestSnapshots.policy;
import static io.ballast.node.proxy.TestSnapshots.route;
import static io.ballast.node.proxy.TestSnapshots.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.node.admin.NodeAdminServer;
import io.ballast.node.metrics.NodeMetrics;
import io.ballast.node.snapshot.AppliedState;
import io.ballast.proto.v1.RateLimit;
import io.ballast.proto.v1.Snapshot;
import io.ballast.testing.FreePorts;
import io.ballast.testing.NettyLeaks;
import io.ballast.testing.RecordingBackend;
import io.ballast.testing.Scrape;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Requests through a real proxy, counted in the metrics that the admin endpoint's {@code /metrics} serves. */
class ProxyServerMetricsTest {

    @RegisterExtension
    static final NettyLeaks leaks = new NettyLeaks();

    @RegisterExtension
    final RecordingBackend backends = new RecordingBackend();

    private final NodeMetrics metrics = new NodeMetrics();
    private ProxyServer proxy;
    private NodeAdminServer admin;

    @BeforeEach
    void start() {
        proxy = ProxyServer.start(ProxyConfig.builder().port(0).ioThreads(2).build(), null, metrics);
        admin = NodeAdminServer.start(new InetSocketAddress("127.0.0.1", 0), () -> AppliedState.NONE, metrics);
    }

    @AfterEach
    void stop() {
        admin.close();
        proxy.close();
    }

    private Scrape scrape() {
        Scrape scrape = Scrape.of(admin.localAddress());
        assertThat(scrape.status()).isEqualTo(200);
        assertThat(scrape.contentType()).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        return scrape;
    }

    @Test
    void countsResponsesByServiceAndStatusClassWithTheirLatency() {
        RecordingBackend.Instance web = backends.start("web-1");
        RecordingBackend.Instance api = backends.start("api-1");
        api.respondWith(500);
        proxy.apply(Snapshot.newBuilder().setEpoch(1).setVersion(1)
                .addServices(service("web", endpoint(web)))
                .addServices(service("api", endpoint(api)))
                .addRoutes(route("api.example.com", "/", "api"))
                .setDefaultService("web")
                .build());

        try (RawHttp http = new RawHttp(proxy.localAddress())) {
            for (int i = 0; i < 3; i++) {
                assertThat(http.send("GET / HTTP/1.1", "Host: www.example.com").status()).isEqualTo(200);
            }
            for (int i = 0; i < 2; i++) {
                assertThat(http.send("GET / HTTP/1.1", "Host: api.example.com").status()).isEqualTo(500);
            }
        }

        Scrape scrape = scrape();
        assertThat(scrape.value("ballast_node_requests_total", "service", "web", "status_class", "2xx")).isEqualTo(3);
        assertThat(scrape.value("ballast_node_requests_total", "service", "web", "status_class", "5xx")).isZero();
        assertThat(scrape.value("ballast_node_requests_total", "service", "api", "status_class", "5xx")).isEqualTo(2);
        assertThat(scrape.value("ballast_node_requests_total", "service", "api", "status_class", "2xx")).isZero();
        assertThat(scrape.value("ballast_node_request_duration_seconds_count", "service", "web")).isEqualTo(3);
        assertThat(scrape.value("ballast_node_request_duration_seconds_count", "service", "api")).isEqualTo(2);
        assertThat(scrape.value("ballast_node_request_duration_seconds_bucket", "service", "web", "le", "+Inf"))
                .isEqualTo(3);
        assertThat(scrape.find("ballast_node_request_duration_seconds_bucket", "service", "web"))
                .as("a percentile histogram has many buckets").hasSizeGreaterThan(10);
        assertThat(scrape.value("ballast_node_request_duration_seconds_sum", "service", "web")).isPositive();
        assertThat(scrape.value("ballast_node_endpoint_requests_total", "service", "web", "endpoint", "web-1"))
                .isEqualTo(3);
        assertThat(scrape.value("ballast_node_endpoint_failures_total", "service", "api", "endpoint", "api-1"))
                .as("a backend's own 500 is a response, not a failure").isZero();
    }

    @Test
    void countsRequestsThatReachNoServiceAsUnrouted() {
        try (RawHttp http = new RawHttp(proxy.localAddress())) {
            assertThat(http.send("GET / HTTP/1.1", "Host: x").status()).isEqualTo(503);
        }
        RecordingBackend.Instance api = backends.start("api-1");
        proxy.apply(Snapshot.newBuilder().setEpoch(1).setVersion(1).addServices(service("api", endpoint(api)))
                .addRoutes(route("api.example.com", "/", "api")).build());
        try (RawHttp http = new RawHttp(proxy.localAddress())) {
            assertThat(http.send("GET / HTTP/1.1", "Host: elsewhere").status()).isEqualTo(404);
        }

        Scrape scrape = scrape();
        assertThat(scrape.value("ballast_node_requests_total", "service", NodeMetrics.UNROUTED, "status_class", "5xx"))
                .isEqualTo(1);
        assertThat(scrape.value("ballast_node_requests_total", "service", NodeMetrics.UNROUTED, "status_class", "4xx"))
                .isEqualTo(1);
        assertThat(scrape.value("ballast_node_requests_total", "service", "api", "status_class", "4xx")).isZero();
    }

    @Test
    void countsTheRateLimitedRequestsOfAServiceAs429s() {
        RecordingBackend.Instance a = backends.start("a");
        // 0.5 requests/s with a burst of 2: the test's requests take far less than the 2 s a refill takes.
        proxy.apply(defaultTo(1, service("web", policy(1, RESPONSE_TIMEOUT_MILLIS).toBuilder().setRateLimit(
                RateLimit.newBuilder().setClusterRequestsPerSecond(1).setNodeRequestsPerSecond(0.5).setBurst(2)).build(),
                endpoint(a))));

        int limited = 0;
        try (RawHttp http = new RawHttp(proxy.localAddress())) {
            for (int i = 0; i < 5; i++) {
                if (http.send("GET / HTTP/1.1", "Host: x").status() == 429) {
                    limited++;
                }
            }
        }
        assertThat(limited).isEqualTo(3);

        Scrape scrape = scrape();
        assertThat(scrape.value("ballast_node_rate_limited_total", "service", "web")).isEqualTo(3);
        assertThat(scrape.value("ballast_node_requests_total", "service", "web", "status_class", "4xx")).isEqualTo(3);
        assertThat(scrape.value("ballast_node_requests_total", "service", "web", "status_class", "2xx")).isEqualTo(2);
        assertThat(scrape.value("ballast_node_request_duration_seconds_count", "service", "web"))
                .as("a 429 is answered by the node, never forwarded").isEqualTo(2);
    }

    @Test
    void countsConnectRetriesAndTheFailuresOfTheEndpointThatRefused() {
        RecordingBackend.Instance live = backends.start("live");
        int closedPort = FreePorts.onLoopback();
        proxy.apply(defaultTo(1, service("web", endpoint("dead", "127.0.0.1", closedPort), endpoint(live))));

        try (RawHttp http = new RawHttp(proxy.localAddress())) {
            for (int i = 0; i < 6; i++) {
                assertThat(http.send("GET / HTTP/1.1", "Host: x").status()).isEqualTo(200);
            }
        }

        Scrape scrape = scrape();
        double failures = scrape.value("ballast_node_endpoint_failures_total", "service", "web", "endpoint", "dead");
        assertThat(failures).as("round robin sends some first attempts to the dead endpoint").isPositive();
        assertThat(scrape.value("ballast_node_retries_total", "service", "web", "kind", "connect")).isEqualTo(failures);
        assertThat(scrape.value("ballast_node_retries_total", "service", "web", "kind", "resend")).isZero();
        assertThat(scrape.value("ballast_node_endpoint_requests_total", "service", "web", "endpoint", "dead"))
                .isEqualTo(failures);
        assertThat(scrape.value("ballast_node_endpoint_requests_total", "service", "web", "endpoint", "live"))
                .isEqualTo(6);
        assertThat(scrape.value("ballast_node_requests_total", "service", "web", "status_class", "2xx")).isEqualTo(6);
    }

    @Test
    void theSeriesOfAnEndpointThatLeftTheSnapshotAreRemoved() {
        RecordingBackend.Instance a = backends.start("a");
        RecordingBackend.Instance b = backends.start("b");
        proxy.apply(defaultTo(1, service("web", endpoint(a), endpoint(b))));
        assertThat(scrape().has("ballast_node_endpoint_requests_total", "endpoint", "b")).isTrue();

        proxy.apply(defaultTo(2, service("web", endpoint(a))));
        Scrape scrape = scrape();
        assertThat(scrape.has("ballast_node_endpoint_requests_total", "endpoint", "b")).isFalse();
        assertThat(scrape.has("ballast_node_endpoint_failures_total", "endpoint", "b")).isFalse();
        assertThat(scrape.has("ballast_node_endpoint_requests_total", "endpoint", "a")).isTrue();
        assertThat(scrape.has("ballast_node_requests_total", "service", "web")).isTrue();
    }

    @Test
    void gaugesOpenClientConnectionsAppliedStateAndTheControlPlaneConnection() {
        AtomicBoolean connected = new AtomicBoolean();
        metrics.bindAppliedState(() -> 7, () -> 42);
        metrics.bindControlPlaneConnected(connected::get);
        RecordingBackend.Instance a = backends.start("a");
        proxy.apply(defaultTo(1, service("web", endpoint(a))));

        try (RawHttp first = new RawHttp(proxy.localAddress()); RawHttp second = new RawHttp(proxy.localAddress())) {
            assertThat(first.send("GET / HTTP/1.1", "Host: x").status()).isEqualTo(200);
            assertThat(second.send("GET / HTTP/1.1", "Host: x").status()).isEqualTo(200);
            assertThat(scrape().value("ballast_node_active_connections")).isEqualTo(2);
        }
        await().atMost(Duration.ofSeconds(5))
                .until(() -> scrape().value("ballast_node_active_connections") == 0);

        Scrape scrape = scrape();
        assertThat(scrape.value("ballast_node_applied_epoch")).isEqualTo(7);
        assertThat(scrape.value("ballast_node_applied_version")).isEqualTo(42);
        assertThat(scrape.value("ballast_node_control_plane_connected")).isZero();
        connected.set(true);
        assertThat(scrape().value("ballast_node_control_plane_connected")).isEqualTo(1);
    }
}
