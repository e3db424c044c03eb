package io.ballast.cli;

import io.ballast.common.config.HostPort;
import io.ballast.common.json.Json;
import io.ballast.common.model.LeaderInfo;
import io.ballast.common.model.ReplicaInfo;
import io.ballast.common.zk.ZkClients;
import io.ballast.common.zk.ZkPaths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;

/**
 * Finds the admin API addresses to try, in order: {@code --server} alone when given;
 * otherwise the leader first, then every other live replica registered in ZooKeeper.
 * Called once per ballastctl invocation, on the main thread.
 */
final class ReplicaDiscovery {

    private ReplicaDiscovery() {}

    static List<String> addresses(ConnectionOptions options) {
        if (options.server != null) {
            return List.of(HostPort.parse("server", options.server).toString());
        }
        HostPort.checkConnectString("zk", options.zk);
        ZkPaths paths = ZkPaths.forCluster(options.cluster);
        try (CuratorFramework client = ZkClients.newClient(options.zk, Duration.ofSeconds(10))) {
            client.start();
            if (!client.blockUntilConnected((int) options.timeoutMillis, TimeUnit.MILLISECONDS)) {
                throw new AdminCallException("cannot reach ZooKeeper at " + options.zk
                        + " within " + options.timeoutMillis + " ms; give --zk or --server", BallastCtl.EXIT_UNAVAILABLE);
            }
            LinkedHashSet<String> addresses = new LinkedHashSet<>();
            try {
                LeaderInfo leader = Json.read(client.getData().forPath(paths.leader()), LeaderInfo.class, "control/leader");
                addresses.add(leader.address());
            } catch (KeeperException.NoNodeException e) {
                // No leader right now: any replica still answers admin calls.
            }
            List<String> children;
            try {
                children = client.getChildren().forPath(paths.replicas());
            } catch (KeeperException.NoNodeException e) {
                children = List.of();
            }
            for (String child : children) {
                try {
                    ReplicaInfo replica = Json.read(client.getData().forPath(paths.replica(child)), ReplicaInfo.class, "replica " + child);
                    addresses.add(replica.address());
                } catch (KeeperException.NoNodeException e) {
                    // The replica went away while we listed; skip it.
                }
            }
            if (addresses.isEmpty()) {
                throw new AdminCallException("no control-plane replica is registered under " + paths.replicas()
                        + " in ZooKeeper " + options.zk + "; is the control plane running?", BallastCtl.EXIT_UNAVAILABLE);
            }
            return new ArrayList<>(addresses);
        } catch (AdminCallException | IllegalArgumentException e) {
            throw e;
        } catch (Exception e) {
            throw new AdminCallException("cannot read replicas from ZooKeeper " + options.zk + ": " + e, BallastCtl.EXIT_UNAVAILABLE);
        } 
    }
}
