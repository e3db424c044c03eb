package io.ballast.controlplane;

import io.ballast.proto.v1.Ack;
import io.ballast.proto.v1.ControlPlaneGrpc;
import io.ballast.proto.v1.Hello;
import io.ballast.proto.v1.NodeMessage;
import io.ballast.proto.v1.ServerMessage;
import io.ballast.proto.v1.Nack;
import io.ballast.node.snapshot.SnapshotPatch;
import io.ballast.proto.v1.Snapshot;
import io.ballast.proto.v1.SnapshotDelta;
import io.ballast.proto.v1.SnapshotPush;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A minimal data-plane node for tests: subscribes with a Hello, records every server message,
 * ACKs every snapshot it receives. With {@link #subscribeWithoutReading} it reads nothing until
 * {@link #read(int)} is called (manual inbound flow control). With {@link #subscribeAcceptingDeltas}
 * its Hello accepts deltas, which it patches onto its applied snapshot with the node's
 * {@link SnapshotPatch} (NACKing one that does not fit, or the next one after {@link #nackNextDelta}).
 */
final class TestNode implements ClientResponseObserver<NodeMessage, ServerMessage>, AutoCloseable {

    final List<ServerMessage> received = new CopyOnWriteArrayList<>();
    private final List<Snapshot> applied = new CopyOnWriteArrayList<>();
    private final boolean autoRead;
    private final boolean acceptsDeltas;
    private final AtomicBoolean nackNextDelta = new AtomicBoolean();
    private volatile ClientCallStreamObserver<NodeMessage> requests;
    private volatile Status ended;

    private TestNode(boolean autoRead, boolean acceptsDeltas) {
        this.autoRead = autoRead;
        this.acceptsDeltas = acceptsDeltas;
    }

    static TestNode subscribe(Channel channel, String nodeId) {
        return start(channel, nodeId, true, false, 0, 0);
    }

    static TestNode subscribeWithoutReading(Channel channel, String nodeId) {
        return start(channel, nodeId, false, false, 0, 0);
    }

    /** A node that accepts deltas and says it has applied {@code (lastEpoch, lastVersion)}. */
    static TestNode subscribeAcceptingDeltas(Channel channel, String nodeId, long lastEpoch, long lastVersion) {
        return start(channel, nodeId, true, true, lastEpoch, lastVersion);
    }

    private static TestNode start(Channel channel, String nodeId, boolean autoRead, boolean acceptsDeltas,
                                  long lastEpoch, long lastVersion) {
        TestNode node = new TestNode(autoRead, acceptsDeltas);
        ControlPlaneGrpc.newStub(channel).subscribe(node);
        node.send(NodeMessage.newBuilder().setHello(Hello.newBuilder().setNodeId(nodeId).setProxyAddress("127.0.0.1:1")
                .setAcceptsDeltas(acceptsDeltas).setLastEpoch(lastEpoch).setLastVersion(lastVersion)).build());
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
    void report(java.util.Map<String, Integer> inFlight, long appliedVersion) {
        send(NodeMessage.newBuilder().setReport(io.ballast.proto.v1.Report.newBuilder()
                .putAllInFlight(inFlight).setAppliedVersion(appliedVersion)).build());
    }

    /** Sends a whole report (e.g. with per-endpoint outcomes). */
    void report(io.ballast.proto.v1.Report report) {
        send(NodeMessage.newBuilder().setReport(report).build());
    }

    /** gRPC observers are not thread-safe: the test thread (reports) and the transport (answers) share this lock. */
    private synchronized void send(NodeMessage message) {
        try {
            requests.onNext(message);
        } catch (RuntimeException e) {
            // stream already closing
        }
    }

    void read(int messages) {
        requests.request(messages);
    }

    /** The next delta received is refused (NACK), whatever it holds. */
    void nackNextDelta() {
        nackNextDelta.set(true);
    }

    @Override
    public void onNext(ServerMessage message) {
        received.add(message);
        if (!message.hasSnapshot()) {
            return;
        }
        SnapshotPush push = message.getSnapshot();
        if (!push.hasDelta()) {
            applied.add(push.getSnapshot());
            ack(push.getNonce(), push.getSnapshot().getEpoch(), push.getSnapshot().getVersion());
            return;
        }
        SnapshotDelta delta = push.getDelta();
        SnapshotPatch.Result patched = nackNextDelta.getAndSet(false)
                ? new SnapshotPatch.Result(null, "refused by the test")
                : SnapshotPatch.apply(latest().orElse(null), delta);
        if (patched.ok()) {
            applied.add(patched.snapshot());
            ack(push.getNonce(), delta.getEpoch(), delta.getVersion());
        } else {
            send(NodeMessage.newBuilder().setNack(Nack.newBuilder().setNonce(push.getNonce()).setEpoch(delta.getEpoch())
                    .setVersion(delta.getVersion()).setErrorDetail(patched.error())).build());
        }
    }

    private void ack(String nonce, long epoch, long version) {
        send(NodeMessage.newBuilder().setAck(Ack.newBuilder().setNonce(nonce).setEpoch(epoch).setVersion(version)).build());
    }

    /** "full" or "delta" per snapshot push received, in order. */
    List<String> pushKinds() {
        return received.stream().filter(ServerMessage::hasSnapshot)
                .map(m -> m.getSnapshot().hasDelta() ? "delta" : "full").toList();
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

    /** The snapshot applied last (a full one received, or a delta patched onto the one before). */
    Optional<Snapshot> latest() {
        return applied.isEmpty() ? Optional.empty() : Optional.of(applied.get(applied.size() - 1));
    }

    /** Every snapshot applied, in order. */
    List<Snapshot> snapshots() {
        return List.copyOf(applied);
    }

    @Override
    public void close() {
        if (ended == null) {
            requests.cancel("test done", null);
        }
    }
}
