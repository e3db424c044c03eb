package io.ballast.node.proxy;

import static io.ballast.node.proxy.TestSnapshots.defaultTo;
import static io.ballast.node.proxy.TestSnapshots.endpoint;
import static io.ballast.node.proxy.TestSnapshots.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.testing.NettyLeaks;
import io.ballast.testing.RecordingBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Header hygiene in both directions, and keep-alive towards clients and backends. */
class ProxyServerHeadersTest {

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

    /** JDK HttpServer capitalises header names its own way: look them up case-insensitively. */
    private static List<String> header(Map<String, List<String>> headers, String name) {
        return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                .map(Map.Entry::getValue).findFirst().orElse(List.of());
    }

    @Test
    void stripsHopByHopHeadersAndAddsForwardedHeadersTowardsTheBackend() {
        RecordingBackend.Instance backend = backends.start("web");
        proxy.apply(defaultTo(1, service("web", endpoint(backend))));

        try (RawHttp http = new RawHttp(proxy.localAddress())) {
            RawHttp.Response response = http.send("GET /h HTTP/1.1",
                    "Host: app.example.com",
                    "Connection: keep-alive, X-Hop-Secret",
                    "X-Hop-Secret: do-not-forward",
                    "Keep-Alive: timeout=5",
                    "Proxy-Connection: keep-alive",
                    "TE: trailers",
                    "Trailer: X-Checksum",
                    "Upgrade: websocket",
                    "Proxy-Authorization: Basic Zm9vOmJhcg==",
                    "X-Forwarded-For: 10.1.2.3",
                    "X-End-To-End: kept");
            assertThat(response.status()).isEqualTo(200);
        }

        Map<String, List<String>> seen = backend.headers().get(0);
        for (String hop : List.of("Connection", "X-Hop-Secret", "Keep-Alive", "Proxy-Connection", "TE", "Trailer",
                "Upgrade", "Proxy-Authorization", "Transfer-Encoding")) {
            assertThat(header(seen, hop)).as(hop).isEmpty();
        }
        assertThat(header(seen, "Host")).containsExactly("app.example.com");
        assertThat(header(seen, "X-End-To-End")).containsExactly("kept");
        assertThat(header(seen, "X-Forwarded-For")).containsExactly("10.1.2.3, 127.0.0.1");
        assertThat(header(seen, "X-Forwarded-Proto")).containsExactly("http");
    }

