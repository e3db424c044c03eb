package io.ballast.controlplane.stream;

import io.ballast.common.config.Checks;
import io.ballast.proto.v1.Hello;
import io.ballast.proto.v1.NodeMessage;
import io.ballast.proto.v1.ServerMessage;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.Executor;

/**
 * The server side of one {@code Subscribe} call: checks the protocol (Hello first, and only
 * first) and hands the node to the {@link SubscriptionGate}.
 *
 * <p>Threading: gRPC callbacks only enqueue onto the state-thread {@code loop}; all fields are
 * confined to it. Protocol violations end the call with INVALID_ARGUMENT naming the field.
 */
final class NodeStream implements StreamObserver<NodeMessage> {

    private final ServerCallStreamObserver<ServerMessage> call;
    private final Executor loop;
    private final SubscriptionGate gate;
    private Subscriber subscriber;
    private boolean done;

    NodeStream(ServerCallStreamObserver<ServerMessage> call, Executor loop, SubscriptionGate gate) {
        this.call = call;
        this.loop = loop;
        this.gate = gate;
        // Both handlers must be set before Subscribe returns.
        call.setOnReadyHandler(() -> loop.execute(this::onReady));
        call.setOnCancelHandler(() -> loop.execute(this::gone));
    }

    @Override
    public void onNext(NodeMessage message) {
        loop.execute(() -> handle(message));
    }

    @Override
    public void onError(Throwable t) {
        loop.execute(this::gone);
    }

    @Override
    public void onCompleted() {
        loop.execute(() -> {
            if (!done && subscriber != null) {
                subscriber.end(Status.OK);
            }
            gone();
        });
    }

    private void handle(NodeMessage message) {
        if (done) {
            return;
        }
        if (subscriber == null) {
            if (!message.hasHello()) {
                fail("hello", kind(message), "a Hello as the first message of the stream");
                return;
            }
            Hello hello = message.getHello();
            if (!Checks.ID.matcher(hello.getNodeId()).matches()) {
                fail("hello.node_id", "\"" + hello.getNodeId() + "\"", Checks.ID.pattern());
                return;
            }
            subscriber = new Subscriber(call, hello, gate.pushEncoder());
            gate.subscribe(subscriber);
            return;
        }
        switch (message.getKindCase()) {
            case ACK -> {
                if (subscriber.onAck(message.getAck())) {
                    gate.answered(subscriber, true);
                }
            }
            case NACK -> {
                if (subscriber.onNack(message.getNack())) {
                    gate.answered(subscriber, false);
                }
            }
            case REPORT -> {
                subscriber.onReport(message.getReport());
                gate.reported(subscriber);
            }
            case HELLO -> fail("hello", "a second Hello", "a Hello only as the first message");
            default -> fail("kind", "not set", "hello, ack or nack");
        }
    }

    private void onReady() {
        if (!done && subscriber != null) {
            subscriber.drain();
        }
    }

    private void gone() {
        if (done) {
            return;
        }
        done = true;
        if (subscriber != null) {
            gate.unsubscribe(subscriber);
        }
    }

    private void fail(String field, String value, String expected) {
        Status status = Status.INVALID_ARGUMENT.withDescription(field + ": " + value + " (expected: " + expected + ")");
        if (subscriber != null) {
            subscriber.end(status);
        } else {
            try {
                call.onError(status.asRuntimeException());
            } catch (RuntimeException e) {
                // already cancelled
            }
        }
        gone();
    }

    private static String kind(NodeMessage message) {
        return switch (message.getKindCase()) {
            case ACK -> "an Ack";
            case NACK -> "a Nack";
            case HELLO -> "a Hello";
            default -> "an empty message";
        };
    }
}
