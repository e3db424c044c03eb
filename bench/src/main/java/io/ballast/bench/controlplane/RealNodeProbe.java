package io.ballast.bench.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import io.ballast.common.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Reads what a real {@code ballast node} has applied from its admin endpoint ({@code GET /snapshot}:
 * the applied snapshot as protobuf JSON plus an {@code applied} object). A node publishes that
 * state after applying and persisting a snapshot and right before it sends the ACK on the same
 * thread, so the moment a new version shows here is the moment of its ACK, to within the
 * polling interval.
 *
 * <p>Threading: one probe per thread. Failures (the node down, a 404 before its first snapshot)
 * read as {@link Applied#NONE}.
 */
final class RealNodeProbe {

    /** The applied version (-1 when none) and, when asked, one endpoint's weight (-1 when absent). */
    record Applied(long version, int endpoints, int weight) {
        static final Applied NONE = new Applied(-1, -1, -1);
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final String name;
    private final URI uri;

    RealNodeProbe(String name, String adminAddress) {
        this.name = name;
        this.uri = URI.create("http://" + adminAddress + "/snapshot");
    }

    String name() {
        return name;
    }

    /** The node's applied state, with the weight of {@code service}/{@code id} (both may be null). */
    Applied read(String serviceName, String id) {
        try {
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                return Applied.NONE;
            }
            JsonNode root = Json.mapper().readTree(response.body());
            long version = root.path("applied").path("version").asLong(-1);
            int endpoints = 0;
            int weight = -1;
            for (JsonNode service : root.path("services")) {
                JsonNode list = service.path("endpoints");
                endpoints += list.size();
                if (id != null && service.path("name").asText().equals(serviceName)) {
                    for (JsonNode endpoint : list) {
                        if (endpoint.path("id").asText().equals(id)) {
                            weight = endpoint.path("weight").asInt(-1);
                        }
                    }
                }
            }
            return new Applied(version, endpoints, weight);
        } catch (IOException e) {
            return Applied.NONE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Applied.NONE;
        }
    }
}
