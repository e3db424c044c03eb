package io.ballast.agent.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The metrics of one agent, in a private Prometheus registry (never Micrometer's global one) that
 * {@code --metrics host:port} serves: the backend's health and the registration state as 1/0
 * gauges, the latency of each health probe by result, and failed reads of the backend's load URL.
 * Every metric is listed in {@code docs/operations.md}.
 *
 * <p>Threading: thread-safe. The agent's state thread records probes and load failures; the
 * gauges read the suppliers (volatile fields of the agent) on the metrics server's thread.
 */
public final class AgentMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer passed;
    private final Timer failed;
    private final Counter loadFailures;

    /**
     * @param healthy whether the backend is HEALTHY now
     * @param registered whether the agent keeps its registration now
     */
    public AgentMetrics(BooleanSupplier healthy, BooleanSupplier registered) {
        Gauge.builder("ballast.agent.healthy", () -> healthy.getAsBoolean() ? 1 : 0)
                .description("1 while the backend is HEALTHY (rise/fall applied), else 0").register(registry);
        Gauge.builder("ballast.agent.registered", () -> registered.getAsBoolean() ? 1 : 0)
                .description("1 while the agent keeps the backend's registration in ZooKeeper, else 0").register(registry);
        passed = probeTimer("pass");
        failed = probeTimer("fail");
        loadFailures = Counter.builder("ballast.agent.load.fetch.failures")
                .description("Reads of --load-url that gave no valid load report").register(registry);
    }

    private Timer probeTimer(String result) {
        return Timer.builder("ballast.agent.probe.duration").description("Latency of one health probe, by its result")
                .tag("result", result).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
    }

    /** One probe ran for {@code nanos} and passed or not. */
    public void probed(boolean pass, long nanos) {
        (pass ? passed : failed).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** One read of the load URL failed. */
    public void loadFetchFailed() {
        loadFailures.increment();
    }

    /** Every metric in the Prometheus text format 0.0.4. */
    public String scrape() {
        return registry.scrape();
    }
}
