package io.ballast.launcher.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.ballast.common.json.Json;
import io.ballast.common.model.LeaderInfo;
import io.ballast.common.zk.ZkClients;
import io.ballast.common.zk.ZkPaths;
import io.ballast.launcher.process.ChildProcess;
import io.ballast.launcher.process.ProcessGroup;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.curator.framework.CuratorFramework;

/**
 * Starts and stops the demo's processes. Called from the demo command's thread; {@link #close}
 * from the shutdown hook. Failure to come up within the timeout throws with the name of
 * what did not come up; {@link #close} then stops whatever started.
 */
final class DemoCluster implements AutoCloseable {

    private static final List<String> SMALL_JVM = List.of("-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    private static final List<String> NODE_JVM = List.of("-Xmx256m", "-XX:+UseSerialGC");

    private final DemoLayout layout;
    private final Path work;
    private final ProcessGroup small;
    private final ProcessGroup nodes;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    DemoCluster(DemoLayout layout, Path work) {
        this.layout = layout;
        this.work = work;
        Path logs = work.resolve("logs");
        this.small = new ProcessGroup(ProcessGroup.javaLauncher(SMALL_JVM), Map.of(), logs);
        this.nodes = new ProcessGroup(ProcessGroup.javaLauncher(NODE_JVM), Map.of(), logs);
    }

    void start(Duration timeout, PrintStream out) {
        for (int port : layout.allPorts()) {
            checkFree(port);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        String host = layout.host();
        out.println("Starting the Ballast demo cluster (logs in " + work.resolve("logs") + ") ...");
        small.start("zookeeper", List.of("zookeeper", "--listen", layout.zk(), "--tick-time-ms", "500",
                "--data-dir", work.resolve("zookeeper").toString()));
        for (int i = 0; i < layout.controlPlanePorts().size(); i++) {
            String address = host + ":" + layout.controlPlanePorts().get(i);
            small.start("cp-" + (i + 1), List.of("control-plane", "--zk", layout.zk(), "--id", "cp-" + (i + 1),
                    "--listen", address));
        }
        for (int i = 0; i < layout.backendPorts().size(); i++) {
            String name = DemoLayout.SERVICE + "-" + (i + 1);
            String address = host + ":" + layout.backendPorts().get(i);
            // The last backend simulates 3x the cost per request of the others, and every agent
            // relays its backend's own load report, so computed weights have something to show
            // (ballastctl explain web web-3) once a policy uses weights and traffic flows.
            String cost = i == layout.backendPorts().size() - 1 ? "3" : "1";
            small.start(name, List.of("demo-backend", "--name", name, "--listen", address, "--cost-millis", cost));
            small.start("agent-" + name, List.of("agent", "--zk", layout.zk(), "--service", DemoLayout.SERVICE,
                    "--id", name, "--backend", address, "--interval-ms", "500",
                    "--load-url", "http://" + address + "/ballast/load", "--heartbeat-ms", "1000"));
        }
        for (int i = 0; i < layout.nodePorts().size(); i++) {
            String id = "node-" + (i + 1);
            nodes.start(id, List.of("node", "--zk", layout.zk(), "--id", id,
                    "--listen", host + ":" + layout.nodePorts().get(i),
                    "--admin", host + ":" + layout.nodeAdminPorts().get(i),
                    "--state-dir", work.resolve("state").resolve(id).toString()));
        }
        // Poll the port before any ZooKeeper client exists: a client started too early fills the
        // terminal with connection-refused warnings.
        waitUntil("ZooKeeper accepts connections at " + layout.zk(), deadline, () -> accepts(layout.host(), layout.zkPort()));
        waitUntil("a control-plane leader is elected", deadline, () -> leader().isPresent());
        for (int i = 0; i < layout.nodeAdminPorts().size(); i++) {
            int adminPort = layout.nodeAdminPorts().get(i);
            waitUntil("node-" + (i + 1) + " applies a snapshot with all " + layout.backendPorts().size() + " backends",
                    deadline, () -> activeEndpoints(adminPort) == layout.backendPorts().size());
        }
    }

    void printSummary(PrintStream out) {
        String host = layout.host();
        LeaderInfo leader = leader().orElse(null);
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("zookeeper", layout.zk(), "embedded ZooKeeper server (standalone)"));
        for (int i = 0; i < layout.controlPlanePorts().size(); i++) {
            String id = "cp-" + (i + 1);
            String role = leader != null && leader.id().equals(id) ? "control plane, LEADER (epoch " + leader.epoch() + ")" : "control plane, follower";
            rows.add(List.of(id, host + ":" + layout.controlPlanePorts().get(i), role + "; gRPC admin API"));
        }
        for (int i = 0; i < layout.nodePorts().size(); i++) {
            rows.add(List.of("node-" + (i + 1), host + ":" + layout.nodePorts().get(i),
                    "data-plane node; admin http://" + host + ":" + layout.nodeAdminPorts().get(i) + "/snapshot"));
        }
        for (int i = 0; i < layout.backendPorts().size(); i++) {
            String name = DemoLayout.SERVICE + "-" + (i + 1);
            rows.add(List.of(name, host + ":" + layout.backendPorts().get(i), "demo backend of service '" + DemoLayout.SERVICE + "', with agent-" + name));
        }
        out.println();
        out.println("Ballast demo cluster is up. Processes:");
        int width = rows.stream().mapToInt(r -> r.get(0).length()).max().orElse(10) + 2;
        int width2 = rows.stream().mapToInt(r -> r.get(1).length()).max().orElse(10) + 2;
        out.printf("  %-" + width + "s%-" + width2 + "s%s%n", "PROCESS", "ADDRESS", "ROLE");
        for (List<String> row : rows) {
            out.printf("  %-" + width + "s%-" + width2 + "s%s%n", row.get(0), row.get(1), row.get(2));
        }
        String node1 = "http://" + host + ":" + layout.nodePorts().get(0) + "/";
        String node2 = "http://" + host + ":" + layout.nodePorts().get(1) + "/";
        out.println();
        out.println("Try it:");
        out.println("  for i in 1 2 3; do curl -s " + node1 + " | head -1; done     # web-1, web-2, web-3 in turn");
        out.println("  curl -si " + node2);
        out.println("  bin/ballastctl status");
        out.println("  bin/ballastctl backends");
        out.println("  bin/ballastctl set-weight web web-1 0      # then: bin/ballastctl set-weight web web-1 --clear");
        out.println("  bin/ballastctl drain web web-2             # then: bin/ballastctl undrain web web-2");
        out.println("  bin/ballastctl set-policy web weighted_round_robin   # then send traffic and:");
        out.println("  bin/ballastctl explain web web-3           # web-3 costs 3x per request: its load term is lower");
        out.println("  bin/ballastctl set-policy web ring_hash --hash-header x-user   # curl -H 'x-user: ann' sticks to one");
        out.println("  kill -9 <pid of web-3>                     # pids: " + pids());
        out.println();
        out.println("Logs: " + work.resolve("logs") + "    Press Ctrl-C to stop everything.");
        out.flush();
    }

    private String pids() {
        StringBuilder pids = new StringBuilder();
        for (ChildProcess child : small.children()) {
            if (child.name().startsWith(DemoLayout.SERVICE + "-")) {
                pids.append(pids.length() == 0 ? "" : ", ").append(child.name()).append('=').append(child.pid());
            }
        }
        return pids.toString();
    }

    /** Nodes first (they keep serving without the rest), agents deregister before their backends stop. */
    @Override
    public void close() {
        nodes.close(Duration.ofSeconds(10));
        small.close(Duration.ofSeconds(10));
    }

    private java.util.Optional<LeaderInfo> leader() {
        try (CuratorFramework client = ZkClients.newClient(layout.zk(), Duration.ofSeconds(5))) {
            client.start();
            if (!client.blockUntilConnected(1, java.util.concurrent.TimeUnit.SECONDS)) {
                return java.util.Optional.empty();
            }
            byte[] data = client.getData().forPath(ZkPaths.forCluster(ZkPaths.DEFAULT_CLUSTER).leader());
            return java.util.Optional.of(Json.read(data, LeaderInfo.class, "control/leader"));
        } catch (Exception e) {
            return java.util.Optional.empty();
        }
    }

    /** ACTIVE endpoints in the snapshot a node applied, from its admin endpoint; -1 when unreachable. */
    private int activeEndpoints(int adminPort) {
        try {
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(
                    URI.create("http://" + layout.host() + ":" + adminPort + "/snapshot")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                return -1;
            }
            JsonNode snapshot = Json.mapper().readTree(response.body());
            int active = 0;
            for (JsonNode service : snapshot.path("services")) {
                for (JsonNode endpoint : service.path("endpoints")) {
                    if ("ACTIVE".equals(endpoint.path("state").asText())) {
                        active++;
                    }
                }
            }
            return active;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private void waitUntil(String what, long deadlineNanos, BooleanSupplier condition) {
        while (!condition.getAsBoolean()) {
            for (ChildProcess child : allChildren()) {
                if (!child.isAlive()) {
                    throw new IllegalStateException(child.name() + " exited while waiting until " + what
                            + "; see " + child.logFile());
                }
            }
            if (System.nanoTime() > deadlineNanos) {
                throw new IllegalStateException("timed out waiting until " + what);
            }
            try {
                Thread.sleep(200); // polling a condition in a CLI, not a test: there is nothing to await on
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting until " + what);
            }
        }
    }

    private List<ChildProcess> allChildren() {
        List<ChildProcess> all = new ArrayList<>(small.children());
        all.addAll(nodes.children());
        return all;
    }

    private static boolean accepts(String host, int port) {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void checkFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(layout.host(), port));
        } catch (IOException e) {
            throw new IllegalStateException("port: " + port + " on " + layout.host()
                    + " is in use (expected: free; is another demo or service running?)");
        }
    }

    static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: the directory is under the system temp dir
        }
    }
}
