package io.ballast.launcher.zookeeper;

import io.ballast.common.config.Checks;
import io.ballast.common.config.HostPort;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;

/**
 * Configuration of the embedded ZooKeeper server. Validated on construction; messages name
 * the command-line options. Building the server's properties is pure (no file is touched),
 * so it can be unit-tested and checked by the docker-compose test.
 *
 * @param listen client address
 * @param dataDir data directory, or null for a temporary one deleted on exit
 * @param tickTimeMillis ZooKeeper's tick; sessions may last 2..20 ticks
 * @param serverId this server's id in the ensemble, 0 when standalone
 * @param servers the ensemble, empty when standalone
 */
public record ZooKeeperConfig(HostPort listen, Path dataDir, int tickTimeMillis, int serverId, List<ZooKeeperPeer> servers) {

    public static final String DEFAULT_LISTEN = "127.0.0.1:2181";
    public static final int DEFAULT_TICK_TIME_MILLIS = 2_000;

    public ZooKeeperConfig {
        Checks.check(listen != null, "listen", null, "host:port with port 1..65535");
        Checks.checkRange("tick-time-ms", tickTimeMillis, 10, 60_000);
        servers = servers == null ? List.of() : List.copyOf(servers);
        Set<Integer> ids = new HashSet<>();
        for (ZooKeeperPeer peer : servers) {
            Checks.check(ids.add(peer.id()), "servers", peer.id() + "=" + peer.serverLine(), "each server id once");
        }
        if (servers.isEmpty()) {
            Checks.check(serverId == 0, "server-id", serverId, "only together with --servers");
        } else {
            Checks.check(ids.contains(serverId), "server-id", serverId, "one of the ids in --servers " + ids);
        }
    }

    public boolean isEnsemble() {
        return !servers.isEmpty();
    }

    /**
     * The server's configuration (zoo.cfg keys) with {@code dataDir} as its data directory.
     * The admin HTTP server is off (it would take port 8080); quorum ports listen on every
     * address when the client address is a wildcard (containers).
     */
    public Properties toProperties(Path dataDir) {
        Properties properties = new Properties();
        properties.setProperty("tickTime", Integer.toString(tickTimeMillis));
        properties.setProperty("initLimit", "10");
        properties.setProperty("syncLimit", "5");
        properties.setProperty("dataDir", dataDir.toAbsolutePath().toString());
        properties.setProperty("clientPort", Integer.toString(listen.port()));
        properties.setProperty("clientPortAddress", listen.host());
        properties.setProperty("admin.enableServer", "false");
        properties.setProperty("4lw.commands.whitelist", "ruok,srvr,stat,mntr");
        // A long-running server must not fill its disk with old snapshots and logs.
        properties.setProperty("autopurge.snapRetainCount", "3");
        properties.setProperty("autopurge.purgeInterval", "1");
        for (ZooKeeperPeer peer : servers) {
            properties.setProperty("server." + peer.id(), peer.serverLine());
        }
        if (isEnsemble() && isWildcard(listen.host())) {
            properties.setProperty("quorumListenOnAllIPs", "true");
        }
        return properties;
    }

    private static boolean isWildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("0:0:0:0:0:0:0:0");
    }
}
