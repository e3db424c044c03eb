package io.ballast.agent.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link BackendLoadSource} against a real local HTTP server. */
class BackendLoadSourceTest {

    private static final Duration TIMEOUT = Duration.ofMillis(300);

    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final List<String> infos = new CopyOnWriteArrayList<>();
    private LoadServer server;

    @BeforeEach
    void startServer() throws Exception {
        server = new LoadServer();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    private BackendLoadSource source(URI url) {
        return new BackendLoadSource(url, TIMEOUT, warnings::add, infos::add);
    }

    private BackendLoadSource source() {
        return source(server.url());
    }

    @Test
    void aValidAnswerIsCopied() {
        server.answer("{\"qps\": 12.5, \"utilization\": 0.25, \"inFlight\": 3}");
        BackendLoadSource source = source();

        assertThat(source.fetch()).isEqualTo(new BackendLoad(12.5, 0.25, 3));
        assertThat(server.requests()).isEqualTo(1);
        assertThat(warnings).isEmpty();
        assertThat(infos).isEmpty();
    }

    @Test
    void inFlightIsOptionalAndTheBoundsAreInclusive() {
        BackendLoadSource source = source();
        server.answer("{\"qps\": 0, \"utilization\": 1}");
        assertThat(source.fetch()).isEqualTo(new BackendLoad(0, 1, -1));
        server.answer("{\"qps\": 7, \"utilization\": 0, \"inFlight\": null, \"other\": \"ignored\"}");
        assertThat(source.fetch()).isEqualTo(new BackendLoad(7, 0, -1));
        server.answer("{\"utilization\": 0.5, \"inFlight\": 4.0, \"qps\": 1e3}");
        assertThat(source.fetch()).isEqualTo(new BackendLoad(1000, 0.5, 4));
        assertThat(warnings).isEmpty();
    }

    @Test
    void anOutOfRangeUtilizationMakesTheWholeAnswerUnknownAndWarnsOnce() {
        server.answer("{\"qps\": 10, \"utilization\": 1.5, \"inFlight\": 2}");
        BackendLoadSource source = source();

        for (int heartbeat = 0; heartbeat < 3; heartbeat++) {
            assertThat(source.fetch()).isEqualTo(BackendLoad.UNKNOWN);
        }
        // Another out-of-range value is the same failure: still one warning.
        server.answer("{\"qps\": 10, \"utilization\": 1.7}");
        assertThat(source.fetch()).isEqualTo(BackendLoad.UNKNOWN);

        assertThat(server.requests()).isEqualTo(4);
        assertThat(warnings).containsExactly("load-url " + server.url()
                + ": utilization: 1.5 (expected: a number 0..1); reporting qps and utilization unknown until it"
                + " answers validly");
    }

    @Test
    void aNonJsonAnswerIsRefusedNamingTheBody() {
        server.answer("<html>busy</html>");
        assertThat(source().fetch()).isEqualTo(BackendLoad.UNKNOWN);

        assertThat(warnings).singleElement().asString()
                .startsWith("load-url " + server.url() + ": body: \"<html>busy</html>\" (expected: a JSON object {");
    }

    @Test
    void aServerThatIsDownIsUnknownAndWarnedOnce() {
        URI url = server.url();
        server.close();
        BackendLoadSource source = source(url);

        assertThat(source.fetch()).isEqualTo(BackendLoad.UNKNOWN);
        assertThat(source.fetch()).isEqualTo(BackendLoad.UNKNOWN);

        assertThat(warnings).singleElement().asString()
                .startsWith("load-url " + url + ": response: \"")
                .contains("ConnectException")
                .contains("(expected: an answer within 300 ms)");
    }

    @Test
    void aStatusOtherThan200IsRefused() {
        server.answer(503, "{\"qps\": 1, \"utilization\": 0.1}");
        assertThat(source().fetch()).isEqualTo(BackendLoad.UNKNOWN);

        assertThat(warnings).singleElement().asString()
                .startsWith("load-url " + server.url() + ": status: 503 (expected: 200)");
    }

    @Test
    void warnsAgainOnlyWhenTheFailureChangesAndLogsTheRecovery() {
        BackendLoadSource source = source();
        server.answer("{\"qps\": -1, \"utilization\": 0.1}");
        source.fetch();
        source.fetch();
        server.answer(500, "");
        source.fetch();
        source.fetch();
        assertThat(warnings).hasSize(2);
        assertThat(warnings.get(0)).contains(": qps: -1 (expected: a number >= 0)");
        assertThat(warnings.get(1)).contains(": status: 500 (expected: 200)");
        assertThat(infos).isEmpty();

        server.answer("{\"qps\": 3, \"utilization\": 0.3}");
        assertThat(source.fetch()).isEqualTo(new BackendLoad(3, 0.3, -1));
        assertThat(source.fetch()).isEqualTo(new BackendLoad(3, 0.3, -1));
        assertThat(infos).containsExactly("load-url " + server.url()
                + ": valid again; reporting the backend's qps and utilization");

        // The same failure as before the recovery is a new state change: warned again.
        server.answer(500, "");
        source.fetch();
        assertThat(warnings).hasSize(3);
        assertThat(warnings.get(2)).contains(": status: 500 (expected: 200)");
    }

    @Test
    void aStalledBackendCostsAtMostTheTimeoutBeforeOrAfterTheHeaders() {
        for (LoadServer.Mode mode : List.of(LoadServer.Mode.STALL_BEFORE_HEADERS, LoadServer.Mode.STALL_IN_BODY)) {
            server.stall(mode);
            warnings.clear();
            long start = System.nanoTime();
            assertThat(source().fetch()).as(mode.name()).isEqualTo(BackendLoad.UNKNOWN);
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

            // The server would stall for 30 s: the fetch gave up after about the timeout.
            assertThat(elapsedMillis).as(mode.name()).isGreaterThanOrEqualTo(TIMEOUT.toMillis() - 50).isLessThan(5_000);
            assertThat(warnings).as(mode.name()).singleElement().asString()
                    .contains("response: \"no answer within 300 ms\" (expected: an answer within 300 ms)");
        }
    }

    @Test
    void aHugeBodyIsRefused() {
        server.answer("{\"qps\": 1, \"utilization\": 0.5, \"pad\": \"" + "x".repeat(BackendLoadSource.MAX_BODY_BYTES)
                + "\"}");
        assertThat(source().fetch()).isEqualTo(BackendLoad.UNKNOWN);
        assertThat(warnings).singleElement().asString().contains(": body: \"more than 65536 bytes\"");
    }

    @Test
    void everyFieldIsCheckedNamingTheFieldTheValueAndWhatWasExpected() {
        assertThat(problem("{\"utilization\": 0.5}")).isEqualTo("qps: null (expected: a number >= 0)");
        assertThat(problem("{\"qps\": \"12\", \"utilization\": 0.5}"))
                .isEqualTo("qps: \"12\" (expected: a number >= 0)");
        assertThat(problem("{\"qps\": -0.5, \"utilization\": 0.5}")).isEqualTo("qps: -0.5 (expected: a number >= 0)");
        assertThat(problem("{\"qps\": 1e999, \"utilization\": 0.5}")).startsWith("qps: ");
        assertThat(problem("{\"qps\": 1}")).isEqualTo("utilization: null (expected: a number 0..1)");
        assertThat(problem("{\"qps\": 1, \"utilization\": -0.01}"))
                .isEqualTo("utilization: -0.01 (expected: a number 0..1)");
        assertThat(problem("{\"qps\": 1, \"utilization\": true}"))
                .isEqualTo("utilization: true (expected: a number 0..1)");
        assertThat(problem("{\"qps\": 1, \"utilization\": 0.5, \"inFlight\": 1.5}"))
                .isEqualTo("inFlight: 1.5 (expected: absent or an integer >= 0)");
        assertThat(problem("{\"qps\": 1, \"utilization\": 0.5, \"inFlight\": -1}"))
                .isEqualTo("inFlight: -1 (expected: absent or an integer >= 0)");
        assertThat(problem("{\"qps\": 1, \"utilization\": 0.5, \"inFlight\": 99999999999999999999}"))
                .isEqualTo("inFlight: 99999999999999999999 (expected: absent or an integer >= 0)");
        assertThat(problem("[1, 2]")).startsWith("body: \"[1, 2]\" (expected: a JSON object ");
        assertThat(problem("")).startsWith("body: \"\" (expected: a JSON object ");
        assertThat(problem("{\"qps\": 1, \"utilization\": 0.5} trailing")).startsWith("body: \"{\"qps\"");
        assertThat(problem("{\"qps\": NaN, \"utilization\": 0.5}")).startsWith("body: ");
        assertThat(problem("x".repeat(200))).isEqualTo("body: \"" + "x".repeat(80)
                + "...\" (expected: a JSON object " + BackendLoadSource.CONTRACT + ")");
    }

    private static String problem(String body) {
        BackendLoadSource.Outcome outcome = BackendLoadSource.parse(body.getBytes(StandardCharsets.UTF_8));
        assertThat(outcome.load()).as(body).isNull();
        return outcome.problem();
    }
}
