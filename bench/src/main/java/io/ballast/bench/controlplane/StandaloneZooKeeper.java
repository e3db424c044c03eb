package io.ballast.bench.controlplane;

import io.ballast.common.process.ParentWatchdog;
import org.apache.zookeeper.server.ZooKeeperServerMain;

/**
 * ZooKeeper's own standalone server ({@link ZooKeeperServerMain}) for the benchmark, with
 * Ballast's parent watchdog ({@code -Dballast.parent.pid}) so that it exits when the benchmark
 * script dies. The benchmark needs its own configuration file (a thousand sessions from one
 * address: {@code maxClientCnxns=0}), which {@code bin/ballast zookeeper} does not take.
 * Arguments: those of ZooKeeperServerMain (the path of a zoo.cfg).
 */
public final class StandaloneZooKeeper {

    private StandaloneZooKeeper() {}

    public static void main(String[] args) {
        ParentWatchdog.startIfRequested();
        ZooKeeperServerMain.main(args);
    }
}
