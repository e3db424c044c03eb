package io.ballast.node.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;

/**
 * The counters of one endpoint of one service ({@code service} and {@code endpoint} tags):
 * attempts sent to it and attempts that got no usable response from it (connect failure,
 * connection lost, response timeout, invalid response). A backend's own 5xx is a response, not a
 * failure; it is counted by status class in {@link ResponseCounters}.
 *
 * <p>Cardinality: two series per endpoint of every service in the applied snapshot; the series of
 * endpoints that leave the snapshot are removed (see {@link NodeMetrics#retain}).
 *
 * <p>Threading: immutable; the counters are lock-free and may be bumped from any event loop.
 */
public final class EndpointMetrics {

    static final String REQUESTS = "ballast.node.endpoint.requests";
    static final String FAILURES = "ballast.node.endpoint.failures";

    private final Counter requests;
    private final Counter failures;

    private EndpointMetrics(Counter requests, Counter failures) {
        this.requests = requests;
        this.failures = failures;
    }

    static EndpointMetrics register(MeterRegistry registry, String service, String endpoint) {
        return new EndpointMetrics(
                Counter.builder(REQUESTS).description("Attempts sent to the endpoint (first tries, retries and resends)")
                        .tag("service", service).tag("endpoint", endpoint).register(registry),
                Counter.builder(FAILURES).description("Attempts that got no usable response from the endpoint")
                        .tag("service", service).tag("endpoint", endpoint).register(registry));
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
    }
}
