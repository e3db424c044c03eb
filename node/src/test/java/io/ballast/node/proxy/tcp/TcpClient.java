package io.ballast.node.proxy.tcp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A blocking TCP client for the tests: reads lines and everything until EOF, with a read timeout. */
public final class TcpClient implements AutoCloseable {

    final Socket socket;
    private final InputStream in;

    private TcpClient(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(10_000); // a hung proxy fails the test instead of blocking it
        this.in = socket.getInputStream();
    }

    public static TcpClient connect(int port) throws IOException {
        return connect("127.0.0.1", port);
    }

    /** From source address {@code from} (any 127.x.y.z works on Linux loopback). */
    public static TcpClient connectFrom(String from, int port) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(from, 0));
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        return new TcpClient(socket);
    }

    public static TcpClient connect(String host, int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), 5_000);
        return new TcpClient(socket);
    }

    /** One line without its newline; null at EOF. */
    public String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) >= 0; ) {
            if (b == '\n') {
                return line.toString(StandardCharsets.US_ASCII);
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.US_ASCII);
    }

    /** Everything until the peer's FIN. */
    String readToEnd() throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }

    public void send(String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    InputStream in() {
        return in;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
