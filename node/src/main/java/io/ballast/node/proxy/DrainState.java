package io.ballast.node.proxy;

/**
 * Whether the proxy is draining for shutdown: every response then carries
 * {@code Connection: close} (the client handler closes the connection after it), so each
 * client connection ends with the request it has in flight. Set once by {@link ProxyServer#drain};
 * read by the event loops (a volatile read per response).
 */
final class DrainState {

    /** Fired down each client pipeline when draining starts: idle connections close at once. */
    static final Object DRAIN = new Object() {
        @Override
        public String toString() {
            return "DRAIN";
        }
    };

    private volatile boolean draining;

    void start() {
        draining = true;
    }

    boolean draining() {
        return draining;
    }
}
