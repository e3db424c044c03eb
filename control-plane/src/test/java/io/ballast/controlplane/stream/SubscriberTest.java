package io.ballast.controlplane.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proto.v1.Ack;
import io.ballast.proto.v1.Hello;
import io.ballast.proto.v1.Nack;
import io.ballast.proto.v1.Redirect;
import io.ballast.proto.v1.ServerMessage;
import io.ballast.proto.v1.Snapshot;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

class SubscriberTest {

    private final FakeCall call = new FakeCall();
    private final Subscriber subscriber = new Subscriber(call, Hello.newBuilder().setNodeId("n1").build());

    private static Snapshot snapshot(long version) {
        return Snapshot.newBuilder().setEpoch(1).setVersion(version).build();
    }

    @Test
    void sendsAtOnceWhenReady() {
        subscriber.offer(snapshot(1));

        assertThat(call.sent).extracting(m -> m.getSnapshot().getSnapshot().getVersion()).containsExactly(1L);
        assertThat(call.sent.get(0).getSnapshot().getNonce()).isNotEmpty();
        assertThat(subscriber.pendingCount()).isZero();
    }

    @Test
    void keepsOnlyTheLatestSnapshotWhileNotReady() {
        call.ready = false;

        for (long version = 1; version <= 5; version++) {
            subscriber.offer(snapshot(version));
            assertThat(subscriber.pendingCount()).isEqualTo(1);
        }
        assertThat(call.sent).isEmpty();

        call.ready = true;
        subscriber.drain();

        assertThat(call.sent).extracting(m -> m.getSnapshot().getSnapshot().getVersion()).containsExactly(5L);
        assertThat(subscriber.pendingCount()).isZero();
        subscriber.drain();
        assertThat(call.sent).hasSize(1);
    }

    @Test
    void doesNotResendTheSnapshotJustSent() {
        subscriber.offer(snapshot(1));
        subscriber.offer(snapshot(1));

        assertThat(call.sent).hasSize(1);
    }

    @Test
    void acceptsAckAndNackOnlyForTheLastNonce() {
        subscriber.offer(snapshot(1));
        String first = nonce(0);
        assertThat(subscriber.onAck(ack(first, 1))).isTrue();
        subscriber.offer(snapshot(2));
        String second = nonce(1);

        assertThat(subscriber.onAck(ack(first, 1))).isFalse();
        assertThat(subscriber.ackedVersion()).isEqualTo(1);

        assertThat(subscriber.onNack(Nack.newBuilder().setNonce(second).setEpoch(1).setVersion(2)
                .setErrorDetail("services[0].name: \"\"").build())).isTrue();
        assertThat(subscriber.lastError()).isEqualTo("services[0].name: \"\"");

        subscriber.offer(snapshot(3));
        String third = nonce(2);
        assertThat(subscriber.onAck(ack(third, 3))).isTrue();
        assertThat(subscriber.ackedEpoch()).isEqualTo(1);
        assertThat(subscriber.ackedVersion()).isEqualTo(3);
        assertThat(subscriber.lastError()).isEmpty();
    }

    @Test
    void sendsTheNextPushOnlyAfterTheNodeAnsweredAndSkipsIntermediateVersions() {
        subscriber.offer(snapshot(1));
        for (long version = 2; version <= 5; version++) {
            subscriber.offer(snapshot(version));
        }
        assertThat(call.sent).hasSize(1);
        assertThat(subscriber.pendingCount()).isEqualTo(1);

        subscriber.onAck(ack(nonce(0), 1));

        assertThat(call.sent).extracting(m -> m.getSnapshot().getSnapshot().getVersion()).containsExactly(1L, 5L);
        assertThat(subscriber.pendingCount()).isZero();
    }

    private String nonce(int index) {
        return call.sent.get(index).getSnapshot().getNonce();
    }

    private static Ack ack(String nonce, long version) {
        return Ack.newBuilder().setNonce(nonce).setEpoch(1).setVersion(version).build();
    }

    @Test
    void endDropsThePendingSnapshotAndIgnoresLaterOffers() {
        call.ready = false;
        subscriber.offer(snapshot(1));

        subscriber.end(Status.UNAVAILABLE.withDescription("not leader"));
        call.ready = true;
        subscriber.offer(snapshot(2));
        subscriber.drain();

        assertThat(call.sent).isEmpty();
        assertThat(subscriber.pendingCount()).isZero();
        assertThat(call.error.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(call.error.getDescription()).isEqualTo("not leader");
    }

    @Test
    void redirectSendsOneMessageAndCompletes() {
        subscriber.redirect(Redirect.newBuilder().setLeaderAddress("10.0.0.1:7000").setLeaderEpoch(4).build());

        assertThat(call.sent).extracting(ServerMessage::getRedirect)
                .containsExactly(Redirect.newBuilder().setLeaderAddress("10.0.0.1:7000").setLeaderEpoch(4).build());
        assertThat(call.completed).isTrue();
        assertThat(subscriber.ended()).isTrue();
    }

    @Test
    void aCancelledCallGetsNothing() {
        call.cancelled = true;

        subscriber.offer(snapshot(1));

        assertThat(call.sent).isEmpty();
    }
}
