package io.ballast.node.proxy;

import static io.ballast.node.proxy.TestSnapshots.defaultTo;
import static io.ballast.node.proxy.TestSnapshots.endpoint;
import static io.ballast.node.proxy.TestSnapshots.policy;
import static io.ballast.node.proxy.TestSnapshots.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.proto.v1.OutlierDetection;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.RetryPolicy;
import io.ballast.testing.NettyLeaks;
import io.ballast.testing.RecordingBackend;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bodies stream through the proxy: large ones pass with bounded memory (backpressure both ways,
 * shown by the peer's writes stalling, not by timing), chunked ones are re-framed per hop,
 * either side breaking off mid-body ends the other side's connection, and only bodies within the
 * retry buffer are retried.
 */
class ProxyServerStreamingTest {

    private static final int MIB = 1024 * 1024;
    private static final int RETRY_BUFFER_BYTES = 4096;
    /** Far above what socket buffers and the proxy's outbound queues can hold, far below the bodies. */
    private static final long STALL_BOUND_BYTES = 24L * MIB;
    private static final long HUGE_BYTES = 128L * MIB;

    @RegisterExtension
    static final NettyLeaks leaks = new NettyLeaks();

    @RegisterExtension
    final RecordingBackend backends = new RecordingBackend();

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private StreamingBackend backend;
    private ProxyServer proxy;

    @BeforeEach
    void start() {
        backend = new StreamingBackend();
        proxy = ProxyServer.start(ProxyConfig.builder().port(0).ioThreads(2).retryBufferBytes(RETRY_BUFFER_BYTES).build());
        proxy.apply(defaultTo(1, service("web", endpoint("s", "127.0.0.1", backend.port()))));
    }

    @AfterEach
    void stop() {
        proxy.close();
        backend.close();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + proxy.localAddress().getPort() + path);
    }

    private static String sizeAndCrc(byte[] body) {
        CRC32 crc = new CRC32();
        crc.update(body);
        return body.length + " " + crc.getValue();
    }

    private static byte[] randomish(int n) {
        byte[] body = new byte[n];
        for (int i = 0; i < n; i++) {
            body[i] = (byte) (i * 7 + i / 251);
        }
        return body;
    }

    @Test
    void eightMebibyteRequestAndResponseBodiesPassThroughIntact() throws Exception {
        byte[] upload = randomish(8 * MIB);
        HttpResponse<String> uploaded = client.send(HttpRequest.newBuilder(uri("/upload")).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(upload)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(uploaded.statusCode()).isEqualTo(200);
        assertThat(uploaded.body()).isEqualTo(sizeAndCrc(upload));

        HttpResponse<byte[]> downloaded = client.send(HttpRequest.newBuilder(uri("/download/" + 8 * MIB))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(downloaded.statusCode()).isEqualTo(200);
        assertThat(downloaded.headers().firstValue("content-length")).hasValue(String.valueOf(8 * MIB));
        byte[] body = downloaded.body();
        assertThat(body).hasSize(8 * MIB);
        for (int i = 0; i < body.length; i++) {
            if (body[i] != StreamingBackend.pattern(i)) {
                throw new AssertionError("byte " + i + " differs");
            }
        }
    }

    @Test
    void aClientThatDoesNotReadStallsTheBackendsWrites() throws Exception {
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(32 * 1024);
            socket.connect(new InetSocketAddress("127.0.0.1", proxy.localAddress().getPort()));
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(("GET /download/" + HUGE_BYTES + " HTTP/1.1\r\nHost: x\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            // Nothing is read: the backend must come to a stop far short of the body.
            awaitStalled(backend::written);
            assertThat(backend.written()).isLessThan(STALL_BOUND_BYTES);

            // Reading resumes the flow and the whole body arrives.
            InputStream in = socket.getInputStream();
            skipHead(in);
            long total = 0;
            byte[] buffer = new byte[64 * 1024];
            while (total < HUGE_BYTES) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, HUGE_BYTES - total));
                assertThat(n).as("body ended after %d bytes", total).isPositive();
                total += n;
            }
            assertThat(backend.written()).isEqualTo(HUGE_BYTES);
        }
    }

    @Test
    void aBackendThatDoesNotReadStallsTheClientsUpload() throws Exception {
        backend.shutGate();
        AtomicLong sent = new AtomicLong();
        try (Socket socket = new Socket()) {
            socket.setSendBufferSize(32 * 1024);
            socket.connect(new InetSocketAddress("127.0.0.1", proxy.localAddress().getPort()));
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    out.write(("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + HUGE_BYTES + "\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    byte[] piece = new byte[64 * 1024];
                    for (long left = HUGE_BYTES; left > 0; left -= piece.length) {
                        out.write(piece);
                        sent.addAndGet(piece.length);
                    }
                    out.flush();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            awaitStalled(sent::get);
            assertThat(sent.get()).isLessThan(STALL_BOUND_BYTES);

            backend.openGate();
            writer.get(120, TimeUnit.SECONDS);
            RawResponse response = readResponse(socket.getInputStream());
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).startsWith(HUGE_BYTES + " ");
        }
    }

    @Test
    void chunkedBodiesAreReframedPerHop() throws Exception {
        try (RawHttp http = new RawHttp(proxy.localAddress())) {
            RawHttp.Response response = http.send("GET /chunked HTTP/1.1", "Host: x");
            assertThat(response.header("transfer-encoding")).isEqualTo("chunked");
            assertThat(response.body()).isEqualTo("hello world");
        }
        // A chunked upload larger than the retry buffer: it streams through, not kept.
        byte[] upload = randomish(300 * 1024);
        HttpResponse<String> uploaded = client.send(HttpRequest.newBuilder(uri("/upload")).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(upload))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(uploaded.body()).isEqualTo(sizeAndCrc(upload));
    }

    @Test
    void http10ClientsGetABodyOfUnknownLengthDelimitedByTheClose() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", proxy.localAddress().getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET /chunked HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            String all = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(all).startsWith("HTTP/1.1 200").doesNotContainIgnoringCase("transfer-encoding").endsWith("\r\n\r\nhello world");
        }
    }

    @Test
    void expectContinueIsAnsweredByTheProxy() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", proxy.localAddress().getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            assertThat(readResponseHead(in)).startsWith("HTTP/1.1 100 Continue");
            out.write("hello".getBytes(StandardCharsets.ISO_8859_1));
            RawResponse response = readResponse(in);
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).isEqualTo(sizeAndCrc("hello".getBytes(StandardCharsets.ISO_8859_1)));
        }
    }

    @Test
    void aClientClosingMidBodyClosesTheBackendConnection() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", proxy.localAddress().getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + 8 * MIB + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.write(new byte[MIB]);
            out.flush();
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.received() > 0);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.closedByPeer() == 1);
        assertThat(backend.received()).isLessThan(8L * MIB);
        // The proxy is unharmed.
        try (RawHttp http = new RawHttp(proxy.localAddress())) {
            assertThat(http.send("GET /chunked HTTP/1.1", "Host: x").body()).isEqualTo("hello world");
        }
    }

    @Test
    void aBackendClosingMidBodyClosesTheClientConnection() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", proxy.localAddress().getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET /die/" + MIB + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            assertThat(readResponseHead(in)).startsWith("HTTP/1.1 200").contains("content-length: " + MIB);
            // End of stream (not a read timeout) short of the announced length.
            byte[] rest = in.readAllBytes();
            assertThat(rest.length).isEqualTo(MIB / 4);
        }
    }

    /** Outlier detection off, so that only the retry policy decides where requests go. */
    private static Policy retrying() {
        return policy(1, 5_000).toBuilder().setRetry(RetryPolicy.newBuilder())
                .setOutlierDetection(OutlierDetection.newBuilder().setDisabled(true)).build();
    }

    @Test
    void onlyBodiesWithinTheRetryBufferAreRetried() throws Exception {
        RecordingBackend.Instance bad = backends.start("bad");
        RecordingBackend.Instance good = backends.start("good");
        bad.respondWith(503);
        proxy.apply(defaultTo(2, service("web", retrying(), endpoint(bad), endpoint(good))));

        for (int i = 0; i < 4; i++) {
            HttpResponse<String> small = put(RETRY_BUFFER_BYTES);
            assertThat(small.statusCode()).as("a body within the buffer is retried").isEqualTo(200);
            assertThat(small.body()).isEqualTo("good\n");
        }
        int goodBefore = good.requests();
        int outcomes503 = 0;
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> large = put(RETRY_BUFFER_BYTES + 1);
            if (large.statusCode() == 503) {
                outcomes503++;
            }
        }
        // Round robin sends half of them to the bad endpoint first: those are answered as they are.
        assertThat(outcomes503).as("bodies above the buffer are not retried").isEqualTo(2);
        assertThat(good.requests() - goodBefore).isEqualTo(2);
    }

    private HttpResponse<String> put(int bytes) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri("/r")).timeout(Duration.ofSeconds(10))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(randomish(bytes))).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Waits (bounded) until {@code counter} is positive and stops moving between two polls. */
    private static void awaitStalled(java.util.function.LongSupplier counter) {
        long[] last = {-1};
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
            long now = counter.getAsLong();
            boolean still = now > 0 && now == last[0];
            last[0] = now;
            return still;
        });
    }

    private record RawResponse(int status, String body) {}

    private static RawResponse readResponse(InputStream in) throws IOException {
        String head = readResponseHead(in);
        int status = Integer.parseInt(head.split(" ")[1]);
        int at = head.indexOf("content-length:");
        int length = Integer.parseInt(head.substring(at + 15, head.indexOf('\r', at)).trim());
        return new RawResponse(status, new String(in.readNBytes(length), StandardCharsets.ISO_8859_1));
    }

    /** The head up to its blank line, header names lower-cased. */
    private static String readResponseHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int tail = 0;
        int b;
        while ((b = in.read()) != -1) {
            head.write(b);
            tail = (tail << 8) | b;
            if (tail == 0x0d0a0d0a) {
                break;
            }
        }
        return head.toString(StandardCharsets.ISO_8859_1).toLowerCase(java.util.Locale.ROOT)
                .replaceFirst("^http/1.1", "HTTP/1.1").replace(" continue", " Continue");
    }

    private static void skipHead(InputStream in) throws IOException {
        readResponseHead(in);
    }
}
