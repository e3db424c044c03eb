package io.ballast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.launcher.process.ChildProcess;
import io.ballast.launcher.process.ProcessGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * README's first command, as a user runs it: {@code bin/ballast demo} comes up on its fixed
 * default addresses, serves all three backends through both nodes, {@code bin/ballastctl status}
 * works with no flags, and stopping the demo leaves no process and no state directory behind.
 */
class DemoSmokeTest {

    private static final List<Integer> DEMO_PORTS = List.of(2181, 7001, 7002, 8080, 8081, 9901, 9902, 8001, 8002, 8003);

    private final ProcessGroup group = new ProcessGroup(List.of(LocalCluster.ROOT.resolve("bin/ballast").toString()),
            Map.of("BALLAST_SKIP_BUILD", "1", "BALLAST_JAVA_OPTS", "-Dballast.parent.pid=" + ProcessHandle.current().pid()),
            Path.of("target", "e2e-logs", "demo").toAbsolutePath());

    @AfterEach
    void stop() {
        group.close();
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void demoRunsServesAndStopsClean() throws Exception {
        for (int port : DEMO_PORTS) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress("127.0.0.1", port));
            } catch (IOException e) {
                throw new AssertionError("the demo's port 127.0.0.1:" + port + " is in use on this machine", e);
            }
        }
        // Child logs are appended to (a restarted child keeps its history): a previous run's "Press Ctrl-C" must not count.
        Files.deleteIfExists(Path.of("target", "e2e-logs", "demo", "demo.log").toAbsolutePath());
        ChildProcess demo = group.start("demo", List.of("demo"));
        await("demo prints its table").atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(200))
                .until(() -> !demo.isAlive() || Files.readString(demo.logFile()).contains("Press Ctrl-C"));
        String output = Files.readString(demo.logFile());
        assertThat(demo.isAlive()).as(output).isTrue();
        assertThat(output).contains("LEADER (epoch", "127.0.0.1:8080", "127.0.0.1:8081", "bin/ballastctl status");
        Matcher dir = Pattern.compile("logs in (\\S+)/logs").matcher(output);
        assertThat(dir.find()).as(output).isTrue();
        Path workDir = Path.of(dir.group(1));
        List<ProcessHandle> children = demo.descendants();
        assertThat(children).hasSizeGreaterThanOrEqualTo(11);

        HttpClient http = HttpClient.newHttpClient();
        for (int port : List.of(8080, 8081)) {
            Set<String> seen = new TreeSet<>();
            for (int i = 0; i < 6; i++) {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).isEqualTo(200);
                seen.add(response.body().lines().findFirst().orElse(""));
            }
            assertThat(seen).as("backends through node on port " + port).containsExactly("web-1", "web-2", "web-3");
        }

        Process ctl = new ProcessBuilder(LocalCluster.ROOT.resolve("bin/ballastctl").toString(), "status")
                .redirectErrorStream(true).start();
        String status = new String(ctl.getInputStream().readAllBytes());
        assertThat(ctl.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(ctl.exitValue()).as(status).isZero();
        assertThat(status).contains("leader:", "node-1", "node-2");

        demo.terminate(Duration.ofSeconds(30));
        assertThat(demo.isAlive()).isFalse();
        await("every demo process is gone").atMost(Duration.ofSeconds(15))
                .until(() -> children.stream().noneMatch(ProcessHandle::isAlive));
        assertThat(Files.readString(demo.logFile())).contains("Stopped; no process left running.");
        assertThat(workDir).doesNotExist();
    }
}
