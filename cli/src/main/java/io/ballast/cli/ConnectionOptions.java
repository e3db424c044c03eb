package io.ballast.cli;

import io.ballast.common.config.ClientTls;
import io.ballast.common.config.ClientTlsOptions;
import java.util.Optional;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options shared by every subcommand: how to reach the admin API, who to be, and how to print. */
final class ConnectionOptions {

    static final String TOKEN_ENV = "BALLAST_TOKEN";

    /** {@code --tls-ca}, {@code --tls-cert}, {@code --tls-key}. */
    @Mixin ClientTlsOptions tls;

    // No ${DEFAULT-VALUE} in the description: --help must never print the token.
    @Option(names = "--token", defaultValue = "${env:" + TOKEN_ENV + "}",
            description = "Bearer token of the admin API (default: the BALLAST_TOKEN environment variable, which keeps "
                    + "the token out of the process list).")
    String token;

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

    /** TLS of the admin channels, validated; empty means plaintext. */
    Optional<ClientTls> clientTls() {
        return tls.toTls();
    }

    /** The bearer token, if one was given. */
    Optional<String> bearerToken() {
        return token == null || token.isBlank() ? Optional.empty() : Optional.of(token.strip());
    }

    boolean json() {
        return switch (output) {
            case "json" -> true;
            case "table" -> false;
            default -> throw new IllegalArgumentException("output: \"" + output + "\" (expected: table or json)");
        };
    }
}
