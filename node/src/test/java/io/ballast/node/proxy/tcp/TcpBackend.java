package io.ballast.node.proxy.tcp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real TCP backend on 127.0.0.1 (blocking sockets, one thread per connection) for the TCP
 * listener tests. Every connection first gets the backend's name and a newline (so a client sees
 * where it landed), then what {@link Behaviour} does. Close it in every test; closing closes
 * every connection and stops the threads.
 */
public final class TcpBackend implements AutoCloseable {

    /** What a backend does with one connection after the greeting. */
    interface Behaviour {
        void serve(Socket socket, TcpBackend backend) throws IOException;
    }

    /** Echoes until the client's FIN, then sends "bye\n" and half-closes (shutdownOutput). */
    static final Behaviour ECHO = (socket, backend) -> {
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        byte[] buffer = new byte[8192];
        for (int n; (n = in.read(buffer)) >= 0; ) {
            out.write(buffer, 0, n);
            out.flush();
        }
        out.write("bye\n".getBytes(StandardCharsets.US_ASCII));
        socket.shutdownOutput();
    };

    public final String name;
    private final Behaviour behaviour;
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    final AtomicInteger accepted = new AtomicInteger();
    /** What the backend received after its greeting, for behaviours that record it. */
    final StringBuffer received = new StringBuffer();

    private TcpBackend(String name, Behaviour behaviour) {
        this.name = name;
        this.behaviour = behaviour;
        try {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        threads.execute(this::acceptLoop);
    }

    static TcpBackend start(String name, Behaviour behaviour) {
        return new TcpBackend(name, behaviour);
    }

    public static TcpBackend echo(String name) {
        return start(name, ECHO);
    }

    public int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            accepted.incrementAndGet();
            sockets.add(socket);
            threads.execute(() -> {
                try (socket) {
                    socket.getOutputStream().write((name + "\n").getBytes(StandardCharsets.US_ASCII));
                    socket.getOutputStream().flush();
                    behaviour.serve(socket, this);
                } catch (IOException e) {
                    // the client or the test closed it
                } finally {
                    sockets.remove(socket);
                }
            });
        }
    }

    /** Connections open now. */
    int open() {
        return sockets.size();
    }

    @Override
    public void close() throws Exception {
        server.close();
        for (Socket socket : sockets) {
            socket.close();
        }
        threads.shutdownNow();
        threads.awaitTermination(5, TimeUnit.SECONDS);
    }
}
