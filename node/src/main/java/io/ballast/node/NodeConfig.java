package io.ballast.node;

import io.ballast.common.config.Checks;
import io.ballast.common.config.ClientTls;
import io.ballast.common.config.HostPort;
import io.ballast.common.zk.ZkPaths;
import io.grpc.ChannelCredentials;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings of a data-plane node. Immutable; build with {@link #builder()}, which fills the
 * derived defaults and validates every field, throwing {@link IllegalArgumentException} in
 * the {@link Checks} style ({@code listen: "x" (expected: host:port with port 0..65535)}).
 *
 * @param zkConnect ZooKeeper connect string {@code host:port[,host:port...]}
 * @param cluster cluster name ({@link Checks#NAME}); the tree lives under {@code /ballast/<cluster>}
 * @param id node id ({@link Checks#ID}), default {@code node-<listen port>}
 * @param listen address the proxy binds; port 0 lets the kernel choose (then set {@code id})
 * @param advertise address clients use to reach the proxy, announced in the Hello and the
 *     registration; null means "the proxy's bound address"
 * @param admin address of the admin HTTP endpoint; port 0 lets the kernel choose
 * @param zone locality zone, may be empty
 * @param stateDir where the last applied snapshot is kept, default {@code ./.ballast/<id>}
 * @param ioThreads proxy event-loop threads, 1..1024
 * @param sessionTimeout ZooKeeper session timeout; bounds how long a dead node's registration lingers
 * @param weightMaxAge how long computed (load-based) weights are trusted without hearing from the
 *     control plane; after that they move linearly back to the declared weights over one more max age
 * @param zkAccess ZooKeeper credentials and ACLs ({@code --zk-auth}, {@code --zk-acl}), open by default
 * @param drainTimeout on SIGTERM, how long the node waits for requests in flight before it exits
 *     ({@code --drain-timeout-ms}), 0..3600000 ms
 * @param controlPlaneTls TLS of the control stream ({@code --tls-ca}, {@code --tls-cert},
 *     {@code --tls-key}); empty means plaintext
 */
public record NodeConfig(
        String zkConnect,
        String cluster,
        String id,
        InetSocketAddress listen,
        HostPort advertise,
        InetSocketAddress admin,
        String zone,
        Path stateDir,
        int ioThreads,
        Duration sessionTimeout,
        Duration weightMaxAge,
        Optional<ClientTls> controlPlaneTls,
        io.ballast.common.zk.ZkAccess zkAccess,
        Duration drainTimeout) {

    public static final String DEFAULT_ZK = "127.0.0.1:2181";
    public static final String DEFAULT_LISTEN = "127.0.0.1:8080";
    public static final String DEFAULT_ADMIN = "127.0.0.1:9901";
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofMillis(6_000);
    static final long MIN_SESSION_TIMEOUT_MILLIS = 100;
    static final long MAX_SESSION_TIMEOUT_MILLIS = 600_000;
    public static final Duration DEFAULT_WEIGHT_MAX_AGE = Duration.ofMinutes(2);
    static final long MIN_WEIGHT_MAX_AGE_MILLIS = 1_000;
    static final long MAX_WEIGHT_MAX_AGE_MILLIS = 86_400_000;
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofMillis(15_000);
    static final long MAX_DRAIN_TIMEOUT_MILLIS = 3_600_000;

    public NodeConfig {
        HostPort.checkConnectString("zk", zkConnect);
        ZkPaths.forCluster(cluster);
        Checks.checkId("id", id);
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(admin, "admin");
        zone = zone == null ? "" : zone;
        Objects.requireNonNull(stateDir, "stateDir");
        Checks.checkRange("io-threads", ioThreads, 1, 1024);
        Checks.check(sessionTimeout != null
                        && sessionTimeout.toMillis() >= MIN_SESSION_TIMEOUT_MILLIS
                        && sessionTimeout.toMillis() <= MAX_SESSION_TIMEOUT_MILLIS,
                "session-timeout-ms", sessionTimeout == null ? null : sessionTimeout.toMillis(),
                MIN_SESSION_TIMEOUT_MILLIS + ".." + MAX_SESSION_TIMEOUT_MILLIS);
        Checks.check(weightMaxAge != null, "weight-max-age-ms", null, MIN_WEIGHT_MAX_AGE_MILLIS + ".." + MAX_WEIGHT_MAX_AGE_MILLIS);
        Checks.checkRange("weight-max-age-ms", weightMaxAge.toMillis(), MIN_WEIGHT_MAX_AGE_MILLIS, MAX_WEIGHT_MAX_AGE_MILLIS);
        Objects.requireNonNull(controlPlaneTls, "controlPlaneTls");
        Checks.check(drainTimeout != null, "drain-timeout-ms", null, "0.." + MAX_DRAIN_TIMEOUT_MILLIS);
        Checks.checkRange("drain-timeout-ms", drainTimeout.toMillis(), 0, MAX_DRAIN_TIMEOUT_MILLIS);
    }

    /** gRPC credentials of the control stream: TLS as configured, else plaintext. */
    public ChannelCredentials controlPlaneCredentials() {
        return ClientTls.credentials(controlPlaneTls);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Mutable builder; not thread-safe. Unset fields take the documented defaults in {@link #build()}. */
    public static final class Builder {
        private String zkConnect = DEFAULT_ZK;
        private String cluster = ZkPaths.DEFAULT_CLUSTER;
        private String id;
        private String listen = DEFAULT_LISTEN;
        private String advertise;
        private String admin = DEFAULT_ADMIN;
        private String zone = "";
        private Path stateDir;
        private int ioThreads = Runtime.getRuntime().availableProcessors();
        private Duration sessionTimeout = DEFAULT_SESSION_TIMEOUT;
        private Duration weightMaxAge = DEFAULT_WEIGHT_MAX_AGE;
        private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
        private io.ballast.common.zk.ZkAccess zkAccess = io.ballast.common.zk.ZkAccess.OPEN;

        /** ZooKeeper credentials and ACLs ({@code --zk-auth}, {@code --zk-acl}); default open. */
        public Builder zkAccess(io.ballast.common.zk.ZkAccess zkAccess) {
            this.zkAccess = java.util.Objects.requireNonNull(zkAccess, "zkAccess");
            return this;
        }
        private Optional<ClientTls> controlPlaneTls = Optional.empty();

        private Builder() {}

        /** TLS of the control stream (see {@link ClientTls#fromOptions}); empty: plaintext. */
        public Builder controlPlaneTls(Optional<ClientTls> controlPlaneTls) {
            this.controlPlaneTls = controlPlaneTls;
            return this;
        }

        /** How long a SIGTERM waits for requests in flight; default {@link #DEFAULT_DRAIN_TIMEOUT}. */
        public Builder drainTimeout(Duration drainTimeout) {
            this.drainTimeout = drainTimeout;
            return this;
        }

        public Builder weightMaxAge(Duration weightMaxAge) {
            this.weightMaxAge = weightMaxAge;
            return this;
        }

        public Builder zkConnect(String zkConnect) {
            this.zkConnect = zkConnect;
            return this;
        }

        public Builder cluster(String cluster) {
            this.cluster = cluster;
            return this;
        }

        /** Null or blank: {@code node-<listen port>}. */
        public Builder id(String id) {
            this.id = id;
            return this;
        }

        /** {@code host:port}, port 0 allowed. */
        public Builder listen(String listen) {
            this.listen = listen;
            return this;
        }

        /** {@code host:port}; null or blank: the proxy's bound address. */
        public Builder advertise(String advertise) {
            this.advertise = advertise;
            return this;
        }

        /** {@code host:port}, port 0 allowed. */
        public Builder admin(String admin) {
            this.admin = admin;
            return this;
        }

        public Builder zone(String zone) {
            this.zone = zone;
            return this;
        }

        /** Null: {@code ./.ballast/<id>}. */
        public Builder stateDir(Path stateDir) {
            this.stateDir = stateDir;
            return this;
        }

        public Builder ioThreads(int ioThreads) {
            this.ioThreads = ioThreads;
            return this;
        }

        public Builder sessionTimeout(Duration sessionTimeout) {
            this.sessionTimeout = sessionTimeout;
            return this;
        }

        /** @throws IllegalArgumentException naming the first invalid field */
        public NodeConfig build() {
            InetSocketAddress listenAddress = HostPort.parseBindAddress("listen", listen);
            String nodeId = id == null || id.isBlank() ? "node-" + listenAddress.getPort() : id;
            Checks.checkId("id", nodeId);
            HostPort advertised = advertise == null || advertise.isBlank() ? null : HostPort.parse("advertise", advertise);
            Path dir = stateDir != null ? stateDir : Path.of(".ballast", nodeId);
            return new NodeConfig(zkConnect, cluster, nodeId, listenAddress, advertised,
                    HostPort.parseBindAddress("admin", admin), zone, dir, ioThreads, sessionTimeout, weightMaxAge,
                    controlPlaneTls, zkAccess, drainTimeout);
        }
    }
}
