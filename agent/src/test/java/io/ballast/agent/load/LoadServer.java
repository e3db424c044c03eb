package io.ballast.agent.load;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real local HTTP server on port 0 that answers {@code GET /load} with whatever the test
 * set last, or stalls (before the headers, or in the middle of the body) until closed.
 */
final class LoadServer implements AutoCloseable {

    enum Mode { ANSWER, STALL_BEFORE_HEADERS, STALL_IN_BODY }

    private record Answer(int status, byte[] body, Mode mode) {}

    private final HttpServer server;
    private final AtomicReference<Answer> answer = new AtomicReference<>(
            new Answer(200, "{\"qps\": 1, \"utilization\": 0.5}".getBytes(StandardCharsets.UTF_8), Mode.ANSWER));
    private final AtomicInteger requests = new AtomicInteger();
    private final CountDownLatch released = new CountDownLatch(1);

    LoadServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/load", this::handle);
        server.setExecutor(Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "load-server");
            thread.setDaemon(true);
            return thread;
        }));
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/load");
    }

    int requests() {
        return requests.get();
    }

    LoadServer answer(int status, String body) {
        answer.set(new Answer(status, body.getBytes(StandardCharsets.UTF_8), Mode.ANSWER));
        return this;
    }

    LoadServer answer(String json) {
        return answer(200, json);
    }

    LoadServer stall(Mode mode) {
        answer.set(new Answer(200, new byte[0], mode));
        return this;
    }

    private void handle(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        Answer current = answer.get();
        try (exchange) {
            exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
            if (current.mode() == Mode.STALL_BEFORE_HEADERS) {
                await();
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            if (current.mode() == Mode.STALL_IN_BODY) {
                exchange.sendResponseHeaders(200, 0);
                exchange.getResponseBody().write("{\"qps\": ".getBytes(StandardCharsets.UTF_8));
                exchange.getResponseBody().flush();
                await();
                return;
            }
            exchange.sendResponseHeaders(current.status(), current.body().length == 0 ? -1 : current.body().length);
            exchange.getResponseBody().write(current.body());
        }
    }

    private void await() {
        try {
            released.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        released.countDown();
        server.stop(0);
    }
}
