package io.ballast.node.proxy.tcp;

import io.ballast.node.proxy.ConnectionBalancer.Target;
import java.util.HashMap;
import java.util.Map;

/**
 * The TCP connections open on one event loop, per service and backend address, across snapshots.
 *
 * <p>Why it exists: least-connections and least-request pickers read per-loop counters that
 * belong to one snapshot's target, and a TCP connection usually outlives many snapshots (weights
 * move every few seconds). Each loop therefore copies its open connections into a new target's
 * counters the first time it uses that target ({@link #seed}), and a connection that ends is
 * taken off the target in force at that moment, not the one it started on.
 *
 * <p>Threading: confined to its event loop (plain maps, no locks), except {@link #byAddress},
 * which the loop runs when another thread submits it.
 */
final class LoopConnections {

    final int index;
    private final Map<String, Map<String, Integer>> open = new HashMap<>(); // service -> host:port -> count

    LoopConnections(int index) {
        this.index = index;
    }

    /** Makes {@code target}'s counters of this loop include its open connections; once per target. */
    void seed(Target target) {
        if (target.seeded(index)) {
            return;
        }
        Map<String, Integer> byAddress = open.get(target.name());
        if (byAddress != null) {
            for (int i = 0; i < target.endpoints(); i++) {
                Integer count = byAddress.get(target.address(i));
                // Two endpoints at one address: the counts go to the first, as closed() takes them off.
                if (count != null && target.indexOf(target.address(i)) == i) {
                    for (int n = 0; n < count; n++) {
                        target.opened(index, i);
                    }
                }
            }
        }
        target.markSeeded(index);
    }

    /** A connection to endpoint {@code endpoint} of {@code target} is established. */
    void opened(Target target, int endpoint) {
        seed(target);
        open.computeIfAbsent(target.name(), s -> new HashMap<>()).merge(target.address(endpoint), 1, Integer::sum);
        target.opened(index, target.indexOf(target.address(endpoint)));
    }

    /**
     * A connection to {@code address} of {@code service} ended.
     *
     * @param current the service's target in force now, or null when the service left the snapshot
     */
    void closed(String service, String address, Target current) {
        if (current != null) {
            seed(current); // before the count drops: the seed must include this connection
        }
        Map<String, Integer> byAddress = open.get(service);
        if (byAddress != null) {
            byAddress.computeIfPresent(address, (a, n) -> n > 1 ? n - 1 : null);
            if (byAddress.isEmpty()) {
                open.remove(service);
            }
        }
        if (current != null) {
            int endpoint = current.indexOf(address);
            if (endpoint >= 0) {
                current.closed(index, endpoint);
            }
        }
    }

    /** Open connections per backend {@code host:port}, over every service. */
    Map<String, Integer> byAddress() {
        Map<String, Integer> total = new HashMap<>();
        open.values().forEach(byAddress -> byAddress.forEach((address, n) -> total.merge(address, n, Integer::sum)));
        return total;
    }
}
