package io.ballast.node;

import io.netty.util.ResourceLeakDetector;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import io.ballast.common.config.ClientTlsOptions;
import io.ballast.common.config.ClusterOptions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ballast node}: runs one data-plane node in this JVM until SIGTERM/SIGINT.
 *
 * <p>{@link #toConfig()} validates the options (throwing {@link IllegalArgumentException} in
 * the shared message style); {@link #call()} starts the node and blocks until SIGTERM or SIGINT,
 * then shuts it down gracefully ({@link Node#shutdown}: deregister, stop accepting, drain for up
 * to {@code --drain-timeout-ms}) and returns 0, so the process exits 0. The signals are caught
 * with {@code sun.misc.Signal} (a JVM terminated by a signal would exit 143); where that is not
 * available, a shutdown hook does the same drain and the exit status is the JVM's.
 */
@Command(name = "node", mixinStandardHelpOptions = true,
        description = "Runs a data-plane node: an HTTP reverse proxy that applies snapshots from the control plane "
                + "and keeps serving its last good one (also across restarts) when ZooKeeper or the control plane is down.")
public final class NodeCommand implements Callable<Integer> {

    private static final String TRACK_PINNED_MEMORY = "io.netty.trackPinnedMemory";

    @Mixin ClusterOptions shared;

    /** {@code --tls-ca}, {@code --tls-cert}, {@code --tls-key}: TLS of the stream to the control plane. */
    @Mixin ClientTlsOptions tls;

    @Option(names = "--id", description = "Node id [A-Za-z0-9._:-]{1,128} (default: node-<listen port>)")
    String id;

    @Option(names = "--listen", description = "Proxy listen address host:port (default: ${DEFAULT-VALUE})",
            defaultValue = NodeConfig.DEFAULT_LISTEN)
    String listen;

    @Option(names = "--advertise", description = "Address clients use to reach this node's proxy, host:port "
            + "(default: the listen address)")
    String advertise;

    @Option(names = "--admin", description = "Admin HTTP endpoint host:port, port 0 for any free port "
            + "(default: ${DEFAULT-VALUE}); serves /snapshot, /healthz, /ready",
            defaultValue = NodeConfig.DEFAULT_ADMIN)
    String admin;

    @Option(names = "--zone", description = "Locality zone of this node (default: none)", defaultValue = "")
    String zone;

    @Option(names = "--state-dir", description = "Directory keeping the last applied snapshot (default: ./.ballast/<id>)")
    Path stateDir;

    @Option(names = "--io-threads", description = "Proxy event-loop threads (default: available processors)")
    Integer ioThreads;

    @Option(names = "--weight-max-age-ms", description = "Trust computed weights this long without hearing from the "
            + "control plane, then move them back to the declared weights over one more max age, 1000..86400000 "
            + "(default: ${DEFAULT-VALUE})", defaultValue = "120000")
    long weightMaxAgeMillis;

    @Option(names = "--drain-timeout-ms", description = "On SIGTERM, wait this long for requests in flight to finish "
            + "after closing the listener, 0..3600000 (default: ${DEFAULT-VALUE})", defaultValue = "15000")
    long drainTimeoutMillis;

    /** The validated configuration these options describe; starts nothing. */
    public NodeConfig toConfig() {
        NodeConfig.Builder builder = NodeConfig.builder()
                .zkConnect(shared.zk)
                .cluster(shared.cluster)
                .id(id)
                .listen(listen)
                .advertise(advertise)
                .admin(admin)
                .zone(zone)
                .stateDir(stateDir)
                .sessionTimeout(Duration.ofMillis(shared.sessionTimeoutMillis))
                .weightMaxAge(Duration.ofMillis(weightMaxAgeMillis))
                .drainTimeout(Duration.ofMillis(drainTimeoutMillis))
                .controlPlaneTls(tls.toTls())
                .zkAccess(shared.zkAccess());
        if (ioThreads != null) {
            builder.ioThreads(ioThreads);
        }
        return builder.build();
    }

    /**
     * Netty samples one buffer allocation in 128 for leak tracking by default, and each sample
     * captures a stack trace on the event loop (0.5-1 % of the node's CPU under load, measured
     * with perf). A production proxy runs without it, as nginx and HAProxy have no such cost;
     * tests and an operator chasing a leak set {@code -Dio.netty.leakDetection.level} (or the
     * older {@code io.netty.leakDetectionLevel}), which is then left alone.
     */
    private static void disableLeakDetectionUnlessAsked() {
        if (System.getProperty("io.netty.leakDetection.level") == null
                && System.getProperty("io.netty.leakDetectionLevel") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }

    /**
     * Netty's pooled allocator counts the bytes of every buffer in use per chunk ("pinned
     * memory", a metric the node does not export) with a {@code LongAdder} bumped on every
     * allocation and release: the hottest single frame of the node's event loops under load
     * (5.8 % self time in a JFR profile, docs/performance.md). Netty 4.2 can turn it off; it
     * reads the property once, when its first pool chunk is made, so this runs before the node
     * allocates anything. An operator who wants the metric sets {@code -Dio.netty.trackPinnedMemory=true}.
     */
    private static void disablePinnedMemoryTrackingUnlessAsked() {
        if (System.getProperty(TRACK_PINNED_MEMORY) == null) {
            System.setProperty(TRACK_PINNED_MEMORY, "false");
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        disablePinnedMemoryTrackingUnlessAsked();
        NodeConfig nodeConfig = toConfig();
        disableLeakDetectionUnlessAsked();
        // Caught before the node starts: a SIGTERM during start-up shuts down cleanly once it is up.
        CountDownLatch signalled = new CountDownLatch(1);
        boolean caught = catchSignal("TERM", signalled) & catchSignal("INT", signalled);
        Node node = Node.start(nodeConfig);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // Any other exit (System.exit elsewhere, or signals not caught): still drain, then stop.
            node.shutdown(nodeConfig.drainTimeout());
            stopped.countDown();
        }, "ballast-node-shutdown"));
        if (!caught) {
            stopped.await();
            return 0;
        }
        signalled.await();
        node.shutdown(nodeConfig.drainTimeout());
        return 0;
    }

    /** Routes {@code SIG<name>} to {@code latch} instead of the JVM's exit; false if the JVM does not allow it. */
    @SuppressWarnings("removal")
    private static boolean catchSignal(String name, CountDownLatch latch) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> latch.countDown());
            return true;
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            return false;
        }
    }
}
