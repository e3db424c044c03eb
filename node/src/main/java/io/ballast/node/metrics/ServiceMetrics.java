package io.ballast.node.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Every meter of one service, resolved once when a routing table is built so that the data path
 * never looks a meter up: responses by status class, the latency histogram of forwarded requests,
 * rate-limited requests, retries, and one {@link EndpointMetrics} per eligible endpoint (indexed
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
    private final Counter connectRetries;
    private final Counter resends;
    private final EndpointMetrics[] endpoints;

    private ServiceMetrics(ResponseCounters responses, Timer latency, Counter rateLimited, Counter connectRetries,
                           Counter resends, EndpointMetrics[] endpoints) {
        this.responses = responses;
        this.latency = latency;
        this.rateLimited = rateLimited;
        this.connectRetries = connectRetries;
        this.resends = resends;
        this.endpoints = endpoints;
    }

    /**
     * Resolves (registering or finding) the meters of {@code service} in {@code registry}.
     *
     * @param endpointIds the ids of the service's eligible endpoints, in index order
     */
    static ServiceMetrics register(MeterRegistry registry, String service, List<String> endpointIds) {
        EndpointMetrics[] endpoints = new EndpointMetrics[endpointIds.size()];
        for (int i = 0; i < endpoints.length; i++) {
            endpoints[i] = EndpointMetrics.register(registry, service, endpointIds.get(i));
        }
        return new ServiceMetrics(ResponseCounters.register(registry, service),
                Timer.builder(LATENCY).description("Latency of forwarded requests, from routing to the response")
                        .tag("service", service).publishPercentileHistogram()
                        .minimumExpectedValue(LATENCY_MIN).maximumExpectedValue(LATENCY_MAX).register(registry),
                Counter.builder(RATE_LIMITED).description("Requests answered 429 by the node's share of the rate limit")
                        .tag("service", service).register(registry),
                retries(registry, service, "connect"),
                retries(registry, service, "resend"),
                endpoints);
    }

    /** Meters that record nothing (routing tables built without a {@link NodeMetrics}, e.g. in tests). */
    public static ServiceMetrics unmeasured(String service, List<String> endpointIds) {
        // A composite registry without children hands out meters that do nothing.
        return register(new CompositeMeterRegistry(), service, endpointIds);
    }

    private static Counter retries(MeterRegistry registry, String service, String kind) {
        return Counter.builder(RETRIES).description("Further attempts on another endpoint: connect retries and resends")
                .tag("service", service).tag("kind", kind).register(registry);
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

    /** The counters of the eligible endpoint with this {@code index()}. */
    public EndpointMetrics endpoint(int index) {
        return endpoints[index];
    }

    void addMetersTo(List<Meter> meters) {
        responses.addMetersTo(meters);
        meters.add(latency);
        meters.add(rateLimited);
        meters.add(connectRetries);
        meters.add(resends);
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
