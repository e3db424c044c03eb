package io.ballast.node.proxy;

import static io.ballast.node.proxy.TestSnapshots.defaultTo;
import static io.ballast.node.proxy.TestSnapshots.endpoint;
import static io.ballast.node.proxy.TestSnapshots.route;
import static io.ballast.node.proxy.TestSnapshots.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.Snapshot;
import io.ballast.testing.NettyLeaks;
import io.ballast.testing.RecordingBackend;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ProxyServerRoutingTest {

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

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + proxy.localAddress().getPort() + path);
        return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void balancesRoundRobinAcrossThreeBackends() throws Exception {
        RecordingBackend.Instance a = backends.start("a");
        RecordingBackend.Instance b = backends.start("b");
        RecordingBackend.Instance c = backends.start("c");
        proxy.apply(defaultTo(1, service("web", endpoint(a), endpoint(b), endpoint(c))));

        Map<String, Integer> bodies = new HashMap<>();
        for (int i = 0; i < 30; i++) {
            HttpResponse<String> response = get("/hello");
            assertThat(response.statusCode()).isEqualTo(200);
            bodies.merge(response.body().trim(), 1, Integer::sum);
        }
        assertThat(bodies).containsOnly(Map.entry("a", 10), Map.entry("b", 10), Map.entry("c", 10));
        assertThat(a.requests()).isEqualTo(10);
    }

    @Test
    void routesByHostAndPathThenFallsBackToTheDefaultService() {
        RecordingBackend.Instance api = backends.start("api");
        RecordingBackend.Instance assets = backends.start("assets");
        RecordingBackend.Instance web = backends.start("web");
        proxy.apply(Snapshot.newBuilder().setEpoch(1).setVersion(1)
                .addServices(service("api", endpoint(api)))
                .addServices(service("assets", endpoint(assets)))
                .addServices(service("web", endpoint(web)))
                .addRoutes(route("api.example.com", "/", "api"))
                .addRoutes(route("*", "/static/", "assets"))
                .setDefaultService("web")
                .build());

        try (RawHttp http = new RawHttp(proxy.localAddress())) {
            assertThat(http.send("GET /users HTTP/1.1", "Host: API.example.com:8080").body()).isEqualTo("api\n");
            assertThat(http.send("GET /static/app.js HTTP/1.1", "Host: www.example.com").body()).isEqualTo("assets\n");
            assertThat(http.send("GET /index.html HTTP/1.1", "Host: www.example.com").body()).isEqualTo("web\n");
            assertThat(http.send("GET /static/app.js HTTP/1.1", "Host: api.example.com").body())
                    .as("first matching route wins").isEqualTo("api\n");
        }
    }

    @Test
    void answers404WithAReasonWhenNothingMatches() throws Exception {
        RecordingBackend.Instance api = backends.start("api");
        proxy.apply(Snapshot.newBuilder().setEpoch(1).setVersion(1)
                .addServices(service("api", endpoint(api)))
                .addRoutes(route("api.example.com", "/", "api"))
                .build());

        HttpResponse<String> response = get("/nowhere");
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).isEqualTo("no route for host \"127.0.0.1\" path \"/nowhere\" and no default service\n");
        assertThat(api.requests()).isZero();
    }

    @Test
    void answers503BeforeAnySnapshot() throws Exception {
        HttpResponse<String> response = get("/");
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).isEqualTo("no snapshot applied yet\n");
    }

    @Test
    void answers503NamingTheServiceWhenNoEndpointIsActive() throws Exception {
        RecordingBackend.Instance a = backends.start("a");
        proxy.apply(defaultTo(1, service("web",
                endpoint(a).toBuilder().setState(EndpointState.DRAINING).build(),
                endpoint("z", "127.0.0.1", 1).toBuilder().setWeight(0).build())));

        HttpResponse<String> response = get("/");
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).isEqualTo("service web: no active endpoint\n");
        assertThat(a.requests()).isZero();
    }

    @Test
    void appliedSnapshotChangesRoutingForLaterRequestsAndEvictsIdleConnections() throws Exception {
        RecordingBackend.Instance one = backends.start("one");
        RecordingBackend.Instance two = backends.start("two");
        proxy.apply(defaultTo(1, service("web", endpoint(one))));
        assertThat(get("/").body()).isEqualTo("one\n");
        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.idleBackendConnections() == 1);

        proxy.apply(defaultTo(2, service("web", endpoint(two))));
        assertThat(proxy.table().version()).isEqualTo(2);
        // The idle connection to "one" left the snapshot: the pool closes it.
        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.idleBackendConnections() == 0);
        for (int i = 0; i < 3; i++) {
            assertThat(get("/").body()).isEqualTo("two\n");
        }
        assertThat(one.requests()).isEqualTo(1);
        assertThat(two.requests()).isEqualTo(3);
    }

    @Test
    void bindFailureNamesTheAddress() {
        int taken = proxy.localAddress().getPort();
        assertThatThrownBy(() -> ProxyServer.start(ProxyConfig.builder().port(taken).ioThreads(1).build()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("127.0.0.1:" + taken);
    }
}
