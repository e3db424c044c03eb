package io.ballast.bench.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.ServerMessage;
import io.ballast.proto.v1.Service;
import io.ballast.proto.v1.ServiceDelta;
import io.ballast.proto.v1.Snapshot;
import io.ballast.proto.v1.SnapshotDelta;
import io.ballast.proto.v1.SnapshotPush;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotModelsTest {

    private static Endpoint endpoint(String id, int weight) {
        return Endpoint.newBuilder().setId(id).setHost("10.0.0.1").setPort(80).setWeight(weight).build();
    }

    private static byte[] full(long version) {
        return ServerMessage.newBuilder().setSnapshot(SnapshotPush.newBuilder().setNonce("f" + version)
                .setSnapshot(Snapshot.newBuilder().setEpoch(2).setVersion(version)
                        .addServices(Service.newBuilder().setName("api").addEndpoints(endpoint("x", 10)))
                        .addServices(Service.newBuilder().setName("web").addEndpoints(endpoint("a", 100)).addEndpoints(endpoint("b", 100)))))
                .build().toByteArray();
    }

    private static byte[] delta(long base, long version, SnapshotDelta.Builder changes) {
        return ServerMessage.newBuilder().setSnapshot(SnapshotPush.newBuilder().setNonce("d" + version)
                .setDelta(changes.setEpoch(2).setVersion(version).setBaseVersion(base))).build().toByteArray();
    }

    private static SnapshotModels.Model resolve(SnapshotModels models, byte[] message, SnapshotModels.Model held) throws IOException {
        return models.resolve(PushShape.decode(message), message, held);
    }

    @Test
    void appliesADeltaOntoTheHeldSnapshot() throws IOException {
        SnapshotModels models = new SnapshotModels();
        SnapshotModels.Model base = resolve(models, full(5), null);
        assertThat(base.endpoints()).isEqualTo(3);

        SnapshotModels.Model next = resolve(models, delta(5, 6, SnapshotDelta.newBuilder()
                .addServices(ServiceDelta.newBuilder().setName("web").addUpsertedEndpoints(endpoint("a", 7))
                        .addUpsertedEndpoints(endpoint("c", 1)).addRemovedEndpointIds("b"))
                .addServices(ServiceDelta.newBuilder().setName("db").setReplacement(Service.newBuilder().setName("db")
                        .addEndpoints(endpoint("p", 3)).addEndpoints(endpoint("q", 4))))
                .addRemovedServices("api")), base);

        assertThat(next.version()).isEqualTo(6);
        assertThat(next.services()).isEqualTo(Map.of("web", Map.of("a", 7, "c", 1), "db", Map.of("p", 3, "q", 4)));
        assertThat(next.endpoints()).isEqualTo(4);
        assertThat(next.weight("web", "a")).isEqualTo(7);
        assertThat(next.weight("api", "x")).isNull();
        // The base is untouched (models are shared by the whole fleet).
        assertThat(base.weight("web", "b")).isEqualTo(100);
    }

    @Test
    void decodesEachVersionOnceForTheFleet() throws IOException {
        SnapshotModels models = new SnapshotModels();
        SnapshotModels.Model first = resolve(models, full(5), null);
        assertThat(resolve(models, full(5), null)).isSameAs(first);
        byte[] change = delta(5, 6, SnapshotDelta.newBuilder().addServices(
                ServiceDelta.newBuilder().setName("web").addUpsertedEndpoints(endpoint("a", 50))));
        assertThat(resolve(models, change, first)).isSameAs(resolve(models, change, first));
    }

    @Test
    void refusesADeltaOntoAnotherVersionThanTheOneHeld() throws IOException {
        SnapshotModels models = new SnapshotModels();
        SnapshotModels.Model held = resolve(models, full(5), null);
        byte[] gap = delta(4, 6, SnapshotDelta.newBuilder());

        assertThatThrownBy(() -> resolve(models, gap, held)).isInstanceOf(IllegalStateException.class)
                .hasMessage("delta onto epoch 2 version 4, but the stream holds epoch 2 version 5");
        assertThatThrownBy(() -> resolve(models, gap, null)).isInstanceOf(IllegalStateException.class)
                .hasMessage("delta onto epoch 2 version 4, but the stream holds nothing");
    }

    @Test
    void refusesWhatARealNodeWouldNack() throws IOException {
        SnapshotModels models = new SnapshotModels();
        SnapshotModels.Model held = resolve(models, full(5), null);
        byte[] bad = delta(5, 6, SnapshotDelta.newBuilder().addServices(ServiceDelta.newBuilder().setName("web").addRemovedEndpointIds("zz")));

        assertThatThrownBy(() -> resolve(models, bad, held)).isInstanceOf(IllegalStateException.class)
                .hasMessage("delta 6 refused as a node would: services[0].removed_endpoint_ids[0]: \"zz\" (expected: an endpoint of the applied service)");
    }
}
