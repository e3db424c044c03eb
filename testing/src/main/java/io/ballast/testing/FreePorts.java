package io.ballast.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Free TCP ports, chosen by the kernel. Linux routes all of 127.0.0.0/8 to loopback, so
 * tests give each simulated host its own address ({@code 127.0.3.1}, ...) and pick a port
 * on it here. There is a window between this call and the real bind; tests that start
 * processes retry the whole start when a bind loses that race.
 */
public final class FreePorts {

    private FreePorts() {}

    public static int on(String address) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + address, e);
        }
    }

    public static int onLoopback() {
        return on("127.0.0.1");
    }
}
