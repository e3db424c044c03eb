package io.ballast.launcher.zookeeper;

import io.ballast.common.config.HostPort;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ballast zookeeper}: a real ZooKeeper server in this JVM, standalone or as one member
 * of an ensemble. Blocks until SIGTERM/SIGINT, then stops the server and deletes its
 * temporary data directory (a {@code --data-dir} is kept).
 */
@Command(name = "zookeeper", mixinStandardHelpOptions = true,
        description = "Run a ZooKeeper server (standalone, or one member of an ensemble with --servers).")
public final class ZooKeeperCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(ZooKeeperCommand.class);

    @Option(names = "--listen", description = "Client address host:port (default: ${DEFAULT-VALUE})",
            defaultValue = ZooKeeperConfig.DEFAULT_LISTEN)
    String listen;

    @Option(names = "--data-dir", description = "Data directory (default: a temporary directory, deleted on exit)")
    Path dataDir;

    @Option(names = "--tick-time-ms", description = "ZooKeeper tick; sessions may last 2..20 ticks (default: ${DEFAULT-VALUE})",
            defaultValue = "" + ZooKeeperConfig.DEFAULT_TICK_TIME_MILLIS)
    int tickTimeMillis;

    @Option(names = "--server-id", description = "This server's id in --servers (ensemble only)", defaultValue = "0")
    int serverId;

    @Option(names = "--servers", split = ",", paramLabel = "ID=HOST:PEER_PORT:ELECTION_PORT",
            description = "The ensemble, every member including this one (default: standalone)")
    List<String> servers;

    @Option(names = "--config", description = "YAML file whose keys are these options' long names; flags win")
    Path config;

    /** The validated configuration these options describe; touches no file. */
    ZooKeeperConfig toConfig() {
        List<ZooKeeperPeer> peers = new ArrayList<>();
        if (servers != null) {
            for (String server : servers) {
                peers.add(ZooKeeperPeer.parse("servers", server.trim()));
            }
        }
        return new ZooKeeperConfig(HostPort.parse("listen", listen), dataDir, tickTimeMillis, serverId, peers);
    }

    @Override
    public Integer call() throws InterruptedException {
        ZooKeeperConfig zkConfig = toConfig();
        EmbeddedZooKeeper zooKeeper = EmbeddedZooKeeper.create(zkConfig);
        CountDownLatch stopped = new CountDownLatch(1);
        // Installed before start: an ensemble member waits for its quorum, and SIGTERM must
        // stop it cleanly then too (close() is safe during start()).
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            zooKeeper.close();
            stopped.countDown();
        }, "ballast-zookeeper-shutdown"));
        log.info("starting ZooKeeper at {} ({})", zkConfig.listen(), zkConfig.isEnsemble()
                ? "server " + zkConfig.serverId() + " of an ensemble of " + zkConfig.servers().size() : "standalone");
        try {
            zooKeeper.start();
        } catch (IllegalStateException e) {
            System.err.println("ballast zookeeper: " + e.getMessage());
            return 1;
        }
        log.info("ZooKeeper serving at {} (data in {})", zooKeeper.connectString(), zooKeeper.dataDir());
        stopped.await();
        return 0;
    }
}
