package io.ballast.node.control;

import io.ballast.common.config.HostPort;
import io.ballast.common.model.LeaderInfo;
import io.ballast.common.zk.ZkPaths;
import io.ballast.node.snapshot.AppliedState;
import io.ballast.node.snapshot.SnapshotApplier;
import io.ballast.proto.v1.Ack;
import io.ballast.proto.v1.ControlPlaneGrpc;
import io.ballast.proto.v1.Hello;
import io.ballast.proto.v1.Nack;
import io.ballast.proto.v1.NodeMessage;
import io.ballast.proto.v1.Report;
import io.ballast.proto.v1.Redirect;
import io.ballast.proto.v1.ServerMessage;
import io.ballast.proto.v1.Snapshot;
import io.ballast.proto.v1.SnapshotPush;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's side of the control stream: finds the leader in ZooKeeper, subscribes with a
 * Hello, hands every pushed snapshot to the {@link SnapshotApplier} and answers ACK or NACK,
 * follows Redirects, and resubscribes with jittered exponential backoff (100 ms .. 5 s, reset
 * after a snapshot is applied) whenever the stream fails or ends.
 *
 * <p>Threading: every state change runs on one thread, {@code ballast-control-client}. gRPC
 * and Curator callbacks only enqueue onto it; each stream is tagged with a generation so that
 * late callbacks of a stream already torn down are ignored. Nothing here is on the proxy's
 * request path: the proxy keeps serving its applied snapshot whatever ZooKeeper or the control
 * plane do.
 *
 * <p>Failure behaviour: no error is fatal. An unreachable ZooKeeper leaves the last known
 * leader address in use; an unreachable leader is retried with backoff; a change of
 * {@code control/leader} to another address drops the current stream and subscribes to the
 * new leader at once.
 */
