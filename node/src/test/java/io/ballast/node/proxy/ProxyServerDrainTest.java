package io.ballast.node.proxy;

import static io.ballast.node.proxy.TestSnapshots.defaultTo;
import static io.ballast.node.proxy.TestSnapshots.endpoint;
import static io.ballast.node.proxy.TestSnapshots.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.ballast.testing.NettyLeaks;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Draining for shutdown: listener closed, idle connections closed, requests in flight finish with Connection: close. */
class ProxyServerDrainTest {

    @RegisterExtension
    static final NettyLeaks leaks = new NettyLeaks();

    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger arrived = new AtomicInteger();
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private HttpServer backend;
    private ProxyServer proxy;

    @BeforeEach
    void start() throws IOException {
        // /hold answers once the test releases it; everything else at once.
        backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        backend.setExecutor(executor);
        backend.createContext("/", exchange -> {
            arrived.incrementAndGet();
            if (exchange.getRequestURI().getPath().equals("/hold")) {
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] body = "done\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        backend.start();
        proxy = ProxyServer.start(ProxyConfig.builder().port(0).ioThreads(2).build());
        proxy.apply(defaultTo(1, service("web", endpoint("slow", "127.0.0.1", backend.getAddress().getPort()))));
    }

    @AfterEach
    void stop() {
        release.countDown();
        proxy.close();
        backend.stop(0);
        executor.shutdownNow();
    }

    private static String[] get(String path) {
        return new String[] {"GET " + path + " HTTP/1.1", "Host: web"};
    }

    @Test
    void drainClosesIdleConnectionsLetsRequestsInFlightFinishAndRefusesNewOnes() throws Exception {
        InetSocketAddress address = proxy.localAddress();
        try (RawHttp idle = new RawHttp(address); RawHttp busy = new RawHttp(address)) {
            assertThat(idle.send(get("/warm")).status()).isEqualTo(200);
            assertThat(idle.send(get("/warm")).header("connection")).isNull();
            CompletableFuture<RawHttp.Response> held = CompletableFuture.supplyAsync(() -> busy.send(get("/hold")), executor);
            await().atMost(Duration.ofSeconds(10)).until(() -> arrived.get() == 3);

            CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> proxy.drain(Duration.ofSeconds(20)), executor);

            assertThat(idle.closedByPeer()).as("an idle keep-alive connection closes at once").isTrue();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThatThrownBy(() -> new Socket(address.getAddress(), address.getPort()).close())
                            .isInstanceOf(ConnectException.class));
            assertThat(drained).isNotDone();

            release.countDown();
            RawHttp.Response response = held.get(10, TimeUnit.SECONDS);
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("done\n");
            assertThat(response.header("connection")).isEqualTo("close");
            assertThat(busy.closedByPeer()).isTrue();
            assertThat(drained.get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(proxy.clientConnections()).isZero();
        }
    }

    @Test
    void drainGivesUpAfterItsTimeout() throws Exception {
        try (RawHttp busy = new RawHttp(proxy.localAddress())) {
            CompletableFuture<RawHttp.Response> held = CompletableFuture.supplyAsync(() -> busy.send(get("/hold")), executor);
            await().atMost(Duration.ofSeconds(10)).until(() -> arrived.get() == 1);
            assertThat(proxy.drain(Duration.ofMillis(200))).isFalse();
            assertThat(proxy.clientConnections()).isEqualTo(1);
            release.countDown();
            assertThat(held.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
        }
    }
}
