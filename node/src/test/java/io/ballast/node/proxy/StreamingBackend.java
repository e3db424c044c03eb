package io.ballast.node.proxy;

import java.io.ByteArrayOutputStream;
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
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

/**
 * A backend on plain sockets for large and odd bodies, one thread per connection, behaviour by path:
 * <ul>
 *   <li>{@code GET /download/<n>}: a {@code Content-Length: n} body of {@link #pattern} bytes, written in 64 KiB
 *       pieces, counted in {@link #written()};
 *   <li>{@code GET /chunked}: a chunked body {@code "hello"," ","world"};
 *   <li>{@code GET /die/<n>}: announces {@code n} bytes, sends a quarter of them, closes;
 *   <li>{@code POST /upload} (Content-Length or chunked body): waits for {@link #openGate()} if
 *       the gate is shut, reads the body counting {@link #received()}, answers
 *       {@code "<bytes> <crc32>"}.
 * </ul>
 * Its sockets use small buffers so that backpressure shows within a few hundred KiB. Close it.
 */
final class StreamingBackend implements AutoCloseable {

    static final int PIECE = 64 * 1024;
    private static final int SOCKET_BUFFER = 32 * 1024;

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger closedByPeer = new AtomicInteger();
    private volatile CountDownLatch gate = new CountDownLatch(0);

    StreamingBackend() {
        try {
            server = new ServerSocket();
            server.setReceiveBufferSize(SOCKET_BUFFER);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        threads.execute(this::acceptLoop);
    }

    /** Byte {@code i} of every downloaded body. */
    static byte pattern(long i) {
        return (byte) (i * 31 + 7);
    }

    int port() {
        return server.getLocalPort();
    }

    long written() {
        return written.get();
    }

    long received() {
        return received.get();
    }

    int requests() {
        return requests.get();
    }

    /** Connections on which a write failed or the peer closed mid-request. */
    int closedByPeer() {
        return closedByPeer.get();
    }

    /** Uploads wait for {@link #openGate()} before reading their body. */
    void shutGate() {
        gate = new CountDownLatch(1);
    }

    void openGate() {
        gate.countDown();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                socket.setSendBufferSize(SOCKET_BUFFER);
                socket.setTcpNoDelay(true);
                sockets.add(socket);
                threads.execute(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            String head;
            while ((head = readHead(in)) != null) {
                requests.incrementAndGet();
                String path = head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
                if (path.startsWith("/download/")) {
                    download(out, Long.parseLong(path.substring("/download/".length())));
                } else if (path.equals("/chunked")) {
                    out.write(("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                } else if (path.startsWith("/die/")) {
                    long n = Long.parseLong(path.substring("/die/".length()));
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + n + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.write(new byte[(int) (n / 4)]);
                    out.flush();
                    return;
                } else {
                    upload(head, in, out);
                }
            }
        } catch (IOException | InterruptedException e) {
            closedByPeer.incrementAndGet();
        }
    }

    private void download(OutputStream out, long n) throws IOException {
        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + n + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        byte[] piece = new byte[PIECE];
        long sent = 0;
        while (sent < n) {
            int len = (int) Math.min(PIECE, n - sent);
            for (int i = 0; i < len; i++) {
                piece[i] = pattern(sent + i);
            }
            out.write(piece, 0, len);
            sent += len;
            written.addAndGet(len);
        }
        out.flush();
    }

    private void upload(String head, InputStream in, OutputStream out) throws IOException, InterruptedException {
        if (!gate.await(30, TimeUnit.SECONDS)) {
            throw new IOException("gate never opened");
        }
        CRC32 crc = new CRC32();
        long bytes = 0;
        String lower = head.toLowerCase(Locale.ROOT);
        if (lower.contains("transfer-encoding: chunked")) {
            long size;
            while ((size = Long.parseLong(line(in).trim(), 16)) > 0) {
                bytes += copy(in, size, crc);
                line(in);
            }
            line(in); // the empty line after the last chunk (no trailers)
        } else {
            int at = lower.indexOf("content-length:");
            long length = at < 0 ? 0 : Long.parseLong(lower.substring(at + 15, lower.indexOf('\r', at)).trim());
            bytes = copy(in, length, crc);
        }
        byte[] body = (bytes + " " + crc.getValue()).getBytes(StandardCharsets.ISO_8859_1);
        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
    }

    private long copy(InputStream in, long length, CRC32 crc) throws IOException {
        byte[] buffer = new byte[16 * 1024];
        long left = length;
        while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new IOException("body ended after " + (length - left) + " of " + length + " bytes");
            }
            crc.update(buffer, 0, n);
            received.addAndGet(n);
            left -= n;
        }
        return length;
    }

    /** A request head up to its blank line, or null at end of stream. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        int tail = 0;
        while ((b = in.read()) != -1) {
            head.write(b);
            tail = (tail << 8) | b;
            if (tail == 0x0d0a0d0a) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        gate.countDown();
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
        threads.shutdownNow();
    }
}
