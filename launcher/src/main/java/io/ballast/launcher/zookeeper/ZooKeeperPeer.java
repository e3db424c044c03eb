package io.ballast.launcher.zookeeper;

import io.ballast.common.config.Checks;

/**
 * One server of a ZooKeeper ensemble, as written in {@code --servers}: {@code id=host:peerPort:electionPort}.
 *
 * @param id server id 1..255 (the content of that server's {@code myid} file)
 * @param host address the other servers reach it at
 * @param peerPort quorum port (followers connect to the leader here)
 * @param electionPort leader-election port
 */
public record ZooKeeperPeer(int id, String host, int peerPort, int electionPort) {

    static final String FORMAT = "id=host:peerPort:electionPort";

    public ZooKeeperPeer {
        Checks.checkRange("server id", id, 1, 255);
        Checks.checkNotBlank("server host", host);
        Checks.checkPort("peer port", peerPort);
        Checks.checkPort("election port", electionPort);
    }

    /** @throws IllegalArgumentException {@code servers: "1=zk1" (expected: id=host:peerPort:electionPort)} */
    public static ZooKeeperPeer parse(String field, String value) {
        String expected = FORMAT + " with id 1..255";
        Checks.check(value != null, field, value, expected);
        int eq = value.indexOf('=');
        Checks.check(eq > 0, field, value, expected);
        String[] address = value.substring(eq + 1).trim().split(":", -1);
        Checks.check(address.length == 3 && !address[0].isBlank(), field, value, expected);
        try {
            return new ZooKeeperPeer(Integer.parseInt(value.substring(0, eq).trim()), address[0],
                    Integer.parseInt(address[1]), Integer.parseInt(address[2]));
        } catch (IllegalArgumentException e) {
            // NumberFormatException or a range check: report the whole entry in one style.
            throw new IllegalArgumentException(Checks.message(field, value, expected));
        }
    }

    /** The value of this server's {@code server.<id>} line. */
    String serverLine() {
        return host + ":" + peerPort + ":" + electionPort;
    }
}
