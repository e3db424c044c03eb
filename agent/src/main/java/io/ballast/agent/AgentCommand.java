package io.ballast.agent;

import io.ballast.agent.health.HealthCheckConfig;
import io.ballast.agent.health.HealthCheckKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import io.ballast.common.config.ClusterOptions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ballast agent}: runs beside one backend, health-checks it, and registers it in
 * ZooKeeper while it is healthy. Blocks until SIGTERM/SIGINT, then deregisters before
 * exiting so that the data plane stops sending traffic at once.
 *
 * <p>Invalid options surface as {@link IllegalArgumentException} from {@link #toConfig()}
 * (the launcher prints the message and exits with status 2).
 */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = "Health-check one backend and register it in ZooKeeper while it is healthy.")
public final class AgentCommand implements Callable<Integer> {

    @Mixin ClusterOptions shared;

    @Option(names = "--service", description = "Service the backend belongs to (required)")
    String service;

    @Option(names = "--id", description = "Endpoint id, unique within the service (default: <host>-<port> of --backend)")
    String id;

    @Option(names = "--backend", description = "host:port the data plane connects to and the health check probes (required)")
    String backend;

    @Option(names = "--zone", description = "Locality zone (default: none)")
    String zone;

    @Option(names = "--weight", description = "Declared weight 0..10000 (default: ${DEFAULT-VALUE})",
            defaultValue = "" + AgentConfig.DEFAULT_WEIGHT)
    int weight;

    @Option(names = "--metadata", split = ",", paramLabel = "KEY=VALUE",
            description = "A label for the registration; repeatable or comma-separated")
    List<String> metadata;

    @Option(names = "--health-check", paramLabel = "http|tcp", description = "Probe kind (default: ${DEFAULT-VALUE})",
            defaultValue = "http")
    String healthCheck;

    @Option(names = "--health-path", description = "Path of the HTTP probe (default: ${DEFAULT-VALUE})",
            defaultValue = HealthCheckConfig.DEFAULT_PATH)
    String healthPath;

    @Option(names = "--health-status", paramLabel = "MIN-MAX",
            description = "HTTP statuses that pass (default: ${DEFAULT-VALUE})",
            defaultValue = HealthCheckConfig.DEFAULT_MIN_STATUS + "-" + HealthCheckConfig.DEFAULT_MAX_STATUS)
    String healthStatus;

    @Option(names = "--interval-ms", description = "Delay between probes (default: ${DEFAULT-VALUE})",
            defaultValue = "" + HealthCheckConfig.DEFAULT_INTERVAL_MILLIS)
    long intervalMillis;

    @Option(names = "--timeout-ms", description = "Timeout of one probe (default: ${DEFAULT-VALUE})",
            defaultValue = "" + HealthCheckConfig.DEFAULT_TIMEOUT_MILLIS)
    long timeoutMillis;

    @Option(names = "--rise", description = "Consecutive passes to become healthy (default: ${DEFAULT-VALUE})",
            defaultValue = "" + HealthCheckConfig.DEFAULT_RISE)
    int rise;

    @Option(names = "--fall", description = "Consecutive failures to become unhealthy (default: ${DEFAULT-VALUE})",
            defaultValue = "" + HealthCheckConfig.DEFAULT_FALL)
    int fall;

    @Option(names = "--drain-timeout-ms", description = "On SIGTERM, first drain: mark the registration draining and wait"
            + " until the leader's drain barrier is complete (no node has a request in flight to the backend), at most this"
            + " long, then deregister; 0 deregisters at once. Without a leader there is nothing to wait for (default: ${DEFAULT-VALUE})",
            defaultValue = "30000")
    long drainTimeoutMillis;

    @Option(names = "--heartbeat-ms", description = "Interval of load reports while registered (default: ${DEFAULT-VALUE})",
            defaultValue = "" + AgentConfig.DEFAULT_HEARTBEAT_MILLIS)
    long heartbeatMillis;

    @Option(names = "--load-url", paramLabel = "URL",
            description = "http:// URL where the backend reports its own load, ORCA style; the agent GETs it at each "
                    + "heartbeat (bounded by --timeout-ms, at most 1000 ms) and copies it into the load report. "
                    + "It must answer 200 with a JSON object {\"qps\": <number >= 0>, \"utilization\": <number 0..1>, "
                    + "\"inFlight\": <optional integer >= 0>}; on any failure qps and utilization are reported "
                    + "unknown (default: none)")
    String loadUrl;

    @Option(names = "--metrics", paramLabel = "HOST:PORT", description = "Serve Prometheus metrics at "
            + "http://HOST:PORT/metrics, port 0 for any free port; no authentication, so bind loopback or a "
            + "monitoring network (default: off)")
    String metrics;

    /** The validated configuration these options describe; starts nothing. */
    AgentConfig toConfig() {
        int[] status = HealthCheckConfig.parseStatusRange("health-status", healthStatus);
        AgentConfig.Builder builder = AgentConfig.builder()
                .zkConnect(shared.zk)
                .zkAccess(shared.zkAccess())
                .cluster(shared.cluster)
                .service(service)
                .id(id)
                .zone(zone)
                .weight(weight)
                .metadata(metadata)
                .healthCheck(HealthCheckKind.parse("health-check", healthCheck))
                .healthPath(healthPath)
                .expectedStatus(status[0], status[1])
                .interval(Duration.ofMillis(intervalMillis))
                .timeout(Duration.ofMillis(timeoutMillis))
                .rise(rise)
                .fall(fall)
                .heartbeatInterval(Duration.ofMillis(heartbeatMillis))
                .drainTimeout(Duration.ofMillis(drainTimeoutMillis))
                .sessionTimeout(Duration.ofMillis(shared.sessionTimeoutMillis))
                .loadUrl(loadUrl)
                .metrics(metrics);
        if (backend != null) {
            builder.backend(backend);
        }
        return builder.build();
    }

    @Override
    public Integer call() throws InterruptedException {
        Agent agent = Agent.start(toConfig());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            stopped.countDown();
        }, "ballast-agent-shutdown"));
        stopped.await();
        return 0;
    }
}
