package io.ballast.controlplane;

import io.ballast.common.config.Checks;
import io.ballast.common.config.HostPort;
import io.ballast.common.config.ServerTls;
import io.ballast.common.zk.ZkPaths;
import io.ballast.controlplane.health.FailureConfig;
import io.ballast.controlplane.security.AdminAccess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Validated configuration of one control-plane replica. Immutable; build with {@link #builder()},
 * whose {@link Builder#build()} throws {@link IllegalArgumentException} in the shared message
 * style ({@code debounce-ms: 500 (expected: 0..200)}), naming each field by its command-line option.
 *
 * @param zkConnect ZooKeeper connect string {@code host:port[,host:port...]}
 * @param cluster cluster name; the tree is {@code /ballast/<cluster>}
 * @param id replica id; empty means "derived from the advertised address" (resolved at start,
 *     because with port 0 the address is only known once the server is bound)
 * @param listenHost address the gRPC server binds
 * @param listenPort port the gRPC server binds, 0 for any free port
 * @param advertise address other processes use to reach this replica; empty means the listen
 *     host with the bound port
 * @param sessionTimeout ZooKeeper session timeout: how long a dead leader keeps leading
 * @param debounce quiet time that coalesces a burst of changes into one snapshot: a change after
 *     a quiet spell is published at once, later ones in the burst {@code debounce} after the last of
 *     them, and whatever the burst at most {@link #MAX_COALESCE} after its first change
 * @param defaultService service used when no route matches, if it has registrations
 * @param weightInterval damping interval of computed weights: each moves at most one max step
 *     (50%) per interval, and time-dependent weights (slow start, load blackout) are recomputed this often
 * @param loadBlackout load reports are ignored until this long after an endpoint's first report
 * @param loadExpiry load reports older than this are ignored
 * @param tls TLS of the gRPC server ({@code --tls-cert}, {@code --tls-key}, {@code --tls-client-ca},
 *     {@code --tls-client-auth}); empty means plaintext
 * @param adminAuth admin identities and roles ({@code --admin-auth}); empty means every admin
 *     caller is the anonymous admin
 * @param zkAccess ZooKeeper credentials and ACLs ({@code --zk-auth}, {@code --zk-acl}), open by default
 * @param metrics where {@code GET /metrics} serves this replica's Prometheus metrics ({@code --metrics});
 *     empty means off
 * @param failure self-preservation, outlier quorum and flap damping tunables
 */
public record ControlPlaneConfig(
        String zkConnect,
        String cluster,
        Optional<String> id,
        String listenHost,
        int listenPort,
        Optional<HostPort> advertise,
        Duration sessionTimeout,
        Duration debounce,
        String defaultService,
        Duration weightInterval,
        Duration loadBlackout,
        Duration loadExpiry,
        Optional<ServerTls> tls,
        Optional<AdminAccess> adminAuth,
        Optional<java.net.InetSocketAddress> metrics,
        io.ballast.common.zk.ZkAccess zkAccess,
        FailureConfig failure) {

    public static final String DEFAULT_ZK = "127.0.0.1:2181";
    public static final String DEFAULT_LISTEN = "127.0.0.1:7000";
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(6);
    public static final Duration DEFAULT_DEBOUNCE = Duration.ofMillis(20);
    public static final String DEFAULT_SERVICE = "web";
    public static final Duration DEFAULT_WEIGHT_INTERVAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_LOAD_BLACKOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_LOAD_EXPIRY = Duration.ofMinutes(3);
    /** Upper bound of the delay between a change and the snapshot that includes it. */
    public static final Duration MAX_COALESCE = Duration.ofMillis(200);
    static final long MIN_SESSION_MILLIS = 500;
    static final long MAX_SESSION_MILLIS = 600_000;

    public ControlPlaneConfig {
        HostPort.checkConnectString("zk", zkConnect);
        Checks.checkName("cluster", cluster);
        Objects.requireNonNull(id, "id");
        id.ifPresent(value -> Checks.checkId("id", value));
        Checks.checkNotBlank("listen", listenHost);
        Checks.checkRange("listen port", listenPort, 0, 65_535);
        Objects.requireNonNull(advertise, "advertise");
        Checks.check(sessionTimeout != null, "session-timeout-ms", null, MIN_SESSION_MILLIS + ".." + MAX_SESSION_MILLIS);
        Checks.checkRange("session-timeout-ms", sessionTimeout.toMillis(), MIN_SESSION_MILLIS, MAX_SESSION_MILLIS);
        Checks.check(debounce != null, "debounce-ms", null, "0.." + MAX_COALESCE.toMillis());
        Checks.checkRange("debounce-ms", debounce.toMillis(), 0, MAX_COALESCE.toMillis());
        Checks.checkName("default-service", defaultService);
        Checks.check(weightInterval != null && loadBlackout != null && loadExpiry != null, "weight durations", null, "set");
        Checks.checkRange("weight-interval-ms", weightInterval.toMillis(), 100, 60_000);
        Checks.checkRange("load-blackout-ms", loadBlackout.toMillis(), 0, 600_000);
        Checks.checkRange("load-expiry-ms", loadExpiry.toMillis(), 1_000, 3_600_000);
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(adminAuth, "adminAuth");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(zkAccess, "zkAccess");
        Objects.requireNonNull(failure, "failure");
    }

    /** The weight calculator's tunables. */
    public io.ballast.controlplane.weights.WeightConfig weightConfig() {
        return new io.ballast.controlplane.weights.WeightConfig(loadBlackout.toMillis(), loadExpiry.toMillis(),
                io.ballast.controlplane.weights.WeightConfig.DEFAULT.maxStep());
    }

    public static Builder builder() {
        return new Builder();
    }

    public ZkPaths paths() {
        return ZkPaths.forCluster(cluster);
    }

    /** The advertised address once the server is bound to {@code boundPort}. */
    HostPort advertiseFor(int boundPort) {
        return advertise.orElseGet(() -> new HostPort(listenHost, boundPort));
    }

    /** The replica id for the advertised address: the configured one, else the address itself. */
    String idFor(HostPort advertised) {
        // host:port is a valid id ([A-Za-z0-9._:-]); IPv6 brackets are not, and are dropped.
        return id.orElseGet(() -> advertised.host().replace("[", "").replace("]", "") + ":" + advertised.port());
    }

    /** Collects values; {@link #build()} validates them all. */
    public static final class Builder {
        private String zkConnect = DEFAULT_ZK;
        private String cluster = ZkPaths.DEFAULT_CLUSTER;
        private String id;
        private String listen = DEFAULT_LISTEN;
        private String advertise;
        private Duration sessionTimeout = DEFAULT_SESSION_TIMEOUT;
        private Duration debounce = DEFAULT_DEBOUNCE;
        private String defaultService = DEFAULT_SERVICE;
        private Duration weightInterval = DEFAULT_WEIGHT_INTERVAL;
        private Duration loadBlackout = DEFAULT_LOAD_BLACKOUT;
        private Duration loadExpiry = DEFAULT_LOAD_EXPIRY;
        private Path tlsCert;
        private Path tlsKey;
        private Path tlsClientCa;
        private String tlsClientAuth;
        private Path adminAuth;
        private String metrics;

        private Builder() {}

        /** PEM certificate chain of the server; with {@link #tlsKey} turns TLS on. */
        public Builder tlsCert(Path value) { this.tlsCert = value; return this; }

        /** PEM (PKCS#8) private key of {@link #tlsCert}. */
        public Builder tlsKey(Path value) { this.tlsKey = value; return this; }

        /** PEM CA certificates client certificates are verified against (mutual TLS). */
        public Builder tlsClientCa(Path value) { this.tlsClientCa = value; return this; }

        /** {@code none}, {@code optional} or {@code require}; null: require with a client CA, else none. */
        public Builder tlsClientAuth(String value) { this.tlsClientAuth = value; return this; }

        /** YAML file of admin tokens and certificate CNs with their roles; null turns admin auth off. */
        public Builder adminAuth(Path value) { this.adminAuth = value; return this; }

        /** {@code host:port} of the metrics endpoint (port 0: any free port); null or blank turns it off. */
        public Builder metrics(String value) { this.metrics = value; return this; }

        private io.ballast.common.zk.ZkAccess zkAccess = io.ballast.common.zk.ZkAccess.OPEN;

        /** ZooKeeper credentials and ACLs ({@code --zk-auth}, {@code --zk-acl}); default open. */
        public Builder zkAccess(io.ballast.common.zk.ZkAccess value) { this.zkAccess = value; return this; }

        public Builder weightInterval(Duration value) { this.weightInterval = value; return this; }

        public Builder loadBlackout(Duration value) { this.loadBlackout = value; return this; }

        public Builder loadExpiry(Duration value) { this.loadExpiry = value; return this; }

        public Builder zkConnect(String value) { this.zkConnect = value; return this; }

        public Builder cluster(String value) { this.cluster = value; return this; }

        /** Replica id; null or blank derives it from the advertised address. */
        public Builder id(String value) { this.id = value; return this; }

        /** {@code host:port}; port 0 binds any free port. */
        public Builder listen(String value) { this.listen = value; return this; }

        /** {@code host:port}; null or blank means the listen host with the bound port. */
        public Builder advertise(String value) { this.advertise = value; return this; }

        public Builder sessionTimeout(Duration value) { this.sessionTimeout = value; return this; }

        public Builder debounce(Duration value) { this.debounce = value; return this; }

        public Builder defaultService(String value) { this.defaultService = value; return this; }

        private FailureConfig defaults = FailureConfig.DEFAULT;
        private long selfPreservationWindowMillis = defaults.selfPreservationWindowMillis();
        private int selfPreservationThresholdPercent = defaults.selfPreservationThresholdPercent();
        private int suspectWeightPercent = defaults.suspectWeightPercent();
        private long selfPreservationMaxMillis = defaults.selfPreservationMaxMillis();
        private long outlierQuorumWindowMillis = defaults.outlierQuorumWindowMillis();
        private int flapThreshold = defaults.flapThreshold();
        private long flapWindowMillis = defaults.flapWindowMillis();
        private long flapHoldMillis = defaults.flapHoldMillis();
        private long flapMaxHoldMillis = defaults.flapMaxHoldMillis();
        private long removalGraceMillis = defaults.removalGraceMillis();

        public Builder selfPreservationWindowMillis(long value) { this.selfPreservationWindowMillis = value; return this; }

        /** 0 turns self-preservation off. */
        public Builder selfPreservationThresholdPercent(int value) { this.selfPreservationThresholdPercent = value; return this; }

        public Builder suspectWeightPercent(int value) { this.suspectWeightPercent = value; return this; }

        public Builder selfPreservationMaxMillis(long value) { this.selfPreservationMaxMillis = value; return this; }

        public Builder outlierQuorumWindowMillis(long value) { this.outlierQuorumWindowMillis = value; return this; }

        public Builder flapThreshold(int value) { this.flapThreshold = value; return this; }

        public Builder flapWindowMillis(long value) { this.flapWindowMillis = value; return this; }

        public Builder flapHoldMillis(long value) { this.flapHoldMillis = value; return this; }

        public Builder flapMaxHoldMillis(long value) { this.flapMaxHoldMillis = value; return this; }

        /** 0 publishes removals of vanished registrations at once. */
        public Builder removalGraceMillis(long value) { this.removalGraceMillis = value; return this; }

        public ControlPlaneConfig build() {
            java.net.InetSocketAddress listenAddress = HostPort.parseBindAddress("listen", listen);
            Optional<HostPort> advertised = advertise == null || advertise.isBlank()
                    ? Optional.empty()
                    : Optional.of(HostPort.parse("advertise", advertise));
            Optional<String> replicaId = id == null || id.isBlank() ? Optional.empty() : Optional.of(id);
            return new ControlPlaneConfig(zkConnect, cluster, replicaId, listenAddress.getHostString(), listenAddress.getPort(),
                    advertised, sessionTimeout, debounce, defaultService, weightInterval, loadBlackout, loadExpiry,
                    ServerTls.fromOptions(tlsCert, tlsKey, tlsClientCa, tlsClientAuth),
                    adminAuth == null ? Optional.empty() : Optional.of(AdminAccess.load(adminAuth)),
                    metrics == null || metrics.isBlank() ? Optional.empty()
                            : Optional.of(HostPort.parseBindAddress("metrics", metrics)), zkAccess,
                    new FailureConfig(selfPreservationWindowMillis, selfPreservationThresholdPercent, suspectWeightPercent,
                            selfPreservationMaxMillis, outlierQuorumWindowMillis, flapThreshold, flapWindowMillis, flapHoldMillis,
                            flapMaxHoldMillis, removalGraceMillis));
        }
    }
}
