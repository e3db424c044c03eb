package io.ballast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ballast.common.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The drain barrier with real processes: a backend with three 2-second requests in flight
 * through a node is drained with `ballastctl drain --wait`; the command returns only after those
 * requests have finished (all of them succeed), because the node reports them in flight until
 * they end.
 */
class DrainEndToEndTest {

    @RegisterExtension
    final LocalCluster cluster = new LocalCluster();

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aDrainWaitsForTheRequestsInFlightAndLosesNone() throws Exception {
        cluster.startZooKeeper("127.0.7.1");
        String admin = cluster.startControlPlane("cp-1", "127.0.7.2");
        String backend = cluster.startBackend("web-1", "127.0.7.11");
        String[] node = cluster.startNode("node-1", "127.0.7.21");
        await("the node routes to web-1").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> cluster.webEndpoints(node[1]).size() == 1);

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        List<CompletableFuture<Long>> slow = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            slow.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://" + node[0] + "/slow?delay-ms=2000"))
                            .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString())
                    .thenApply(response -> {
                        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                        return System.nanoTime();
                    }));
        }
        await("the backend has the three slow requests").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> inFlight(http, backend) == 3);

        long started = System.nanoTime();
        LocalCluster.CommandResult drain = cluster.ballastctl("drain", "web", "web-1", "--wait", "--server", admin);
        long returned = System.nanoTime();

        assertThat(drain.exitCode()).as(drain.output()).isZero();
        assertThat(drain.output()).contains("drain complete");
        long lastFinished = 0;
        for (CompletableFuture<Long> request : slow) {
            lastFinished = Math.max(lastFinished, request.get(10, TimeUnit.SECONDS));
        }
        System.out.printf("[drain] ballastctl drain --wait took %d ms; the last slow request ended %d ms before it returned%n",
                TimeUnit.NANOSECONDS.toMillis(returned - started), TimeUnit.NANOSECONDS.toMillis(returned - lastFinished));
        assertThat(returned).as("the drain returns after the requests in flight ended").isGreaterThan(lastFinished);

        // An agent stopped with SIGTERM drains first: web-2 takes the traffic now, and its agent
        // deregisters (and exits) only after its requests in flight have ended.
        String backend2 = cluster.startBackend("web-2", "127.0.7.12");
        await("the node routes to web-2").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> cluster.webEndpoints(node[1]).containsKey("web-2"));
        List<CompletableFuture<Long>> slow2 = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            slow2.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://" + node[0] + "/slow?delay-ms=2000"))
                            .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString())
                    .thenApply(response -> {
                        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                        return System.nanoTime();
                    }));
        }
        await("web-2 has the three slow requests").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> inFlight(http, backend2) == 3);
        long stopping = System.nanoTime();
        cluster.process("agent-web-2").terminate(Duration.ofSeconds(30));
        long exited = System.nanoTime();
        long lastFinished2 = 0;
        for (CompletableFuture<Long> request : slow2) {
            lastFinished2 = Math.max(lastFinished2, request.get(10, TimeUnit.SECONDS));
        }
        System.out.printf("[drain] agent SIGTERM to exit: %d ms; its last request ended %d ms before it exited%n",
                TimeUnit.NANOSECONDS.toMillis(exited - stopping), TimeUnit.NANOSECONDS.toMillis(exited - lastFinished2));
        assertThat(exited).as("the agent exits after its backend's requests in flight ended").isGreaterThan(lastFinished2);
        await("web-2 leaves the snapshot").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> !cluster.webEndpoints(node[1]).containsKey("web-2"));
    }

    private static int inFlight(HttpClient http, String backend) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://" + backend + "/ballast/load"))
                .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode load = Json.mapper().readTree(response.body());
        return load.path("inFlight").asInt();
    }
}
