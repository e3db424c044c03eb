package io.ballast.agent.health;

import io.ballast.common.config.HostPort;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/**
 * {@code GET http://<backend><path>}; a status within [min, max] passes. Redirects are not
 * followed (a 3xx is an answer from the backend itself) and HTTP/1.1 is used so that no h2c
 * upgrade is attempted against backends that mishandle it.
 */
final class HttpProbe implements HealthProbe {

    private final HttpClient client;
    private final HttpRequest request;
    private final int minStatus;
    private final int maxStatus;

    HttpProbe(HostPort backend, HealthCheckConfig config) {
        this.client = HttpClient.newBuilder()
                .connectTimeout(config.timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        this.request = HttpRequest.newBuilder(URI.create("http://" + backend + config.path()))
                .timeout(config.timeout())
                .header("User-Agent", "ballast-agent")
                .GET()
                .build();
        this.minStatus = config.minStatus();
        this.maxStatus = config.maxStatus();
    }

    @Override
    public ProbeResult probe() {
        try {
            int status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            String detail = "HTTP " + status + " from " + request.uri();
            return status >= minStatus && status <= maxStatus ? ProbeResult.pass(detail) : ProbeResult.fail(detail);
        } catch (HttpTimeoutException e) {
            return ProbeResult.fail("timeout (" + timeoutOf(request) + ") on " + request.uri());
        } catch (IOException e) {
            return ProbeResult.fail(e.getClass().getSimpleName() + " on " + request.uri()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ProbeResult.fail("interrupted");
        }
    }

    private static String timeoutOf(HttpRequest request) {
        return request.timeout().map(Duration::toMillis).map(ms -> ms + " ms").orElse("?");
    }
}
