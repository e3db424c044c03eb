package io.ballast.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FaultProxyTest {

    private ServerSocket echo;
    private Thread echoThread;
    private FaultProxy proxy;

    @BeforeEach
    void startEcho() throws IOException {
        echo = new ServerSocket();
        echo.bind(new InetSocketAddress("127.0.0.1", 0));
        echoThread = new Thread(() -> {
            while (true) {
                try {
                    Socket socket = echo.accept();
                    Thread copier = new Thread(() -> {
                        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
                            in.transferTo(out);
                        } catch (IOException ignored) {
                            // the client went away
                        }
                    });
                    copier.setDaemon(true);
                    copier.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        echoThread.setDaemon(true);
        echoThread.start();
        proxy = FaultProxy.start("127.0.0.1", (InetSocketAddress) echo.getLocalSocketAddress());
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        echo.close();
        echoThread.join(5_000);
    }

    @Test
    void forwardsBothWaysWhenPassing() throws IOException {
        try (Socket client = connect()) {
            client.getOutputStream().write("ping".getBytes(StandardCharsets.UTF_8));
            assertThat(new String(client.getInputStream().readNBytes(4), StandardCharsets.UTF_8)).isEqualTo("ping");
        }
    }

    @Test
    void aBlackholeAcceptsAndNeverAnswersNorCloses() throws IOException {
        proxy.blackhole();
        try (Socket client = connect()) {
            client.setSoTimeout(300);
            client.getOutputStream().write("ping".getBytes(StandardCharsets.UTF_8));
            // A timeout, not an end of stream (-1) and not a reset: the connection is half-open.
            assertThatThrownBy(() -> client.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
        }
    }

    @Test
    void aBlackholeFreezesAnOpenConnectionAndPassResumesIt() throws IOException {
        try (Socket client = connect()) {
            client.setSoTimeout(5_000);
            client.getOutputStream().write("a".getBytes(StandardCharsets.UTF_8));
            assertThat(client.getInputStream().read()).isEqualTo('a');
            proxy.blackhole();
            client.setSoTimeout(300);
            client.getOutputStream().write("b".getBytes(StandardCharsets.UTF_8));
            assertThatThrownBy(() -> client.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
            proxy.pass();
            client.setSoTimeout(5_000);
            client.getOutputStream().write("c".getBytes(StandardCharsets.UTF_8));
            assertThat(client.getInputStream().read()).isEqualTo('c');
        }
    }

    @Test
    void rejectsANonPositiveBandwidth() {
        assertThatThrownBy(() -> proxy.bandwidth(0)).hasMessage("bytesPerSecond: 0 (expected: > 0)");
    }

    private Socket connect() throws IOException {
        String[] hostPort = proxy.address().split(":");
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), 2_000);
        return socket;
    }
}
