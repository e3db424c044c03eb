package io.ballast.node.control;

import io.ballast.common.config.Checks;

/**
 * How a node introduces itself: in the Hello of the control stream and in its
 * {@code nodes/<id>} registration.
 *
 * @param id node id ({@link Checks#ID})
 * @param zone locality zone, may be empty
 * @param proxyAddress host:port clients use to reach the node's proxy
 * @param adminAddress host:port of the node's admin HTTP endpoint, may be empty
 */
public record NodeIdentity(String id, String zone, String proxyAddress, String adminAddress) {

    public NodeIdentity {
        Checks.checkId("id", id);
        Checks.checkNotBlank("proxyAddress", proxyAddress);
        zone = zone == null ? "" : zone;
        adminAddress = adminAddress == null ? "" : adminAddress;
    }
}
