package io.ballast.common.model;

/**
 * The payload of {@code control/replicas/<id>}: one live control-plane replica.
 *
 * @param id replica id
 * @param address gRPC host:port serving the admin API and the control stream
 */
public record ReplicaInfo(String id, String address) {}
