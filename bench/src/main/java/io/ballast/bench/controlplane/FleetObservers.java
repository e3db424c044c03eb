package io.ballast.bench.controlplane;

import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.ServerMessage;
import io.ballast.proto.v1.Service;
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
        try {
            ServerMessage message = ServerMessage.parseFrom(first.lastMessage());
            for (Service candidate : message.getSnapshot().getSnapshot().getServicesList()) {
                if (candidate.getName().equals(service)) {
                    for (Endpoint endpoint : candidate.getEndpointsList()) {
                        if (endpoint.getId().equals(id)) {
                            return endpoint.getWeight() == weight ? null
                                    : first.id() + ": " + service + "/" + id + " has weight " + endpoint.getWeight() + ", expected " + weight;
                        }
                    }
                }
            }
            return first.id() + ": " + service + "/" + id + " is not in its latest snapshot";
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            return first.id() + ": undecodable push: " + e.getMessage();
        }
    }
}
