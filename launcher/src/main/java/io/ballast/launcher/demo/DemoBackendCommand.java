package io.ballast.launcher.demo;

import io.ballast.common.config.HostPort;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ballast demo-backend}: a tiny HTTP server whose answers start with its name, for
 * trying a cluster out. Blocks until SIGTERM/SIGINT.
 */
@Command(name = "demo-backend", mixinStandardHelpOptions = true,
        description = "Run a demo HTTP backend: every answer starts with its name; GET /healthz answers ok; "
                + "GET /ballast/load reports its load for an agent's --load-url.")
public final class DemoBackendCommand implements Callable<Integer> {

    @Option(names = "--name", description = "Name of this backend, first line of every answer (required)")
    String name;

    @Option(names = "--listen", description = "Address host:port to listen on (default: ${DEFAULT-VALUE})",
            defaultValue = DemoBackendConfig.DEFAULT_LISTEN)
    String listen;

    @Option(names = "--cost-millis", paramLabel = "MILLIS",
            description = "Simulated CPU cost of one request in milliseconds (reported, not spent): GET /ballast/load "
                    + "answers {\"qps\": q, \"utilization\": min(1, q x cost / 1000), \"inFlight\": n}, q being the "
                    + "request rate over the last 5 seconds (default: ${DEFAULT-VALUE}, utilization 0)",
            defaultValue = DemoBackendConfig.DEFAULT_COST_MILLIS)
    double costMillis;

    @Option(names = "--config", description = "YAML file whose keys are these options' long names; flags win")
    Path config;

    /** The validated configuration these options describe; starts nothing. */
    DemoBackendConfig toConfig() {
        return new DemoBackendConfig(name, HostPort.parse("listen", listen), costMillis);
    }

    @Override
    public Integer call() throws InterruptedException {
        DemoBackend backend;
        try {
            backend = DemoBackend.start(toConfig());
        } catch (IllegalStateException e) {
            System.err.println("ballast demo-backend: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            backend.close();
            stopped.countDown();
        }, "demo-backend-shutdown"));
        stopped.await();
        return 0;
    }
}
