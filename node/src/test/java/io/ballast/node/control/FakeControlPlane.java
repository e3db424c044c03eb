package io.ballast.node.control;

import io.ballast.common.json.Json;
import io.ballast.common.model.LeaderInfo;
import io.ballast.common.zk.ZkPaths;
import io.ballast.proto.v1.Ack;
import io.ballast.proto.v1.ControlPlaneGrpc;
import io.ballast.proto.v1.Hello;
import io.ballast.proto.v1.Nack;
import io.ballast.proto.v1.NodeMessage;
import io.ballast.proto.v1.Redirect;
import io.ballast.proto.v1.ServerMessage;
import io.ballast.proto.v1.Snapshot;
import io.ballast.proto.v1.SnapshotPush;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;

/**
 * A real gRPC ControlPlane server on 127.0.0.1 (port 0) for node-side tests: as a leader it
 * sends the latest published snapshot to each new subscriber and every later one to all
 * subscribers, and records Hellos, ACKs and NACKs; as a follower it answers one Redirect and
 * completes. Close it (try-with-resources) in every test.
 */
public final class FakeControlPlane implements AutoCloseable {

    private final Server server;
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private final AtomicLong nonces = new AtomicLong();
    public final List<Hello> hellos = new CopyOnWriteArrayList<>();
    public final List<Ack> acks = new CopyOnWriteArrayList<>();
    public final List<Nack> nacks = new CopyOnWriteArrayList<>();
    public final List<io.ballast.proto.v1.Report> reports = new CopyOnWriteArrayList<>();
    private volatile Snapshot latest;
    private volatile String redirectTo;

    private FakeControlPlane() {
        this(InsecureServerCredentials.create());
    }

    private FakeControlPlane(ServerCredentials credentials) {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), credentials)
                .permitKeepAliveTime(5, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .addService(new Service())
                .build();
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A leader that pushes what {@link #publish} gives it. */
    public static FakeControlPlane leader() {
        return new FakeControlPlane();
    }

    /** A leader that pushes what {@link #publish} gives it, serving TLS (or mutual TLS) with {@code credentials}. */
    public static FakeControlPlane leader(ServerCredentials credentials) {
        return new FakeControlPlane(credentials);
    }

    /** A follower that redirects every subscriber to {@code leaderAddress} ("" = no leader known). */
    public static FakeControlPlane redirectingTo(String leaderAddress) {
        FakeControlPlane follower = new FakeControlPlane();
        follower.redirectTo = leaderAddress;
        return follower;
    }

    public String address() {
        return "127.0.0.1:" + server.getPort();
    }

    /** Writes this server as the leader into {@code control/leader} (EPHEMERAL, like the real leader). */
    public void registerAsLeader(CuratorFramework zk, ZkPaths paths, long epoch) {
        registerAsLeader(zk, paths, epoch, address());
    }

    /** Like {@link #registerAsLeader(CuratorFramework, ZkPaths, long)}, announcing {@code address} (a relay in front of it). */
    public void registerAsLeader(CuratorFramework zk, ZkPaths paths, long epoch, String address) {
        byte[] payload = Json.write(new LeaderInfo("fake-" + server.getPort(), address, epoch, 0));
        try {
            if (zk.checkExists().forPath(paths.leader()) == null) {
                zk.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(paths.leader(), payload);
            } else {
                zk.setData().forPath(paths.leader(), payload);
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot register the fake leader", e);
        }
    }

    /** Makes {@code snapshot} the latest and pushes it to every current subscriber. */
    public void publish(Snapshot snapshot) {
        latest = snapshot;
        subscribers.forEach(subscriber -> subscriber.push(snapshot));
    }

    public int subscriberCount() {
        return subscribers.size();
    }

    /** Ends every stream with {@code status}, as a leader losing leadership does. */
    public void endStreams(Status status) {
        subscribers.forEach(subscriber -> subscriber.end(status));
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Service extends ControlPlaneGrpc.ControlPlaneImplBase {
        @Override
        public StreamObserver<NodeMessage> subscribe(StreamObserver<ServerMessage> responses) {
            Subscriber subscriber = new Subscriber(responses);
            return new StreamObserver<>() {
                @Override
                public void onNext(NodeMessage message) {
                    switch (message.getKindCase()) {
                        case HELLO -> onHello(subscriber, message.getHello());
                        case ACK -> acks.add(message.getAck());
                        case NACK -> nacks.add(message.getNack());
                        case REPORT -> reports.add(message.getReport());
                        default -> { }
                    }
                }

                @Override
                public void onError(Throwable t) {
                    subscribers.remove(subscriber);
                }

                @Override
                public void onCompleted() {
                    subscribers.remove(subscriber);
                    subscriber.end(Status.OK);
                }
            };
        }

        private void onHello(Subscriber subscriber, Hello hello) {
            hellos.add(hello);
            String redirect = redirectTo;
            if (redirect != null) {
                subscriber.redirect(redirect);
                return;
            }
            subscribers.add(subscriber);
            Snapshot current = latest;
            if (current != null) {
                subscriber.push(current);
            }
        }
    }

    /** One stream; StreamObserver is not thread-safe, so every send is synchronized. */
    private final class Subscriber {
        private final StreamObserver<ServerMessage> responses;
        private boolean ended;

        Subscriber(StreamObserver<ServerMessage> responses) {
            this.responses = responses;
        }

        synchronized void push(Snapshot snapshot) {
            if (!ended) {
                responses.onNext(ServerMessage.newBuilder().setSnapshot(SnapshotPush.newBuilder()
                        .setNonce("n-" + nonces.incrementAndGet())
                        .setSnapshot(snapshot)).build());
            }
        }

        synchronized void redirect(String leaderAddress) {
            if (!ended) {
                responses.onNext(ServerMessage.newBuilder().setRedirect(Redirect.newBuilder()
                        .setLeaderAddress(leaderAddress)
                        .setLeaderEpoch(1)).build());
                end(Status.OK);
            }
        }

        synchronized void end(Status status) {
            if (ended) {
                return;
            }
            ended = true;
            subscribers.remove(this);
            if (status.isOk()) {
                responses.onCompleted();
            } else {
                responses.onError(status.asRuntimeException());
            }
        }
    }
}
