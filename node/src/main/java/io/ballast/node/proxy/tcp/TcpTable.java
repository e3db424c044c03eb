package io.ballast.node.proxy.tcp;

import io.ballast.common.policy.PolicyRules;
import io.ballast.node.proxy.ConnectionBalancer;
import io.ballast.node.proxy.ConnectionBalancer.Target;
import java.util.HashMap;
import java.util.Map;

/**
 * The TCP view of one applied snapshot: which service each port serves, the services' balancing
 * targets, meters and idle timeouts. Immutable; built off the event loops and read by them through
 * a volatile reference, so a connection starts entirely on the table it read.
 */
record TcpTable(Map<Integer, String> serviceByPort, ConnectionBalancer.Table balancing,
                Map<String, TcpServiceMetrics> metrics) {

    static final TcpTable EMPTY = new TcpTable(Map.of(), ConnectionBalancer.emptyTable(), Map.of());

    static TcpTable of(ConnectionBalancer.Table balancing, TcpMetrics meters) {
        Map<Integer, String> byPort = new HashMap<>();
        Map<String, TcpServiceMetrics> metrics = new HashMap<>();
        balancing.targets().forEach((name, target) -> {
            byPort.put(target.source().getPolicy().getTcp().getPort(), name);
            metrics.put(name, meters.service(name));
        });
        return new TcpTable(Map.copyOf(byPort), balancing, Map.copyOf(metrics));
    }

    /** The target serving {@code port}, or null. */
    Target targetForPort(int port) {
        String service = serviceByPort.get(port);
        return service == null ? null : balancing.target(service);
    }

    TcpServiceMetrics metrics(String service) {
        return metrics.get(service);
    }

    int idleTimeoutMillis(String service) {
        int millis = balancing.target(service).source().getPolicy().getTcp().getIdleTimeoutMillis();
        return millis > 0 ? millis : PolicyRules.DEFAULT_TCP_IDLE_TIMEOUT_MILLIS;
    }
}
