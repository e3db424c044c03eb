package io.ballast.controlplane.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proto.v1.Ack;
import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.Hello;
import io.ballast.proto.v1.Nack;
import io.ballast.proto.v1.Service;
import io.ballast.proto.v1.Snapshot;
import io.ballast.proto.v1.SnapshotPush;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When a subscriber sends a delta, and when it falls back to the full snapshot. */
class SubscriberDeltaTest {

    private final List<String> pushes = new ArrayList<>();
    private final PushEncoder encoder = new PushEncoder((kind, bytes) -> pushes.add(kind + ":" + (bytes > 0)));
    private final FakeCall call = new FakeCall();
    private final Subscriber subscriber = subscriber(call, true);

    private Subscriber subscriber(FakeCall on, boolean acceptsDeltas) {
        return new Subscriber(on, Hello.newBuilder().setNodeId("n1").setAcceptsDeltas(acceptsDeltas).build(), encoder);
    }

    /** One service of 50 endpoints; {@code weight} is the first endpoint's. */
    private static Snapshot snapshot(long version, int weight) {
        Service.Builder service = Service.newBuilder().setName("web");
        for (int i = 0; i < 50; i++) {
            service.addEndpoints(Endpoint.newBuilder().setId(String.format("e%02d", i)).setHost("10.0.0." + i).setPort(8080)
                    .setWeight(i == 0 ? weight : 10).setDeclaredWeight(10).setState(EndpointState.ACTIVE));
        }
        return Snapshot.newBuilder().setEpoch(1).setVersion(version).addServices(service).setDefaultService("web").build();
    }

    private SnapshotPush push(int index) {
        return call.sent.get(index).getSnapshot();
    }

    private void ackLast() {
        SnapshotPush last = push(call.sent.size() - 1);
        long version = last.hasDelta() ? last.getDelta().getVersion() : last.getSnapshot().getVersion();
        assertThat(subscriber.onAck(Ack.newBuilder().setNonce(last.getNonce()).setEpoch(1).setVersion(version).build())).isTrue();
    }

    private void nackLast() {
        assertThat(subscriber.onNack(Nack.newBuilder().setNonce(push(call.sent.size() - 1).getNonce()).setEpoch(1)
                .setErrorDetail("base_version: 1 (expected: the applied version 0)").build())).isTrue();
    }

    @Test
    void theFirstPushIsFullThenDeltasAgainstTheAckedVersion() {
        subscriber.offer(snapshot(1, 10));
        assertThat(push(0).hasSnapshot()).isTrue();
        ackLast();

        subscriber.offer(snapshot(2, 11));

        assertThat(push(1).hasDelta()).isTrue();
        assertThat(push(1).getDelta().getBaseVersion()).isEqualTo(1);
        assertThat(push(1).getDelta().getVersion()).isEqualTo(2);
        assertThat(push(1).getDelta().getServices(0).getUpsertedEndpointsList()).extracting(Endpoint::getWeight)
                .containsExactly(11);
        assertThat(pushes).containsExactly("FULL:true", "DELTA:true");
    }

    @Test
    void aSlowNodeGetsOneDeltaFromItsAckedVersionToTheLatest() {
        subscriber.offer(snapshot(1, 10));
        for (int version = 2; version <= 6; version++) {
            subscriber.offer(snapshot(version, 10 + version));
        }
        assertThat(call.sent).hasSize(1);

        ackLast();

        assertThat(call.sent).hasSize(2);
        assertThat(push(1).getDelta().getBaseVersion()).isEqualTo(1);
        assertThat(push(1).getDelta().getVersion()).isEqualTo(6);
    }

    @Test
    void aNackedDeltaIsAnsweredWithTheFullSnapshot() {
        subscriber.offer(snapshot(1, 10));
        ackLast();
        subscriber.offer(snapshot(2, 11));
        assertThat(push(1).hasDelta()).isTrue();

        nackLast();

        assertThat(call.sent).hasSize(3);
        assertThat(push(2).getSnapshot()).isEqualTo(snapshot(2, 11));
        ackLast();
        subscriber.offer(snapshot(3, 12));
        assertThat(push(3).getDelta().getBaseVersion()).isEqualTo(2);
    }

    @Test
    void aNackedFullSnapshotIsNotResentAndTheNextDeltaStartsFromTheLastAck() {
        subscriber.offer(snapshot(1, 10));
        ackLast();
        // A change whose delta is not smaller than the snapshot: the push is full.
        Snapshot large = bigChange(2);
        subscriber.offer(large);
        assertThat(push(1).hasSnapshot()).isTrue();
        nackLast();
        assertThat(call.sent).hasSize(2);

        subscriber.offer(snapshot(3, 12));
        assertThat(push(2).getDelta().getBaseVersion()).isEqualTo(1);
    }

    @Test
    void anAckOfAnotherVersionLeavesTheBaseUnknown() {
        subscriber.offer(snapshot(1, 10));
        subscriber.onAck(Ack.newBuilder().setNonce(push(0).getNonce()).setEpoch(1).setVersion(7).build());

        subscriber.offer(snapshot(2, 11));

        assertThat(push(1).hasSnapshot()).isTrue();
    }

    @Test
    void aNodeThatDoesNotAcceptDeltasGetsFullSnapshots() {
        FakeCall oldCall = new FakeCall();
        Subscriber old = subscriber(oldCall, false);
        old.offer(snapshot(1, 10));
        old.onAck(Ack.newBuilder().setNonce(oldCall.sent.get(0).getSnapshot().getNonce()).setEpoch(1).setVersion(1).build());

        old.offer(snapshot(2, 11));

        assertThat(oldCall.sent).extracting(m -> m.getSnapshot().hasSnapshot()).containsExactly(true, true);
    }

    @Test
    void nodesAtTheSameVersionShareOneDelta() {
        FakeCall otherCall = new FakeCall();
        Subscriber other = subscriber(otherCall, true);
        Snapshot v1 = snapshot(1, 10);
        Snapshot v2 = snapshot(2, 11);
        for (Subscriber s : List.of(subscriber, other)) {
            s.offer(v1);
        }
        ackLast();
        other.onAck(Ack.newBuilder().setNonce(otherCall.sent.get(0).getSnapshot().getNonce()).setEpoch(1).setVersion(1).build());

        subscriber.offer(v2);
        other.offer(v2);

        assertThat(otherCall.sent.get(1).getSnapshot().getDelta()).isSameAs(push(1).getDelta());
    }

    /** The service is renamed: a delta would remove it and carry it whole again, more than the full snapshot. */
    private static Snapshot bigChange(long version) {
        Snapshot base = snapshot(version, 10);
        return base.toBuilder().setServices(0, base.getServices(0).toBuilder().setName("web2")).setDefaultService("web2").build();
    }
}
