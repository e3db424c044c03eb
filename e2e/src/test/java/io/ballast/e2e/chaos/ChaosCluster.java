package io.ballast.e2e.chaos;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;

/**
 * The processes of one chaos scenario: a 3-server ZooKeeper ensemble, control-plane replicas,
 * demo backends with their agents and data-plane nodes, each a real {@code bin/ballast} process
 * on its own loopback address of the scenario's {@code 127.0.N.0/24} and running under its own
 * group id (through {@code setpriv}), so that a {@link Firewall} rule can single out what one
 * process sends. Every process can be killed, stopped, continued, terminated and restarted
 * with the same arguments (a ZooKeeper server or a node keeps its data or state directory).
 *
 * <p>Used from the test thread. {@link #close} stops every process, pass or fail, and throws
 * when one survives; each child also exits by itself should the test JVM die
 * ({@code ballast.parent.pid}).
 */
final class ChaosCluster implements AutoCloseable {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /** Session timeout of every ZooKeeper client: short, so that a scenario converges in seconds. */
    static final Duration SESSION = Duration.ofMillis(2_000);
    private static final int TICK_MILLIS = 200;
    /** Third octet of the next cluster's subnet; each scenario gets fresh addresses (no TIME_WAIT clash). */
    private static final AtomicInteger NEXT_SUBNET = new AtomicInteger(100 + (int) (ProcessHandle.current().pid() % 50));
    private static final AtomicInteger NEXT_GID = new AtomicInteger(42_000);

    /** One process, with what it takes to start it again. */
    record Member(String name, String host, int gid, List<String> args) {}

    private final String subnet;
    private final Path dir;
    private final ProcessGroup group;
    private final Map<String, Member> members = new LinkedHashMap<>();
    private final Map<String, ChildProcess> processes = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private int nextHost = 1;
    private String zkConnect;
    private final List<String> zkClientAddresses = new ArrayList<>();
    private CuratorFramework observer;
    private final Map<String, String> controlPlanes = new LinkedHashMap<>();

    ChaosCluster(Path dir) {
        if (!Files.isRegularFile(ROOT.resolve("launcher/target/ballast-launcher.jar"))) {
            throw new IllegalStateException("launcher/target/ballast-launcher.jar is missing: run the chaos suite with"
                    + " `mvn -Pchaos verify -pl e2e -am` (which packages the launcher first)");
        }
        int octet = NEXT_SUBNET.getAndIncrement();
        this.subnet = "127.0." + (octet % 200 + 20) + ".";
        this.dir = dir;
        String jvm = "-Dballast.parent.pid=" + ProcessHandle.current().pid()
                + " -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -XX:CICompilerCount=1";
        this.group = new ProcessGroup(List.of(), Map.of("BALLAST_SKIP_BUILD", "1", "BALLAST_JAVA_OPTS", jvm), dir);
    }

    /** A fresh loopback address in this cluster's subnet. */
    String newHost() {
        return subnet + nextHost++;
    }

    static String address(String host) {
        return host + ":" + FreePorts.on(host);
    }

    // ---- starting

    /** Starts a 3-server ensemble; returns the clients' connect string. */
    String startZooKeeperEnsemble() {
        List<String> hosts = List.of(newHost(), newHost(), newHost());
        List<String> servers = new ArrayList<>();
        for (int i = 0; i < hosts.size(); i++) {
            String host = hosts.get(i);
            servers.add((i + 1) + "=" + host + ":" + FreePorts.on(host) + ":" + FreePorts.on(host));
            zkClientAddresses.add(address(host));
        }
        for (int i = 0; i < hosts.size(); i++) {
            start("zk-" + (i + 1), hosts.get(i), List.of("zookeeper", "--server-id", Integer.toString(i + 1),
                    "--servers", String.join(",", servers), "--listen", zkClientAddresses.get(i),
                    "--tick-time-ms", Integer.toString(TICK_MILLIS),
                    "--data-dir", dir.resolve("zk-" + (i + 1) + "-data").toString()));
        }
        zkConnect = String.join(",", zkClientAddresses);
        return zkConnect;
    }

    String zk() {
        return zkConnect;
    }

    /** The client address (host:port) of ZooKeeper server {@code i} (1-based). */
    String zkServer(int i) {
        return zkClientAddresses.get(i - 1);
    }

