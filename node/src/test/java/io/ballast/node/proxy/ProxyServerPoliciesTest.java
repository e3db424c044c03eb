package io.ballast.node.proxy;

import static io.ballast.node.proxy.TestSnapshots.CONNECT_TIMEOUT_MILLIS;
import static io.ballast.node.proxy.TestSnapshots.RESPONSE_TIMEOUT_MILLIS;
import static io.ballast.node.proxy.TestSnapshots.defaultTo;
import static io.ballast.node.proxy.TestSnapshots.endpoint;
import static io.ballast.node.proxy.TestSnapshots.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.HashKey;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.Locality;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.RateLimit;
import io.ballast.proto.v1.Route;
import io.ballast.proto.v1.Snapshot;
import io.ballast.proto.v1.WeightedService;
import io.ballast.testing.NettyLeaks;
import io.ballast.testing.RecordingBackend;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hash keys, weighted split routes, rate limits and locality through a real proxy with two I/O
 * loops and real backends: what the pickers' unit tests cannot show is that the request's key,
 * the route's split, the node's zone and the token bucket are wired into the data path.
 */
class ProxyServerPoliciesTest {

    @RegisterExtension
    static final NettyLeaks leaks = new NettyLeaks();

    @RegisterExtension
    final RecordingBackend backends = new RecordingBackend();

    private ProxyServer proxy;

    @AfterEach
    void stopProxy() {
        if (proxy != null) {
            proxy.close();
        }
    }

    private void start(String zone) {
        proxy = ProxyServer.start(ProxyConfig.builder().port(0).ioThreads(2).zone(zone).build());
    }

    private static Policy.Builder policy(LbAlgorithm algorithm) {
        return Policy.newBuilder().setAlgorithm(algorithm).setConnectTimeoutMillis(CONNECT_TIMEOUT_MILLIS)
                .setResponseTimeoutMillis(RESPONSE_TIMEOUT_MILLIS).setConnectRetries(1);
    }

    private Map<String, Integer> send(int requests, String... headLines) {
        Map<String, Integer> bodies = new HashMap<>();
        try (RawHttp http = new RawHttp(proxy.localAddress())) {
            for (int i = 0; i < requests; i++) {
                RawHttp.Response response = http.send(headLines);
                assertThat(response.status()).as(response.body()).isEqualTo(200);
                bodies.merge(response.body().trim(), 1, Integer::sum);
            }
        }
        return bodies;
    }

    @Test
    void ringHashAndMaglevKeepEachKeyOnOneBackendAcrossConnectionsAndLoops() {
        start("");
        RecordingBackend.Instance[] instances = {backends.start("a"), backends.start("b"), backends.start("c")};
        Endpoint[] endpoints = new Endpoint[instances.length];
        for (int i = 0; i < instances.length; i++) {
            endpoints[i] = endpoint(instances[i]);
        }
        long version = 1;
        for (Policy.Builder hashing : new Policy.Builder[] {
                policy(LbAlgorithm.RING_HASH).setHashKey(HashKey.newBuilder().setSource(HashKey.Source.HEADER).setName("x-user")),
                policy(LbAlgorithm.MAGLEV).setHashKey(HashKey.newBuilder().setSource(HashKey.Source.COOKIE).setName("session"))}) {
            proxy.apply(defaultTo(version++, service("web", hashing.build(), endpoints)));
            boolean header = hashing.getHashKey().getSource() == HashKey.Source.HEADER;
            Set<String> owners = new HashSet<>();
            for (int user = 0; user < 30; user++) {
                String key = header ? "x-user: u" + user : "Cookie: theme=dark; session=u" + user + "; lang=en";
                Map<String, Integer> first = new HashMap<>();
                // Five connections per key: they land on both event loops; every request must reach the same backend.
                for (int connection = 0; connection < 5; connection++) {
                    send(2, "GET /p HTTP/1.1", "Host: x", key).forEach((k, v) -> first.merge(k, v, Integer::sum));
                }
                assertThat(first).as("%s key u%d", hashing.getAlgorithm(), user).hasSize(1);
                owners.addAll(first.keySet());
            }
            assertThat(owners).as("30 keys spread over the backends").hasSize(3);
        }
    }