    @Test
    void setsForwardedForWhenTheClientSentNone() throws Exception {
        RecordingBackend.Instance backend = backends.start("web");
        proxy.apply(defaultTo(1, service("web", endpoint(backend))));
        HttpClient client = HttpClient.newHttpClient();
        URI uri = URI.create("http://127.0.0.1:" + proxy.localAddress().getPort() + "/");
        assertThat(client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(200);
        assertThat(header(backend.headers().get(0), "X-Forwarded-For")).containsExactly("127.0.0.1");
    }

    @Test
    void stripsHopByHopHeadersFromTheResponseAndChunksItAgainPerHop() {
        String chunked = "HTTP/1.1 200 OK\r\n"
                + "Connection: X-Hop\r\n"
                + "X-Hop: 1\r\n"
                + "Keep-Alive: timeout=5\r\n"
                + "Proxy-Authenticate: Basic\r\n"
                + "Transfer-Encoding: chunked\r\n"
                + "X-Kept: yes\r\n"
                + "\r\n"
                + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
        try (RawBackend backend = RawBackend.canned(chunked); RawHttp http = new RawHttp(proxy.localAddress())) {
            proxy.apply(defaultTo(1, service("web", endpoint("raw", "127.0.0.1", backend.port()))));
            RawHttp.Response response = http.send("GET / HTTP/1.1", "Host: x");
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("hello world");
            // Streamed, not aggregated: a body of unknown length is chunked again towards the client.
            assertThat(response.header("transfer-encoding")).isEqualTo("chunked");
            assertThat(response.header("content-length")).isNull();
            assertThat(response.header("x-kept")).isEqualTo("yes");
            assertThat(response.headers()).doesNotContainKeys("x-hop", "keep-alive", "proxy-authenticate", "connection");
        }
    }

    @Test
    void reusesBackendConnectionsAcrossRequests() {
        String ok = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n";
        try (RawBackend backend = RawBackend.canned(ok); RawHttp http = new RawHttp(proxy.localAddress())) {
            proxy.apply(defaultTo(1, service("web", endpoint("raw", "127.0.0.1", backend.port()))));
            for (int i = 0; i < 20; i++) {
                assertThat(http.send("GET /" + i + " HTTP/1.1", "Host: x").body()).isEqualTo("ok\n");
            }
            assertThat(backend.requests()).isEqualTo(20);
            // One client connection lives on one event loop, whose pool keeps one backend connection busy.
            assertThat(backend.acceptedConnections()).isEqualTo(1);
            assertThat(proxy.backendConnectionsOpened()).isEqualTo(1);
        }
    }

    @Test
    void doesNotReuseABackendConnectionItsResponseClosed() {
        // The backend says close but (misbehaving) would go on reading: only the header can tell.
        String closing = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n";
        try (RawBackend backend = RawBackend.canned(closing); RawHttp http = new RawHttp(proxy.localAddress())) {
            proxy.apply(defaultTo(1, service("web", endpoint("raw", "127.0.0.1", backend.port()))));
            for (int i = 0; i < 3; i++) {
                assertThat(http.send("GET /" + i + " HTTP/1.1", "Host: x").body()).isEqualTo("ok\n");
            }
            assertThat(proxy.backendConnectionsOpened()).isEqualTo(3);
        }
    }

    @Test
    void keepsHttp11ClientConnectionsOpenUntilConnectionClose() {
        RecordingBackend.Instance backend = backends.start("web");
        proxy.apply(defaultTo(1, service("web", endpoint(backend))));
        try (RawHttp http = new RawHttp(proxy.localAddress())) {
            RawHttp.Response first = http.send("GET /1 HTTP/1.1", "Host: x");
            assertThat(first.header("connection")).isNull();
            assertThat(http.send("GET /2 HTTP/1.1", "Host: x").status()).isEqualTo(200);
            RawHttp.Response last = http.send("GET /3 HTTP/1.1", "Host: x", "Connection: close");
            assertThat(last.status()).isEqualTo(200);
            assertThat(last.header("connection")).isEqualToIgnoringCase("close");
            assertThat(http.closedByPeer()).isTrue();
        }
        assertThat(backend.requests()).isEqualTo(3);
    }

    @Test
    void honoursHttp10KeepAliveRules() {
        RecordingBackend.Instance backend = backends.start("web");
        proxy.apply(defaultTo(1, service("web", endpoint(backend))));
        try (RawHttp http = new RawHttp(proxy.localAddress())) {
            RawHttp.Response kept = http.send("GET /1 HTTP/1.0", "Host: x", "Connection: keep-alive");
            assertThat(kept.header("connection")).isEqualToIgnoringCase("keep-alive");
            assertThat(kept.header("content-length")).isEqualTo("4");
            RawHttp.Response closing = http.send("GET /2 HTTP/1.0", "Host: x");
            assertThat(closing.body()).isEqualTo("web\n");
            assertThat(closing.header("connection")).isEqualToIgnoringCase("close");
            assertThat(http.closedByPeer()).isTrue();
        }
    }

    @Test
    void givesHostlessHttp10RequestsTheBackendAddressAsHost() {
        RecordingBackend.Instance backend = backends.start("web");
        proxy.apply(defaultTo(1, service("web", endpoint(backend))));
        try (RawHttp http = new RawHttp(proxy.localAddress())) {
            assertThat(http.send("GET / HTTP/1.0").body()).isEqualTo("web\n");
        }
        assertThat(header(backend.headers().get(0), "Host")).containsExactly("127.0.0.1:" + backend.port());
    }

    @Test
    void errorAnswersKeepTheClientConnection() {
        try (RawHttp http = new RawHttp(proxy.localAddress())) {
            RawHttp.Response response = http.send("GET / HTTP/1.1", "Host: x");
            assertThat(response.status()).isEqualTo(503);
            assertThat(response.header("content-length")).isEqualTo(String.valueOf("no snapshot applied yet\n".length()));
            assertThat(http.send("GET / HTTP/1.1", "Host: x").status()).isEqualTo(503);
        }
    }

    @Test
    void closesIdleClientConnections() {
        proxy.close();
        proxy = ProxyServer.start(ProxyConfig.builder().port(0).ioThreads(1).clientIdleTimeout(Duration.ofMillis(200)).build());
        try (RawHttp http = new RawHttp(proxy.localAddress())) {
            assertThat(http.send("GET / HTTP/1.1", "Host: x").status()).isEqualTo(503);
            assertThat(http.closedByPeer()).isTrue();
        }
    }
}
