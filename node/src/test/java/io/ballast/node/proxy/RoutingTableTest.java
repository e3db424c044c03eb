package io.ballast.node.proxy;

import static io.ballast.node.proxy.TestSnapshots.endpoint;
import static io.ballast.node.proxy.TestSnapshots.route;
import static io.ballast.node.proxy.TestSnapshots.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.Snapshot;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.Test;

class RoutingTableTest {

    private static final Snapshot SNAPSHOT = Snapshot.newBuilder().setEpoch(3).setVersion(7)
            .addServices(service("api", endpoint("a1", "10.0.0.1", 80)))
            .addServices(service("static", endpoint("s1", "10.0.0.2", 80)))
            .addServices(service("web", endpoint("w1", "10.0.0.3", 80),
                    endpoint("w2", "10.0.0.4", 80).toBuilder().setState(EndpointState.DRAINING).build()))
            .addRoutes(route("api.example.com", "/v1", "api"))
            .addRoutes(route("*", "/static", "static"))
            .addRoutes(route("", "/v1/special", "api-not-reached"))
            .addRoutes(route("api.example.com", "/", "web"))
            .build();

    private final RoutingTable table = RoutingTable.from(SNAPSHOT);

    private String serviceFor(String host, String path) {
        RouteResult result = table.route(host, path);
        assertThat(result).isInstanceOf(ServiceTarget.class);
        return ((ServiceTarget) result).name();
    }

    @Test
    void matchesHostCaseInsensitivelyWithoutPort() {
        assertThat(serviceFor("api.example.com", "/v1/users")).isEqualTo("api");
        assertThat(serviceFor("API.Example.COM:8080", "/v1/users?x=1")).isEqualTo("api");
    }

    @Test
    void evaluatesRoutesInOrder() {
        assertThat(serviceFor("api.example.com", "/v1/special")).isEqualTo("api");
        assertThat(serviceFor("api.example.com", "/static/x.css")).isEqualTo("static");
        assertThat(serviceFor("api.example.com", "/other")).isEqualTo("web");
    }

    @Test
    void starAndEmptyHostMatchAnyHostIncludingNone() {
        assertThat(serviceFor("elsewhere.org", "/static/a")).isEqualTo("static");
        assertThat(serviceFor(null, "/static/a")).isEqualTo("static");
    }

    @Test
    void answers404NamingHostAndPathWithoutDefaultService() {
        RouteResult result = table.route("elsewhere.org:81", "/nothing");
        assertThat(result).isEqualTo(new RouteResult.Rejection(HttpResponseStatus.NOT_FOUND,
                "no route for host \"elsewhere.org\" path \"/nothing\" and no default service"));
    }

    @Test
    void fallsBackToTheDefaultService() {
        RoutingTable withDefault = RoutingTable.from(SNAPSHOT.toBuilder().setDefaultService("web").build());
        assertThat(((ServiceTarget) withDefault.route("elsewhere.org", "/nothing")).name()).isEqualTo("web");
    }

    @Test
    void routeToAServiceMissingFromTheSnapshotIs503() {
        RoutingTable broken = RoutingTable.from(Snapshot.newBuilder().setEpoch(1).setVersion(1)
                .addRoutes(route("", "/", "ghost")).build());
        assertThat(broken.route("x", "/")).isEqualTo(new RouteResult.Rejection(HttpResponseStatus.SERVICE_UNAVAILABLE,
                "service ghost: not in snapshot"));
    }

    @Test
    void onlyActiveWeightedEndpointsAreLive() {
        assertThat(table.isLive(new BackendAddress("10.0.0.3", 80))).isTrue();
        assertThat(table.isLive(new BackendAddress("10.0.0.4", 80))).as("draining").isFalse();
        assertThat(table.isLive(new BackendAddress("10.0.0.9", 80))).isFalse();
    }

    @Test
    void carriesPolicyAndVersion() {
        ServiceTarget api = table.service("api");
        assertThat(api.connectTimeoutMillis()).isEqualTo(TestSnapshots.CONNECT_TIMEOUT_MILLIS);
        assertThat(api.responseTimeoutMillis()).isEqualTo(TestSnapshots.RESPONSE_TIMEOUT_MILLIS);
        assertThat(api.connectRetries()).isEqualTo(1);
        assertThat(api.noEndpointReason()).isEqualTo("service api: no active endpoint");
        assertThat(table.epoch()).isEqualTo(3);
        assertThat(table.version()).isEqualTo(7);
    }

    @Test
    void hostLengthDropsThePortButKeepsIpv6Brackets() {
        assertThat(RoutingTable.hostLength("example.com")).isEqualTo(11);
        assertThat(RoutingTable.hostLength("example.com:8080")).isEqualTo(11);
        assertThat(RoutingTable.hostLength("[::1]:8080")).isEqualTo(5);
        assertThat(RoutingTable.hostLength("[::1]")).isEqualTo(5);
    }

    @Test
    void anUnchangedServiceKeepsItsTargetAcrossSnapshotsAndAChangedOneIsRebuilt() {
        Snapshot first = Snapshot.newBuilder().setEpoch(1).setVersion(1)
                .addServices(service("web", endpoint("a", "10.0.0.1", 80)))
                .addServices(service("api", endpoint("b", "10.0.0.2", 80))).build();
        Snapshot second = first.toBuilder().setVersion(2)
                .setServices(1, service("api", endpoint("b", "10.0.0.2", 81))).build();
        RoutingTable before = RoutingTable.from(first, 2, "", null);
        RoutingTable after = RoutingTable.from(second, 2, "", before);

        assertThat(after.service("web")).isSameAs(before.service("web"));
        assertThat(after.service("api")).isNotSameAs(before.service("api"));
        assertThat(RoutingTable.from(second, 1, "", before).service("web")).as("other loop count").isNotSameAs(before.service("web"));
    }
}
