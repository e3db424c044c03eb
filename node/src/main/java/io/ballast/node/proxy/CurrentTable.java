package io.ballast.node.proxy;

/**
 * The routing table in force. {@link ProxyServer#apply} swaps it from any thread; event loops read
 * it once per request. A volatile reference to an immutable table is all the synchronisation the
 * data path needs: a request routes entirely on the table it read.
 */
final class CurrentTable {

    private volatile RoutingTable table;

    /** Null until the first snapshot is applied. */
    RoutingTable get() {
        return table;
    }

    void set(RoutingTable table) {
        this.table = table;
    }
}
