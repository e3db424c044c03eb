package io.ballast.node.proxy;

import io.ballast.proto.v1.Snapshot;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * The data-plane HTTP/1.1 reverse proxy (placeholder while the data path is being built).
 */
public final class ProxyServer implements AutoCloseable {

    private final InetSocketAddress localAddress;
    private volatile Snapshot snapshot;

    private ProxyServer(InetSocketAddress localAddress) {
        this.localAddress = localAddress;
    }

    /** Binds synchronously; throws {@link IllegalStateException} naming the address and the cause on failure. */
    public static ProxyServer start(ProxyConfig config) {
        Objects.requireNonNull(config, "config");
        return new ProxyServer(new InetSocketAddress(config.bindHost(), config.port()));
    }

    /** Installs an already validated and fenced snapshot; thread-safe. */
    public void apply(Snapshot snapshot) {
        this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
    }

    public InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public void close() {}
}
