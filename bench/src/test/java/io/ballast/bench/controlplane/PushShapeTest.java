package io.ballast.bench.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.Redirect;
import io.ballast.proto.v1.Route;
import io.ballast.proto.v1.ServerMessage;
import io.ballast.proto.v1.Service;
import io.ballast.proto.v1.ServiceDelta;
import io.ballast.proto.v1.Snapshot;
import io.ballast.proto.v1.SnapshotDelta;
import io.ballast.proto.v1.SnapshotPush;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class PushShapeTest {

    @Test
    void readsNonceVersionAndCountsFromTheWireBytes() throws IOException {
        Snapshot.Builder snapshot = Snapshot.newBuilder().setEpoch(3).setVersion(1_000_000_007L).setComputedAtUnixMillis(42)
                .addRoutes(Route.newBuilder().setHost("a").setService("a"));
        for (int s = 0; s < 3; s++) {
            Service.Builder service = Service.newBuilder().setName("svc-" + s).setPolicy(Policy.newBuilder().setConnectRetries(1));
            for (int e = 0; e <= s; e++) {
                service.addEndpoints(Endpoint.newBuilder().setId("e-" + e).setHost("10.0.0." + e).setPort(8080).setWeight(100)
                        .putMetadata("k", "v"));
            }
            snapshot.addServices(service);
        }
        byte[] bytes = ServerMessage.newBuilder()
                .setSnapshot(SnapshotPush.newBuilder().setNonce("3-7-12").setSnapshot(snapshot)).build().toByteArray();

        PushShape shape = PushShape.decode(bytes);

        assertThat(shape).isEqualTo(new PushShape(false, "3-7-12", 3, 1_000_000_007L, false, -1, bytes.length));
    }

    @Test
    void readsADeltasVersionAndBase() throws IOException {
        byte[] bytes = ServerMessage.newBuilder().setSnapshot(SnapshotPush.newBuilder().setNonce("n")
                .setDelta(SnapshotDelta.newBuilder().setEpoch(4).setVersion(12).setBaseVersion(9).setComputedAtUnixMillis(1)
                        .addServices(ServiceDelta.newBuilder().setName("web").addRemovedEndpointIds("a"))))
                .build().toByteArray();

        assertThat(PushShape.decode(bytes)).isEqualTo(new PushShape(false, "n", 4, 12, true, 9, bytes.length));
    }

    @Test
    void recognisesARedirect() throws IOException {
        byte[] bytes = ServerMessage.newBuilder().setRedirect(Redirect.newBuilder().setLeaderAddress("127.0.0.1:7000")).build()
                .toByteArray();

        assertThat(PushShape.decode(bytes).redirect()).isTrue();
    }

    @Test
    void refusesBytesThatAreNoMessage() {
        assertThatThrownBy(() -> PushShape.decode(new byte[] {0x0a, 0x7f})).isInstanceOf(IOException.class);
    }
}