    /** Returns the replica's gRPC address. */
    String startControlPlane(String id) {
        String host = newHost();
        String address = address(host);
        controlPlanes.put(id, address);
        start(id, host, List.of("control-plane", "--zk", zkConnect, "--id", id, "--listen", address,
                "--session-timeout-ms", Long.toString(SESSION.toMillis())));
        return address;
    }

    /** A demo backend and its agent (service {@code web}); returns the backend's address. */
    String startBackend(String name) {
        String address = startDemoBackend(name);
        startAgent(name, address);
        return address;
    }

    /** A demo backend without an agent; returns its address. */
    String startDemoBackend(String name) {
        String host = newHost();
        String address = address(host);
        start(name, host, List.of("demo-backend", "--name", name, "--listen", address));
        return address;
    }

    /** An agent (process {@code agent-<id>}) registering {@code address} as endpoint {@code id} of service {@code web}. */
    void startAgent(String id, String address) {
        start("agent-" + id, newHost(), List.of("agent", "--zk", zkConnect, "--service", "web", "--id", id,
                "--backend", address, "--interval-ms", "250", "--timeout-ms", "500", "--rise", "1", "--fall", "2",
                "--session-timeout-ms", Long.toString(SESSION.toMillis())));
    }

    /** A data-plane node; returns its proxy and admin addresses. */
    NodeAddresses startNode(String id) {
        String host = newHost();
        NodeAddresses node = new NodeAddresses(id, address(host), address(host));
        start(id, host, List.of("node", "--zk", zkConnect, "--id", id, "--listen", node.proxy(), "--admin", node.admin(),
                "--state-dir", dir.resolve("state-" + id).toString(),
                "--session-timeout-ms", Long.toString(SESSION.toMillis()), "--io-threads", "1"));
        return node;
    }

    record NodeAddresses(String id, String proxy, String admin) {}

    private void start(String name, String host, List<String> args) {
        Member member = new Member(name, host, NEXT_GID.getAndIncrement(), List.copyOf(args));
        members.put(name, member);
        launch(member);
    }

    private void launch(Member member) {
        List<String> command = new ArrayList<>(List.of("setpriv", "--regid", Integer.toString(member.gid()), "--clear-groups",
                ROOT.resolve("bin/ballast").toString()));
        command.addAll(member.args());
        processes.put(member.name(), group.start(member.name(), command));
    }

    // ---- faults

    Member member(String name) {
        Member member = members.get(name);
        if (member == null) {
            throw new IllegalArgumentException("no process " + name + " in " + members.keySet());
        }
        return member;
    }

    ChildProcess process(String name) {
        member(name);
        return processes.get(name);
    }

    /** SIGKILL, and wait until it is gone. */
    void kill(String name) {
        process(name).kill();
    }

    void stop(String name) {
        process(name).signal("STOP");
    }

    void cont(String name) {
        process(name).signal("CONT");
    }

    /** SIGTERM; SIGKILL after {@code grace}. */
    void terminate(String name, Duration grace) {
        process(name).terminate(grace);
    }

    /** Starts a stopped or dead process again with its arguments (and so its data or state directory). */
    void restart(String name) {
        ChildProcess old = process(name);
        if (old.isAlive()) {
            throw new IllegalStateException(name + " is still running");
        }
        launch(member(name));
    }

    // ---- observing

    /** Children of {@code path} in ZooKeeper, or empty when it does not exist or ZooKeeper is unreachable. */
    List<String> zkChildren(String path) {
        try {
            if (!connectObserver()) {
                return List.of();
            }
            return observer.getChildren().forPath(path);
        } catch (Exception e) {
            return List.of();
        }
    }

