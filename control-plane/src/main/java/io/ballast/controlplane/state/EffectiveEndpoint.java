package io.ballast.controlplane.state;

import io.ballast.common.model.EndpointOverride;
import io.ballast.proto.v1.EndpointState;

/**
 * The one rule that combines an agent's declared weight with operator state, shared by the
 * snapshot and the admin API so that both always agree. Pure; any thread.
 */
public final class EffectiveEndpoint {

    private EffectiveEndpoint() {}

    /** 0 when drained or ejected, else the override weight if set, else the declared weight. */
    public static int weight(int declaredWeight, EndpointOverride override) {
        if (override.drained() || override.hasEjection()) {
            return 0;
        }
        return override.weight() != null ? override.weight() : declaredWeight;
    }

    public static EndpointState state(EndpointOverride override) {
        if (override.hasEjection()) {
            return EndpointState.EJECTED;
        }
        return override.drained() ? EndpointState.DRAINING : EndpointState.ACTIVE;
    }
}
