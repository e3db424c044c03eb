package io.ballast.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.testing.FreePorts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node process that gets SIGTERM drains and exits 0 (not the JVM's 143). */
class NodeSigtermTest {

    @TempDir Path stateDir;

    @Test
    void sigtermExitsZero() throws Exception {
        int admin = FreePorts.onLoopback();
        int listen = FreePorts.onLoopback();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                NodeProcessMain.class.getName(),
                // No ZooKeeper listens there: the node starts and serves anyway.
                "--zk", "127.0.0.1:" + FreePorts.onLoopback(), "--listen", "127.0.0.1:" + listen,
                "--admin", "127.0.0.1:" + admin, "--state-dir", stateDir.toString(), "--io-threads", "1",
                "--drain-timeout-ms", "5000"))
                .redirectErrorStream(true).redirectOutput(stateDir.resolve("node.log").toFile()).start();
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/healthz")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200);

            process.destroy(); // SIGTERM

            assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("exited").isTrue();
            assertThat(process.exitValue()).isZero();
        } finally {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
