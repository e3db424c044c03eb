package io.ballast.cli;

import picocli.CommandLine.Option;

/** Options shared by every subcommand: how to reach the admin API and how to print. */
final class ConnectionOptions {

    @Option(names = "--server", description = "Admin API address host:port of one replica; skips ZooKeeper discovery.")
    String server;

    @Option(names = "--zk", defaultValue = "127.0.0.1:2181",
            description = "ZooKeeper connect string used to discover replicas (default: ${DEFAULT-VALUE}).")
    String zk;

    @Option(names = "--cluster", defaultValue = "default", description = "Cluster name (default: ${DEFAULT-VALUE}).")
    String cluster;

    @Option(names = "--timeout-ms", defaultValue = "5000", description = "Deadline of each call in milliseconds (default: ${DEFAULT-VALUE}).")
    long timeoutMillis;

    @Option(names = {"-o", "--output"}, defaultValue = "table", description = "Output format: table or json (default: ${DEFAULT-VALUE}).")
    String output;

    boolean json() {
        return switch (output) {
            case "json" -> true;
            case "table" -> false;
            default -> throw new IllegalArgumentException("output: \"" + output + "\" (expected: table or json)");
        };
    }
}
