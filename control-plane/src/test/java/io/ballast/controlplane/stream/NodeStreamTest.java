package io.ballast.controlplane.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proto.v1.Ack;
import io.ballast.proto.v1.Hello;
import io.ballast.proto.v1.NodeMessage;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeStreamTest {

    private final FakeCall call = new FakeCall();
    private final List<Subscriber> subscribed = new ArrayList<>();
    private final List<Subscriber> unsubscribed = new ArrayList<>();
    private final NodeStream stream = new NodeStream(call, Runnable::run, new SubscriptionGate() {
        @Override
        public void subscribe(Subscriber subscriber) {
            subscribed.add(subscriber);
        }

        @Override
        public void unsubscribe(Subscriber subscriber) {
            unsubscribed.add(subscriber);
        }
    });

    private static NodeMessage hello(String nodeId) {
        return NodeMessage.newBuilder().setHello(Hello.newBuilder().setNodeId(nodeId)).build();
    }

    @Test
    void helloSubscribes() {
        stream.onNext(hello("n1"));

        assertThat(subscribed).extracting(Subscriber::nodeId).containsExactly("n1");
        assertThat(call.onReady).isNotNull();
        assertThat(call.onCancel).isNotNull();
    }

    @Test
    void firstMessageMustBeHello() {
        stream.onNext(NodeMessage.newBuilder().setAck(Ack.newBuilder().setNonce("x")).build());

        assertThat(subscribed).isEmpty();
        assertThat(call.error.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(call.error.getDescription()).isEqualTo("hello: an Ack (expected: a Hello as the first message of the stream)");
    }

    @Test
    void nodeIdIsValidated() {
        stream.onNext(hello("bad id"));

        assertThat(call.error.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(call.error.getDescription()).isEqualTo("hello.node_id: \"bad id\" (expected: [A-Za-z0-9._:-]{1,128})");
    }

    @Test
    void aSecondHelloEndsTheStreamAndUnsubscribes() {
        stream.onNext(hello("n1"));
        stream.onNext(hello("n1"));

        assertThat(call.error.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(call.error.getDescription()).startsWith("hello: a second Hello");
        assertThat(unsubscribed).containsExactlyElementsOf(subscribed);
    }

    @Test
    void cancelUnsubscribesOnce() {
        stream.onNext(hello("n1"));

        call.onCancel.run();
        stream.onError(new RuntimeException("gone"));

        assertThat(unsubscribed).hasSize(1);
    }
}
