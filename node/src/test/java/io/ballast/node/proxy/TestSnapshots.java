package io.ballast.node.proxy;

import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.Route;
import io.ballast.proto.v1.Service;
import io.ballast.proto.v1.Snapshot;
import io.ballast.testing.RecordingBackend;

/** Small builders for the snapshots the proxy tests apply. */
final class TestSnapshots {

    static final int CONNECT_TIMEOUT_MILLIS = 1_000;
    static final int RESPONSE_TIMEOUT_MILLIS = 5_000;

    private TestSnapshots() {}

    static Endpoint endpoint(String id, String host, int port) {
        return Endpoint.newBuilder().setId(id).setHost(host).setPort(port).setWeight(100)
                .setState(EndpointState.ACTIVE).build();
    }

    static Endpoint endpoint(RecordingBackend.Instance backend) {
        return endpoint(backend.name(), backend.host(), backend.port());
    }

    static Policy policy(int connectRetries, int responseTimeoutMillis) {
        return Policy.newBuilder().setAlgorithm(LbAlgorithm.ROUND_ROBIN).setConnectTimeoutMillis(CONNECT_TIMEOUT_MILLIS)
                .setResponseTimeoutMillis(responseTimeoutMillis).setConnectRetries(connectRetries).build();
    }

    static Service service(String name, Endpoint... endpoints) {
        return service(name, policy(1, RESPONSE_TIMEOUT_MILLIS), endpoints);
    }

    static Service service(String name, Policy policy, Endpoint... endpoints) {
        return Service.newBuilder().setName(name).setPolicy(policy).addAllEndpoints(java.util.List.of(endpoints)).build();
    }

    static Route route(String host, String pathPrefix, String service) {
        return Route.newBuilder().setHost(host).setPathPrefix(pathPrefix).setService(service).build();
    }

    /** A snapshot whose default service is {@code service}. */
    static Snapshot defaultTo(long version, Service service) {
        return Snapshot.newBuilder().setEpoch(1).setVersion(version).addServices(service)
                .setDefaultService(service.getName()).build();
    }
}
