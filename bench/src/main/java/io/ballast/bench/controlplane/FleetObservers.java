package io.ballast.bench.controlplane;

import java.time.Duration;

/**
 * {@link Observers} over a {@link SimulatedFleet}: a node "holds" a version the moment its stream
 * received the push (it ACKs on the spot). The weight check decodes the first stream's latest
 * push in full, after the fact, on the caller's thread.
 */
final class FleetObservers implements Observers {

    private static final Duration QUIET = Duration.ofMillis(100);

    private final SimulatedFleet fleet;

    FleetObservers(SimulatedFleet fleet) {
        this.fleet = fleet;
    }

    @Override
    public int count() {
        return fleet.size();
    }

    @Override
    public long settledVersion(Duration timeout) {
        return fleet.awaitSettled(QUIET, timeout);
    }

    @Override
    public long[] awaitAbove(long version, Duration timeout) {
        fleet.awaitAbove(version, timeout);
        return fleet.nodes().stream().mapToLong(n -> n.firstAbove(version).atNanos()).toArray();
    }

    @Override
    public long[] bytesOfFirstAbove(long version) {
        return fleet.nodes().stream().mapToLong(n -> n.firstAbove(version).bytes()).toArray();
    }

    @Override
    public String checkWeight(String service, String id, int weight) {
        SimulatedNode first = fleet.nodes().get(0);
        SnapshotModels.Model held = first.held();
        Integer actual = held == null ? null : held.weight(service, id);
        if (actual == null) {
            return first.id() + ": " + service + "/" + id + " is not in its latest snapshot";
        }
        return actual == weight ? null : first.id() + ": " + service + "/" + id + " has weight " + actual + ", expected " + weight;
    }
}
