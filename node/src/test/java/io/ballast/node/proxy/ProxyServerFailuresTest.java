package io.ballast.node.proxy;

import static io.ballast.node.proxy.TestSnapshots.defaultTo;
import static io.ballast.node.proxy.TestSnapshots.endpoint;
import static io.ballast.node.proxy.TestSnapshots.policy;
import static io.ballast.node.proxy.TestSnapshots.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.proto.v1.OutlierDetection;
import io.ballast.proto.v1.Policy;
import io.ballast.testing.FreePorts;
import io.ballast.testing.NettyLeaks;
import io.ballast.testing.RecordingBackend;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Backends that refuse, vanish, hang or die mid-response. */
class ProxyServerFailuresTest {

    @RegisterExtension
    static final NettyLeaks leaks = new NettyLeaks();

    @RegisterExtension
    final RecordingBackend backends = new RecordingBackend();

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ProxyServer proxy;

    @BeforeEach
    void startProxy() {
        proxy = ProxyServer.start(ProxyConfig.builder().port(0).ioThreads(2).build());
    }

    @AfterEach
    void stopProxy() {
        proxy.close();
    }

    private HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + proxy.localAddress().getPort() + path);
        return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void stoppedBackendCausesNoClientFailure() throws Exception {
        RecordingBackend.Instance a = backends.start("a");
        RecordingBackend.Instance b = backends.start("b");
        RecordingBackend.Instance c = backends.start("c");
        proxy.apply(defaultTo(1, service("web", endpoint(a), endpoint(b), endpoint(c))));
        for (int i = 0; i < 9; i++) {
            assertThat(send("GET", "/warm").statusCode()).isEqualTo(200);
        }

        b.stop(); // its pooled connections die and new connections are refused

        List<String> failures = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            HttpResponse<String> response = send(i % 2 == 0 ? "GET" : "DELETE", "/after");
            if (response.statusCode() != 200) {
                failures.add(response.statusCode() + " " + response.body());
            }
        }
        assertThat(failures).isEmpty();
        assertThat(a.requests() + c.requests()).isEqualTo(9 - 3 + 30);
    }

    @Test
    void allEndpointsDownGives502WithTheReason() throws Exception {
        int dead1 = FreePorts.onLoopback();
        int dead2 = FreePorts.onLoopback();
        proxy.apply(defaultTo(1, service("web", endpoint("d1", "127.0.0.1", dead1), endpoint("d2", "127.0.0.1", dead2))));

        HttpResponse<String> response = send("GET", "/");
        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).startsWith("service web: cannot connect to endpoint d")
                .contains("(2 attempts)");
    }

    @Test
    void connectRetriesZeroMeansOneAttempt() throws Exception {
        int dead = FreePorts.onLoopback();
        RecordingBackend.Instance alive = backends.start("alive");
        proxy.apply(defaultTo(1, service("web", policy(0, 5_000),
                endpoint("dead", "127.0.0.1", dead), endpoint(alive))));

        int badGateways = 0;
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> response = send("GET", "/");
            if (response.statusCode() == 502) {
                badGateways++;
                assertThat(response.body()).contains("endpoint dead (127.0.0.1:" + dead + ")").contains("(1 attempt)");
            }
        }
        assertThat(badGateways).isEqualTo(2);
    }

    @Test
    void silentBackendGives504WithinTheResponseTimeout() throws Exception {
        try (RawBackend silent = RawBackend.silent()) {
            proxy.apply(defaultTo(1, service("web", policy(1, 300), endpoint("mute", "127.0.0.1", silent.port()))));
            long start = System.nanoTime();
            HttpResponse<String> response = send("GET", "/slow");
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(response.statusCode()).isEqualTo(504);
            assertThat(response.body()).isEqualTo(
                    "service web: endpoint mute (127.0.0.1:" + silent.port() + ") did not respond within 300 ms\n");
            assertThat(took).isBetween(Duration.ofMillis(300), Duration.ofSeconds(3));
            assertThat(silent.requests()).as("a timeout is not retried").isEqualTo(1);
        }
    }

    @Test
    void backendDyingMidResponseClosesTheClientConnection() throws Exception {
        try (RawBackend dying = RawBackend.dyingMidResponse()) {
            proxy.apply(defaultTo(1, service("web", endpoint("dying", "127.0.0.1", dying.port()))));
            // The head (200, Content-Length 1000) already went to the client: the only honest
            // signal left is the close, which the client sees as a short body, not a hang.
            assertThatThrownBy(() -> send("GET", "/")).isInstanceOf(java.io.IOException.class)
                    .hasMessageContaining("bytes received: 9");
            assertThat(dying.requests()).as("bytes arrived: no resend").isEqualTo(1);
        }
    }

    @Test
    void backendClosingBeforeRespondingIsResentOnlyForIdempotentMethods() throws Exception {
        // Answers nothing and closes: what a SIGKILLed backend looks like on an established connection.
        try (RawBackend closer = RawBackend.closingWithoutAnswer()) {
            RecordingBackend.Instance good = backends.start("good");
            // Outlier detection off: here every request must still try "closer" in turn.
            Policy noEjection = policy(1, 5_000).toBuilder()
                    .setOutlierDetection(OutlierDetection.newBuilder().setDisabled(true)).build();
            proxy.apply(defaultTo(1, service("web", noEjection, endpoint("closer", "127.0.0.1", closer.port()), endpoint(good))));

            for (int i = 0; i < 4; i++) {
                assertThat(send("PUT", "/idempotent").statusCode()).isEqualTo(200);
            }
            int posts502 = 0;
            for (int i = 0; i < 4; i++) {
                HttpResponse<String> response = send("POST", "/not-idempotent");
                if (response.statusCode() == 502) {
                    posts502++;
                    assertThat(response.body()).contains("closed the connection before responding");
                }
            }
            assertThat(posts502).isEqualTo(2);
        }
    }

    @Test
    void staleReusedConnectionIsResentForIdempotentMethodsOnly() throws Exception {
        String ok = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n";
        try (RawBackend flaky = RawBackend.answeringOncePerConnection(ok)) {
            proxy.apply(defaultTo(1, service("web", endpoint("flaky", "127.0.0.1", flaky.port()))));
            assertThat(send("GET", "/1").statusCode()).isEqualTo(200);
            // The pooled connection is dropped on the next request: with no other endpoint the
            // GET is resent on a fresh connection to the same one.
            HttpResponse<String> second = send("GET", "/2");
            assertThat(second.statusCode()).isEqualTo(200);
            assertThat(second.body()).isEqualTo("ok\n");
            assertThat(flaky.acceptedConnections()).isEqualTo(2);
            assertThat(flaky.requests()).isEqualTo(3);

            HttpResponse<String> post = send("POST", "/3");
            assertThat(post.statusCode()).isEqualTo(502);
            assertThat(post.body()).isEqualTo("service web: endpoint flaky (127.0.0.1:" + flaky.port()
                    + ") closed the connection before responding\n");
        }
    }
}
