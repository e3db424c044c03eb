package io.ballast.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A TCP proxy in front of one target that injects network faults a firewall rule cannot:
 * latency, a bandwidth cap, and a <em>half-open peer</em> ({@link #blackhole()}: connections
 * are accepted and their bytes read, but nothing is forwarded or answered, and nothing is
 * closed or reset — as a hung process or a silently dropping path looks to the sender).
 *
 * <p>The fault is read for every chunk forwarded, so switching it affects open connections at
 * once. Any thread may call any method. Blocking sockets, two threads per connection: a test
 * proxy carries little traffic. {@link #close} closes the listener and every connection; a
 * failure on one connection closes only that connection (both of its sides).
 */
public final class FaultProxy implements AutoCloseable {

    /** What the proxy does to the bytes it carries now. */
    record Fault(boolean blackhole, long latencyMillis, long bytesPerSecond) {
        static final Fault NONE = new Fault(false, 0, 0);
    }

    private static final int CHUNK = 16 * 1024;

    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "fault-proxy");
        thread.setDaemon(true);
        return thread;
    });
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Fault fault = Fault.NONE;

    private FaultProxy(ServerSocket listener, InetSocketAddress target) {
        this.listener = listener;
        this.target = target;
    }

    /**
     * Listens on a free port of {@code host} and forwards to {@code target}.
     *
     * @throws UncheckedIOException when it cannot listen
     */
    public static FaultProxy start(String host, InetSocketAddress target) {
        try {
            ServerSocket listener = new ServerSocket();
            listener.bind(new InetSocketAddress(host, 0), 128);
            FaultProxy proxy = new FaultProxy(listener, target);
            proxy.threads.execute(proxy::acceptLoop);
            return proxy;
        } catch (IOException e) {
            throw new UncheckedIOException("fault proxy cannot listen on " + host, e);
        }
    }

    /** host:port clients connect to. */
    public String address() {
        return listener.getInetAddress().getHostAddress() + ":" + listener.getLocalPort();
    }

    /** Forwards everything as it comes. */
    public void pass() {
        fault = Fault.NONE;
    }

    /** Holds every chunk {@code latency} before forwarding it, in both directions. */
    public void latency(Duration latency) {
        fault = new Fault(false, latency.toMillis(), 0);
    }

    /** Caps each direction of each connection at {@code bytesPerSecond}. */
    public void bandwidth(long bytesPerSecond) {
        if (bytesPerSecond <= 0) {
            throw new IllegalArgumentException("bytesPerSecond: " + bytesPerSecond + " (expected: > 0)");
        }
        fault = new Fault(false, 0, bytesPerSecond);
    }

    /**
     * Half-open: new connections are accepted and never answered (nothing reaches the target);
     * open connections stop forwarding in both directions, without a reset or a FIN. Bytes
     * received are read and discarded, so the sender sees its data acknowledged.
     */
    public void blackhole() {
        fault = new Fault(true, 0, 0);
    }

    private void acceptLoop() {
        while (!closed.get()) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            sockets.add(client);
            threads.execute(() -> connect(client));
        }
    }

    private void connect(Socket client) {
        if (fault.blackhole()) {
            discard(client); // accepted, never answered
            return;
        }
        Socket upstream = new Socket();
        sockets.add(upstream);
        try {
            upstream.setTcpNoDelay(true);
            client.setTcpNoDelay(true);
            upstream.connect(target, 2_000);
        } catch (IOException e) {
            closeBoth(client, upstream); // the target refuses: the client sees its connection closed
            return;
        }
        threads.execute(() -> pump(client, upstream));
        pump(upstream, client);
    }

    private void discard(Socket client) {
        try (InputStream in = client.getInputStream()) {
            byte[] buffer = new byte[CHUNK];
            while (in.read(buffer) >= 0) {
                // read and dropped: the peer sees its bytes acknowledged and no answer
            }
        } catch (IOException e) {
            // the client went away
        } finally {
            close(client);
        }
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[CHUNK];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int read;
            while ((read = in.read(buffer)) >= 0) {
                Fault now = fault;
                if (now.blackhole()) {
                    continue; // stop forwarding, but keep the connection open
                }
                if (now.latencyMillis() > 0) {
                    pause(now.latencyMillis()); // the injected latency itself
                }
                out.write(buffer, 0, read);
                out.flush();
                if (now.bytesPerSecond() > 0) {
                    pause(read * 1000L / now.bytesPerSecond()); // the injected bandwidth cap
                }
            }
            if (fault.blackhole()) {
                return; // half-open: the FIN is not passed on either
            }
            to.shutdownOutput(); // pass the FIN on
            if (from.isOutputShutdown()) {
                closeBoth(from, to); // both directions ended
            }
        } catch (IOException e) {
            closeBoth(from, to);
        }
    }

    private static void pause(long millis) throws IOException {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    private void closeBoth(Socket a, Socket b) {
        close(a);
        close(b);
    }

    private void close(Socket socket) {
        sockets.remove(socket);
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        sockets.forEach(this::close);
        threads.shutdownNow();
    }
}
