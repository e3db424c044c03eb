package io.ballast.node.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The metrics of one data-plane node, in one private Prometheus registry that {@code GET /metrics}
 * on the admin port renders. Names are Micrometer's ({@code ballast.node.requests}); Prometheus
 * sees them as {@code ballast_node_requests_total} and so on (every one is listed in
 * {@code docs/operations.md}).
 *
 * <p>Threading: every method is thread-safe. The event loops only call {@link #connectionOpened},
 * {@link #connectionClosed} and the meters of the {@link ServiceMetrics} they got from a routing
 * table (lock-free adders). {@link #service} and {@link #retain} register and remove meters; the
 * proxy calls them while it builds and installs a routing table, off the event loops and one
 * table at a time. {@link #scrape} runs on the admin endpoint's thread.
 */
public final class NodeMetrics {

    /** The {@code service} tag of requests that reached no service: no snapshot yet, no route, bad request. */
    public static final String UNROUTED = "_unrouted";
    /** The Content-Type of {@link #scrape}'s text (Prometheus text exposition format 0.0.4). */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final LongAdder activeConnections = new LongAdder();
    private final ResponseCounters unrouted;
    private final Flags flags = new Flags();

    public NodeMetrics() {
        Gauge.builder("ballast.node.active.connections", activeConnections, LongAdder::sum)
                .description("Open client connections").register(registry);
        unrouted = ResponseCounters.register(registry, UNROUTED);
    }

    /** Responses to requests that reached no service (tagged {@value #UNROUTED}). */
    public ResponseCounters unrouted() {
        return unrouted;
    }

    /** A client connection opened; an event loop calls it. */
    public void connectionOpened() {
        activeConnections.increment();
    }

    /** A client connection closed; an event loop calls it. */
    public void connectionClosed() {
        activeConnections.decrement();
    }

    /**
     * The meters of {@code service}, registered on first use and found afterwards (a rebuilt
     * routing table gets the same counters, so they keep counting across snapshots).
     *
     * @param endpointIds the ids of its routable (not DRAINING) endpoints, in index order
     */
    public ServiceMetrics service(String service, List<String> endpointIds) {
        return ServiceMetrics.register(registry, flags, service, endpointIds);
    }

    /**
     * Removes the per-service and per-endpoint series that none of {@code live} uses any more
     * (services and endpoints that left the snapshot), so their number stays that of the applied
     * snapshot. A request still finishing on an older table bumps a detached meter: not counted.
     */
    public void retain(Collection<ServiceMetrics> live) {
        Set<Meter.Id> keep = new HashSet<>();
        for (ServiceMetrics service : live) {
            service.meters().forEach(meter -> keep.add(meter.getId()));
        }
        for (Meter meter : registry.getMeters()) {
            Meter.Id id = meter.getId();
            // The TCP listeners' series (ballast.node.tcp.*) follow their own services (TcpMetrics).
            if (id.getTag("service") != null && !UNROUTED.equals(id.getTag("service")) && !keep.contains(id)
                    && !id.getName().startsWith("ballast.node.tcp.")) {
                registry.remove(meter);
                flags.removed(id);
            }
        }
    }

    /** Gauges of the applied snapshot's epoch and version (0 before the first); call once. */
    public void bindAppliedState(LongSupplier epoch, LongSupplier version) {
        Gauge.builder("ballast.node.applied.epoch", () -> epoch.getAsLong())
                .description("Epoch of the applied snapshot, 0 before the first").register(registry);
        Gauge.builder("ballast.node.applied.version", () -> version.getAsLong())
                .description("Version of the applied snapshot, 0 before the first").register(registry);
    }

    /** Gauge: 1 while a control-plane stream delivers, else 0; call once. */
    public void bindControlPlaneConnected(BooleanSupplier connected) {
        Gauge.builder("ballast.node.control.plane.connected", () -> connected.getAsBoolean() ? 1 : 0)
                .description("1 while the control-plane stream delivers, else 0").register(registry);
    }

    /** Every metric in the Prometheus text format ({@link #CONTENT_TYPE}). */
    public String scrape() {
        return registry.scrape();
    }

    /** The registry itself, for tests and for binding further meters. */
    public MeterRegistry registry() {
        return registry;
    }
}
