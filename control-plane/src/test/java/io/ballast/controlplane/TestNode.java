package io.ballast.controlplane;

import io.ballast.proto.v1.Ack;
import io.ballast.proto.v1.ControlPlaneGrpc;
import io.ballast.proto.v1.Hello;
import io.ballast.proto.v1.NodeMessage;
import io.ballast.proto.v1.ServerMessage;
import io.ballast.proto.v1.Snapshot;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A minimal data-plane node for tests: subscribes with a Hello, records every server message,
 * ACKs every snapshot. With {@link #subscribeWithoutReading} it reads nothing until
 * {@link #read(int)} is called (manual inbound flow control).
 */
final class TestNode implements ClientResponseObserver<NodeMessage, ServerMessage>, AutoCloseable {

    final List<ServerMessage> received = new CopyOnWriteArrayList<>();
    private final boolean autoRead;
    private volatile ClientCallStreamObserver<NodeMessage> requests;
    private volatile Status ended;

    private TestNode(boolean autoRead) {
        this.autoRead = autoRead;
    }

    static TestNode subscribe(Channel channel, String nodeId) {
        return start(channel, nodeId, true);
    }

    static TestNode subscribeWithoutReading(Channel channel, String nodeId) {
        return start(channel, nodeId, false);
    }

    private static TestNode start(Channel channel, String nodeId, boolean autoRead) {
        TestNode node = new TestNode(autoRead);
        ControlPlaneGrpc.newStub(channel).subscribe(node);
        node.requests.onNext(NodeMessage.newBuilder()
                .setHello(Hello.newBuilder().setNodeId(nodeId).setProxyAddress("127.0.0.1:1")).build());
        return node;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<NodeMessage> requestStream) {
        this.requests = requestStream;
        if (!autoRead) {
            requestStream.disableAutoRequestWithInitial(0);
        }
    }

    /** Sends a report as a node does: requests in flight per backend address, at the version it routes by. */
    synchronized void report(java.util.Map<String, Integer> inFlight, long appliedVersion) {
        requests.onNext(NodeMessage.newBuilder().setReport(io.ballast.proto.v1.Report.newBuilder()
                .putAllInFlight(inFlight).setAppliedVersion(appliedVersion)).build());
    }

    /** Sends a whole report (e.g. with per-endpoint outcomes). */
    synchronized void report(io.ballast.proto.v1.Report report) {
        requests.onNext(NodeMessage.newBuilder().setReport(report).build());
    }

    void read(int messages) {
        requests.request(messages);
    }

    @Override
    public void onNext(ServerMessage message) {
        received.add(message);
        if (message.hasSnapshot() && autoRead) {
            Snapshot snapshot = message.getSnapshot().getSnapshot();
            try {
                requests.onNext(NodeMessage.newBuilder().setAck(Ack.newBuilder()
                        .setNonce(message.getSnapshot().getNonce())
                        .setEpoch(snapshot.getEpoch())
                        .setVersion(snapshot.getVersion())).build());
            } catch (RuntimeException e) {
                // stream already closing
            }
        }
    }

    @Override
    public void onError(Throwable t) {
        ended = Status.fromThrowable(t);
    }

    @Override
    public void onCompleted() {
        ended = Status.OK;
    }

    /** How the stream ended, empty while it is open. */
    Optional<Status> ended() {
        return Optional.ofNullable(ended);
    }

    Optional<Snapshot> latest() {
        for (int i = received.size() - 1; i >= 0; i--) {
            if (received.get(i).hasSnapshot()) {
                return Optional.of(received.get(i).getSnapshot().getSnapshot());
            }
        }
        return Optional.empty();
    }

    List<Snapshot> snapshots() {
        return received.stream().filter(ServerMessage::hasSnapshot).map(m -> m.getSnapshot().getSnapshot()).toList();
    }

    @Override
    public void close() {
        if (ended == null) {
            requests.cancel("test done", null);
        }
    }
}
