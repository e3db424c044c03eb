package io.ballast.bench.controlplane;

import com.google.protobuf.InvalidProtocolBufferException;
import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.ServerMessage;
import io.ballast.proto.v1.Service;
import io.ballast.proto.v1.ServiceDelta;
import io.ballast.proto.v1.SnapshotDelta;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * What the simulated nodes hold: per pushed (epoch, version), each service's endpoints (id to
 * weight), built once per version for the whole fleet. Every stream receives the same content for
 * a version (a delta from whichever base yields the same snapshot), so the first stream to
 * receive a version decodes it and the others reuse the result: 200 streams cost the benchmark
 * one decode per change, not 200, and the leader, not the driver, stays the thing measured.
 *
 * <p>A delta is applied onto the model the receiving stream holds, which must be exactly its base
 * (epoch and base_version), as a real node requires; anything else is an {@link IllegalStateException}
 * that voids the run. Models share unchanged services' maps with their base (copy on write per
 * service). The cache keeps the newest {@link #KEPT} versions; a node's own model is held by the
 * node, so eviction never loses a base.
 *
 * <p>Threading: any gRPC transport thread; the cache is a concurrent map and models are immutable.
 */
final class SnapshotModels {

    /** One snapshot's content: services by name, each endpoint id to its weight. Immutable. */
    record Model(long epoch, long version, Map<String, Map<String, Integer>> services, int endpoints) {

        /** The weight of {@code service}/{@code id}, or null when it is not in this snapshot. */
        Integer weight(String service, String id) {
            Map<String, Integer> endpoints = services.get(service);
            return endpoints == null ? null : endpoints.get(id);
        }
    }

    private record Key(long epoch, long version) implements Comparable<Key> {
        @Override
        public int compareTo(Key other) {
            int byEpoch = Long.compare(epoch, other.epoch);
            return byEpoch != 0 ? byEpoch : Long.compare(version, other.version);
        }
    }

    static final int KEPT = 64;

    private final ConcurrentSkipListMap<Key, Model> models = new ConcurrentSkipListMap<>();

    /**
     * The model of the push {@code shape} (decoded from {@code message}), received by a node that
     * holds {@code held} (null before its first push).
     */
    Model resolve(PushShape shape, byte[] message, Model held) {
        Key key = new Key(shape.epoch(), shape.version());
        Model known = models.get(key);
        if (known == null) {
            // Two streams may decode the same version at once; both results are equal, one is kept.
            Model built = shape.delta() ? applyDelta(message, held) : decodeFull(message);
            known = models.putIfAbsent(key, built);
            known = known == null ? built : known;
            while (models.size() > KEPT) {
                models.pollFirstEntry();
            }
        } else if (shape.delta()) {
            checkBase(shape.epoch(), shape.baseVersion(), held);
        }
        return known;
    }

    private static void checkBase(long epoch, long baseVersion, Model held) {
        if (held == null || held.epoch() != epoch || held.version() != baseVersion) {
            throw new IllegalStateException("delta onto epoch " + epoch + " version " + baseVersion + ", but the stream holds "
                    + (held == null ? "nothing" : "epoch " + held.epoch() + " version " + held.version()));
        }
    }

    private static Model decodeFull(byte[] message) {
        var snapshot = parse(message).getSnapshot().getSnapshot();
        Map<String, Map<String, Integer>> services = new HashMap<>();
        int endpoints = 0;
        for (Service service : snapshot.getServicesList()) {
            services.put(service.getName(), weights(service));
            endpoints += service.getEndpointsCount();
        }
        return new Model(snapshot.getEpoch(), snapshot.getVersion(), Map.copyOf(services), endpoints);
    }

    private static Model applyDelta(byte[] message, Model base) {
        SnapshotDelta delta = parse(message).getSnapshot().getDelta();
        checkBase(delta.getEpoch(), delta.getBaseVersion(), base);
        Map<String, Map<String, Integer>> services = new HashMap<>(base.services());
        int endpoints = base.endpoints();
        for (String removed : delta.getRemovedServicesList()) {
            Map<String, Integer> gone = services.remove(removed);
            if (gone == null) {
                throw new IllegalStateException("delta " + delta.getVersion() + " removes service " + removed + ", not in the base");
            }
            endpoints -= gone.size();
        }
        for (ServiceDelta change : delta.getServicesList()) {
            Map<String, Integer> before = services.getOrDefault(change.getName(), Map.of());
            Map<String, Integer> after;
            if (change.hasReplacement()) {
                after = weights(change.getReplacement());
            } else {
                Map<String, Integer> edited = new HashMap<>(before);
                for (Endpoint endpoint : change.getUpsertedEndpointsList()) {
                    edited.put(endpoint.getId(), endpoint.getWeight());
                }
                for (String id : change.getRemovedEndpointIdsList()) {
                    if (edited.remove(id) == null) {
                        throw new IllegalStateException("delta " + delta.getVersion() + " removes " + change.getName() + "/" + id
                                + ", not in the base");
                    }
                }
                after = Map.copyOf(edited);
            }
            endpoints += after.size() - before.size();
            services.put(change.getName(), after);
        }
        return new Model(delta.getEpoch(), delta.getVersion(), Map.copyOf(services), endpoints);
    }

    private static Map<String, Integer> weights(Service service) {
        Map<String, Integer> weights = new HashMap<>();
        for (Endpoint endpoint : service.getEndpointsList()) {
            weights.put(endpoint.getId(), endpoint.getWeight());
        }
        return Map.copyOf(weights);
    }

    private static ServerMessage parse(byte[] message) {
        try {
            return ServerMessage.parseFrom(message);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("undecodable push: " + e.getMessage(), e);
        }
    }
}
