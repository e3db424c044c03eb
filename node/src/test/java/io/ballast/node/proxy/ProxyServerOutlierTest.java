package io.ballast.node.proxy;

import static io.ballast.node.proxy.TestSnapshots.defaultTo;
import static io.ballast.node.proxy.TestSnapshots.endpoint;
import static io.ballast.node.proxy.TestSnapshots.policy;
import static io.ballast.node.proxy.TestSnapshots.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.node.metrics.NodeMetrics;
import io.ballast.proto.v1.EndpointOutcomes;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.OutlierDetection;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.RetryPolicy;
import io.ballast.testing.FreePorts;
import io.ballast.testing.NettyLeaks;
import io.ballast.testing.RecordingBackend;
import io.ballast.testing.Scrape;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Passive outlier detection, outcome reports and panic routing through the real proxy and real backends. */
class ProxyServerOutlierTest {

    @RegisterExtension
    static final NettyLeaks leaks = new NettyLeaks();

    @RegisterExtension
    final RecordingBackend backends = new RecordingBackend();

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final NodeMetrics metrics = new NodeMetrics();
    private ProxyServer proxy;

    @BeforeEach
    void startProxy() {
        // One I/O loop: consecutive counts are per loop, so one loop makes the counts exact.
        proxy = ProxyServer.start(ProxyConfig.builder().port(0).ioThreads(1).build(), null, metrics);
    }

    @AfterEach
    void stopProxy() {
        proxy.close();
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + proxy.localAddress().getPort() + path);
        return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** No retries, so each request's one try is what the outlier detection sees. */
    private static Policy noRetries(long baseEjectionMillis) {
        return policy(1, 5_000).toBuilder()
                .setRetry(RetryPolicy.newBuilder().setNumRetries(0))
                .setOutlierDetection(OutlierDetection.newBuilder().setBaseEjectionTimeMillis((int) baseEjectionMillis))
                .build();
    }

    @Test
    void fiveConsecutive5xxEjectTheEndpointWhichIsReportedAndMeasured() throws Exception {
        RecordingBackend.Instance bad = backends.start("bad");
        RecordingBackend.Instance b = backends.start("b");
        RecordingBackend.Instance c = backends.start("c");
        bad.respondWith(500);
        proxy.apply(defaultTo(1, service("web", noRetries(60_000), endpoint(bad), endpoint(b), endpoint(c))));

        int errors = 0;
        for (int i = 0; i < 30; i++) {
            if (get("/").statusCode() == 500) {
                errors++;
            }
        }
        assertThat(bad.requests()).as("ejected after its 5th consecutive 5xx").isEqualTo(5);
        assertThat(errors).isEqualTo(5);
        assertThat(b.requests() + c.requests()).isEqualTo(25);

        Map<String, EndpointOutcomes> outcomes = proxy.outcomesByAddress();
        EndpointOutcomes badOutcomes = outcomes.get(bad.host() + ":" + bad.port());
        assertThat(badOutcomes.getErrors5Xx()).isEqualTo(5);
        assertThat(badOutcomes.getSuccesses()).isZero();
        assertThat(badOutcomes.getEjected()).isTrue();
        assertThat(badOutcomes.getEjectedForMillis()).isBetween(1L, 60_000L);
        assertThat(badOutcomes.getLatencyMicrosSum()).isPositive();
        assertThat(outcomes.get(b.host() + ":" + b.port()).getSuccesses()
                + outcomes.get(c.host() + ":" + c.port()).getSuccesses()).isEqualTo(25);

        Map<String, EndpointOutcomes> next = proxy.outcomesByAddress();
        assertThat(next).as("only what happened since the previous report; the ejection stays")
                .containsOnlyKeys(bad.host() + ":" + bad.port());
        assertThat(next.get(bad.host() + ":" + bad.port()).getErrors5Xx()).isZero();

        Scrape scrape = Scrape.parseText(metrics.scrape());
        assertThat(scrape.value("ballast_node_outlier_ejections_total", "service", "web", "endpoint", "bad")).isEqualTo(1);
        assertThat(scrape.value("ballast_node_outlier_ejected", "service", "web", "endpoint", "bad")).isEqualTo(1);
        assertThat(scrape.value("ballast_node_outlier_ejected", "service", "web", "endpoint", "b")).isZero();
        assertThat(scrape.value("ballast_node_panic", "service", "web")).isZero();
    }

    @Test
    void refusedConnectionsEjectAndTheEndpointReturnsAfterTheEjectionTime() throws Exception {
        int deadPort = FreePorts.onLoopback();
        RecordingBackend.Instance good = backends.start("good");
        // connect_retries 1 takes every refused connect to "good": the client sees no failure.
        proxy.apply(defaultTo(1, service("web", noRetries(300), endpoint("dead", "127.0.0.1", deadPort), endpoint(good))));
        for (int i = 0; i < 12; i++) {
            assertThat(get("/").statusCode()).isEqualTo(200);
        }
        EndpointOutcomes dead = proxy.outcomesByAddress().get("127.0.0.1:" + deadPort);
        assertThat(dead.getGatewayFailures()).isEqualTo(5);
        assertThat(dead.getEjected()).isTrue();

        // It comes back after 300 ms, is tried again (and ejected again, for twice as long).
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            assertThat(get("/").statusCode()).isEqualTo(200);
            assertThat(Scrape.parseText(metrics.scrape())
                    .value("ballast_node_outlier_ejections_total", "service", "web", "endpoint", "dead")).isEqualTo(2);
        });
    }

    @Test
    void belowThePanicThresholdEjectedEndpointsServeButDrainingOnesDoNot() throws Exception {
        RecordingBackend.Instance active = backends.start("active");
        RecordingBackend.Instance ejected1 = backends.start("ejected1");
        RecordingBackend.Instance ejected2 = backends.start("ejected2");
        RecordingBackend.Instance draining = backends.start("draining");
        proxy.apply(defaultTo(1, service("web", policy(1, 5_000),
                endpoint(active),
                endpoint(ejected1).toBuilder().setState(EndpointState.EJECTED).setWeight(0).setDeclaredWeight(100).build(),
                endpoint(ejected2).toBuilder().setState(EndpointState.EJECTED).setWeight(0).setDeclaredWeight(100).build(),
                endpoint(draining).toBuilder().setState(EndpointState.DRAINING).setWeight(0).setDeclaredWeight(100).build())));
        for (int i = 0; i < 30; i++) {
            assertThat(get("/").statusCode()).isEqualTo(200);
        }
        assertThat(active.requests()).isEqualTo(10);
        assertThat(ejected1.requests()).isEqualTo(10);
        assertThat(ejected2.requests()).isEqualTo(10);
        assertThat(draining.requests()).isZero();
        assertThat(Scrape.parseText(metrics.scrape()).value("ballast_node_panic", "service", "web")).isEqualTo(1);

        // Panic off (threshold 0): the one eligible endpoint takes everything.
        proxy.apply(defaultTo(2, service("web", policy(1, 5_000).toBuilder().setPanicThresholdPercent(0).build(),
                endpoint(active),
                endpoint(ejected1).toBuilder().setState(EndpointState.EJECTED).setWeight(0).setDeclaredWeight(100).build())));
        for (int i = 0; i < 10; i++) {
            assertThat(get("/").statusCode()).isEqualTo(200);
        }
        assertThat(active.requests()).isEqualTo(20);
        assertThat(Scrape.parseText(metrics.scrape()).value("ballast_node_panic", "service", "web")).isZero();
    }
}