public final class ControlClient implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ControlClient.class);
    // A half-open stream (peer gone without FIN/RST; the leader pushes only on change, so nothing else
    // would notice): a ping after 10 s without a frame read, answered within 2 s, or the transport is
    // closed and the node resubscribes: at most ~12 s. 10 s is grpc-java's floor (smaller values are
    // silently raised to it); the control plane's permitKeepAliveTime (5 s) allows it. On epoll,
    // grpc-java also sets TCP_USER_TIMEOUT to the keepalive timeout, so in a real partition (no ACKs)
    // the reports written every 500 ms end the stream ~2 s after the first unacknowledged one.
    private static final Duration KEEPALIVE_TIME = Duration.ofSeconds(10);
    private static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);
    /**
     * The largest message the stream takes. gRPC's default of 4 MiB would cap a full snapshot at
     * ~65,000 endpoints (~63 B each): past that the stream fails with RESOURCE_EXHAUSTED on every
     * reconnect and the node is stuck on its last good snapshot. 256 MiB is ~4 million endpoints;
     * the control plane is the only sender and is authenticated when TLS is on.
     */
    static final int MAX_MESSAGE_BYTES = 256 << 20;

    private final NodeIdentity identity;
    private final SnapshotApplier applier;
    private final LeaderWatch leaderWatch;
    private final ScheduledExecutorService executor;
    private final ChannelCredentials credentials;

    // Everything below is confined to the executor thread.
    private final Backoff backoff = new Backoff();
    private long generation;
    private ManagedChannel channel;
    private StreamObserver<NodeMessage> requests;
    private String target;
    private String lastAttempted;
    private String redirectTarget;
    private ScheduledFuture<?> pendingConnect;
    private boolean closed;
    // Written on the control-client thread, read by the stale-weight check on another: volatile.
    private volatile boolean live;
    private volatile long lastContactNanos = System.nanoTime();

    private ControlClient(CuratorFramework zk, ZkPaths paths, NodeIdentity identity, SnapshotApplier applier,
            ChannelCredentials credentials) {
        this.identity = Objects.requireNonNull(identity, "identity");
        this.applier = Objects.requireNonNull(applier, "applier");
        this.credentials = Objects.requireNonNull(credentials, "credentials");
        this.executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "ballast-control-client");
            thread.setDaemon(true);
            return thread;
        });
        this.leaderWatch = new LeaderWatch(zk, paths.leader(), () -> enqueue(this::onLeaderChanged));
    }

    /**
     * Starts watching {@code control/leader} and subscribing in the background; returns at once,
     * even when ZooKeeper is unreachable. {@code zk} must be started (connected or not) and
     * outlive this client.
     */
    public static ControlClient start(CuratorFramework zk, ZkPaths paths, NodeIdentity identity, SnapshotApplier applier) {
        return start(zk, paths, identity, applier, InsecureChannelCredentials.create());
    }

    /**
     * Like {@link #start(CuratorFramework, ZkPaths, NodeIdentity, SnapshotApplier)}, dialling the
     * control plane with {@code credentials} (TLS, mutual TLS or plaintext). A TLS handshake that
     * fails (untrusted server, refused client certificate) ends the attempt like any unreachable
     * leader: logged, retried with backoff.
     */
    public static ControlClient start(CuratorFramework zk, ZkPaths paths, NodeIdentity identity, SnapshotApplier applier,
            ChannelCredentials credentials) {
        ControlClient client = new ControlClient(zk, paths, identity, applier, credentials);
        // The first subscription starts from the cache's "initialized" event (see onLeaderChanged):
        // before it there is no address to try.
        client.leaderWatch.start();
        return client;
    }

    private void enqueue(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException closing) {
            // Closed: late gRPC or Curator callbacks have nothing left to do.
        }
    }

    /**
     * Sends a {@link Report} (requests in flight per backend address) every {@code interval} while a
     * stream is open, for the leader's drain barrier. {@code inFlight} runs on this client's thread
     * and may block briefly (it asks each event loop).
     */
    public void reportEvery(java.time.Duration interval, java.util.function.Supplier<java.util.Map<String, Integer>> inFlight) {
        reportEvery(interval, inFlight, java.util.Map::of);
    }

    /**
     * Like {@link #reportEvery(Duration, java.util.function.Supplier)}, with each backend address's
     * outcomes since the previous report ({@code Report.outcomes}). {@code outcomes} runs on this
     * client's thread only while a stream is open; what it returns is sent once (a report lost with
     * its stream is not repeated: the counts are evidence, not a ledger).
     */
    public void reportEvery(java.time.Duration interval, java.util.function.Supplier<java.util.Map<String, Integer>> inFlight,
                            java.util.function.Supplier<java.util.Map<String, io.ballast.proto.v1.EndpointOutcomes>> outcomes) {
        executor.scheduleWithFixedDelay(() -> {
            if (closed || requests == null) {
                return;
            }
            try {
                Report report = Report.newBuilder().putAllInFlight(inFlight.get()).putAllOutcomes(outcomes.get())
                        .setAppliedVersion(applier.state().version()).build();
                if (requests != null) {
                    requests.onNext(NodeMessage.newBuilder().setReport(report).build());
                }
            } catch (RuntimeException e) {
                log.debug("could not send a report: {}", e.toString()); // the stream is ending; the next one reports
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void connect() {
        pendingConnect = null;
        if (closed) {
            return;
        }
        teardown();
        String address = redirectTarget != null ? redirectTarget : leaderAddress();
        redirectTarget = null;
        if (address == null) {
            log.debug("no leader known; retrying");
            scheduleReconnect();
            return;
        }
        HostPort hostPort;
        try {
            hostPort = HostPort.parse("leader address", address);
        } catch (IllegalArgumentException e) {
            log.warn("cannot subscribe: {}", e.getMessage());
            scheduleReconnect();
            return;
        }
        long streamGeneration = ++generation;
        target = address;
        lastAttempted = address;
        channel = NettyChannelBuilder.forAddress(hostPort.host(), hostPort.port(), credentials)
                .keepAliveTime(KEEPALIVE_TIME.toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveTimeout(KEEPALIVE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveWithoutCalls(true)
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                // Our observer only enqueues onto the control-client thread, so it may run on the transport thread.
                .directExecutor()
                .build();
        requests = ControlPlaneGrpc.newStub(channel).subscribe(new ResponseObserver(streamGeneration));
        AppliedState applied = applier.state();
        log.info("subscribing to the control plane at {} (applied epoch {} version {})", address, applied.epoch(), applied.version());
        requests.onNext(NodeMessage.newBuilder().setHello(Hello.newBuilder()
                .setNodeId(identity.id())
                .setZone(identity.zone())
                .setProxyAddress(identity.proxyAddress())
                .setLastEpoch(applied.epoch())
                .setLastVersion(applied.version())
                .setAcceptsDeltas(true)).build());
    }

    private String leaderAddress() {
        return leaderWatch.current()
                .map(LeaderInfo::address)
                .filter(address -> !address.isBlank())
                .orElse(null);
    }

    private void onLeaderChanged() {
        if (closed) {
            return;
        }
        String leader = leaderAddress();
        // No leader right now: keep the current stream (its server ends it if it stops leading)
        // or the pending retry. Same address as the live stream (the leader published a new
        // version) or as the attempt now backing off: nothing new to try.
        if (leader == null || leader.equals(target) || (pendingConnect != null && leader.equals(lastAttempted))) {
            return;
        }
        log.info("leader is now {}; resubscribing", leader);
        if (pendingConnect != null) {
            pendingConnect.cancel(false);
        }
        redirectTarget = null;
        connect();
    }

    /**
     * How long this node has not heard from the control plane: 0 while a stream delivers (its
     * keepalive ends a dead one within ~15 s), else the time since the last stream ended, or since
     * start if none ever delivered. Any thread.
     */
    public long silentForNanos(long nowNanos) {
        return live ? 0 : Math.max(0, nowNanos - lastContactNanos);
    }

    private void onMessage(ServerMessage message) {
        live = true;
        lastContactNanos = System.nanoTime();
        switch (message.getKindCase()) {
            case SNAPSHOT -> onSnapshot(message.getSnapshot());
            case REDIRECT -> onRedirect(message.getRedirect());
            default -> log.warn("ignoring an empty message from {}", target);
        }
    }

    private void onSnapshot(SnapshotPush push) {
        // A delta is patched onto the applied snapshot, then takes the full snapshot's path.
        boolean delta = push.hasDelta();
        SnapshotApplier.Outcome outcome = delta ? applier.offer(push.getDelta()) : applier.offer(push.getSnapshot());
        long epoch = delta ? push.getDelta().getEpoch() : push.getSnapshot().getEpoch();
        long version = delta ? push.getDelta().getVersion() : push.getSnapshot().getVersion();
        NodeMessage reply;
        if (outcome.accepted()) {
            backoff.reset();
            reply = NodeMessage.newBuilder().setAck(Ack.newBuilder()
                    .setNonce(push.getNonce())
                    .setEpoch(epoch)
                    .setVersion(version)).build();
        } else {
            reply = NodeMessage.newBuilder().setNack(Nack.newBuilder()
                    .setNonce(push.getNonce())
                    .setEpoch(epoch)
                    .setVersion(version)
                    .setErrorDetail(outcome.errorDetail())).build();
        }
        requests.onNext(reply);
    }

    private void onRedirect(Redirect redirect) {
        String leader = redirect.getLeaderAddress();
        log.info("{} is not the leader; redirected to {} (epoch {})", target,
                leader.isEmpty() ? "<no leader known>" : leader, redirect.getLeaderEpoch());
        teardown();
        // An empty address means the replica knows no leader either: fall back to ZooKeeper.
        redirectTarget = leader.isEmpty() ? null : leader;
        scheduleReconnect();
    }

    private void onStreamEnded(Status status) {
        log.warn("control stream to {} ended: {}", target, status.getCode() == Status.Code.OK ? "completed by the server" : status);
        teardown();
        scheduleReconnect();
    }

    private void scheduleReconnect() {
        if (closed || pendingConnect != null) {
            return;
        }
        Duration delay = backoff.next();
        pendingConnect = executor.schedule(this::connect, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Ends the current stream, if any; its late callbacks are ignored from now on. */
    private void teardown() {
        if (live) {
            lastContactNanos = System.nanoTime();
            live = false;
        }
        generation++;
        if (channel != null) {
            channel.shutdownNow();
        }
        channel = null;
        requests = null;
        target = null;
    }

    /** Ends the stream and stops resubscribing; waits at most a few seconds. */
    @Override
    public void close() {
        ManagedChannel last = null;
        try {
            last = executor.submit(() -> {
                closed = true;
                if (pendingConnect != null) {
                    pendingConnect.cancel(false);
                }
                ManagedChannel current = channel;
                teardown();
                return current;
            }).get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            log.warn("control client did not stop cleanly", e);
        }
        executor.shutdownNow();
        leaderWatch.close();
        try {
            if (last != null) {
                last.awaitTermination(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            executor.awaitTermination(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Receives one stream's messages on a transport thread and moves them to the control-client thread. */
    private final class ResponseObserver implements StreamObserver<ServerMessage> {
        private final long streamGeneration;

        ResponseObserver(long streamGeneration) {
            this.streamGeneration = streamGeneration;
        }

        @Override
        public void onNext(ServerMessage message) {
            enqueue(() -> {
                if (streamGeneration == generation) {
                    onMessage(message);
                }
            });
        }

        @Override
        public void onError(Throwable t) {
            enqueue(() -> {
                if (streamGeneration == generation) {
                    onStreamEnded(Status.fromThrowable(t));
                }
            });
        }

        @Override
        public void onCompleted() {
            enqueue(() -> {
                if (streamGeneration == generation) {
                    onStreamEnded(Status.OK);
                }
            });
        }
    }
}
