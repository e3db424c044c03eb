package io.ballast.node.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Every meter of one service, resolved once when a routing table is built so that the data path
 * never looks a meter up: responses by status class, the latency histogram of forwarded requests,
 * rate-limited requests, retries, and one {@link EndpointMetrics} per routable (not DRAINING) endpoint (indexed
 * like the endpoints' {@code index()}).
 *
 * <p>Threading: immutable; every method is lock-free and allocation-free and may be called from
 * any event loop.
 */
public final class ServiceMetrics {

    static final String LATENCY = "ballast.node.request.duration";
    static final String RATE_LIMITED = "ballast.node.rate.limited";
    static final String RETRIES = "ballast.node.retries";
    static final Duration LATENCY_MIN = Duration.ofMillis(1);
    static final Duration LATENCY_MAX = Duration.ofSeconds(30);

    private final ResponseCounters responses;
    private final Timer latency;
    private final Counter rateLimited;
    static final String PANIC = "ballast.node.panic";

    private final Counter connectRetries;
    private final Counter resends;
    private final Counter retries;
    private final Counter retriesRefused;
    private final Flags.Flag panic;
    private final EndpointMetrics[] endpoints;

    private ServiceMetrics(ResponseCounters responses, Timer latency, Counter rateLimited, Counter connectRetries,
                           Counter resends, Counter retries, Counter retriesRefused, Flags.Flag panic,
                           EndpointMetrics[] endpoints) {
        this.responses = responses;
        this.latency = latency;
        this.rateLimited = rateLimited;
        this.connectRetries = connectRetries;
        this.resends = resends;
        this.retries = retries;
        this.retriesRefused = retriesRefused;
        this.panic = panic;
        this.endpoints = endpoints;
    }

    /**
     * Resolves (registering or finding) the meters of {@code service} in {@code registry}.
     *
     * @param endpointIds the ids of the service's routable (not DRAINING) endpoints, in index order
     */
    static ServiceMetrics register(MeterRegistry registry, Flags flags, String service, List<String> endpointIds) {
        EndpointMetrics[] endpoints = new EndpointMetrics[endpointIds.size()];
        for (int i = 0; i < endpoints.length; i++) {
            endpoints[i] = EndpointMetrics.register(registry, flags, service, endpointIds.get(i));
        }
        return new ServiceMetrics(ResponseCounters.register(registry, service),
                Timer.builder(LATENCY).description("Latency of forwarded requests, from routing to the response")
                        .tag("service", service).publishPercentileHistogram()
                        .minimumExpectedValue(LATENCY_MIN).maximumExpectedValue(LATENCY_MAX).register(registry),
                Counter.builder(RATE_LIMITED).description("Requests answered 429 by the node's share of the rate limit")
                        .tag("service", service).register(registry),
                retries(registry, service, "connect", "attempted"),
                retries(registry, service, "resend", "attempted"),
                retries(registry, service, "retry", "attempted"),
                retries(registry, service, "retry", "budget_exhausted"),
                flags.flag(registry, PANIC, "1 while the service is in panic routing on this node (too few eligible "
                        + "endpoints: balancing across all that are not draining), else 0", Tags.of("service", service)),
                endpoints);
    }

    /** Meters that record nothing (routing tables built without a {@link NodeMetrics}, e.g. in tests). */
    public static ServiceMetrics unmeasured(String service, List<String> endpointIds) {
        // A composite registry without children hands out meters that do nothing.
        return register(new CompositeMeterRegistry(), new Flags(), service, endpointIds);
    }

    private static Counter retries(MeterRegistry registry, String service, String kind, String outcome) {
        return Counter.builder(RETRIES).description("Further attempts: connect retries, resends, and retries by the "
                        + "retry policy (attempted, or refused by the retry budget)")
                .tag("service", service).tag("kind", kind).tag("outcome", outcome).register(registry);
    }

    /** A forwarded request was answered with {@code status}, {@code nanos} after it was routed. */
    public void responded(int status, long nanos) {
        responses.count(status);
        latency.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** The node answered {@code status} itself without forwarding (e.g. 503: no active endpoint). */
    public void rejected(int status) {
        responses.count(status);
    }

    /** The node's share of the service's rate limit was spent: counted here and as a 4xx response. */
    public void rateLimited() {
        rateLimited.increment();
        responses.count(429);
    }

    /** A connect failure is retried on another endpoint. */
    public void connectRetried() {
        connectRetries.increment();
    }

    /** A request whose connection was lost before any response byte is resent. */
    public void resent() {
        resends.increment();
    }

    /** The retry policy sends the request again (kind=retry, outcome=attempted). */
    public void retried() {
        retries.increment();
    }

    /** The retry budget refused a retry; the failure went to the client as it was (outcome=budget_exhausted). */
    public void retryRefused() {
        retriesRefused.increment();
    }

    /** What the panic gauge reads from now on; any thread. */
    public void bindPanic(java.util.function.BooleanSupplier source) {
        panic.bind(source);
    }

    /** The counters of the routable endpoint with this {@code index()}. */
    public EndpointMetrics endpoint(int index) {
        return endpoints[index];
    }

    void addMetersTo(List<Meter> meters) {
        responses.addMetersTo(meters);
        meters.add(latency);
        meters.add(rateLimited);
        meters.add(connectRetries);
        meters.add(resends);
        meters.add(retries);
        meters.add(retriesRefused);
        meters.add(panic.meter());
        for (EndpointMetrics endpoint : endpoints) {
            endpoint.addMetersTo(meters);
        }
    }

    List<Meter> meters() {
        List<Meter> meters = new ArrayList<>();
        addMetersTo(meters);
        return meters;
    }
}
