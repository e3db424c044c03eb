package io.ballast.node.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend on a plain ServerSocket for behaviour a well-behaved server never shows: never
 * answering, answering with hop-by-hop headers and chunked framing, or dying mid-response. Counts
 * accepted connections. Close it in the test (try-with-resources).
 */
final class RawBackend implements AutoCloseable {

    enum Mode {
        /** Reads requests and never answers. */
        SILENT,
        /** Answers every request on a connection with {@code response}. */
        CANNED,
        /** Sends part of a response, then closes the connection. */
        DIE_MID_RESPONSE,
        /** Reads a request, then closes the connection without a byte of answer. */
        CLOSE_WITHOUT_ANSWER,
        /**
         * Answers the first request of each connection (keep-alive), then closes on the second
         * without answering: an idle pooled connection whose backend went away unnoticed.
         */
        ANSWER_ONCE_PER_CONNECTION
    }

    private final ServerSocket server;
    private final Mode mode;
    private final byte[] response;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    private RawBackend(Mode mode, String response) {
        this.mode = mode;
        this.response = response.getBytes(StandardCharsets.ISO_8859_1);
        try {
            server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        executor.execute(this::acceptLoop);
    }

    static RawBackend silent() {
        return new RawBackend(Mode.SILENT, "");
    }

    static RawBackend canned(String response) {
        return new RawBackend(Mode.CANNED, response);
    }

    static RawBackend closingWithoutAnswer() {
        return new RawBackend(Mode.CLOSE_WITHOUT_ANSWER, "");
    }

    static RawBackend answeringOncePerConnection(String response) {
        return new RawBackend(Mode.ANSWER_ONCE_PER_CONNECTION, response);
    }

    static RawBackend dyingMidResponse() {
        return new RawBackend(Mode.DIE_MID_RESPONSE, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly part");
    }

    int port() {
        return ((InetSocketAddress) server.getLocalSocketAddress()).getPort();
    }

    int acceptedConnections() {
        return accepted.get();
    }

    int requests() {
        return requests.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                accepted.incrementAndGet();
                sockets.add(socket);
                executor.execute(() -> serve(socket));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            int onThisConnection = 0;
            while (readRequest(in)) {
                requests.incrementAndGet();
                onThisConnection++;
                switch (mode) {
                    case ANSWER_ONCE_PER_CONNECTION -> {
                        if (onThisConnection > 1) {
                            return;
                        }
                        socket.getOutputStream().write(response);
                        socket.getOutputStream().flush();
                    }
                    case SILENT -> { }
                    case CANNED -> {
                        socket.getOutputStream().write(response);
                        socket.getOutputStream().flush();
                    }
                    case CLOSE_WITHOUT_ANSWER -> {
                        return;
                    }
                    case DIE_MID_RESPONSE -> {
                        socket.getOutputStream().write(response);
                        socket.getOutputStream().flush();
                        return;
                    }
                }
            }
        } catch (IOException e) {
            // peer went away
        }
    }

    /** Reads one request head and its Content-Length body; false at end of stream. */
    private static boolean readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            head.write(b);
            byte[] bytes = head.toByteArray();
            int n = bytes.length;
            if (n >= 4 && bytes[n - 4] == '\r' && bytes[n - 3] == '\n' && bytes[n - 2] == '\r' && bytes[n - 1] == '\n') {
                int length = 0;
                for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
                    if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                        length = Integer.parseInt(line.substring(15).trim());
                    }
                }
                in.readNBytes(length);
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        executor.shutdownNow();
    }
}
