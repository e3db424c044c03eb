package io.ballast.controlplane.stream;

import io.ballast.proto.v1.ServerMessage;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayList;
import java.util.List;

/** A server call whose readiness the test controls; records everything sent. Single-threaded use. */
final class FakeCall extends ServerCallStreamObserver<ServerMessage> {

    final List<ServerMessage> sent = new ArrayList<>();
    boolean ready = true;
    boolean cancelled;
    boolean completed;
    Status error;
    Runnable onReady;
    Runnable onCancel;

    @Override
    public boolean isCancelled() {
        return cancelled;
    }

    @Override
    public void setOnCancelHandler(Runnable handler) {
        onCancel = handler;
    }

    @Override
    public void setCompression(String compression) {}

    @Override
    public boolean isReady() {
        return ready;
    }

    @Override
    public void setOnReadyHandler(Runnable handler) {
        onReady = handler;
    }

    @Override
    public void disableAutoInboundFlowControl() {}

    @Override
    public void request(int count) {}

    @Override
    public void setMessageCompression(boolean enable) {}

    @Override
    public void onNext(ServerMessage value) {
        if (completed || error != null) {
            throw new IllegalStateException("call already closed");
        }
        sent.add(value);
    }

    @Override
    public void onError(Throwable t) {
        error = Status.fromThrowable(t);
    }

    @Override
    public void onCompleted() {
        completed = true;
    }
}
