package io.ballast.node.snapshot;

import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.Route;
import io.ballast.proto.v1.Service;
import io.ballast.proto.v1.Snapshot;

/** Valid snapshots for tests, to be modified with {@code toBuilder()}. */
public final class TestSnapshots {

    private TestSnapshots() {}

    public static Endpoint endpoint(String id, String host, int port, int weight) {
        return Endpoint.newBuilder()
                .setId(id)
                .setHost(host)
                .setPort(port)
                .setWeight(weight)
                .setState(EndpointState.ACTIVE)
                .putMetadata("version", "1.0")
                .build();
    }

    /** One service "web" with the given endpoints, routed for every host and path and as default. */
    public static Snapshot web(long epoch, long version, Endpoint... endpoints) {
        return Snapshot.newBuilder()
                .setEpoch(epoch)
                .setVersion(version)
                .setComputedAtUnixMillis(1_700_000_000_000L)
                .addServices(Service.newBuilder()
                        .setName("web")
                        .setPolicy(Policy.newBuilder()
                                .setAlgorithm(LbAlgorithm.ROUND_ROBIN)
                                .setConnectTimeoutMillis(1_000)
                                .setResponseTimeoutMillis(5_000)
                                .setConnectRetries(1))
                        .addAllEndpoints(java.util.List.of(endpoints)))
                .addRoutes(Route.newBuilder().setHost("*").setPathPrefix("/").setService("web"))
                .setDefaultService("web")
                .build();
    }

    /** {@link #web} with two endpoints on 127.0.0.1 ports 8081 and 8082. */
    public static Snapshot web(long epoch, long version) {
        return web(epoch, version, endpoint("web-1", "127.0.0.1", 8081, 100), endpoint("web-2", "127.0.0.1", 8082, 100));
    }
}
