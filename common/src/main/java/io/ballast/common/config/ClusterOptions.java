package io.ballast.common.config;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options every ZooKeeper-connected component shares, as a picocli mixin
 * ({@code @Mixin ClusterOptions cluster;}), so that {@code --zk}, {@code --cluster},
 * {@code --config} and {@code --session-timeout-ms} read the same everywhere.
 * Values are validated by each component's config builder.
 */
public final class ClusterOptions {

    public static final String DEFAULT_ZK = "127.0.0.1:2181";
    public static final String DEFAULT_SESSION_TIMEOUT_MILLIS = "6000";

    @Option(names = "--zk", defaultValue = DEFAULT_ZK,
            description = "ZooKeeper connect string host:port[,host:port...] (default: ${DEFAULT-VALUE})")
    public String zk;

    @Option(names = "--cluster", defaultValue = "default",
            description = "Cluster name; the ZooKeeper tree is /ballast/<cluster> (default: ${DEFAULT-VALUE})")
    public String cluster;

    /** Read by the launcher before parsing (see {@link ConfigFile}); unused by the command itself. */
    @Option(names = "--config", description = "YAML file whose keys are these options' long names; flags win")
    public Path config;

    @Option(names = "--session-timeout-ms", defaultValue = DEFAULT_SESSION_TIMEOUT_MILLIS,
            description = "ZooKeeper session timeout in milliseconds: how long this process's ephemeral znodes "
                    + "outlive it if it dies (default: ${DEFAULT-VALUE})")
    public long sessionTimeoutMillis;

    @Option(names = "--zk-auth", paramLabel = "USER:PASSWORD", defaultValue = "${env:BALLAST_ZK_AUTH}",
            description = "ZooKeeper digest credentials of this process (default: $BALLAST_ZK_AUTH; none: open ACLs). Needs --zk-acl.")
    public String zkAuth;

    @Option(names = "--zk-acl", paramLabel = "FILE", description = "YAML file with the digests of the control plane, nodes and"
            + " agents (see `bin/ballast zk-digest`); every znode this process creates gets the cluster's ACLs")
    public Path zkAcl;

    /** How this process reaches ZooKeeper, for the cluster named by {@code --cluster}. */
    public io.ballast.common.zk.ZkAccess zkAccess() {
        return io.ballast.common.zk.ZkAccess.of(zkAuth == null || zkAuth.isBlank() ? null : zkAuth, zkAcl,
                io.ballast.common.zk.ZkPaths.forCluster(cluster));
    }
}