    @Test
    void aWeightedSplitRouteSendsItsShareToTheCanary() {
        start("");
        RecordingBackend.Instance stable = backends.start("stable");
        RecordingBackend.Instance canary = backends.start("canary");
        Snapshot snapshot = Snapshot.newBuilder().setEpoch(1).setVersion(1)
                .addServices(service("web", endpoint(stable)))
                .addServices(service("web-canary", endpoint(canary)))
                .addRoutes(Route.newBuilder().setPathPrefix("/shop")
                        .addSplit(WeightedService.newBuilder().setService("web").setWeight(90))
                        .addSplit(WeightedService.newBuilder().setService("web-canary").setWeight(10)))
                .setDefaultService("web").build();
        proxy.apply(snapshot);

        Map<String, Integer> shop = send(2_000, "GET /shop/cart HTTP/1.1", "Host: x");
        Map<String, Integer> other = send(100, "GET /about HTTP/1.1", "Host: x");

        // Binomial(2000, 0.1): sd 13.4; 200 +/- 60 is beyond 4 sd.
        assertThat(shop.getOrDefault("canary", 0)).isBetween(140, 260);
        assertThat(shop.get("stable") + shop.getOrDefault("canary", 0)).isEqualTo(2_000);
        assertThat(other).containsOnlyKeys("stable");
    }

    @Test
    void overTheRateLimitTheNodeAnswers429WithRetryAfter() {
        start("");
        RecordingBackend.Instance a = backends.start("a");
        // 0.5 requests/s with a burst of 3: the test's requests take far less than the 2 s a refill takes.
        proxy.apply(defaultTo(1, service("web", policy(LbAlgorithm.ROUND_ROBIN).setRateLimit(RateLimit.newBuilder()
                .setClusterRequestsPerSecond(1).setNodeRequestsPerSecond(0.5).setBurst(3)).build(), endpoint(a))));

        int ok = 0;
        RawHttp.Response limited = null;
        try (RawHttp http = new RawHttp(proxy.localAddress())) {
            for (int i = 0; i < 6; i++) {
                RawHttp.Response response = http.send("GET /r HTTP/1.1", "Host: x");
                if (response.status() == 200) {
                    ok++;
                } else {
                    limited = response;
                    assertThat(response.status()).isEqualTo(429);
                }
            }
        }
        assertThat(ok).isEqualTo(3);
        assertThat(a.requests()).isEqualTo(3);
        assertThat(limited).isNotNull();
        assertThat(limited.header("retry-after")).isEqualTo("2");
        assertThat(limited.body()).contains("service web: rate limit of 0.5 requests/s on this node exceeded");

        // A new snapshot with the same limit keeps the (empty) bucket: no fresh burst per snapshot.
        proxy.apply(defaultTo(2, service("web", policy(LbAlgorithm.ROUND_ROBIN).setRateLimit(RateLimit.newBuilder()
                .setClusterRequestsPerSecond(1).setNodeRequestsPerSecond(0.5).setBurst(3)).build(), endpoint(a).toBuilder()
                .setWeight(7).build())));
        try (RawHttp http = new RawHttp(proxy.localAddress())) {
            assertThat(http.send("GET /r HTTP/1.1", "Host: x").status()).isEqualTo(429);
        }
    }

    @Test
    void localityKeepsTrafficInTheNodesZoneUntilItLosesCapacityThenSpills() {
        start("zone-a");
        RecordingBackend.Instance a1 = backends.start("a1");
        RecordingBackend.Instance a2 = backends.start("a2");
        RecordingBackend.Instance b1 = backends.start("b1");
        Policy local = policy(LbAlgorithm.ROUND_ROBIN).setLocality(Locality.newBuilder().setEnabled(true)).build();
        Endpoint ea1 = endpoint(a1).toBuilder().setZone("zone-a").setDeclaredWeight(100).build();
        Endpoint ea2 = endpoint(a2).toBuilder().setZone("zone-a").setDeclaredWeight(100).build();
        Endpoint eb1 = endpoint(b1).toBuilder().setZone("zone-b").setDeclaredWeight(100).build();
        proxy.apply(defaultTo(1, service("web", local, ea1, ea2, eb1)));

        assertThat(send(200, "GET / HTTP/1.1", "Host: x")).containsOnlyKeys("a1", "a2");

        // a2 at weight 0: zone-a health 50% x 1.4 = 70% stays local, 30% spills to zone-b.
        proxy.apply(defaultTo(2, service("web", local, ea1, ea2.toBuilder().setWeight(0).build(), eb1)));
        Map<String, Integer> degraded = send(2_000, "GET / HTTP/1.1", "Host: x");
        // Binomial(2000, 0.3): sd 20.5; 600 +/- 90 is beyond 4 sd.
        assertThat(degraded.getOrDefault("b1", 0)).isBetween(510, 690);
        assertThat(degraded).doesNotContainKey("a2");
    }
}
