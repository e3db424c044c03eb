package io.ballast.e2e.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.testing.FaultProxy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One chaos scenario's fixture and record: the cluster, the firewall, the fault proxies and the
 * load client, and the scenario's result line. Register per test with
 * {@code @RegisterExtension final ChaosScenario chaos = new ChaosScenario();}.
 *
 * <p>Before each test the nft table is deleted (a previous run may have left it). After each
 * test, pass or fail: the load stops, its log is written to {@code target/chaos/<scenario>/requests.csv},
 * ONE line is printed (scenario, requests sent, failed, client re-tries, time to converge,
 * invariant, verdict) and appended to {@code target/chaos/results.md}, then the proxies, every
 * process and the firewall rules are removed. Used from the test thread only.
 */
final class ChaosScenario implements BeforeEachCallback, AfterEachCallback {

    static final Path OUT = Path.of("target", "chaos").toAbsolutePath();
    private static final Path RESULTS = OUT.resolve("results.md");
    private static boolean headerWritten;

    private final Firewall firewall = new Firewall();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private String name;
    private ChaosCluster cluster;
    private OpenLoopClient load;
    private long injectedNanos;
    private long convergeMillis = -1;
    private String invariant = "(not reached)";
    private long allowedFailures;
    private String allowedWhy = "";

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        name = context.getRequiredTestMethod().getName();
        assertThat(Firewall.available()).as("nft must be installed and usable (root or CAP_NET_ADMIN)").isTrue();
        firewall.reset();
        Path dir = OUT.resolve(name);
        deleteRecursively(dir);
        Files.createDirectories(dir);
        cluster = new ChaosCluster(dir);
    }

    ChaosCluster cluster() {
        return cluster;
    }

    Firewall firewall() {
        return firewall;
    }

    /** What {@link #start} started: process names and addresses. */
    record Topology(List<String> controlPlanes, List<String> backends, List<String> backendAddresses,
                    List<ChaosCluster.NodeAddresses> nodes) {
        ChaosCluster.NodeAddresses[] nodeArray() {
            return nodes.toArray(ChaosCluster.NodeAddresses[]::new);
        }
    }

    /**
     * Starts a 3-server ZooKeeper ensemble, {@code controlPlanes} replicas {@code cp-1..}, demo
     * backends {@code web-1..} with their agents, and nodes {@code node-1..}; waits (bounded)
     * until a leader is recorded and every node routes to every backend.
     */
    Topology start(int controlPlanes, int backends, int nodes) {
        cluster.startZooKeeperEnsemble();
        List<String> cps = new ArrayList<>();
        for (int i = 1; i <= controlPlanes; i++) {
            cps.add("cp-" + i);
            cluster.startControlPlane("cp-" + i);
        }
        List<String> names = new ArrayList<>();
        List<String> addresses = new ArrayList<>();
        for (int i = 1; i <= backends; i++) {
            names.add("web-" + i);
            addresses.add(cluster.startBackend("web-" + i));
        }
        List<ChaosCluster.NodeAddresses> started = new ArrayList<>();
        for (int i = 1; i <= nodes; i++) {
            started.add(cluster.startNode("node-" + i));
        }
        awaitRouting(started, names, Duration.ofSeconds(120));
        return new Topology(cps, names, addresses, started);
    }

    /** Waits until a leader is recorded and every node has exactly {@code backends} ACTIVE in its snapshot. */
    void awaitRouting(List<ChaosCluster.NodeAddresses> nodes, List<String> backends, Duration atMost) {
        await("a leader and every node routing to " + backends).atMost(atMost).pollInterval(Duration.ofMillis(250))
                .until(() -> cluster.leader().isPresent() && nodes.stream().allMatch(node -> {
                    var endpoints = cluster.webEndpoints(node);
                    return endpoints.keySet().equals(new java.util.TreeSet<>(backends))
                            && endpoints.values().stream().allMatch(e -> e.path("state").asText().equals("ACTIVE"));
                }));
    }

    /** A fault proxy on a fresh loopback address of the cluster, in front of {@code target} host:port. */
    FaultProxy proxy(String target) {
        int colon = target.lastIndexOf(':');
        FaultProxy proxy = FaultProxy.start(cluster.newHost(),
                new InetSocketAddress(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1))));
        closeables.add(proxy);
        return proxy;
    }

    /** Closes {@code closeable} after the scenario, pass or fail (before the processes stop). */
    <T extends AutoCloseable> T closeAfter(T closeable) {
        closeables.add(closeable);
        return closeable;
    }

    /** Starts the open-loop load ({@code GET /}, 5 s timeout) over the nodes. */
    OpenLoopClient load(int ratePerSecond, ChaosCluster.NodeAddresses... nodes) {
        return load(ratePerSecond, "/", 5_000, nodes);
    }

    OpenLoopClient load(int ratePerSecond, String path, int timeoutMillis, ChaosCluster.NodeAddresses... nodes) {
        if (load != null) {
            throw new IllegalStateException("one load client per scenario");
        }
        List<String> proxies = new ArrayList<>();
        for (ChaosCluster.NodeAddresses node : nodes) {
            proxies.add(node.proxy());
        }
        load = new OpenLoopClient(proxies, ratePerSecond, path, timeoutMillis);
        return load;
    }

    /** Waits until {@code count} more requests finished (a measurement window, not synchronisation). */
    void runFor(long count) {
        long target = load.finished() + count;
        await("another " + count + " requests").atMost(Duration.ofSeconds(count / 10 + 30)).pollInterval(Duration.ofMillis(50))
                .until(() -> load.finished() >= target);
    }

    /** Runs the fault now; convergence is measured from here. */
    void inject(String what, Runnable fault) {
        System.out.printf("[chaos] %s: injecting %s%n", name, what);
        injectedNanos = System.nanoTime();
        fault.run();
    }

    long injectedNanos() {
        return injectedNanos;
    }

    /**
     * Waits (bounded) until {@code condition} holds; returns the milliseconds since the fault was
     * injected. The first call defines the scenario's time to converge.
     */
    long awaitConverged(String what, Duration atMost, Callable<Boolean> condition) {
        long millis = awaitStep(what, atMost, condition);
        if (convergeMillis < 0) {
            convergeMillis = millis;
        }
        return millis;
    }

    /** As {@link #awaitConverged} for an intermediate step: logged, but not the scenario's time to converge. */
    long awaitStep(String what, Duration atMost, Callable<Boolean> condition) {
        await(what).atMost(atMost).pollInterval(Duration.ofMillis(100)).until(condition);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - injectedNanos);
        System.out.printf("[chaos] %s: %s after %d ms%n", name, what, millis);
        return millis;
    }

    /** Overrides the scenario's time to converge (when a later step is the one that defines it). */
    void convergedAt(long millis) {
        convergeMillis = millis;
    }

    void invariant(String text) {
        invariant = text;
    }

    /** Failures the fault makes unavoidable, and why; the scenario still fails above the bound. */
    void allowFailures(long bound, String why) {
        allowedFailures = bound;
        allowedWhy = why;
    }

    /** Stops the load (waiting for the requests in flight) and asserts the failure bound. */
    List<OpenLoopClient.Request> finish() {
        load.stop(15_000);
        List<OpenLoopClient.Request> requests = load.requests();
        List<OpenLoopClient.Request> failed = requests.stream().filter(OpenLoopClient.Request::failed).toList();
        assertThat(failed.size())
                .as("failed requests (bound %d%s); first failures:%n%s", allowedFailures,
                        allowedWhy.isEmpty() ? "" : ": " + allowedWhy, describe(failed))
                .isLessThanOrEqualTo((int) allowedFailures);
        return requests;
    }

    static String describe(List<OpenLoopClient.Request> requests) {
        return requests.stream().limit(15)
                .map(r -> String.format("  #%d %s status=%d backend=%s retries=%d %.0f ms: %s", r.seq(), r.node(), r.status(),
                        r.backend(), r.clientRetries(), r.latencyNanos() / 1e6, r.error()))
                .collect(Collectors.joining("\n"));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        try {
            record(context);
        } finally {
            try {
                for (AutoCloseable closeable : closeables) {
                    try {
                        closeable.close();
                    } catch (Exception e) {
                        System.out.println("[chaos] cannot close " + closeable + ": " + e);
                    }
                }
                closeables.clear();
                if (cluster != null) {
                    cluster.close();
                }
            } finally {
                firewall.reset();
            }
        }
    }

    private void record(ExtensionContext context) {
        long sent = 0;
        long failed = 0;
        long retried = 0;
        if (load != null) {
            load.stop(15_000);
            List<OpenLoopClient.Request> requests = load.requests();
            sent = load.started();
            failed = requests.stream().filter(OpenLoopClient.Request::failed).count() + (sent - requests.size());
            retried = requests.stream().filter(r -> r.clientRetries() > 0).count();
            try {
                load.writeCsv(OUT.resolve(name).resolve("requests.csv"));
            } catch (IOException e) {
                System.out.println("[chaos] cannot write the request log: " + e);
            }
            load.close();
        }
        String verdict = context.getExecutionException()
                .map(e -> "FAIL: " + firstLine(e.getMessage()))
                .orElse("pass");
        String line = String.format("| %s | %d | %d | %d | %s | %s | %s |", name, sent, failed, retried,
                convergeMillis < 0 ? "-" : Long.toString(convergeMillis), invariant.replace('|', '/'), verdict.replace('|', '/'));
        System.out.println("[chaos] " + line);
        appendResult(line);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        String flat = message.replace('\n', ' ').replaceAll("\\s+", " ").trim();
        return flat.length() > 300 ? flat.substring(0, 300) + "..." : flat;
    }

    private static synchronized void appendResult(String line) {
        try {
            Files.createDirectories(OUT);
            if (!headerWritten) {
                Files.writeString(RESULTS, "| scenario | requests sent | failed | client re-tries | converge ms | invariant | result |\n"
                        + "|---|---|---|---|---|---|---|\n", StandardCharsets.UTF_8);
                headerWritten = true;
            }
            Files.writeString(RESULTS, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
