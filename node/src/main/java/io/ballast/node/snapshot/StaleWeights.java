package io.ballast.node.snapshot;

import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.Service;
import io.ballast.proto.v1.Snapshot;

/**
 * What a node routes by when it has not heard from the control plane for longer than its weight
 * max age: computed weights (load factor, slow start) are the leader's view of a moment that is
 * gone, so they are moved back toward each endpoint's declared weight instead of being trusted
 * forever (the known Envoy complaint about stale EDS weights). Weight 0 and DRAINING stay as they
 * are: those are operator decisions, not inferences.
 *
 * <p>Pure; any thread.
 */
public final class StaleWeights {

    private StaleWeights() {}

    /**
     * How far to move toward the declared weights: 0 until {@code maxAge} of silence, then linearly
     * to 1 over one more {@code maxAge}, in steps of a tenth (so the proxy rebuilds its pickers at
     * most ten times per decay).
     */
    public static double fraction(long silentNanos, long maxAgeNanos) {
        if (silentNanos <= maxAgeNanos) {
            return 0;
        }
        double linear = Math.min(1.0, (double) (silentNanos - maxAgeNanos) / maxAgeNanos);
        return Math.floor(linear * 10) / 10;
    }

    /** {@code snapshot} with each ACTIVE endpoint's weight moved {@code fraction} of the way to its declared weight. */
    public static Snapshot decay(Snapshot snapshot, double fraction) {
        if (fraction <= 0) {
            return snapshot;
        }
        Snapshot.Builder decayed = snapshot.toBuilder();
        for (int i = 0; i < decayed.getServicesCount(); i++) {
            Service.Builder service = decayed.getServicesBuilder(i);
            for (int j = 0; j < service.getEndpointsCount(); j++) {
                Endpoint endpoint = service.getEndpoints(j);
                int declared = endpoint.getDeclaredWeight();
                if (endpoint.getState() == EndpointState.ACTIVE && endpoint.getWeight() > 0 && declared > 0) {
                    int weight = (int) Math.round(endpoint.getWeight() + (declared - endpoint.getWeight()) * Math.min(1.0, fraction));
                    service.setEndpoints(j, endpoint.toBuilder().setWeight(Math.max(1, weight)));
                }
            }
        }
        return decayed.build();
    }
}
