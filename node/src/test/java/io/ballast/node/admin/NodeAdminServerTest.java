package io.ballast.node.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ballast.common.json.Json;
import io.ballast.node.snapshot.AppliedState;
import io.ballast.node.snapshot.TestSnapshots;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.Snapshot;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NodeAdminServerTest {

    private final AtomicReference<AppliedState> state = new AtomicReference<>(AppliedState.NONE);
    private final HttpClient http = HttpClient.newHttpClient();
    private NodeAdminServer server;

    @BeforeEach
    void start() {
        server = NodeAdminServer.start(new InetSocketAddress("127.0.0.1", 0), state::get);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void healthzIsAlwaysOk() throws Exception {
        HttpResponse<String> response = get("/healthz");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("ok\n");
    }

    @Test
    void readyOnlyOnceASnapshotIsApplied() throws Exception {
        assertThat(get("/ready").statusCode()).isEqualTo(503);
        state.set(new AppliedState(TestSnapshots.web(1, 1), 1, ""));
        assertThat(get("/ready").statusCode()).isEqualTo(200);
    }

    @Test
    void snapshotIs404BeforeTheFirstButStillShowsTheLastError() throws Exception {
        state.set(new AppliedState(null, 0, "epoch: 0 (expected: >= 1)"));
        HttpResponse<String> response = get("/snapshot");
        assertThat(response.statusCode()).isEqualTo(404);
        JsonNode json = Json.mapper().readTree(response.body());
        assertThat(json.path("applied").path("lastError").asText()).isEqualTo("epoch: 0 (expected: >= 1)");
        assertThat(json.has("services")).isFalse();
    }

    @Test
    void snapshotShowsEpochVersionEndpointsWeightsAndStatesInLowerCamelCase() throws Exception {
        Snapshot snapshot = TestSnapshots.web(4, 9,
                TestSnapshots.endpoint("web-1", "127.0.0.1", 8081, 250),
                TestSnapshots.endpoint("web-2", "127.0.0.1", 8082, 0).toBuilder().setState(EndpointState.DRAINING).build());
        state.set(new AppliedState(snapshot, 4, ""));

        HttpResponse<String> response = get("/snapshot");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        JsonNode json = Json.mapper().readTree(response.body());
        assertThat(json.path("epoch").asLong()).isEqualTo(4);
        assertThat(json.path("version").asLong()).isEqualTo(9);
        assertThat(json.path("defaultService").asText()).isEqualTo("web");
        assertThat(json.path("routes").get(0).path("pathPrefix").asText()).isEqualTo("/");
        JsonNode endpoints = json.path("services").get(0).path("endpoints");
        assertThat(endpoints.get(0).path("id").asText()).isEqualTo("web-1");
        assertThat(endpoints.get(0).path("weight").asInt()).isEqualTo(250);
        assertThat(endpoints.get(0).path("state").asText()).isEqualTo("ACTIVE");
        assertThat(endpoints.get(1).path("id").asText()).isEqualTo("web-2");
        // Default values are printed, so a drained endpoint's weight 0 is visible.
        assertThat(endpoints.get(1).has("weight")).isTrue();
        assertThat(endpoints.get(1).path("weight").asInt()).isZero();
        assertThat(endpoints.get(1).path("state").asText()).isEqualTo("DRAINING");
        assertThat(json.path("applied").path("epoch").isNumber()).isTrue();
        assertThat(json.path("applied").path("version").asLong()).isEqualTo(9);
        assertThat(json.path("applied").path("highestEpochSeen").asLong()).isEqualTo(4);
    }

    @Test
    void unknownPathIs404AndOtherMethodsAre405() throws Exception {
        assertThat(get("/nope").statusCode()).isEqualTo(404);
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(uri("/snapshot"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.localAddress().getPort() + path);
    }
}
