package io.ballast.agent;

import io.ballast.agent.health.HealthCheckConfig;
import io.ballast.agent.health.HealthCheckKind;
import io.ballast.common.config.Checks;
import io.ballast.common.config.HostPort;
import io.ballast.common.model.BackendRegistration;
import io.ballast.common.model.LoadReport;
import io.ballast.common.zk.ZkPaths;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An agent's configuration. Every instance is valid: the constructor checks each value and
 * throws {@link IllegalArgumentException} in the {@code weight: -3 (expected: 0..10000)} style,
 * naming the value by its command-line option. Build with {@link #builder()}.
 *
 * @param zkConnect ZooKeeper connect string {@code host:port[,host:port...]}
 * @param cluster Ballast cluster name ({@link Checks#NAME})
 * @param service service the backend belongs to ({@link Checks#NAME})
 * @param id endpoint id, unique within the service ({@link Checks#ID})
 * @param backend address the data plane connects to (and the health check probes)
 * @param zone locality zone, empty for none
 * @param weight declared weight 0..10000
 * @param metadata free-form labels, at most {@link BackendRegistration#MAX_METADATA}
 * @param healthCheck how the backend is probed
 * @param heartbeatInterval how often a registered agent writes a load report
 * @param sessionTimeout ZooKeeper session timeout: how long a crashed agent's registration survives
 * @param loadUrl {@code http://} URL where the backend reports its own load (ORCA style), read at
 *     each heartbeat; null for none (qps and utilisation are then reported unknown)
 * @param zkAccess ZooKeeper credentials and ACLs ({@code --zk-auth}, {@code --zk-acl}), {@link io.ballast.common.zk.ZkAccess#OPEN} by default
 * @param metrics where {@code GET /metrics} serves the agent's Prometheus metrics ({@code --metrics},
 *     unresolved, port 0 for any free port); null for off
 */
public record AgentConfig(
        String zkConnect,
        String cluster,
        String service,
        String id,
        HostPort backend,
        String zone,
        int weight,
        Map<String, String> metadata,
        HealthCheckConfig healthCheck,
        Duration heartbeatInterval,
        Duration sessionTimeout,
        URI loadUrl,
        java.net.InetSocketAddress metrics,
        io.ballast.common.zk.ZkAccess zkAccess,
        Duration drainTimeout) {

    public static final String DEFAULT_ZK = "127.0.0.1:2181";
    public static final int DEFAULT_WEIGHT = 100;
    public static final long DEFAULT_HEARTBEAT_MILLIS = 2_000;
    public static final long DEFAULT_DRAIN_TIMEOUT_MILLIS = 30_000;
    public static final long DEFAULT_SESSION_TIMEOUT_MILLIS = 6_000;
    /** The longest one read of {@link #loadUrl} may take, whatever the health-check timeout. */
    public static final Duration MAX_LOAD_TIMEOUT = Duration.ofSeconds(1);
    private static final String LOAD_URL_EXPECTED = "an http:// URL";

    public AgentConfig {
        HostPort.checkConnectString("zk", zkConnect);
        Checks.checkName("cluster", cluster);
        Checks.checkName("service", service);
        Checks.checkId("id", id);
        Checks.check(backend != null, "backend", null, "host:port with port 1..65535");
        zone = zone == null ? "" : zone;
        Checks.check(zone.isEmpty() || Checks.ID.matcher(zone).matches(), "zone", zone, "empty or " + Checks.ID.pattern());
        Checks.checkWeight("weight", weight);
        metadata = metadata == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        Checks.check(metadata.size() <= BackendRegistration.MAX_METADATA, "metadata", metadata.size() + " entries",
                "at most " + BackendRegistration.MAX_METADATA);
        Objects.requireNonNull(healthCheck, "healthCheck");
        Checks.check(heartbeatInterval != null, "heartbeat-ms", null, "> 0");
        Checks.checkPositive("heartbeat-ms", heartbeatInterval.toMillis());
        Checks.check(sessionTimeout != null, "session-timeout-ms", null, "> 0");
        Checks.checkPositive("session-timeout-ms", sessionTimeout.toMillis());
        Checks.check(loadUrl == null || isHttpUrl(loadUrl), "load-url", loadUrl == null ? null : loadUrl.toString(),
                LOAD_URL_EXPECTED);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The bound of one read of {@link #loadUrl}: the health-check timeout, at most
     * {@link #MAX_LOAD_TIMEOUT}, because it runs on the agent's single thread between probes.
     */
    public Duration loadTimeout() {
        Duration timeout = healthCheck.timeout();
        return timeout.compareTo(MAX_LOAD_TIMEOUT) < 0 ? timeout : MAX_LOAD_TIMEOUT;
    }

    /**
     * Parses a load URL; null or blank means none.
     *
     * @throws IllegalArgumentException {@code load-url: "ftp://x" (expected: an http:// URL)}
     */
    public static URI parseLoadUrl(String url) {
        if (url == null || url.isBlank()) {
            return null;
        }
        try {
            URI uri = new URI(url.strip());
            Checks.check(isHttpUrl(uri), "load-url", url, LOAD_URL_EXPECTED);
            return uri;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(Checks.message("load-url", url, LOAD_URL_EXPECTED));
        }
    }

    private static boolean isHttpUrl(URI uri) {
        return "http".equalsIgnoreCase(uri.getScheme()) && uri.getHost() != null && !uri.getHost().isEmpty()
                && uri.getPort() <= 65_535 && uri.getPort() != 0 && uri.getRawFragment() == null;
    }

    /** The znode this agent keeps while its backend is healthy. */
    public String registrationPath() {
        return ZkPaths.forCluster(cluster).backend(service, id);
    }

    /** The registration payload this config describes, with {@code load} as its load report. */
    public BackendRegistration registration(String agentVersion, long startedAtMillis, LoadReport load) {
        return new BackendRegistration(service, id, backend.host(), backend.port(), zone, weight, metadata,
                agentVersion, startedAtMillis, load);
    }

    /**
     * The default endpoint id for a backend: {@code <host>-<port>}, with every character that
     * an id may not contain replaced by {@code _}.
     */
    public static String defaultId(HostPort backend) {
        String id = (backend.host() + "-" + backend.port()).replaceAll("[^A-Za-z0-9._:-]", "_");
        return id.length() <= 128 ? id : id.substring(id.length() - 128);
    }

    /**
     * Parses {@code key=value} pairs. Keys are non-empty and appear once; values may be empty
     * and may contain {@code =}.
     *
     * @throws IllegalArgumentException {@code metadata: "rack" (expected: key=value)}
     */
    public static Map<String, String> parseMetadata(List<String> pairs) {
        Map<String, String> metadata = new LinkedHashMap<>();
        if (pairs == null) {
            return metadata;
        }
        for (String pair : pairs) {
            int eq = pair == null ? -1 : pair.indexOf('=');
            Checks.check(eq > 0 && !pair.substring(0, eq).isBlank(), "metadata", pair, "key=value");
            String key = pair.substring(0, eq).trim();
            Checks.check(!metadata.containsKey(key), "metadata", pair, "each key once");
            metadata.put(key, pair.substring(eq + 1).trim());
        }
        return metadata;
    }

    /** Collects settings, fills defaults, and validates on {@link #build()}. Not thread-safe. */
    public static final class Builder {
        private String zkConnect = DEFAULT_ZK;
        private String cluster = ZkPaths.DEFAULT_CLUSTER;
        private String service;
        private String id;
        private HostPort backend;
        private String zone = "";
        private int weight = DEFAULT_WEIGHT;
        private Map<String, String> metadata = Map.of();
        private HealthCheckKind healthCheck = HealthCheckKind.HTTP;
        private String healthPath = HealthCheckConfig.DEFAULT_PATH;
        private int minStatus = HealthCheckConfig.DEFAULT_MIN_STATUS;
        private int maxStatus = HealthCheckConfig.DEFAULT_MAX_STATUS;
        private Duration interval = Duration.ofMillis(HealthCheckConfig.DEFAULT_INTERVAL_MILLIS);
        private Duration timeout = Duration.ofMillis(HealthCheckConfig.DEFAULT_TIMEOUT_MILLIS);
        private int rise = HealthCheckConfig.DEFAULT_RISE;
        private int fall = HealthCheckConfig.DEFAULT_FALL;
        private Duration heartbeatInterval = Duration.ofMillis(DEFAULT_HEARTBEAT_MILLIS);
        private Duration sessionTimeout = Duration.ofMillis(DEFAULT_SESSION_TIMEOUT_MILLIS);
        private URI loadUrl;
        private java.net.InetSocketAddress metrics;
        private io.ballast.common.zk.ZkAccess zkAccess = io.ballast.common.zk.ZkAccess.OPEN;

        /** ZooKeeper credentials and ACLs ({@code --zk-auth}, {@code --zk-acl}); default open. */
        public Builder zkAccess(io.ballast.common.zk.ZkAccess zkAccess) {
            this.zkAccess = java.util.Objects.requireNonNull(zkAccess, "zkAccess");
            return this;
        }

        private Builder() {}

        public Builder zkConnect(String zkConnect) { this.zkConnect = zkConnect; return this; }

        public Builder cluster(String cluster) { this.cluster = cluster; return this; }

        public Builder service(String service) { this.service = service; return this; }

        /** Null (the default) means {@link #defaultId}. */
        public Builder id(String id) { this.id = id; return this; }

        public Builder backend(HostPort backend) { this.backend = backend; return this; }

        /** Parses {@code host:port}; throws {@code backend: "x" (expected: host:port with port 1..65535)}. */
        public Builder backend(String hostPort) { this.backend = HostPort.parse("backend", hostPort); return this; }

        public Builder zone(String zone) { this.zone = zone; return this; }

        public Builder weight(int weight) { this.weight = weight; return this; }

        public Builder metadata(Map<String, String> metadata) { this.metadata = metadata; return this; }

        /** Parses {@code key=value} pairs, see {@link AgentConfig#parseMetadata}. */
        public Builder metadata(List<String> pairs) { this.metadata = parseMetadata(pairs); return this; }

        public Builder healthCheck(HealthCheckKind kind) { this.healthCheck = kind; return this; }

        public Builder healthPath(String path) { this.healthPath = path; return this; }

        /** HTTP statuses that pass, inclusive; 200..399 by default. */
        public Builder expectedStatus(int min, int max) { this.minStatus = min; this.maxStatus = max; return this; }

        public Builder interval(Duration interval) { this.interval = interval; return this; }

        public Builder timeout(Duration timeout) { this.timeout = timeout; return this; }

        public Builder rise(int rise) { this.rise = rise; return this; }

        public Builder fall(int fall) { this.fall = fall; return this; }

        public Builder heartbeatInterval(Duration heartbeatInterval) { this.heartbeatInterval = heartbeatInterval; return this; }

        private Duration drainTimeout = Duration.ofMillis(DEFAULT_DRAIN_TIMEOUT_MILLIS);

        /** How long a stopping agent waits for the drain barrier before it deregisters anyway; 0: no drain. */
        public Builder drainTimeout(Duration drainTimeout) {
            Checks.check(drainTimeout != null, "drain-timeout-ms", null, "0..600000");
            Checks.checkRange("drain-timeout-ms", drainTimeout.toMillis(), 0, 600_000);
            this.drainTimeout = drainTimeout;
            return this;
        }

        public Builder sessionTimeout(Duration sessionTimeout) { this.sessionTimeout = sessionTimeout; return this; }

        /** Null (the default) means none. */
        public Builder loadUrl(URI loadUrl) { this.loadUrl = loadUrl; return this; }

        /** Parses an {@code http://} URL, null or blank for none; see {@link AgentConfig#parseLoadUrl}. */
        public Builder loadUrl(String loadUrl) { this.loadUrl = parseLoadUrl(loadUrl); return this; }

        /**
         * Parses the metrics address {@code host:port} (port 0: any free port); null or blank turns it off.
         * Throws {@code metrics: "x" (expected: host:port with port 0..65535)}.
         */
        public Builder metrics(String hostPort) {
            this.metrics = hostPort == null || hostPort.isBlank() ? null : HostPort.parseBindAddress("metrics", hostPort);
            return this;
        }

        /** @throws IllegalArgumentException naming the first invalid value */
        public AgentConfig build() {
            Checks.check(backend != null, "backend", null, "host:port with port 1..65535");
            HealthCheckConfig health = new HealthCheckConfig(healthCheck, healthPath, minStatus, maxStatus, interval,
                    timeout, rise, fall);
            return new AgentConfig(zkConnect, cluster, service, id == null ? defaultId(backend) : id, backend, zone,
                    weight, metadata, health, heartbeatInterval, sessionTimeout, loadUrl, metrics, zkAccess, drainTimeout);
        }
    }
}
