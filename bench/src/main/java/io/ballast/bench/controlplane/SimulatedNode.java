package io.ballast.bench.controlplane;

import io.ballast.proto.v1.Ack;
import io.ballast.proto.v1.Hello;
import io.ballast.proto.v1.NodeMessage;
import io.grpc.Channel;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One simulated data-plane node: a real {@code ControlPlane/Subscribe} stream that says Hello
 * (announcing {@code accepts_deltas} when asked to, as real nodes do) and ACKs every
 * {@code SnapshotPush} at once, recording when each push arrived (System.nanoTime() on the gRPC
 * transport thread, the moment the whole message was received), its version, its size and how
 * many endpoints the resulting snapshot holds. It keeps the snapshot's content only as the
 * fleet-shared {@link SnapshotModels.Model} (a delta must apply onto exactly the model it holds,
 * else the stream fails), validates nothing else and sends no Report: it measures what the leader
 * costs per stream, not what a node costs.
 *
 * <p>Threading: gRPC delivers one stream's callbacks serially on a transport thread (the channel
 * uses a direct executor), which also sends the ACKs; the receipts are read by the benchmark's
 * thread under this object's lock. A stream that fails or is redirected is recorded as
 * {@link #failure()} and not retried: a benchmark run with a broken stream is void.
 */
final class SimulatedNode implements StreamObserver<byte[]> {

    /** One received push. */
    record Receipt(long version, long atNanos, int bytes, int endpoints) {}

    private final String id;
    private final boolean acceptsDeltas;
    private final SnapshotModels models;
    private final List<Receipt> receipts = new ArrayList<>();
    private volatile SnapshotModels.Model held;
    private volatile long latestVersion = -1;
    private volatile int latestEndpoints = -1;
    private volatile String failure;
    // Set before Hello is sent; the server sends nothing before Hello, so every callback sees it.
    private volatile StreamObserver<NodeMessage> requests;

    SimulatedNode(String id, boolean acceptsDeltas, SnapshotModels models) {
        this.id = id;
        this.acceptsDeltas = acceptsDeltas;
        this.models = models;
    }

    /** Opens the stream on {@code channel} and sends Hello (as a node with no applied snapshot). */
    void subscribe(Channel channel) {
        requests = ClientCalls.asyncBidiStreamingCall(channel.newCall(RawSubscribe.METHOD, io.grpc.CallOptions.DEFAULT), this);
        requests.onNext(NodeMessage.newBuilder().setHello(Hello.newBuilder()
                .setNodeId(id).setZone("").setProxyAddress("127.0.0.1:1").setAcceptsDeltas(acceptsDeltas)).build());
    }

    @Override
    public void onNext(byte[] message) {
        long now = System.nanoTime();
        PushShape shape;
        try {
            shape = PushShape.decode(message);
        } catch (IOException e) {
            failure = id + ": undecodable message: " + e.getMessage();
            return;
        }
        if (shape.redirect()) {
            failure = id + ": redirected (the benchmark must talk to the leader)";
            return;
        }
        SnapshotModels.Model model;
        try {
            model = models.resolve(shape, message, held);
        } catch (IllegalStateException e) {
            failure = id + ": " + e.getMessage();
            return;
        }
        requests.onNext(NodeMessage.newBuilder().setAck(Ack.newBuilder()
                .setNonce(shape.nonce()).setEpoch(shape.epoch()).setVersion(shape.version())).build());
        synchronized (this) {
            receipts.add(new Receipt(shape.version(), now, shape.bytes(), model.endpoints()));
        }
        held = model;
        latestEndpoints = model.endpoints();
        latestVersion = shape.version();
    }

    @Override
    public void onError(Throwable t) {
        failure = id + ": stream failed: " + io.grpc.Status.fromThrowable(t);
    }

    @Override
    public void onCompleted() {
        failure = id + ": stream completed by the server";
    }

    String id() {
        return id;
    }

    long latestVersion() {
        return latestVersion;
    }

    int latestEndpoints() {
        return latestEndpoints;
    }

    /** The snapshot the stream holds (for checking its content off the transport thread), null before the first push. */
    /** Endpoints in state DRAINING in the snapshot held now; counted on each call (the storm phase's stop only). */
    int draining() {
        SnapshotModels.Model model = held;
        if (model == null) {
            return 0;
        }
        int count = 0;
        for (io.ballast.proto.v1.Service service : model.snapshot().getServicesList()) {
            for (io.ballast.proto.v1.Endpoint endpoint : service.getEndpointsList()) {
                if (endpoint.getState() == io.ballast.proto.v1.EndpointState.DRAINING) {
                    count++;
                }
            }
        }
        return count;
    }

    SnapshotModels.Model held() {
        return held;
    }

    /** Why the stream broke, null while it is fine. */
    String failure() {
        return failure;
    }

    /** The first push with a version above {@code version}, or null. */
    synchronized Receipt firstAbove(long version) {
        for (Receipt receipt : receipts) {
            if (receipt.version() > version) {
                return receipt;
            }
        }
        return null;
    }

    /** The first push received at or after {@code sinceNanos} holding at least {@code endpoints} endpoints, or null. */
    synchronized Receipt firstWithEndpoints(int endpoints, long sinceNanos) {
        for (Receipt receipt : receipts) {
            if (receipt.atNanos() - sinceNanos >= 0 && receipt.endpoints() >= endpoints) {
                return receipt;
            }
        }
        return null;
    }

    /** How many pushes arrived at or after {@code sinceNanos}, and their bytes. */
    synchronized long[] receivedSince(long sinceNanos) {
        long count = 0;
        long bytes = 0;
        for (Receipt receipt : receipts) {
            if (receipt.atNanos() - sinceNanos >= 0) {
                count++;
                bytes += receipt.bytes();
            }
        }
        return new long[] {count, bytes};
    }

    /** Ends the stream (half-close; the channel's shutdown ends the call). */
    void close() {
        try {
            requests.onCompleted();
        } catch (RuntimeException e) {
            // already ended
        }
    }
}
