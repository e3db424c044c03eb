package io.ballast.e2e.chaos;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One client HTTP/1.1 keep-alive connection, hand-written so that the load client sees exactly
 * what happened: whether any byte of a response arrived before a failure (a JDK or Netty client
 * would retry some failures silently, hiding them from the log). One request at a time; used by
 * one thread at a time (the pool hands it over).
 */
final class HttpConnection implements AutoCloseable {

    /** The connection failed before any byte of the response arrived. */
    static final class NoResponseException extends IOException {
        NoResponseException(String message) {
            super(message);
        }
    }

    record Response(int status, String backend, boolean keepAlive) {}

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private int requests;

    private HttpConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects within {@code connectTimeoutMillis}; a refused or timed-out connect throws. */
    static HttpConnection open(String hostPort, int connectTimeoutMillis) throws IOException {
        int colon = hostPort.lastIndexOf(':');
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))),
                    connectTimeoutMillis);
            return new HttpConnection(socket);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** True once a request went over this connection (a failure then may be a stale keep-alive connection). */
    boolean reused() {
        return requests > 0;
    }

    /**
     * Sends {@code GET path} and reads the whole response within {@code timeoutMillis} of
     * silence per read. The backend is the response's {@code X-Backend} header, else the first
     * line of the body.
     *
     * @throws NoResponseException when the connection ends or resets before any response byte
     * @throws IOException on any other failure (a timeout, a reset mid-response, a malformed response)
     */
    Response get(String path, String host, int timeoutMillis) throws IOException {
        requests++;
        socket.setSoTimeout(timeoutMillis);
        boolean started = false;
        try {
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: ballast-chaos\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            int first = in.read();
            if (first < 0) {
                throw new NoResponseException("connection closed before any response byte");
            }
            started = true;
            String statusLine = (char) first + readLine();
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
                throw new IOException("malformed status line: " + statusLine);
            }
            int status = Integer.parseInt(parts[1]);
            long length = -1;
            boolean chunked = false;
            boolean keepAlive = true;
            String backend = null;
            String line;
            while (!(line = readLine()).isEmpty()) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = line.substring(colon + 1).trim();
                switch (name) {
                    case "content-length" -> length = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                    case "connection" -> keepAlive = !value.equalsIgnoreCase("close");
                    case "x-backend" -> backend = value;
                    default -> { }
                }
            }
            byte[] body = chunked ? readChunked() : length >= 0 ? readExactly(length) : readToEnd();
            if (length < 0 && !chunked) {
                keepAlive = false;
            }
            if (backend == null) {
                String text = new String(body, StandardCharsets.UTF_8);
                int newline = text.indexOf('\n');
                backend = newline < 0 ? text : text.substring(0, newline);
            }
            return new Response(status, backend, keepAlive);
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException e) {
            if (!started && !(e instanceof NoResponseException)) {
                // A reset (or a broken pipe on write) before any response byte.
                throw new NoResponseException(e.toString());
            }
            throw e;
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int end = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        throw new IOException("connection closed mid-response");
    }

    private byte[] readExactly(long length) throws IOException {
        byte[] body = in.readNBytes((int) length);
        if (body.length < length) {
            throw new IOException("connection closed after " + body.length + " of " + length + " body bytes");
        }
        return body;
    }

    private byte[] readChunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = readLine();
            int semicolon = size.indexOf(';');
            long chunk = Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
            if (chunk == 0) {
                while (!readLine().isEmpty()) {
                    // trailers
                }
                return body.toByteArray();
            }
            body.write(readExactly(chunk));
            readLine();
        }
    }

    private byte[] readToEnd() throws IOException {
        return in.readAllBytes();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
