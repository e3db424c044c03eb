package io.ballast.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real HTTP backend on a free port that answers {@code <name>\n} with status 200 (or the
 * status set by {@link #respondWith}) and records every request's headers. Register with
 * {@code @RegisterExtension}; {@link #start} as many as a test needs; all are stopped after
 * each test.
 */
public final class RecordingBackend implements AfterEachCallback {

    static {
        // The JDK server writes headers and body in separate segments; without TCP_NODELAY every
        // response waits out the peer's delayed ACK (~40 ms). Read once, when the server class loads.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final List<Instance> instances = new CopyOnWriteArrayList<>();

    public Instance start(String name) {
        return start(name, "127.0.0.1");
    }

    public Instance start(String name, String address) {
        Instance instance = new Instance(name, address);
        instances.add(instance);
        return instance;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        instances.forEach(Instance::stop);
        instances.clear();
    }

    /** One running backend. */
    public static final class Instance {
        private final String name;
        private final HttpServer server;
        private final ExecutorService executor = Executors.newFixedThreadPool(4);
        private final AtomicInteger requests = new AtomicInteger();
        private final List<Map<String, List<String>>> headers = new CopyOnWriteArrayList<>();
        private final Map<String, Integer> statusByPath = new ConcurrentHashMap<>();
        private volatile int status = 200;

        Instance(String name, String address) {
            this.name = name;
            try {
                server = HttpServer.create(new InetSocketAddress(address, 0), 128);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            server.setExecutor(executor);
            server.createContext("/", exchange -> {
                requests.incrementAndGet();
                headers.add(Map.copyOf(exchange.getRequestHeaders()));
                exchange.getRequestBody().readAllBytes();
                byte[] body = (name + "\n").getBytes(StandardCharsets.UTF_8);
                int code = statusByPath.getOrDefault(exchange.getRequestURI().getPath(), status);
                exchange.getResponseHeaders().add("Content-Type", "text/plain");
                exchange.sendResponseHeaders(code, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
        }

        public String name() { return name; }

        public String host() { return server.getAddress().getHostString(); }

        public int port() { return server.getAddress().getPort(); }

        public int requests() { return requests.get(); }

        public List<Map<String, List<String>>> headers() { return headers; }

        public void respondWith(int code) { this.status = code; }

        public void respondWith(String path, int code) { statusByPath.put(path, code); }

        public void stop() {
            server.stop(0);
            executor.shutdownNow();
        }
    }
}
