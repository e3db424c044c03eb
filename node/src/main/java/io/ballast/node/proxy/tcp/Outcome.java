package io.ballast.node.proxy.tcp;

import java.util.Locale;

/** How a TCP client connection ended: the {@code outcome} tag of {@code ballast_node_tcp_connections_total}. */
enum Outcome {
    /** Relayed until one side closed (or both half-closed). */
    COMPLETED,
    /** No byte in either direction for the service's idle timeout. */
    IDLE_TIMEOUT,
    /** Relayed until a connection was reset or failed with an I/O error. */
    RESET,
    /** Every connect attempt failed (refused, timed out). */
    CONNECT_FAILED,
    /** The service had no eligible endpoint. */
    NO_ENDPOINT,
    /** Over the node's share of the service's rate limit (new connections per second). */
    RATE_LIMITED,
    /** Closed by the node: shutdown, after the drain timeout. */
    SHUTDOWN;

    final String tag = name().toLowerCase(Locale.ROOT);
}
