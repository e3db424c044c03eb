package io.ballast.bench.controlplane;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code count} simulated nodes, each with its own gRPC channel (its own TCP connection and
 * HTTP/2 flow control, as real nodes have), subscribed to the leader at {@code host:port}, all
 * accepting delta snapshots or none, sharing one {@link SnapshotModels}.
 *
 * <p>Threading: the benchmark's main thread calls every method; the streams run on gRPC's
 * transport threads. The waits poll the streams' state every millisecond; the times they report
 * come from the streams' own receipts, so the polling does not blur them. Every wait fails with
 * {@link IllegalStateException} naming what was missing when a stream broke or the wait ran out.
 */
final class SimulatedFleet implements AutoCloseable {

    private static final int MAX_MESSAGE_BYTES = 256 << 20;

    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<SimulatedNode> nodes = new ArrayList<>();

    SimulatedFleet(String host, int port, int count, boolean acceptDeltas) {
        SnapshotModels models = new SnapshotModels();
        for (int i = 0; i < count; i++) {
            ManagedChannel channel = NettyChannelBuilder.forAddress(host, port).usePlaintext()
                    .keepAliveTime(10, TimeUnit.SECONDS).keepAliveTimeout(5, TimeUnit.SECONDS)
                    // Far above any snapshot; a real node has gRPC's 4 MiB default (reported when exceeded).
                    .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                    .directExecutor().build();
            SimulatedNode node = new SimulatedNode(String.format("sim-%03d", i), acceptDeltas, models);
            channels.add(channel);
            nodes.add(node);
            node.subscribe(channel);
        }
    }

    List<SimulatedNode> nodes() {
        return nodes;
    }

    int size() {
        return nodes.size();
    }

    /** Waits until every stream has received a push; returns the version they all hold then (the highest). */
    long awaitAllSubscribed(Duration timeout) {
        await(timeout, "a first snapshot on every stream", () -> nodes.stream().allMatch(n -> n.latestVersion() >= 0));
        return nodes.stream().mapToLong(SimulatedNode::latestVersion).max().orElse(0);
    }

    /** Waits until every stream holds a version above {@code version}. */
    void awaitAbove(long version, Duration timeout) {
        await(timeout, "a version above " + version + " on every stream",
                () -> nodes.stream().allMatch(n -> n.latestVersion() > version));
    }

    /** Waits until every stream holds a snapshot with at least {@code endpoints} endpoints. */
    void awaitEndpoints(int endpoints, Duration timeout) {
        await(timeout, endpoints + " endpoints on every stream",
                () -> nodes.stream().allMatch(n -> n.latestEndpoints() >= endpoints));
    }

    /** Waits until every stream holds a snapshot with exactly {@code endpoints} endpoints. */
    void awaitExactly(int endpoints, Duration timeout) {
        await(timeout, "exactly " + endpoints + " endpoints on every stream",
                () -> nodes.stream().allMatch(n -> n.latestEndpoints() == endpoints));
    }

    /** Waits until every stream holds a snapshot with at least {@code endpoints} endpoints in state DRAINING. */
    void awaitDraining(int endpoints, Duration timeout) {
        await(timeout, endpoints + " DRAINING endpoints on every stream",
                () -> nodes.stream().allMatch(n -> n.draining() >= endpoints));
    }

    /** The version every stream holds, once they agree and nothing new arrived for {@code quiet}. */
    long awaitSettled(Duration quiet, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long lastChange = System.nanoTime();
        long seen = Long.MIN_VALUE;
        while (true) {
            checkStreams();
            long min = nodes.stream().mapToLong(SimulatedNode::latestVersion).min().orElse(0);
            long max = nodes.stream().mapToLong(SimulatedNode::latestVersion).max().orElse(0);
            long now = System.nanoTime();
            if (min != max || max != seen) {
                seen = min == max ? max : Long.MIN_VALUE;
                lastChange = now;
            } else if (now - lastChange >= quiet.toNanos()) {
                return max;
            }
            if (now - deadline > 0) {
                throw new IllegalStateException("streams did not settle within " + timeout.toMillis() + " ms (versions "
                        + min + ".." + max + ")");
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    private void await(Duration timeout, String what, java.util.function.BooleanSupplier done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            checkStreams();
            if (System.nanoTime() - deadline > 0) {
                long missing = nodes.stream().filter(n -> n.latestVersion() < 0).count();
                throw new IllegalStateException("no " + what + " within " + timeout.toMillis() + " ms (" + missing
                        + " streams without any snapshot; versions " + nodes.stream().mapToLong(SimulatedNode::latestVersion).min().orElse(0)
                        + ".." + nodes.stream().mapToLong(SimulatedNode::latestVersion).max().orElse(0) + ", endpoints "
                        + nodes.stream().mapToInt(SimulatedNode::latestEndpoints).min().orElse(0) + ".."
                        + nodes.stream().mapToInt(SimulatedNode::latestEndpoints).max().orElse(0) + ")");
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    private void checkStreams() {
        for (SimulatedNode node : nodes) {
            if (node.failure() != null) {
                throw new IllegalStateException(node.failure());
            }
        }
    }

    /** Ends every stream and shuts every channel down, waiting at most a few seconds in all. */
    @Override
    public void close() {
        nodes.forEach(SimulatedNode::close);
        channels.forEach(ManagedChannel::shutdownNow);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (ManagedChannel channel : channels) {
            try {
                channel.awaitTermination(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