    /** The leader as recorded in ZooKeeper, or empty. */
    Optional<LeaderInfo> leader() {
        try {
            if (!connectObserver()) {
                return Optional.empty();
            }
            byte[] data = observer.getData().forPath(ZkPaths.forCluster(ZkPaths.DEFAULT_CLUSTER).leader());
            return Optional.of(Json.read(data, LeaderInfo.class, "control/leader"));
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    /** The test's own ZooKeeper client, for reads and for the rogue leader's record. */
    CuratorFramework observer() {
        if (!connectObserver()) {
            throw new IllegalStateException("ZooKeeper " + zkConnect + " is unreachable");
        }
        return observer;
    }

    private boolean connectObserver() {
        if (observer == null) {
            observer = ZkClients.newClient(zkConnect, Duration.ofSeconds(10));
            observer.start();
        }
        try {
            return observer.blockUntilConnected(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The applied snapshot of a node, from its admin endpoint, or empty when it does not answer. */
    Optional<JsonNode> snapshot(NodeAddresses node) {
        try {
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create("http://" + node.admin() + "/snapshot"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofByteArray());
            return response.statusCode() == 200 ? Optional.of(Json.mapper().readTree(response.body())) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** The endpoints of service {@code web} in a node's applied snapshot, by id (empty when it does not answer). */
    Map<String, JsonNode> webEndpoints(NodeAddresses node) {
        Map<String, JsonNode> endpoints = new TreeMap<>();
        snapshot(node).ifPresent(snapshot -> {
            for (JsonNode service : snapshot.path("services")) {
                if (service.path("name").asText().equals("web")) {
                    service.path("endpoints").forEach(e -> endpoints.put(e.path("id").asText(), e));
                }
            }
        });
        return endpoints;
    }

    /** The state of endpoint {@code id} of {@code web} in the node's snapshot ("ACTIVE", "SUSPECT", ...), or "" when absent. */
    String endpointState(NodeAddresses node, String id) {
        JsonNode endpoint = webEndpoints(node).get(id);
        return endpoint == null ? "" : endpoint.path("state").asText();
    }

    /** Requests the demo backend at {@code address} is serving now (its {@code /ballast/load}), or -1 when it does not answer. */
    int backendInFlight(String address) {
        try {
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create("http://" + address + "/ballast/load"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofByteArray());
            return Json.mapper().readTree(response.body()).path("inFlight").asInt(-1);
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The node's applied epoch, or -1 when it does not answer. */
    long appliedEpoch(NodeAddresses node) {
        return snapshot(node).map(s -> s.path("applied").path("epoch").asLong(-1)).orElse(-1L);
    }

    /** Runs {@code bin/ballastctl --zk <ensemble> args}; returns exit code and output. */
    CommandResult ballastctl(String... args) {
        List<String> command = new ArrayList<>();
        command.add(ROOT.resolve("bin/ballastctl").toString());
        command.addAll(List.of(args));
        command.addAll(List.of("--zk", zkConnect));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("BALLAST_SKIP_BUILD", "1");
        try {
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
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + command, e);
        }
    }

    record CommandResult(int exitCode, String output) {}

    /** gRPC address of control-plane replica {@code id}. */
    String controlPlane(String id) {
        return controlPlanes.get(id);
    }

    /** One TCP connection as {@code ss} shows it. */
    record Connection(String localHost, int localPort, String remoteHost, int remotePort) {}

    /** The established TCP connections process {@code name} has to {@code remote} (host:port), from {@code ss}. */
    List<Connection> connections(String name, String remote) {
        long pid = process(name).pid();
        List<Connection> found = new ArrayList<>();
        try {
            Process ss = new ProcessBuilder("ss", "-tnpH", "state", "established").redirectErrorStream(true).start();
            String output = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            ss.waitFor(10, TimeUnit.SECONDS);
            for (String line : output.split("\n")) {
                // Dual-stack Java sockets show IPv4 peers as [::ffff:127.0.0.1]:port.
                String[] columns = line.trim().replace("[::ffff:", "").replace("]:", ":").split("\\s+");
                if (columns.length < 5 || !columns[3].equals(remote) || !line.contains("pid=" + pid + ",")) {
                    continue;
                }
                int colon = columns[2].lastIndexOf(':');
                int remoteColon = remote.lastIndexOf(':');
                found.add(new Connection(columns[2].substring(0, colon), Integer.parseInt(columns[2].substring(colon + 1)),
                        remote.substring(0, remoteColon), Integer.parseInt(remote.substring(remoteColon + 1))));
            }
            return found;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run ss", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return found;
        }
    }

    Path dir() {
        return dir;
    }

    /** The last lines of a process's log. */
    String tail(String name, int lines) {
        try {
            List<String> all = Files.readAllLines(dir.resolve(name + ".log"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Stops every process: SIGCONT first (a stopped process cannot run its shutdown hooks), then SIGTERM, then SIGKILL. */
    @Override
    public void close() {
        if (observer != null) {
            observer.close();
            observer = null;
        }
        for (ChildProcess child : group.children()) {
            if (child.isAlive()) {
                child.signal("CONT");
            }
        }
        group.close(Duration.ofSeconds(3));
        for (ChildProcess child : group.children()) {
            if (child.isAlive()) {
                throw new IllegalStateException("process still alive after close: " + child);
            }
        }
    }
}
