package io.ballast.launcher.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.common.config.HostPort;
import io.ballast.testing.FreePorts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DemoBackendTest {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private HttpResponse<String> get(DemoBackend backend, String path, String forwardedFor) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + backend.address().getPort() + path)).timeout(Duration.ofSeconds(5));
        if (forwardedFor != null) {
            request.header("X-Forwarded-For", forwardedFor);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void answersWithItsNameFirstAndEchoesTheRequest() throws Exception {
        HostPort listen = new HostPort("127.0.0.1", FreePorts.onLoopback());
        try (DemoBackend backend = DemoBackend.start(new DemoBackendConfig("web-1", listen))) {
            HttpResponse<String> response = get(backend, "/some/path?q=1", "10.1.2.3");

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body().lines().toList()).containsExactly("web-1", "GET /some/path?q=1",
                    "host: " + listen, "x-forwarded-for: 10.1.2.3");
            assertThat(get(backend, "/", null).body().lines().findFirst()).contains("web-1");

            HttpResponse<String> health = get(backend, "/healthz", null);
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("ok\n");
        }
    }

    @Test
    void commandOptionsBecomeAValidatedConfig() {
        DemoBackendCommand command = new DemoBackendCommand();
        new CommandLine(command).parseArgs("--name", "web-2");
        assertThat(command.toConfig()).isEqualTo(new DemoBackendConfig("web-2", new HostPort("127.0.0.1", 8001)));

        DemoBackendCommand noName = new DemoBackendCommand();
        new CommandLine(noName).parseArgs();
        assertThatThrownBy(noName::toConfig).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("name: null (expected: [A-Za-z0-9._:-]{1,128})");

        DemoBackendCommand badListen = new DemoBackendCommand();
        new CommandLine(badListen).parseArgs("--name", "a", "--listen", "127.0.0.1");
        assertThatThrownBy(badListen::toConfig)
                .hasMessage("listen: \"127.0.0.1\" (expected: host:port with port 1..65535)");
    }

    @Test
    void aBusyAddressIsReported() {
        HostPort listen = new HostPort("127.0.0.1", FreePorts.onLoopback());
        try (DemoBackend first = DemoBackend.start(new DemoBackendConfig("a", listen))) {
            assertThatThrownBy(() -> DemoBackend.start(new DemoBackendConfig("b", listen)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("demo backend b cannot listen on " + listen);
        }
    }
}
