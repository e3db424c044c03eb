package io.ballast.controlplane.stream;

import io.ballast.proto.v1.ControlPlaneGrpc;
import io.ballast.proto.v1.NodeMessage;
import io.ballast.proto.v1.ServerMessage;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.Executor;

/**
 * The {@code ballast.v1.ControlPlane} gRPC service. Every call becomes a {@link NodeStream}
 * whose events run on the state thread {@code loop}; leadership decisions belong to the
 * {@link SubscriptionGate}.
 */
public final class ControlStreamService extends ControlPlaneGrpc.ControlPlaneImplBase {

    private final Executor loop;
    private final SubscriptionGate gate;

    public ControlStreamService(Executor loop, SubscriptionGate gate) {
        this.loop = loop;
        this.gate = gate;
    }

    @Override
    public StreamObserver<NodeMessage> subscribe(StreamObserver<ServerMessage> responses) {
        return new NodeStream((ServerCallStreamObserver<ServerMessage>) responses, loop, gate);
    }
}
