package io.ballast.controlplane.health;

import io.ballast.proto.v1.EndpointOutcomes;
import io.ballast.proto.v1.Report;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What each node said about each backend address in its reports ({@code Report.outcomes}) within
 * the quorum window: when it last sent the address traffic, got an answer (success or 5xx), saw a
 * gateway failure, and whether it holds the address ejected. The leader's outlier quorum and the
 * confirmation of SUSPECT endpoints read {@link #verdict}.
 *
 * <p>Not thread-safe: owned by the control loop's state thread. Nothing fails here.
 */
final class NodeEvidence {

    private static final class Seen {
        long trafficAt = Long.MIN_VALUE;
        long answeredAt = Long.MIN_VALUE;
        long gatewayFailureAt = Long.MIN_VALUE;
        boolean ejected;
        long ejectedAt = Long.MIN_VALUE;
    }

    /**
     * The evidence about one address.
     *
     * @param voters nodes that sent it traffic or hold it ejected within the window, sorted
     * @param ejecting the voters that hold it ejected now
     * @param gatewayOnly the voters that saw only gateway failures (no answer at all) within the window
     */
    record Verdict(List<String> voters, List<String> ejecting, List<String> gatewayOnly) {
        Verdict {
            voters = List.copyOf(voters);
            ejecting = List.copyOf(ejecting);
            gatewayOnly = List.copyOf(gatewayOnly);
        }

        /** True when at least one voter and at least {@code quorumPercent} of the voters are among {@code agreeing}. */
        static boolean quorum(List<String> agreeing, List<String> voters, int quorumPercent) {
            return !agreeing.isEmpty() && agreeing.size() * 100L >= (long) quorumPercent * voters.size();
        }

        /** "2 of 3 nodes: node-1, node-2". */
        static String describe(List<String> agreeing, List<String> voters) {
            return agreeing.size() + " of " + voters.size() + (voters.size() == 1 ? " node: " : " nodes: ") + String.join(", ", agreeing);
        }
    }

    private final long windowMillis;
    // address -> node -> what it saw; sorted by node so verdicts list nodes in a stable order.
    private final Map<String, TreeMap<String, Seen>> byAddress = new HashMap<>();

    NodeEvidence(long windowMillis) {
        this.windowMillis = windowMillis;
    }

    /** Folds one report of {@code node}; an address it reported before and omits now is no longer ejected by it. */
    void record(String node, Report report, long nowMillis) {
        for (Map.Entry<String, EndpointOutcomes> entry : report.getOutcomesMap().entrySet()) {
            EndpointOutcomes o = entry.getValue();
            Seen seen = byAddress.computeIfAbsent(entry.getKey(), a -> new TreeMap<>()).computeIfAbsent(node, n -> new Seen());
            if (o.getSuccesses() + o.getErrors5Xx() + o.getGatewayFailures() > 0) {
                seen.trafficAt = nowMillis;
            }
            if (o.getSuccesses() + o.getErrors5Xx() > 0) {
                seen.answeredAt = nowMillis;
            }
            if (o.getGatewayFailures() > 0) {
                seen.gatewayFailureAt = nowMillis;
            }
            seen.ejected = o.getEjected();
            if (o.getEjected()) {
                seen.ejectedAt = nowMillis;
            }
        }
        byAddress.forEach((address, nodes) -> {
            Seen seen = nodes.get(node);
            if (seen != null && !report.containsOutcomes(address)) {
                seen.ejected = false;
            }
        });
    }

    /** Forgets a node whose stream ended: it no longer votes. */
    void forget(String node) {
        byAddress.values().forEach(nodes -> nodes.remove(node));
        byAddress.values().removeIf(Map::isEmpty);
    }

    /** Forgets what was said about {@code address}, so that only reports from now on decide. */
    void clear(String address) {
        byAddress.remove(address);
    }

    void clearAll() {
        byAddress.clear();
    }

    Verdict verdict(String address, long nowMillis) {
        List<String> voters = new ArrayList<>();
        List<String> ejecting = new ArrayList<>();
        List<String> gatewayOnly = new ArrayList<>();
        TreeMap<String, Seen> nodes = byAddress.get(address);
        if (nodes != null) {
            nodes.forEach((node, seen) -> {
                boolean holdsEjected = seen.ejected && recent(seen.ejectedAt, nowMillis);
                if (!holdsEjected && !recent(seen.trafficAt, nowMillis)) {
                    return;
                }
                voters.add(node);
                if (holdsEjected) {
                    ejecting.add(node);
                }
                if (recent(seen.gatewayFailureAt, nowMillis) && !recent(seen.answeredAt, nowMillis)) {
                    gatewayOnly.add(node);
                }
            });
        }
        return new Verdict(voters, ejecting, gatewayOnly);
    }

    /** Drops what is older than the window. */
    void prune(long nowMillis) {
        byAddress.values().forEach(nodes -> nodes.values().removeIf(seen -> !recent(seen.trafficAt, nowMillis)
                && !recent(seen.ejectedAt, nowMillis) && !recent(seen.gatewayFailureAt, nowMillis)));
        byAddress.values().removeIf(Map::isEmpty);
    }

    private boolean recent(long atMillis, long nowMillis) {
        return atMillis != Long.MIN_VALUE && nowMillis - atMillis <= windowMillis;
    }
}
