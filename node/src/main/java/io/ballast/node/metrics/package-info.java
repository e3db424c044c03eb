/**
 * The node's Prometheus metrics (Micrometer, one private registry per node; never the global one).
 *
 * <p>{@link io.ballast.node.metrics.NodeMetrics} owns the registry and is created by the node and
 * passed explicitly to the proxy and the admin endpoint. The data path never looks a meter up: a
 * {@link io.ballast.node.metrics.ServiceMetrics} (with one
 * {@link io.ballast.node.metrics.EndpointMetrics} per eligible endpoint) is resolved once per
 * service when a routing table is built, off the event loops, and the event loops only call
 * {@code increment()} and {@code record()} on it (lock-free adders, no allocation). Every metric
 * is listed in {@code docs/operations.md}.
 */
package io.ballast.node.metrics;
