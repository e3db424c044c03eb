package io.ballast.common.zk;

import io.ballast.common.config.Checks;

/**
 * The ZooKeeper tree of one Ballast cluster, rooted at {@code /ballast/<cluster>}.
 * See docs/architecture.md for who writes each path and whether it is ephemeral.
 *
 * <p>Immutable and thread-safe.
 */
public final class ZkPaths {

    public static final String DEFAULT_CLUSTER = "default";

    private final String root;

    private ZkPaths(String root) {
        this.root = root;
    }

    /** Paths for {@code cluster}; throws IllegalArgumentException naming the value when it is not a valid name. */
    public static ZkPaths forCluster(String cluster) {
        Checks.checkName("cluster", cluster);
        return new ZkPaths("/ballast/" + cluster);
    }

    public String root() { return root; }

    /** Parent of all registrations: {@code backends/<service>/<endpoint-id>} (EPHEMERAL, written by agents). */
    public String backends() { return root + "/backends"; }

    public String service(String service) { return backends() + "/" + service; }

    public String backend(String service, String endpointId) { return service(service) + "/" + endpointId; }

    /** Parent of data-plane node registrations: {@code nodes/<node-id>} (EPHEMERAL, written by nodes). */
    public String nodes() { return root + "/nodes"; }

    public String node(String nodeId) { return nodes() + "/" + nodeId; }

    /** Curator LeaderLatch path. Nothing of ours is ever written below it. */
    public String election() { return root + "/control/election"; }

    /** EPHEMERAL, written by the leader: its id, gRPC address, epoch and latest snapshot version. */
    public String leader() { return root + "/control/leader"; }

    /** Parent of {@code control/replicas/<id>} (EPHEMERAL, one per live control-plane replica). */
    public String replicas() { return root + "/control/replicas"; }

    public String replica(String id) { return replicas() + "/" + id; }

    /** PERSISTENT decimal counter; raised with a versioned setData on every election. */
    public String epoch() { return root + "/control/epoch"; }

    /** Parent of {@code config/endpoints/<service>/<endpoint-id>} (PERSISTENT, written by the admin API). */
    public String endpointConfigs() { return root + "/config/endpoints"; }

    public String endpointConfig(String service, String endpointId) {
        return endpointConfigs() + "/" + service + "/" + endpointId;
    }

    /** Parent of {@code config/services/<service>} (PERSISTENT, written by the admin API, JSON ServicePolicy). */
    public String serviceConfigs() { return root + "/config/services"; }

    public String serviceConfig(String service) { return serviceConfigs() + "/" + service; }

    /** PERSISTENT, written by the admin API: the operator's routes (protobuf JSON of SetRoutesRequest). */
    public String routes() { return root + "/config/routes"; }

    /** Parent of {@code control/drains/<service>/<endpoint-id>} (PERSISTENT, written by the leader): each drain's barrier status. */
    public String drains() { return root + "/control/drains"; }

    public String drain(String service, String endpointId) { return drains() + "/" + service + "/" + endpointId; }

    /** Parent of the audit log: {@code audit/entry-NNNNNNNNNN} (PERSISTENT_SEQUENTIAL, written by the admin API). */
    public String audit() { return root + "/audit"; }

    /** The prefix a new audit entry is created with (ZooKeeper appends the sequence number). */
    public String auditEntry() { return audit() + "/entry-"; }
}
