package io.ballast.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.ballast.common.json.Json;
import io.ballast.common.model.LeaderInfo;
import io.ballast.common.zk.ZkClients;
import io.ballast.common.zk.ZkPaths;
import io.ballast.launcher.process.ChildProcess;
import io.ballast.launcher.process.ProcessGroup;
import io.ballast.testing.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A Ballast cluster of real OS processes started through the real launcher
 * ({@code bin/ballast}), each on its own loopback address ({@code 127.0.x.y}) with a free
 * port. Register with {@code @RegisterExtension}; every process is stopped after the test
 * class, pass or fail (and each child also exits by itself should this JVM die, through
 * {@code ballast.parent.pid}).
 */
final class LocalCluster implements AfterAllCallback, AutoCloseable {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Duration SESSION = Duration.ofMillis(2_000);

    private final Path logDir = Path.of("target", "e2e-logs").toAbsolutePath();
    private final ProcessGroup group;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final Map<String, ChildProcess> byName = new HashMap<>();
    private String zk;
    private CuratorFramework observer;

    LocalCluster() {
        if (!Files.isRegularFile(ROOT.resolve("launcher/target/ballast-launcher.jar"))) {
            throw new IllegalStateException("launcher/target/ballast-launcher.jar is missing: the end-to-end tests run the"
                    + " packaged launcher, so run them with `mvn verify` (which packages it first), not `mvn test`");
        }
        String jvm = "-Dballast.parent.pid=" + ProcessHandle.current().pid()
                + " -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k";
        this.group = new ProcessGroup(List.of(ROOT.resolve("bin/ballast").toString()),
                Map.of("BALLAST_SKIP_BUILD", "1", "BALLAST_JAVA_OPTS", jvm), logDir);
    }

    static String address(String host) {
        return host + ":" + FreePorts.on(host);
    }

    String startZooKeeper(String host) {
        return startZooKeeper(host, 200);
    }

    /** The server allows session timeouts of 2..20 x {@code tickMillis}. */
    String startZooKeeper(String host, int tickMillis) {
        zk = address(host);
        start("zookeeper", "zookeeper", "--listen", zk, "--tick-time-ms", Integer.toString(tickMillis),
                "--data-dir", logDir.resolve("zookeeper-data-" + System.nanoTime()).toString());
        return zk;
    }

    String zk() {
        return zk;
    }

    String startControlPlane(String id, String host, String... extra) {
        String address = address(host);
        List<String> args = new ArrayList<>(List.of("control-plane", "--zk", zk, "--id", id, "--listen", address,
                "--session-timeout-ms", Long.toString(SESSION.toMillis())));
        args.addAll(List.of(extra));
        start(id, args.toArray(String[]::new));
        return address;
    }

    String startBackend(String name, String host) {
        return startBackend(name, host, SESSION);
    }

    String startBackend(String name, String host, Duration agentSession) {
        return startBackend(name, host, agentSession, List.of(), List.of());
    }

    /** A demo backend and its agent, each with extra options (e.g. {@code --cost-millis}, {@code --load-url}). */
    String startBackend(String name, String host, Duration agentSession, List<String> backendExtra, List<String> agentExtra) {
        String address = address(host);
        List<String> backend = new ArrayList<>(List.of("demo-backend", "--name", name, "--listen", address));
        backend.addAll(backendExtra);
        start(name, backend.toArray(String[]::new));
        List<String> agent = new ArrayList<>(List.of("agent", "--zk", zk, "--service", "web", "--id", name, "--backend", address,
                "--interval-ms", "200", "--timeout-ms", "200", "--rise", "1", "--fall", "1",
                "--session-timeout-ms", Long.toString(agentSession.toMillis())));
        agent.addAll(agentExtra.stream().map(a -> a.replace("{backend}", address)).toList());
        start("agent-" + name, agent.toArray(String[]::new));
        return address;
    }

