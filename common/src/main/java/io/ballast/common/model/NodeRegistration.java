package io.ballast.common.model;

/**
 * The payload of {@code nodes/<node-id>}: a data-plane node announcing itself and the
 * snapshot it has applied. Written by the node (updated on every apply), read by the
 * admin API on any replica.
 *
 * @param id node id
 * @param proxyAddress host:port clients use
 * @param adminAddress host:port of the node's local admin HTTP endpoint, may be empty
 * @param zone locality zone, may be empty
 * @param appliedEpoch epoch of the applied snapshot, 0 when none
 * @param appliedVersion version of the applied snapshot, 0 when none
 * @param lastError detail of the last refused snapshot, empty when none
 */
public record NodeRegistration(
        String id,
        String proxyAddress,
        String adminAddress,
        String zone,
        long appliedEpoch,
        long appliedVersion,
        String lastError) {

    public NodeRegistration {
        adminAddress = adminAddress == null ? "" : adminAddress;
        zone = zone == null ? "" : zone;
        lastError = lastError == null ? "" : lastError;
    }
}
