package io.ballast.controlplane.drain;

import io.ballast.controlplane.stream.Subscriber;
import io.ballast.proto.v1.DrainStatus;
import io.ballast.proto.v1.Report;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;

/**
 * Whether a drain is complete: every live node has applied the first snapshot in which the
 * backend takes no new requests ({@code version}) and has reported, from that snapshot on, no
 * request in flight to the backend's address. A live node without a stream to the leader holds
 * the barrier (it may still be sending requests from an older snapshot); so does one whose last
 * report predates the version. Pure; the leader's state thread calls it with its subscribers.
 */
public final class DrainBarrier {

    /** Lagging nodes named in a status; the rest are counted. */
    static final int MAX_LAGGING = 16;

    private DrainBarrier() {}

    /**
     * @param address the backend's host:port, as nodes report it
     * @param version the first snapshot version without new traffic to it
     * @param liveNodes ids of the nodes registered in ZooKeeper ({@code nodes/})
     * @param subscribers the leader's streams
     */
    public static DrainStatus evaluate(String address, long version, SortedSet<String> liveNodes,
                                       Collection<Subscriber> subscribers, long nowMillis) {
        Map<String, Subscriber> byNode = new TreeMap<>();
        subscribers.forEach(s -> byNode.put(s.nodeId(), s));
        List<String> lagging = new ArrayList<>();
        TreeMap<String, Boolean> nodes = new TreeMap<>();
        liveNodes.forEach(n -> nodes.put(n, true));
        byNode.keySet().forEach(n -> nodes.put(n, true));
        for (String node : nodes.keySet()) {
            Subscriber stream = byNode.get(node);
            if (stream == null) {
                lagging.add(node + ": no control stream to the leader");
                continue;
            }
            if (stream.ackedVersion() < version) {
                lagging.add(node + ": has not applied version " + version + " (applied " + stream.ackedVersion() + ")");
                continue;
            }
            Report report = stream.lastReport();
            if (report == null || report.getAppliedVersion() < version) {
                lagging.add(node + ": no report since version " + version);
                continue;
            }
            int inFlight = report.getInFlightOrDefault(address, 0);
            if (inFlight > 0) {
                lagging.add(node + ": " + inFlight + (inFlight == 1 ? " request" : " requests") + " in flight");
            }
        }
        // The first MAX_LAGGING reasons name the nodes; the count says how many more (a status per
        // drained endpoint is written to ZooKeeper, and 200 lines each for 1,000 drains is 40 MB).
        List<String> shown = lagging.size() <= MAX_LAGGING ? lagging : new ArrayList<>(lagging.subList(0, MAX_LAGGING));
        if (lagging.size() > MAX_LAGGING) {
            shown.add("... and " + (lagging.size() - MAX_LAGGING) + " more nodes");
        }
        return DrainStatus.newBuilder().setState(lagging.isEmpty() ? "COMPLETE" : "IN_PROGRESS").setVersion(version)
                .addAllLagging(shown).setUpdatedAtUnixMillis(nowMillis).build();
    }
}