    /** Children of {@code path} in ZooKeeper (empty when it does not exist or ZooKeeper is unreachable). */
    List<String> zkChildren(String path) {
        try {
            connectObserver();
            return observer.getChildren().forPath(path);
        } catch (Exception e) {
            return List.of();
        }
    }

    private void connectObserver() throws InterruptedException {
        if (observer == null) {
            observer = ZkClients.newClient(zk, Duration.ofSeconds(10));
            observer.start();
        }
        observer.blockUntilConnected(2, TimeUnit.SECONDS);
    }

    /** Returns {proxy address, admin address}. */
    String[] startNode(String id, String host) {
        String proxy = address(host);
        String admin = address(host);
        start(id, "node", "--zk", zk, "--id", id, "--listen", proxy, "--admin", admin,
                "--state-dir", logDir.resolve("state-" + id + "-" + System.nanoTime()).toString(),
                "--session-timeout-ms", Long.toString(SESSION.toMillis()), "--io-threads", "1");
        return new String[] {proxy, admin};
    }

    /** The endpoints of service {@code web} in a node's applied snapshot, by id (empty when it does not answer). */
    Map<String, JsonNode> webEndpoints(String adminAddress) {
        Map<String, JsonNode> endpoints = new java.util.TreeMap<>();
        snapshot(adminAddress).ifPresent(snapshot -> {
            for (JsonNode service : snapshot.path("services")) {
                if (service.path("name").asText().equals("web")) {
                    service.path("endpoints").forEach(e -> endpoints.put(e.path("id").asText(), e));
                }
            }
        });
        return endpoints;
    }

    /** The policy of service {@code web} in a node's applied snapshot, or a missing node. */
    JsonNode webPolicy(String adminAddress) {
        return snapshot(adminAddress).map(snapshot -> {
            for (JsonNode service : snapshot.path("services")) {
                if (service.path("name").asText().equals("web")) {
                    return service.path("policy");
                }
            }
            return (JsonNode) com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }).orElse(com.fasterxml.jackson.databind.node.MissingNode.getInstance());
    }

    private void start(String name, String... args) {
        byName.put(name, group.start(name, List.of(args)));
    }

    ChildProcess process(String name) {
        return byName.get(name);
    }

    /** The applied snapshot of a node, from its admin endpoint, or empty when it does not answer. */
    Optional<JsonNode> snapshot(String adminAddress) {
        try {
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create("http://" + adminAddress + "/snapshot"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofByteArray());
            return response.statusCode() == 200 ? Optional.of(Json.mapper().readTree(response.body())) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** The leader as recorded in ZooKeeper, or empty. */
    Optional<LeaderInfo> leader() {
        try {
            if (observer == null) {
                observer = ZkClients.newClient(zk, Duration.ofSeconds(10));
                observer.start();
            }
            if (!observer.blockUntilConnected(2, TimeUnit.SECONDS)) {
                return Optional.empty();
            }
            byte[] data = observer.getData().forPath(ZkPaths.forCluster("default").leader());
            return Optional.of(Json.read(data, LeaderInfo.class, "control/leader"));
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    /** Runs {@code bin/ballastctl args} as a process; returns exit code and output. */
    CommandResult ballastctl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ROOT.resolve("bin/ballastctl").toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("BALLAST_SKIP_BUILD", "1");
        Process process = builder.start();
        try {
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("ballastctl did not finish: " + command);
            }
            return new CommandResult(process.exitValue(), new String(output, StandardCharsets.UTF_8));
        } finally {
            process.destroyForcibly();
        }
    }

    record CommandResult(int exitCode, String output) {}

    Path logDir() {
        return logDir;
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    @Override
    public void close() {
        if (observer != null) {
            observer.close();
            observer = null;
        }
        group.close(Duration.ofSeconds(5));
        for (ChildProcess child : group.children()) {
            if (child.isAlive()) {
                throw new IllegalStateException("process still alive after close: " + child);
            }
        }
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
