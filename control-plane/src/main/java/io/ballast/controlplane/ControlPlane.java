package io.ballast.controlplane;

import io.ballast.common.config.HostPort;
import io.ballast.common.config.ServerTls;
import io.ballast.common.json.Json;
import io.ballast.common.metrics.MetricsHttpServer;
import io.ballast.common.model.ReplicaInfo;
import io.ballast.common.zk.ZkPaths;
import io.ballast.controlplane.admin.AdminService;
import io.ballast.controlplane.security.AdminAuthInterceptor;
import io.ballast.controlplane.security.ClientCertificateInterceptor;
import io.ballast.controlplane.state.ClusterState;
import io.ballast.controlplane.stream.ControlStreamService;
import io.ballast.proto.v1.Snapshot;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.util.MutableHandlerRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.zookeeper.CreateMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One control-plane replica: a gRPC server (control stream, admin API, health, reflection), a
 * registration in {@code control/replicas/<id>}, and a seat in the leader election.
 *
 * <p>Lifecycle: {@link #start} returns once the server is bound; ZooKeeper need not be
 * reachable (the replica joins the election, registers and caches as soon as it is).
 * {@link #close} leaves the election (another replica takes over at once), ends every stream,
 * deletes its ZooKeeper entries and stops the server. Thread-safe.
 */
public final class ControlPlane implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ControlPlane.class);
    // Nodes ping every ~5 s (also without calls) to detect half-open control streams; allow pings
    // down to 1 s so a node is never cut off with too_many_pings.
    private static final Duration PERMIT_KEEPALIVE_TIME = Duration.ofSeconds(1);
    // The server pings an idle connection too, so a node that vanished (host down, partition) is
    // noticed and its stream ended within about KEEPALIVE_TIME + KEEPALIVE_TIMEOUT.
    private static final Duration KEEPALIVE_TIME = Duration.ofSeconds(10);
    private static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(2);

    private final String id;
    private final HostPort advertise;
    private final CuratorFramework client;
    private final Server server;
    private final HealthStatusManager health;
    private final ControlLoop loop;
    private final PersistentNode replicaNode;
    private final MetricsHttpServer metricsServer; // null while --metrics is off
    private boolean closed;

    private ControlPlane(String id, HostPort advertise, CuratorFramework client, Server server, HealthStatusManager health,
            ControlLoop loop, PersistentNode replicaNode, MetricsHttpServer metricsServer) {
        this.id = id;
        this.advertise = advertise;
        this.client = client;
        this.server = server;
        this.health = health;
        this.loop = loop;
        this.replicaNode = replicaNode;
        this.metricsServer = metricsServer;
    }

    /**
     * Binds the gRPC server and starts taking part in the cluster.
     *
     * @throws UncheckedIOException when the listen address cannot be bound
     */
    public static ControlPlane start(ControlPlaneConfig config) {
        ZkPaths paths = config.paths();
        HealthStatusManager health = new HealthStatusManager();
        // The stream and admin services need the replica id and advertised address. With a fixed
        // port they are known up front and the services are registered before the server starts
        // (a call right after start must not get UNIMPLEMENTED); with port 0 they are known only
        // once bound, and join the mutable registry right after binding, before this replica is
        // registered anywhere (nobody can know its address in between).
        MutableHandlerRegistry lateServices = new MutableHandlerRegistry();
        // TLS (off by default) covers every service: the nodes' stream, the admin API, health, reflection.
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(config.listenHost(), config.listenPort()),
                        ServerTls.credentials(config.tls()))
                .permitKeepAliveTime(PERMIT_KEEPALIVE_TIME.toMillis(), TimeUnit.MILLISECONDS)
                .permitKeepAliveWithoutCalls(true)
                .keepAliveTime(KEEPALIVE_TIME.toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveTimeout(KEEPALIVE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .addService(health.getHealthService())
                .addService(ProtoReflectionServiceV1.newInstance())
                .fallbackHandlerRegistry(lateServices)
                .build();
        boolean portKnown = config.listenPort() != 0;
        if (!portKnown) {
            startServer(server, config);
        }
        HostPort advertise = config.advertiseFor(portKnown ? config.listenPort() : server.getPort());
        String id = config.idFor(advertise);
        if (advertise.host().equals("0.0.0.0") || advertise.host().equals("::")) {
            log.warn("advertising the wildcard address {}: nodes and ballastctl cannot reach it; set --advertise", advertise);
        }
        CuratorFramework client = config.zkAccess().newClient(config.zkConnect(), config.sessionTimeout());
        ControlLoop loop = null;
        PersistentNode replicaNode = null;
        MetricsHttpServer metricsServer = null;
        try {
            client.start();
            loop = new ControlLoop(client, config, id, advertise.toString(), health);
            lateServices.addService(streamGuard(config, new ControlStreamService(loop.loop(), loop)));
            // Authentication and roles guard the admin API only: nodes on the stream are authenticated by mutual TLS.
            lateServices.addService(ServerInterceptors.intercept(new AdminService(client, paths, id, loop),
                    new AdminAuthInterceptor(config.adminAuth())));
            if (portKnown) {
                startServer(server, config);
            }
            loop.start();
            if (config.metrics().isPresent()) {
                metricsServer = MetricsHttpServer.start(config.metrics().get(), loop.metrics()::scrape, "ballast-cp-metrics");
            }
            replicaNode = new PersistentNode(client, CreateMode.EPHEMERAL, false, paths.replica(id),
                    Json.write(new ReplicaInfo(id, advertise.toString())));
            replicaNode.start();
        } catch (RuntimeException e) {
            if (metricsServer != null) {
                metricsServer.close();
            }
            if (loop != null) {
                loop.close();
            }
            server.shutdownNow();
            client.close();
            throw e;
        }
        log.info("control-plane replica {} serving on {}:{} (advertised {}), cluster {}, {}, admin auth {}", id,
                config.listenHost(), server.getPort(), advertise, config.cluster(),
                config.tls().map(ServerTls::describe).orElse("plaintext"), config.adminAuth().isPresent() ? "on" : "off");
        warnAboutSecurity(config);
        return new ControlPlane(id, advertise, client, server, health, loop, replicaNode, metricsServer);
    }

    /**
     * The control stream is for nodes, which mutual TLS authenticates. When client certificates are
     * only optional (so that ballastctl may use a bearer token), a stream caller must still have one.
     */
    private static ServerServiceDefinition streamGuard(ControlPlaneConfig config, BindableService stream) {
        boolean optional = config.tls().map(tls -> tls.clientAuth() == ServerTls.ClientAuth.OPTIONAL).orElse(false);
        return optional
                ? ServerInterceptors.intercept(stream, new ClientCertificateInterceptor())
                : stream.bindService();
    }

    /** Settings that work but are probably not what the operator meant. */
    private static void warnAboutSecurity(ControlPlaneConfig config) {
        if (config.adminAuth().isPresent() && config.tls().isEmpty()) {
            log.warn("--admin-auth without --tls-cert: bearer tokens cross the network in clear text");
        }
        boolean certificateIdentities = config.adminAuth().map(access -> !access.certificates().isEmpty()).orElse(false);
        if (certificateIdentities && config.tls().map(tls -> tls.clientCa().isEmpty()).orElse(true)) {
            log.warn("--admin-auth lists certificates but no --tls-client-ca is set: no client certificate can match");
        }
    }

    private static void startServer(Server server, ControlPlaneConfig config) {
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + config.listenHost() + ":" + config.listenPort()
                    + ": " + e.getMessage(), e);
        }
    }

    /** Where {@code GET /metrics} is served ({@code --metrics}, with the real port), empty when off. */
    public Optional<InetSocketAddress> metricsAddress() {
        return Optional.ofNullable(metricsServer).map(MetricsHttpServer::localAddress);
    }

    /** The port the gRPC server is bound to (useful with port 0). */
    public int port() {
        return server.getPort();
    }

    public String id() {
        return id;
    }

    /** The address registered in ZooKeeper for this replica. */
    public HostPort advertiseAddress() {
        return advertise;
    }

    /** This replica's view of the cluster (registrations and overrides); any thread. */
    public ClusterState clusterState() {
        return loop.tracker().current();
    }

    /** The snapshot this replica last published, when it leads; empty otherwise. */
    public Optional<Snapshot> currentSnapshot() {
        return Optional.ofNullable(loop.currentSnapshot());
    }

    /** Test hook: this replica's ZooKeeper client (e.g. to expire its session). */
    CuratorFramework zkClient() {
        return client;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        log.info("control-plane replica {} shutting down", id);
        health.enterTerminalState();
        // No new calls from here on; open streams are ended by the loop (UNAVAILABLE "not leader").
        server.shutdown();
        loop.close();
        try {
            replicaNode.close();
        } catch (IOException e) {
            log.warn("could not delete {} (it goes with our session)", replicaNode.getActualPath(), e);
        }
        try {
            if (!server.awaitTermination(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                server.shutdownNow();
                server.awaitTermination(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
        if (metricsServer != null) {
            metricsServer.close();
        }
        client.close();
    }
}
