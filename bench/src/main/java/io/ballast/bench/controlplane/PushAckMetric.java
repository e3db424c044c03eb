package io.ballast.bench.controlplane;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The leader's own view of push-to-ACK latency: the count and sum of its
 * {@code ballast_control_plane_push_ack_duration_seconds} timer, scraped from its
 * {@code --metrics} endpoint. The difference of two scrapes gives the mean over a phase, measured
 * inside the control plane (from its {@code onNext} of the push to its handling of the ACK).
 * Any thread; an unreachable endpoint reads as {@code [0, 0]}.
 */
final class PushAckMetric {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final URI uri;

    PushAckMetric(String metricsAddress) {
        this.uri = URI.create("http://" + metricsAddress + "/metrics");
    }

    /** {count, sum in seconds}. */
    double[] read() {
        double count = 0;
        double sum = 0;
        try {
            String body = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            for (String line : body.split("\n")) {
                if (line.startsWith("ballast_control_plane_push_ack_duration_seconds_count")) {
                    count = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                } else if (line.startsWith("ballast_control_plane_push_ack_duration_seconds_sum")) {
                    sum = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
        } catch (IOException | RuntimeException e) {
            return new double[] {0, 0};
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new double[] {count, sum};
    }
}
