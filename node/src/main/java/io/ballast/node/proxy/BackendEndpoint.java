package io.ballast.node.proxy;

/**
 * One eligible endpoint of a service as the data path sees it: built once per snapshot so that
 * picking one allocates nothing.
 */
record BackendEndpoint(String service, String id, BackendAddress address) {

    static BackendEndpoint of(String service, io.ballast.proto.v1.Endpoint endpoint) {
        return new BackendEndpoint(service, endpoint.getId(), new BackendAddress(endpoint.getHost(), endpoint.getPort()));
    }

    /** For error bodies and logs: {@code e1 (127.0.0.1:9000)}. */
    String describe() {
        return id + " (" + address + ")";
    }
}
