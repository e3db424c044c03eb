package io.ballast.node.proxy;

import io.ballast.common.config.Checks;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the data-plane HTTP listener. Immutable; build with {@link #builder()}, which
 * validates every field with {@link Checks} and throws {@link IllegalArgumentException} in the
 * shared message style ({@code port: 0 (expected: 1..65535)}).
 *
 * @param bindHost address the proxy listens on
 * @param port TCP port, 0..65535 (0 lets the kernel choose; tests use it)
 * @param ioThreads event-loop threads; each owns its client connections and its backend pool
 * @param clientIdleTimeout a client connection idle (no read, no write) this long is closed
 * @param retryBufferBytes a request body up to this size is kept for a retry or resend; a larger one
 *     streams through and is never retried (nothing is aggregated: bodies of any size stream)
 * @param maxIdlePerBackend idle keep-alive connections kept per backend address per event loop
 * @param zone this node's locality zone (zone-aware routing), empty when unknown
 */
public record ProxyConfig(
        String bindHost,
        int port,
        int ioThreads,
        Duration clientIdleTimeout,
        int retryBufferBytes,
        int maxIdlePerBackend,
        String zone) {

    public static final String DEFAULT_BIND_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;
    public static final Duration DEFAULT_CLIENT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    public static final int DEFAULT_RETRY_BUFFER_BYTES = 64 * 1024;
    public static final int DEFAULT_MAX_IDLE_PER_BACKEND = 64;

    public ProxyConfig {
        Checks.checkNotBlank("bindHost", bindHost);
        Checks.checkRange("port", port, 0, 65_535);
        Checks.checkRange("ioThreads", ioThreads, 1, 1024);
        Checks.check(clientIdleTimeout != null && !clientIdleTimeout.isNegative() && !clientIdleTimeout.isZero(),
                "clientIdleTimeout", clientIdleTimeout, "> 0");
        Checks.checkRange("retryBufferBytes", retryBufferBytes, 0, 64 * 1024 * 1024);
        Checks.checkRange("maxIdlePerBackend", maxIdlePerBackend, 0, 100_000);
        zone = zone == null ? "" : zone;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Mutable builder; not thread-safe. Defaults are the {@code DEFAULT_*} constants. */
    public static final class Builder {
        private String bindHost = DEFAULT_BIND_HOST;
        private int port = DEFAULT_PORT;
        private int ioThreads = Runtime.getRuntime().availableProcessors();
        private Duration clientIdleTimeout = DEFAULT_CLIENT_IDLE_TIMEOUT;
        private int retryBufferBytes = DEFAULT_RETRY_BUFFER_BYTES;
        private int maxIdlePerBackend = DEFAULT_MAX_IDLE_PER_BACKEND;
        private String zone = "";

        /** This node's locality zone, for services with zone-aware routing; empty when unknown. */
        public Builder zone(String zone) {
            this.zone = zone;
            return this;
        }

        private Builder() {}

        public Builder bindHost(String bindHost) {
            this.bindHost = bindHost;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder ioThreads(int ioThreads) {
            this.ioThreads = ioThreads;
            return this;
        }

        public Builder clientIdleTimeout(Duration clientIdleTimeout) {
            this.clientIdleTimeout = Objects.requireNonNull(clientIdleTimeout, "clientIdleTimeout");
            return this;
        }

        public Builder retryBufferBytes(int retryBufferBytes) {
            this.retryBufferBytes = retryBufferBytes;
            return this;
        }

        public Builder maxIdlePerBackend(int maxIdlePerBackend) {
            this.maxIdlePerBackend = maxIdlePerBackend;
            return this;
        }

        /** @throws IllegalArgumentException naming the first invalid field */
        public ProxyConfig build() {
            return new ProxyConfig(bindHost, port, ioThreads, clientIdleTimeout, retryBufferBytes, maxIdlePerBackend, zone);
        }
    }
}
