package io.ballast.node;

import io.ballast.common.config.HostPort;
import io.ballast.common.logging.LogContext;
import io.ballast.common.zk.ZkPaths;
import io.ballast.node.admin.NodeAdminServer;
import io.ballast.node.control.ControlClient;
import io.ballast.node.control.NodeIdentity;
import io.ballast.node.control.NodeRegistrar;
import io.ballast.node.metrics.NodeMetrics;
import io.ballast.node.proxy.ProxyConfig;
import io.ballast.node.proxy.ProxyServer;
import io.ballast.node.proxy.tcp.TcpProxy;
import io.ballast.node.proxy.tcp.TcpProxyConfig;
import io.ballast.node.snapshot.AppliedState;
import io.ballast.node.snapshot.SnapshotApplier;
import io.ballast.node.snapshot.SnapshotStore;
import io.ballast.proto.v1.Snapshot;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running data-plane node: the proxy, its admin endpoint, the ZooKeeper client, the
 * control stream and the registration, started in this order:
 * <ol>
 *   <li>the proxy, with the snapshot stored in the state directory installed right after it
 *       binds (static stability: a node restarted while ZooKeeper and the control plane are
 *       down serves its last good configuration);</li>
 *   <li>the admin endpoint;</li>
 *   <li>the TCP listeners of the stored snapshot (a port it cannot bind is logged and skipped);</li>
 *   <li>the ZooKeeper client, the registration and the control client, all of which connect
 *       in the background: {@link #start} never waits for ZooKeeper or the control plane.</li>
 * </ol>
 * {@link #close} stops them in reverse order; every step is bounded (a few seconds at most,
 * even when ZooKeeper is unreachable).
 *
 * <p>Thread-safe; {@link #close} is idempotent.
 */
public final class Node implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Node.class);

    private final NodeConfig config;
    private final ProxyServer proxy;
    private final TcpProxy tcp;
    private final SnapshotApplier applier;
    private final NodeAdminServer admin;
    private final NodeIdentity identity;
    private final NodeRegistrar registrar;
    private final Deque<AutoCloseable> resources;
    private boolean closed;
    private boolean shuttingDown; // guarded by this

    private Node(NodeConfig config, ProxyServer proxy, TcpProxy tcp, SnapshotApplier applier, NodeAdminServer admin,
            NodeIdentity identity, NodeRegistrar registrar, Deque<AutoCloseable> resources) {
        this.tcp = tcp;
        this.registrar = registrar;
        this.config = config;
        this.proxy = proxy;
        this.applier = applier;
        this.admin = admin;
        this.identity = identity;
        this.resources = resources;
    }

    /**
     * Starts a node. Binding failures (proxy or admin address in use) are thrown, after
     * everything already started has been closed; ZooKeeper and control-plane failures are not
     * (they are retried in the background).
     */
    public static Node start(NodeConfig config) {
        Deque<AutoCloseable> resources = new ArrayDeque<>();
        LogContext.put(LogContext.COMPONENT_ID, config.id());
        try {
            NodeMetrics metrics = new NodeMetrics();
            SnapshotStore store = new SnapshotStore(config.stateDir());
            // Restore the stored snapshot before the proxy binds, so the first connection is
            // already routed by it. Until the proxy exists, the applier parks what it applies;
            // nothing else calls the applier before the control client starts below.
            AtomicReference<ProxyServer> proxyRef = new AtomicReference<>();
            AtomicReference<TcpProxy> tcpRef = new AtomicReference<>();
            AtomicReference<Snapshot> restored = new AtomicReference<>();
            SnapshotApplier applier = new SnapshotApplier(snapshot -> {
                ProxyServer running = proxyRef.get();
                if (running == null) {
                    restored.set(snapshot);
                } else {
                    // TCP first: a listener port it cannot bind throws, and the applier NACKs with
                    // nothing changed (the HTTP table is only swapped after).
                    TcpProxy tcp = tcpRef.get();
                    if (tcp != null) {
                        tcp.apply(snapshot);
                    }
                    running.apply(snapshot);
                }
            }, store);
            resources.push(applier); // closed last: writes a snapshot still queued for the disk
            metrics.bindAppliedState(() -> applier.state().epoch(), () -> applier.state().version());
            applier.restore();
            ProxyServer proxy = ProxyServer.start(ProxyConfig.builder()
                    .bindHost(config.listen().getHostString())
                    .port(config.listen().getPort())
                    .ioThreads(config.ioThreads())
                    .zone(config.zone())
                    .build(), restored.get(), metrics);
            proxyRef.set(proxy);
            resources.push(proxy);

            NodeAdminServer admin = NodeAdminServer.start(
                    new InetSocketAddress(config.admin().getHostString(), config.admin().getPort()), applier::state, metrics);
            resources.push(admin);

            // TCP listeners bind on the proxy's host; the HTTP and admin ports are never theirs.
            TcpProxy tcp = TcpProxy.start(new TcpProxyConfig(config.listen().getHostString(), config.ioThreads(),
                    config.zone(), reservedPorts(proxy.localAddress().getPort(), admin.localAddress().getPort())),
                    metrics.registry());
            resources.push(tcp);
            if (restored.get() != null) {
                tcp.restore(restored.get());
            }
            tcpRef.set(tcp);

            HostPort advertised = config.advertise() != null
                    ? config.advertise()
                    : new HostPort(config.listen().getHostString(), proxy.localAddress().getPort());
            InetSocketAddress adminAddress = admin.localAddress();
            NodeIdentity identity = new NodeIdentity(config.id(), config.zone(), advertised.toString(),
                    new HostPort(config.admin().getHostString(), adminAddress.getPort()).toString());

            ZkPaths paths = ZkPaths.forCluster(config.cluster());
            CuratorFramework zk = config.zkAccess().newClient(config.zkConnect(), config.sessionTimeout());
            zk.start();
            resources.push(zk);
            NodeRegistrar registrar = new NodeRegistrar(zk, paths.node(config.id()), identity, applier.state());
            applier.addListener(registrar::update);
            registrar.start();
            resources.push(registrar);
            ControlClient control = ControlClient.start(zk, paths, identity, applier, config.controlPlaneCredentials());
            resources.push(control);
            // What the leader's drain barrier waits for (no request in flight to a drained backend), and
            // the passive evidence for its quorum ejection and self-preservation (outcomes, ejections).
            // TCP connections open to a drained backend hold its barrier like HTTP requests in flight.
            control.reportEvery(java.time.Duration.ofMillis(500),
                    () -> TcpProxy.sum(proxy.inFlightByAddress(250), tcp.openByAddress(250)),
                    () -> TcpProxy.sumOutcomes(proxy.outcomesByAddress(), tcp.outcomesByAddress()));
            metrics.bindControlPlaneConnected(() -> control.silentForNanos(System.nanoTime()) == 0);
            resources.push(StaleWeightGuard.start(config.weightMaxAge(), control::silentForNanos, applier));

            log.info("node {} serving on {} (advertised {}), admin on {}, state in {}", config.id(),
                    proxy.localAddress(), advertised, adminAddress, store.file().getParent());
            return new Node(config, proxy, tcp, applier, admin, identity, registrar, resources);
        } catch (RuntimeException e) {
            closeAll(resources);
            throw e;
        }
    }

    public NodeConfig config() {
        return config;
    }

    /** The proxy's bound address. */
    public InetSocketAddress proxyAddress() {
        return proxy.localAddress();
    }

    /** The ports of the TCP listeners open now. */
    public java.util.Set<Integer> tcpPorts() {
        return tcp.ports();
    }

    /** The admin endpoint's bound address. */
    public InetSocketAddress adminAddress() {
        return admin.localAddress();
    }

    /** Id, zone and the addresses this node announces. */
    public NodeIdentity identity() {
        return identity;
    }

    /** What the node has applied; never blocks. */
    public AppliedState applied() {
        return applier.state();
    }

    /**
     * Graceful stop (SIGTERM): deletes {@code nodes/<id>} at once (the leader re-splits rate limits
     * over the remaining nodes), closes the TCP listeners (their open connections get the rest of
     * the drain timeout, then are closed) and the proxy's listener, answers further requests with
     * {@code Connection: close} and closes idle connections, waits until no request is in flight or
     * {@code drainTimeout} passes, then {@link #close}s everything. The control stream stays up
     * meanwhile, so in-flight reports keep flowing. Idempotent; blocks up to about the drain timeout.
     *
     * @return true if every request in flight finished within the drain timeout
     */
    public boolean shutdown(java.time.Duration drainTimeout) {
        synchronized (this) {
            if (closed || shuttingDown) {
                return closed;
            }
            shuttingDown = true;
        }
        log.info("node {} shutting down: deregistering, draining for up to {} ms", config.id(), drainTimeout.toMillis());
        registrar.close();
        long startNanos = System.nanoTime();
        tcp.stopAccepting();
        boolean drained = proxy.drain(drainTimeout);
        // TCP connections get what is left of the same drain timeout.
        drained &= tcp.awaitConnectionsClosed(drainTimeout.minusNanos(System.nanoTime() - startNanos));
        close();
        return drained;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeAll(resources);
        log.info("node {} stopped", config.id());
    }

    private static java.util.Map<Integer, String> reservedPorts(int httpPort, int adminPort) {
        java.util.Map<Integer, String> reserved = new java.util.HashMap<>();
        reserved.put(adminPort, "admin");
        reserved.put(httpPort, "HTTP");
        return reserved;
    }

    private static void closeAll(Deque<AutoCloseable> resources) {
        while (!resources.isEmpty()) {
            AutoCloseable resource = resources.pop();
            try {
                resource.close();
            } catch (Exception e) {
                log.warn("error closing {}", resource.getClass().getSimpleName(), e);
            }
        }
    }
}
