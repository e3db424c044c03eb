package io.ballast.launcher.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ballast demo}: a whole cluster on loopback, as separate processes — an embedded
 * ZooKeeper, 2 control-plane replicas, 3 demo backends each with its own agent, and 2
 * data-plane nodes — with fixed, well-known addresses so that nothing needs a flag.
 * Ctrl-C stops every process and deletes the demo's directory.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {
            "Run a whole Ballast cluster on loopback: ZooKeeper at 127.0.0.1:2181, control planes at 127.0.0.1:7001 and :7002,",
            "nodes at 127.0.0.1:8080 and :8081 (admin :9901, :9902), backends web-1..3 at 127.0.0.1:8001..8003 with agents.",
            "Ctrl-C stops everything."})
public final class DemoCommand implements Callable<Integer> {

    @Option(names = "--dir", description = "Working directory for logs and state (default: a new temporary directory, deleted on exit).")
    Path dir;

    @Option(names = "--startup-timeout-ms", defaultValue = "90000", description = "How long to wait for the cluster to come up (default: ${DEFAULT-VALUE}).")
    long startupTimeoutMillis;

    @Option(names = "--config", description = "Unused by demo; accepted for symmetry with the other commands.")
    Path config;

    @Override
    public Integer call() throws Exception {
        // The demo's own ZooKeeper client polls while the server starts; its connection-refused
        // warnings would bury the table the user is waiting for. Children log to their own files.
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.apache.zookeeper"))
                .setLevel(ch.qos.logback.classic.Level.ERROR);
        boolean temporary = dir == null;
        Path work = temporary ? Files.createTempDirectory("ballast-demo-") : dir;
        DemoCluster cluster = new DemoCluster(DemoLayout.defaults(), work);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            System.out.println();
            System.out.println("Stopping the demo cluster...");
            cluster.close();
            if (temporary) {
                DemoCluster.deleteRecursively(work);
            }
            System.out.println("Stopped; no process left running.");
            stopped.countDown();
        }, "demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            cluster.start(Duration.ofMillis(startupTimeoutMillis), System.out);
        } catch (RuntimeException e) {
            System.err.println("ballast demo: " + e.getMessage());
            System.err.println("Logs of every process are in " + work.resolve("logs"));
            return 1; // System.exit runs the hook, which stops what did start.
        }
        cluster.printSummary(System.out);
        stopped.await();
        return 0;
    }
}
