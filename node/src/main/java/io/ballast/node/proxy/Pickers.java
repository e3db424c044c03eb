package io.ballast.node.proxy;

import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.Service;
import java.util.ArrayList;
import java.util.List;

/** Builds the picker of a service from its policy; called once per service per snapshot. */
final class Pickers {

    private Pickers() {}

    /**
     * Only ACTIVE endpoints with weight &gt; 0 take new requests: DRAINING endpoints finish what
     * they have, weight 0 means "no new traffic".
     */
    static List<BackendEndpoint> eligible(Service service) {
        List<BackendEndpoint> result = new ArrayList<>(service.getEndpointsCount());
        for (Endpoint endpoint : service.getEndpointsList()) {
            if (endpoint.getState() == EndpointState.ACTIVE && endpoint.getWeight() > 0) {
                result.add(BackendEndpoint.of(service.getName(), endpoint));
            }
        }
        return result;
    }

    static EndpointPicker forService(Service service) {
        List<BackendEndpoint> endpoints = eligible(service);
        // Every algorithm known today (and UNSPECIFIED, and values from a newer control plane)
        // is round-robin; weighted policies plug in here.
        return switch (service.getPolicy().getAlgorithm()) {
            case ROUND_ROBIN, LB_ALGORITHM_UNSPECIFIED, UNRECOGNIZED -> new RoundRobinPicker(endpoints);
        };
    }
}
