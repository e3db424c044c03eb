package io.ballast.launcher.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ballast.common.json.Json;
import io.ballast.launcher.process.ProcessGroup;
import io.ballast.node.snapshot.SnapshotStore;
import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.Service;
import io.ballast.proto.v1.Snapshot;
import io.ballast.testing.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code BALLAST_LOG_FORMAT=json}: a real launcher process (a node restarting from its state
 * directory, ZooKeeper unreachable) writes one JSON object per line, whose MDC carries the node id
 * and the applied snapshot version on every line once they are known, whatever thread logged.
 */
class JsonLogsTest {

    @TempDir Path dir;

    @Test
    void everyLineIsJsonWithTheComponentIdAndSnapshotVersionFromEveryThread() throws Exception {
        Path state = dir.resolve("state");
        new SnapshotStore(state).save(Snapshot.newBuilder().setEpoch(3).setVersion(17)
                .addServices(Service.newBuilder().setName("web").addEndpoints(Endpoint.newBuilder().setId("web-1")
                        .setHost("127.0.0.1").setPort(FreePorts.onLoopback()).setWeight(100).setState(EndpointState.ACTIVE)))
                .setDefaultService("web").build());
        Path logs = dir.resolve("logs");
        // The launcher's own configuration: on the test classpath, the testing module's logback-test.xml would win.
        Path config = Path.of(JsonLogsTest.class.getResource("/logback.xml").toURI());
        assertThat(config.toString()).endsWith(Path.of("launcher", "target", "classes", "logback.xml").toString());
        try (ProcessGroup group = new ProcessGroup(ProcessGroup.javaLauncher(List.of("-Xmx256m",
                "-Dlogback.configurationFile=" + config)),
                Map.of("BALLAST_LOG_FORMAT", "json"), logs)) {
            group.start("node", List.of("node", "--id", "json-node", "--zk", "127.0.0.1:" + FreePorts.onLoopback(),
                    "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--state-dir", state.toString()));
            // The ZooKeeper client's own threads log too (connection refused, at WARN): wait for one of theirs.
            await().atMost(Duration.ofSeconds(30)).until(() -> tagged(logs.resolve("node.log")).stream()
                    .anyMatch(line -> line.path("formattedMessage").asText().startsWith("node json-node serving on"))
                    && tagged(logs.resolve("node.log")).stream().anyMatch(line -> !line.path("threadName").asText().equals("main")));
        }

        List<JsonNode> lines = lines(logs.resolve("node.log"));
        int first = firstTagged(lines);
        assertThat(first).as("some line carries component_id").isNotNegative();
        List<JsonNode> after = lines.subList(first, lines.size());
        assertThat(after).allSatisfy(line -> {
            assertThat(line.path("mdc").path("component_id").asText()).as(line.toString()).isEqualTo("json-node");
            assertThat(line.has("level")).isTrue();
            assertThat(line.has("loggerName")).isTrue();
        });
        assertThat(after).anySatisfy(line ->
                assertThat(line.path("formattedMessage").asText()).contains("serving stored snapshot epoch 3 version 17"));
        JsonNode serving = after.stream()
                .filter(line -> line.path("formattedMessage").asText().startsWith("node json-node serving on"))
                .findFirst().orElseThrow();
        assertThat(serving.path("mdc").path("snapshot_version").asText()).isEqualTo("17");
        assertThat(after).anySatisfy(line -> {
            assertThat(line.path("threadName").asText()).isNotEqualTo("main");
            assertThat(line.path("mdc").path("snapshot_version").asText()).isEqualTo("17");
        });
    }

    @Test
    void onlyJsonSelectsTheJsonAppender() {
        assertThat(LogFormat.of("json")).isEqualTo("json");
        assertThat(LogFormat.of(" JSON ")).isEqualTo("json");
        assertThat(LogFormat.of(null)).isEqualTo("text");
        assertThat(LogFormat.of("yaml")).as("an unknown value keeps the text logs").isEqualTo("text");
    }

    /** The lines from the first that carries component_id on (empty before). */
    private static List<JsonNode> tagged(Path file) {
        List<JsonNode> lines = lines(file);
        int first = firstTagged(lines);
        return first < 0 ? List.of() : lines.subList(first, lines.size());
    }

    private static int firstTagged(List<JsonNode> lines) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).path("mdc").has("component_id")) {
                return i;
            }
        }
        return -1;
    }

    /** Every line of the file as JSON; fails on a line that is not. */
    private static List<JsonNode> lines(Path file) {
        List<JsonNode> result = new ArrayList<>();
        if (!Files.exists(file)) {
            return result;
        }
        try {
            List<String> text = Files.readAllLines(file);
            // The last line may still be being written.
            for (int i = 0; i < text.size(); i++) {
                String line = text.get(i);
                if (line.isBlank()) {
                    continue;
                }
                try {
                    result.add(Json.mapper().readTree(line));
                } catch (IOException e) {
                    if (i == text.size() - 1) {
                        break;
                    }
                    throw new AssertionError("not a JSON line: " + line, e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }
}
