package io.ballast.node.control;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A TCP relay to {@code target} whose existing connections can be frozen: bytes stop flowing both
 * ways but no FIN or RST is sent, which is what a peer behind a dead network path or a paused
 * process looks like (a half-open connection). New connections are relayed normally. Close it in
 * the test (try-with-resources); closing closes every socket.
 */
final class FreezableRelay implements AutoCloseable {

    private final ServerSocket server;
    private final int targetPort;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Socket> frozen = new CopyOnWriteArrayList<>();

    FreezableRelay(int targetPort) {
        this.targetPort = targetPort;
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        executor.execute(this::acceptLoop);
    }

    String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** From now on, nothing passes on the connections open now. */
    void freezeExisting() {
        frozen.addAll(sockets);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                sockets.add(client);
                sockets.add(upstream);
                executor.execute(() -> pump(client, upstream));
                executor.execute(() -> pump(upstream, client));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) != -1) {
                if (frozen.contains(from)) {
                    continue; // swallowed: the peer never hears of it, nor of anything after
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // a side closed
        } finally {
            if (!frozen.contains(from)) {
                closeQuietly(to);
            }
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        sockets.forEach(FreezableRelay::closeQuietly);
        executor.shutdownNow();
    }
}
