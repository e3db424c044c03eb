package io.ballast.controlplane.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.Route;
import io.ballast.proto.v1.ServerMessage;
import io.ballast.proto.v1.Service;
import io.ballast.proto.v1.Snapshot;
import io.ballast.proto.v1.SnapshotDelta;
import io.ballast.proto.v1.SnapshotPush;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Bytes on the wire per single-endpoint change (the whole ServerMessage of the push), at 1,000
 * endpoints (10 services x 100) and 10,000 endpoints (100 services x 100), for a full push and a
 * delta push; printed for docs/performance.md. Sizes only, no timing. The delta's size must not
 * grow with the cluster.
 */
class DeltaSizeTest {

    private static final String NONCE = "7-1234-123456"; // the shape of the leader's nonces

    @Test
    void bytesPerSingleEndpointChangeDoNotDependOnClusterSize() {
        int[] small = sizes(10, 100);
        int[] large = sizes(100, 100);

        System.out.printf("delta sizes (bytes per push): endpoints | full | weight delta | added endpoint | removed endpoint%n");
        System.out.printf("  1,000 | %d | %d | %d | %d%n", small[0], small[1], small[2], small[3]);
        System.out.printf(" 10,000 | %d | %d | %d | %d%n", large[0], large[1], large[2], large[3]);

        for (int kind = 1; kind < small.length; kind++) {
            assertThat(small[kind]).isLessThan(400);
            assertThat(Math.abs(large[kind] - small[kind])).isLessThanOrEqualTo(4); // varint widths only
        }
        assertThat(large[0]).isGreaterThan(9 * small[0]);
    }

    /** {full, weight change, added endpoint, removed endpoint} push sizes for services x endpoints. */
    private static int[] sizes(int services, int endpointsPerService) {
        Snapshot base = cluster(services, endpointsPerService, 1233);
        int middle = services / 2;
        return new int[] {
            push(base.toBuilder().setVersion(1234).build()),
            deltaPush(base, changeService(base, middle, s -> s.setEndpoints(50,
                    s.getEndpoints(50).toBuilder().setWeight(42)))),
            deltaPush(base, changeService(base, middle, s -> s.addEndpoints(endpoint(middle, endpointsPerService)))),
            deltaPush(base, changeService(base, middle, s -> s.removeEndpoints(50))),
        };
    }

    private static Snapshot changeService(Snapshot base, int index, UnaryOperator<Service.Builder> change) {
        return base.toBuilder().setVersion(base.getVersion() + 1).setComputedAtUnixMillis(base.getComputedAtUnixMillis() + 25)
                .setServices(index, change.apply(base.getServices(index).toBuilder())).build();
    }

    private static int deltaPush(Snapshot base, Snapshot target) {
        SnapshotDelta delta = SnapshotDiff.between(base, target).orElseThrow();
        return ServerMessage.newBuilder().setSnapshot(SnapshotPush.newBuilder().setNonce(NONCE).setDelta(delta))
                .build().getSerializedSize();
    }

    private static int push(Snapshot snapshot) {
        return ServerMessage.newBuilder().setSnapshot(SnapshotPush.newBuilder().setNonce(NONCE).setSnapshot(snapshot))
                .build().getSerializedSize();
    }

    /** What SnapshotComputer builds for agents' registrations: sorted, default policy, one route per service. */
    private static Snapshot cluster(int services, int endpointsPerService, long version) {
        Snapshot.Builder snapshot = Snapshot.newBuilder().setEpoch(7).setVersion(version)
                .setComputedAtUnixMillis(1_764_700_000_000L);
        for (int s = 0; s < services; s++) {
            Service.Builder service = Service.newBuilder().setName(name(s)).setPolicy(SnapshotComputer.DEFAULT_POLICY);
            for (int e = 0; e < endpointsPerService; e++) {
                service.addEndpoints(endpoint(s, e));
            }
            snapshot.addServices(service);
            snapshot.addRoutes(Route.newBuilder().setHost(name(s)).setPathPrefix("/").setService(name(s)));
        }
        return snapshot.setDefaultService(name(0)).build();
    }

    private static String name(int service) {
        return String.format("svc-%03d", service);
    }

    private static Endpoint endpoint(int service, int index) {
        return Endpoint.newBuilder().setId(String.format("%s-%04d", name(service), index))
                .setHost("10." + (service % 250) + "." + (index / 250) + "." + (index % 250)).setPort(8080)
                .setZone("zone-" + (char) ('a' + index % 3)).setWeight(100).setDeclaredWeight(100)
                .setState(EndpointState.ACTIVE).putMetadata("version", "1.4.2").build();
    }
}
