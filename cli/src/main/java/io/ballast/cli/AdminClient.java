package io.ballast.cli;

import io.ballast.common.config.ClientTls;
import io.ballast.proto.v1.AdminGrpc;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Calls the admin API with failover: tries each replica address in turn and moves on only
 * when a replica is unreachable (UNAVAILABLE or DEADLINE_EXCEEDED, which includes a failed TLS
 * handshake). Any other status is the cluster's answer and is reported as is. Every channel
 * uses the same TLS settings and bearer token.
 */
final class AdminClient {

    private AdminClient() {}

    static <T> T call(ConnectionOptions options, Function<AdminGrpc.AdminBlockingStub, T> rpc) {
        // TLS files are checked before ZooKeeper is asked anything: a typo fails at once.
        ChannelCredentials credentials = ClientTls.credentials(options.clientTls());
        return call(ReplicaDiscovery.addresses(options), options.timeoutMillis, credentials, options.bearerToken(), rpc);
    }

    /** Plaintext, no token; see the class comment. */
    static <T> T call(List<String> addresses, long timeoutMillis, Function<AdminGrpc.AdminBlockingStub, T> rpc) {
        return call(addresses, timeoutMillis, InsecureChannelCredentials.create(), Optional.empty(), rpc);
    }

    /** Tries {@code addresses} in order; see the class comment. */
    static <T> T call(List<String> addresses, long timeoutMillis, ChannelCredentials credentials, Optional<String> token,
            Function<AdminGrpc.AdminBlockingStub, T> rpc) {
        StringBuilder failures = new StringBuilder();
        for (String address : addresses) {
            ManagedChannel channel = channel(address, credentials);
            try {
                return rpc.apply(stub(channel, token).withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS));
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                if (code == Status.Code.UNAUTHENTICATED) {
                    throw new AdminCallException(AdminCallException.of(e, address).getMessage()
                            + "; give --token (or set BALLAST_TOKEN), or --tls-cert and --tls-key", BallastCtl.EXIT_REFUSED);
                }
                if (code != Status.Code.UNAVAILABLE && code != Status.Code.DEADLINE_EXCEEDED) {
                    throw AdminCallException.of(e, address);
                }
                failures.append("\n  ").append(address).append(": ").append(code)
                        // TLS failures describe themselves over several lines (the channel pipeline): keep the first.
                        .append(e.getStatus().getDescription() == null ? ""
                                : " " + e.getStatus().getDescription().lines().findFirst().orElse(""))
                        .append(rootCause(e.getStatus().getCause()));
            } finally {
                channel.shutdownNow();
            }
        }
        String hint = credentials instanceof InsecureChannelCredentials
                ? "\n(if the control plane uses TLS, give --tls-ca; see docs/security.md)" : "";
        throw new AdminCallException("no control-plane replica answered:" + failures + hint, BallastCtl.EXIT_UNAVAILABLE);
    }

    /** A channel to one replica (host:port) with these credentials; the caller shuts it down. */
    static ManagedChannel channel(String address, ChannelCredentials credentials) {
        return NettyChannelBuilder.forTarget(address, credentials).build();
    }

    /** An async-capable stub on {@code channel} carrying the bearer token, if any (for streaming commands). */
    static AdminGrpc.AdminStub asyncStub(ManagedChannel channel, Optional<String> token) {
        AdminGrpc.AdminStub stub = AdminGrpc.newStub(channel);
        return token.isPresent() ? stub.withCallCredentials(new BearerToken(token.get())) : stub;
    }

    private static AdminGrpc.AdminBlockingStub stub(ManagedChannel channel, Optional<String> token) {
        AdminGrpc.AdminBlockingStub stub = AdminGrpc.newBlockingStub(channel);
        return token.isPresent() ? stub.withCallCredentials(new BearerToken(token.get())) : stub;
    }

    /** {@code " (PKIX path building failed ...)"}: why a TLS handshake failed, which the status hides. */
    private static String rootCause(Throwable cause) {
        if (cause == null) {
            return "";
        }
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return " (" + message.lines().findFirst().orElse("") + ")";
    }
}
