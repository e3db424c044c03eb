package io.ballast.node.proxy;

import static io.ballast.node.proxy.TestSnapshots.defaultTo;
import static io.ballast.node.proxy.TestSnapshots.endpoint;
import static io.ballast.node.proxy.TestSnapshots.policy;
import static io.ballast.node.proxy.TestSnapshots.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.node.metrics.NodeMetrics;
import io.ballast.proto.v1.OutlierDetection;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.RetryOn;
import io.ballast.proto.v1.RetryPolicy;
import io.ballast.testing.NettyLeaks;
import io.ballast.testing.RecordingBackend;
import io.ballast.testing.Scrape;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The retry policy and its budget through the real proxy and real backends. */
class ProxyServerRetryTest {

    @RegisterExtension
    static final NettyLeaks leaks = new NettyLeaks();

    @RegisterExtension
    final RecordingBackend backends = new RecordingBackend();

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final NodeMetrics metrics = new NodeMetrics();
    private ProxyServer proxy;

    @BeforeEach
    void startProxy() {
        proxy = ProxyServer.start(ProxyConfig.builder().port(0).ioThreads(2).build(), null, metrics);
    }

    @AfterEach
    void stopProxy() {
        proxy.close();
    }

    private HttpResponse<String> send(String method, String body) throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + proxy.localAddress().getPort() + "/r");
        return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Outlier detection off, so that only the retry policy decides where requests go. */
    private static Policy retrying(RetryPolicy.Builder retry) {
        return policy(1, 5_000).toBuilder().setRetry(retry)
                .setOutlierDetection(OutlierDetection.newBuilder().setDisabled(true)).build();
    }

    private double retries(String outcome) {
        return Scrape.parseText(metrics.scrape()).value("ballast_node_retries_total", "service", "web", "kind", "retry",
                "outcome", outcome);
    }

    @Test
    void a5xxOfAnIdempotentRequestIsRetriedOnAnotherEndpointWithItsBody() throws Exception {
        RecordingBackend.Instance bad = backends.start("bad");
        RecordingBackend.Instance good = backends.start("good");
        bad.respondWith(503);
        proxy.apply(defaultTo(1, service("web", retrying(RetryPolicy.newBuilder()), endpoint(bad), endpoint(good))));

        for (int i = 0; i < 10; i++) {
            HttpResponse<String> response = send(i % 2 == 0 ? "GET" : "PUT", "body-" + i);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("good\n");
        }
        assertThat(good.requests()).isEqualTo(10);
        assertThat(retries("attempted")).isEqualTo(bad.requests()).isPositive();
    }

    @Test
    void postIsNotRetriedUnlessListed() throws Exception {
        RecordingBackend.Instance bad = backends.start("bad");
        proxy.apply(defaultTo(1, service("web", retrying(RetryPolicy.newBuilder()), endpoint(bad))));
        bad.respondWith(500);
        assertThat(send("POST", "x").statusCode()).isEqualTo(500);
        assertThat(bad.requests()).isEqualTo(1);

        proxy.apply(defaultTo(2, service("web", retrying(RetryPolicy.newBuilder().addMethods("POST")), endpoint(bad))));
        assertThat(send("POST", "x").statusCode()).as("the last try's answer").isEqualTo(500);
        assertThat(bad.requests()).as("1 + 2 retries on the only endpoint").isEqualTo(4);
    }

    @Test
    void eachRetryGoesToAnEndpointNotTriedYet() throws Exception {
        RecordingBackend.Instance a = backends.start("a");
        RecordingBackend.Instance b = backends.start("b");
        RecordingBackend.Instance c = backends.start("c");
        RecordingBackend.Instance d = backends.start("d");
        for (RecordingBackend.Instance backend : new RecordingBackend.Instance[] {a, b, c, d}) {
            backend.respondWith(502);
        }
        proxy.apply(defaultTo(1, service("web", retrying(RetryPolicy.newBuilder()), endpoint(a), endpoint(b), endpoint(c),
                endpoint(d))));
        for (int i = 0; i < 4; i++) {
            assertThat(send("GET", null).statusCode()).isEqualTo(502);
        }
        // 4 requests x 3 tries, each on three different endpoints out of four.
        assertThat(a.requests() + b.requests() + c.requests() + d.requests()).isEqualTo(12);
        for (RecordingBackend.Instance backend : new RecordingBackend.Instance[] {a, b, c, d}) {
            assertThat(backend.requests()).isBetween(1, 4);
        }
    }

    @Test
    void onlyTheConfiguredConditionsRetry() throws Exception {
        RecordingBackend.Instance bad = backends.start("bad");
        RecordingBackend.Instance good = backends.start("good");
        bad.respondWith(500);
        proxy.apply(defaultTo(1, service("web", retrying(RetryPolicy.newBuilder().addRetryOn(RetryOn.GATEWAY_ERROR)),
                endpoint(bad), endpoint(good))));
        int errors = 0;
        for (int i = 0; i < 6; i++) {
            if (send("GET", null).statusCode() == 500) {
                errors++;
            }
        }
        assertThat(errors).as("500 is no gateway error").isEqualTo(bad.requests()).isPositive();
        assertThat(retries("attempted")).isZero();
    }

    @Test
    void anExhaustedBudgetReturnsTheFailureAsItIs() throws Exception {
        RecordingBackend.Instance bad = backends.start("bad");
        RecordingBackend.Instance good = backends.start("good");
        bad.respondWith(503);
        proxy.apply(defaultTo(1, service("web", retrying(RetryPolicy.newBuilder().setBudgetPercent(0).setMinRetriesPerSecond(0)),
                endpoint(bad), endpoint(good))));
        int unavailable = 0;
        for (int i = 0; i < 6; i++) {
            if (send("GET", null).statusCode() == 503) {
                unavailable++;
            }
        }
        assertThat(unavailable).isEqualTo(bad.requests()).isPositive();
        assertThat(retries("budget_exhausted")).isEqualTo(unavailable);
        assertThat(retries("attempted")).isZero();
    }

    @Test
    void aTryThatTimesOutIsRetriedOnAnotherEndpointWithinTheResponseTimeout() throws Exception {
        try (RawBackend silent = RawBackend.silent()) {
            RecordingBackend.Instance good = backends.start("good");
            proxy.apply(defaultTo(1, service("web", retrying(RetryPolicy.newBuilder().setPerTryTimeoutMillis(200)),
                    endpoint("mute", "127.0.0.1", silent.port()), endpoint(good))));
            for (int i = 0; i < 4; i++) {
                HttpResponse<String> response = send("GET", null);
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.body()).isEqualTo("good\n");
            }
            assertThat(silent.requests()).isPositive();
            assertThat(good.requests()).isEqualTo(4);
        }
    }

    @Test
    void aTimeoutOnTheOnlyEndpointGives504AfterTheTriesFitInTheResponseTimeout() throws Exception {
        try (RawBackend silent = RawBackend.silent()) {
            proxy.apply(defaultTo(1, service("web", policy(1, 1_000).toBuilder()
                    .setRetry(RetryPolicy.newBuilder().setPerTryTimeoutMillis(300)).build(),
                    endpoint("mute", "127.0.0.1", silent.port()))));
            HttpResponse<String> response = send("GET", null);
            assertThat(response.statusCode()).isEqualTo(504);
            assertThat(silent.requests()).as("the first try and two retries").isEqualTo(3);
        }
    }
}
