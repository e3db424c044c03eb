/**
 * The node's data path: an HTTP/1.1 reverse proxy on plain Netty (epoll when available, NIO otherwise).
 *
 * <p>Public API: {@link io.ballast.node.proxy.ProxyConfig} and {@link io.ballast.node.proxy.ProxyServer}
 * ({@code start}, {@code apply(Snapshot)}, {@code localAddress}, {@code close}); everything else is
 * package-private.
 *
 * <p>Shape of a request: client pipeline (idle-state, codec, keep-alive, aggregation, flow control)
 * -> {@code ProxyHandler} reads the current {@code RoutingTable} (immutable, one per snapshot, swapped
 * through a volatile reference) -> route by Host and path prefix -> the service's {@code EndpointPicker}
 * -> an {@code Exchange} borrows a keep-alive connection from the {@code BackendPool} of the client's
 * own event loop and relays; connect failures retry on another endpoint, connections lost before any
 * response byte are resent for idempotent methods, the rest become 502/504 answers with a reason.
 *
 * <p>Threading rule: everything belonging to one client connection (its exchange, the backend channels
 * it uses, timeouts) runs on that connection's event loop; only the routing table crosses threads.
 */
package io.ballast.node.proxy;
