package io.ballast.node.proxy.tcp;

import io.ballast.common.config.Checks;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of a node's TCP listeners. Immutable; the compact constructor validates and throws
 * {@link IllegalArgumentException} in the {@link Checks} style.
 *
 * @param bindHost where every listener binds: the node's proxy listen host
 * @param ioThreads event loops of the TCP relay, 1..1024 (each client connection and its backend
 *     connection share one)
 * @param zone this node's zone, for services with locality; may be empty
 * @param reservedPorts ports a TCP listener may not take, with what uses them
 *     ({@code 8080 -> "HTTP"}): a snapshot asking for one is refused with that name
 */
public record TcpProxyConfig(String bindHost, int ioThreads, String zone, Map<Integer, String> reservedPorts) {

    public TcpProxyConfig {
        Checks.checkNotBlank("bind-host", bindHost);
        Checks.checkRange("io-threads", ioThreads, 1, 1024);
        zone = zone == null ? "" : zone;
        reservedPorts = Map.copyOf(Objects.requireNonNull(reservedPorts, "reservedPorts"));
    }
}
