package io.ballast.node.proxy.tcp;

import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.Service;
import io.ballast.proto.v1.Snapshot;
import io.ballast.proto.v1.TcpListener;
import java.util.List;

/** Snapshots with TCP services, for the TCP listener tests. */
public final class TcpSnapshots {

    private TcpSnapshots() {}

    public static Endpoint endpoint(String id, int port) {
        return Endpoint.newBuilder().setId(id).setHost("127.0.0.1").setPort(port).setWeight(100).setDeclaredWeight(100)
                .setState(EndpointState.ACTIVE).build();
    }

    public static Endpoint endpoint(TcpBackend backend) {
        return endpoint(backend.name, backend.port());
    }

    public static Policy.Builder policy(int tcpPort) {
        return Policy.newBuilder().setAlgorithm(LbAlgorithm.ROUND_ROBIN).setConnectTimeoutMillis(1_000).setConnectRetries(1)
                .setTcp(TcpListener.newBuilder().setPort(tcpPort));
    }

    public static Service service(String name, Policy.Builder policy, Endpoint... endpoints) {
        return Service.newBuilder().setName(name).setPolicy(policy).addAllEndpoints(List.of(endpoints)).build();
    }

    public static Snapshot snapshot(long version, Service... services) {
        return Snapshot.newBuilder().setEpoch(1).setVersion(version).addAllServices(List.of(services)).build();
    }
}
