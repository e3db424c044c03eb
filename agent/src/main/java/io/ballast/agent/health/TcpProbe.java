package io.ballast.agent.health;

import io.ballast.common.config.HostPort;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

/** A TCP connect to the backend within the timeout passes; the connection is closed at once. */
final class TcpProbe implements HealthProbe {

    private final HostPort backend;
    private final int timeoutMillis;

    TcpProbe(HostPort backend, Duration timeout) {
        this.backend = backend;
        this.timeoutMillis = Math.toIntExact(Math.min(timeout.toMillis(), Integer.MAX_VALUE));
    }

    @Override
    public ProbeResult probe() {
        // Resolved on every probe so that a backend whose DNS name moves is followed.
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(backend.host(), backend.port()), timeoutMillis);
            return ProbeResult.pass("TCP connect to " + backend);
        } catch (IOException e) {
            return ProbeResult.fail("TCP connect to " + backend + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
    }
}
