package io.ballast.agent.load;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ballast.common.config.Checks;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the load a backend reports about itself, ORCA style: {@code GET <load-url>} must
 * answer {@code 200} with a JSON object {@value #CONTRACT}.
 *
 * <p>Each {@link #fetch} is bounded by the timeout as a whole (connect, headers and body) and
 * by {@value #MAX_BODY_BYTES} bytes of body, because it runs on the agent's single executor
 * thread. Any failure (no answer, a status other than 200, a body that is not such an object,
 * a number out of range) makes the whole answer unknown: a half-valid report is not used.
 *
 * <p>A failure is logged at WARN when it starts or changes kind (naming the URL, the field,
 * the value and what was expected), not at every heartbeat; the recovery is logged at INFO.
 * Thread-safe; never throws.
 */
public final class BackendLoadSource {

    /** The JSON object a load URL must answer with. */
    public static final String CONTRACT = "{\"qps\": >= 0, \"utilization\": 0..1, \"inFlight\": optional integer >= 0}";
    static final int MAX_BODY_BYTES = 64 * 1024;
    private static final int EXCERPT_CHARS = 80;

    private static final Logger log = LoggerFactory.getLogger(BackendLoadSource.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final URI url;
    private final Duration timeout;
    private final HttpClient client;
    private final HttpRequest request;
    private final Consumer<String> warn;
    private final Consumer<String> info;
    private final Runnable onFailure;
    /** Kind of the failure last warned about; null while answers are valid. Guarded by this. */
    private String failing;

    /**
     * @param url an {@code http://} URL
     * @param timeout bound of one whole fetch, connect to last body byte
     */
    public BackendLoadSource(URI url, Duration timeout) {
        this(url, timeout, () -> {});
    }

    /** @param onFailure runs, on the fetching thread, after every fetch that gives no valid report (metrics) */
    public BackendLoadSource(URI url, Duration timeout, Runnable onFailure) {
        this(url, timeout, log::warn, log::info, onFailure);
    }

    /** For tests: {@code warn} and {@code info} receive what would be logged at those levels. */
    BackendLoadSource(URI url, Duration timeout, Consumer<String> warn, Consumer<String> info) {
        this(url, timeout, warn, info, () -> {});
    }

    private BackendLoadSource(URI url, Duration timeout, Consumer<String> warn, Consumer<String> info, Runnable onFailure) {
        this.onFailure = onFailure;
        this.url = url;
        this.timeout = timeout;
        this.warn = warn;
        this.info = info;
        this.client = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        this.request = HttpRequest.newBuilder(url)
                .timeout(timeout)
                .header("User-Agent", "ballast-agent")
                .header("Accept", "application/json")
                .GET()
                .build();
    }

    public URI url() {
        return url;
    }

    /** Fetches the backend's load once; {@link BackendLoad#UNKNOWN} on any failure. */
    public BackendLoad fetch() {
        Outcome outcome;
        try {
            outcome = get();
        } catch (InterruptedException e) {
            // The agent is stopping: nothing to warn about.
            Thread.currentThread().interrupt();
            return BackendLoad.UNKNOWN;
        } catch (RuntimeException e) {
            outcome = Outcome.failed("response", "response", describe(e), "an answer");
        }
        record(outcome);
        if (outcome.load == null) {
            onFailure.run();
        }
        return outcome.load == null ? BackendLoad.UNKNOWN : outcome.load;
    }

    private Outcome get() throws InterruptedException {
        CompletableFuture<HttpResponse<byte[]>> future = client.sendAsync(request,
                response -> response.statusCode() == 200
                        ? new BoundedBody()
                        : HttpResponse.BodySubscribers.replacing(new byte[0]));
        HttpResponse<byte[]> response;
        try {
            // The request timeout ends when the headers arrive: this bounds the body too.
            response = future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            return timedOut();
        } catch (InterruptedException e) {
            future.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof HttpTimeoutException) {
                return timedOut();
            }
            if (cause instanceof BodyTooLarge) {
                return Outcome.failed("body-size", "body", "more than " + MAX_BODY_BYTES + " bytes",
                        "at most " + MAX_BODY_BYTES + " bytes");
            }
            return Outcome.failed("response:" + cause.getClass().getName(), "response", describe(cause),
                    "an answer within " + timeout.toMillis() + " ms");
        }
        if (response.statusCode() != 200) {
            return Outcome.failed("status:" + response.statusCode(), "status", response.statusCode(), "200");
        }
        return parse(response.body());
    }

    private Outcome timedOut() {
        return Outcome.failed("timeout", "response", "no answer within " + timeout.toMillis() + " ms",
                "an answer within " + timeout.toMillis() + " ms");
    }

    /** Validates the whole answer; the first invalid field fails it. */
    static Outcome parse(byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            root = null;
        }
        if (root == null || !root.isObject()) {
            return Outcome.failed("body", "body", excerpt(body), "a JSON object " + CONTRACT);
        }
        JsonNode qps = root.get("qps");
        if (qps == null || !qps.isNumber() || !(qps.doubleValue() >= 0) || Double.isInfinite(qps.doubleValue())) {
            return Outcome.failed("qps", "qps", qps, "a number >= 0");
        }
        JsonNode utilization = root.get("utilization");
        if (utilization == null || !utilization.isNumber()
                || !(utilization.doubleValue() >= 0 && utilization.doubleValue() <= 1)) {
            return Outcome.failed("utilization", "utilization", utilization, "a number 0..1");
        }
        JsonNode inFlight = root.get("inFlight");
        long requests = -1;
        if (inFlight != null && !inFlight.isNull()) {
            boolean whole = inFlight.isIntegralNumber()
                    ? inFlight.canConvertToLong()
                    : inFlight.isNumber() && inFlight.doubleValue() == Math.rint(inFlight.doubleValue())
                            && Math.abs(inFlight.doubleValue()) < 0x1p53;
            if (!whole || inFlight.longValue() < 0) {
                return Outcome.failed("inFlight", "inFlight", inFlight, "absent or an integer >= 0");
            }
            requests = inFlight.longValue();
        }
        return Outcome.ok(new BackendLoad(qps.doubleValue(), utilization.doubleValue(), requests));
    }

    /** Logs a failure when it starts or changes kind, and the recovery; debug otherwise. */
    private synchronized void record(Outcome outcome) {
        if (outcome.load != null) {
            if (failing != null) {
                info.accept("load-url " + url + ": valid again; reporting the backend's qps and utilization");
                failing = null;
            }
            return;
        }
        String message = "load-url " + url + ": " + outcome.problem
                + "; reporting qps and utilization unknown until it answers validly";
        if (!outcome.kind.equals(failing)) {
            failing = outcome.kind;
            warn.accept(message);
        } else {
            log.debug(message);
        }
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }

    private static String excerpt(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8).replaceAll("\\p{Cntrl}", " ").strip();
        return text.length() <= EXCERPT_CHARS ? text : text.substring(0, EXCERPT_CHARS) + "...";
    }

    /** Either a load ({@code load != null}) or a problem of some kind, in the common message style. */
    record Outcome(BackendLoad load, String kind, String problem) {
        static Outcome ok(BackendLoad load) {
            return new Outcome(load, null, null);
        }

        static Outcome failed(String kind, String field, Object value, String expected) {
            return new Outcome(null, kind, Checks.message(field, value, expected));
        }
    }

    private static final class BodyTooLarge extends IOException {
        BodyTooLarge() {
            super("body larger than " + MAX_BODY_BYTES + " bytes", null);
        }
    }

    /** Collects the body into memory, failing (and cancelling the transfer) past {@link #MAX_BODY_BYTES}. */
    private static final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer buffer : buffers) {
                if (result.isDone()) {
                    return;
                }
                if (bytes.size() + buffer.remaining() > MAX_BODY_BYTES) {
                    subscription.cancel();
                    result.completeExceptionally(new BodyTooLarge());
                    return;
                }
                byte[] chunk = new byte[buffer.remaining()];
                buffer.get(chunk);
                bytes.write(chunk, 0, chunk.length);
            }
        }

        @Override
        public void onError(Throwable throwable) {
            result.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            result.complete(bytes.toByteArray());
        }
    }
}
