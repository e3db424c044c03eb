package io.ballast.node.proxy.tcp;

/**
 * A snapshot's TCP listener this node cannot open, named by field and value
 * ({@code services[1].policy.tcp.port: 8080 (expected: not this node's HTTP port)}). Its
 * {@link #toString} is the message alone, because the snapshot applier puts it into the NACK.
 */
public final class TcpListenerException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    TcpListenerException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public String toString() {
        return getMessage();
    }
}
