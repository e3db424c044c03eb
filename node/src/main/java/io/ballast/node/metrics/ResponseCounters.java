package io.ballast.node.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;

/**
 * {@code ballast_node_requests_total{service, status_class}}: the responses the node sent its
 * clients for one service, by status class ({@code 2xx}, {@code 3xx}, {@code 4xx}, {@code 5xx}),
 * whoever produced them: the backend, or the node itself (404 no route, 429 rate limited, 502, 503,
 * 504). Requests that reached no service are counted under {@link NodeMetrics#UNROUTED}.
 *
 * <p>Threading: immutable; lock-free counters, any thread; {@link #count} allocates nothing.
 */
public final class ResponseCounters {

    static final String NAME = "ballast.node.requests";
    private static final String[] CLASSES = {"2xx", "3xx", "4xx", "5xx"};

    private final Counter[] byClass;

    private ResponseCounters(Counter[] byClass) {
        this.byClass = byClass;
    }

    static ResponseCounters register(MeterRegistry registry, String service) {
        Counter[] counters = new Counter[CLASSES.length];
        for (int i = 0; i < counters.length; i++) {
            counters[i] = Counter.builder(NAME).description("Responses sent to clients, by service and status class")
                    .tag("service", service).tag("status_class", CLASSES[i]).register(registry);
        }
        return new ResponseCounters(counters);
    }

    /** Counts one response with this HTTP status (1xx and below count as 2xx, 600 and above as 5xx). */
    public void count(int status) {
        int index = Math.min(Math.max(status / 100 - 2, 0), CLASSES.length - 1);
        byClass[index].increment();
    }

    void addMetersTo(List<Meter> meters) {
        meters.addAll(List.of(byClass));
    }
}
