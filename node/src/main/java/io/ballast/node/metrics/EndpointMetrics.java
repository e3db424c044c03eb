package io.ballast.node.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The counters of one endpoint of one service ({@code service} and {@code endpoint} tags):
 * attempts sent to it and attempts that got no usable response from it (connect failure,
 * connection lost, response timeout, invalid response). A backend's own 5xx is a response, not a
 * failure; it is counted by status class in {@link ResponseCounters}.
 *
 * <p>Outlier detection: {@code ballast.node.outlier.ejections} counts this node's local ejections of
 * the endpoint, {@code ballast.node.outlier.ejected} is 1 while it holds the endpoint ejected.
 *
 * <p>Cardinality: four series per endpoint of every service in the applied snapshot; the series of
 * endpoints that leave the snapshot are removed (see {@link NodeMetrics#retain}).
 *
 * <p>Threading: immutable; the counters are lock-free and may be bumped from any event loop.
 */
public final class EndpointMetrics {

    static final String REQUESTS = "ballast.node.endpoint.requests";
    static final String FAILURES = "ballast.node.endpoint.failures";
    static final String EJECTIONS = "ballast.node.outlier.ejections";
    static final String EJECTED = "ballast.node.outlier.ejected";

    private final Counter requests;
    private final Counter failures;
    private final Counter ejections;
    private final Flags.Flag ejected;

    private EndpointMetrics(Counter requests, Counter failures, Counter ejections, Flags.Flag ejected) {
        this.requests = requests;
        this.failures = failures;
        this.ejections = ejections;
        this.ejected = ejected;
    }

    static EndpointMetrics register(MeterRegistry registry, Flags flags, String service, String endpoint) {
        return new EndpointMetrics(
                Counter.builder(REQUESTS).description("Attempts sent to the endpoint (first tries, retries and resends)")
                        .tag("service", service).tag("endpoint", endpoint).register(registry),
                Counter.builder(FAILURES).description("Attempts that got no usable response from the endpoint")
                        .tag("service", service).tag("endpoint", endpoint).register(registry),
                Counter.builder(EJECTIONS).description("Local outlier ejections of the endpoint by this node")
                        .tag("service", service).tag("endpoint", endpoint).register(registry),
                flags.flag(registry, EJECTED, "1 while this node holds the endpoint ejected by outlier detection, else 0",
                        Tags.of("service", service, "endpoint", endpoint)));
    }

    /** This node ejected the endpoint (outlier detection). */
    public void ejected() {
        ejections.increment();
    }

    /** What the ejected gauge reads from now on (the newest routing table's state); any thread. */
    public void bindEjected(BooleanSupplier source) {
        ejected.bind(source);
    }

    /** One attempt was sent (or is being connected) to this endpoint. */
    public void attempted() {
        requests.increment();
    }

    /** One attempt on this endpoint ended without a usable response. */
    public void failed() {
        failures.increment();
    }

    void addMetersTo(List<Meter> meters) {
        meters.add(requests);
        meters.add(failures);
        meters.add(ejections);
        meters.add(ejected.meter());
    }
}
