package io.ballast.node.proxy;

/**
 * One eligible endpoint of a service as the data path sees it: built once per snapshot so that
 * picking one allocates nothing.
 *
 * @param index position of this endpoint among its service's eligible endpoints (0-based); the
 *              slot of its counters in the service's per-loop {@link LoadTracker}
 * @param weight effective weight the pickers balance by, &gt; 0
 * @param zone locality zone, may be empty
 */
record BackendEndpoint(String service, String id, BackendAddress address, int index, int weight, String zone) {

    static BackendEndpoint of(String service, io.ballast.proto.v1.Endpoint endpoint, int index, int weight) {
        return new BackendEndpoint(service, endpoint.getId(), new BackendAddress(endpoint.getHost(), endpoint.getPort()),
                index, weight, endpoint.getZone());
    }

    /** For error bodies and logs: {@code e1 (127.0.0.1:9000)}. */
    String describe() {
        return id + " (" + address + ")";
    }
}
