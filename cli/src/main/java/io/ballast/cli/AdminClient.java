package io.ballast.cli;

import io.ballast.proto.v1.AdminGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Calls the admin API with failover: tries each replica address in turn and moves on only
 * when a replica is unreachable (UNAVAILABLE or DEADLINE_EXCEEDED). Any other status is
 * the cluster's answer and is reported as is.
 */
final class AdminClient {

    private AdminClient() {}

    static <T> T call(ConnectionOptions options, Function<AdminGrpc.AdminBlockingStub, T> rpc) {
        return call(ReplicaDiscovery.addresses(options), options.timeoutMillis, rpc);
    }

    /** Tries {@code addresses} in order; see the class comment. */
    static <T> T call(List<String> addresses, long timeoutMillis, Function<AdminGrpc.AdminBlockingStub, T> rpc) {
        StringBuilder failures = new StringBuilder();
        for (String address : addresses) {
            ManagedChannel channel = NettyChannelBuilder.forTarget(address).usePlaintext().build();
            try {
                AdminGrpc.AdminBlockingStub stub = AdminGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS);
                return rpc.apply(stub);
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                if (code != Status.Code.UNAVAILABLE && code != Status.Code.DEADLINE_EXCEEDED) {
                    throw AdminCallException.of(e, address);
                }
                failures.append("\n  ").append(address).append(": ").append(code)
                        .append(e.getStatus().getDescription() == null ? "" : " " + e.getStatus().getDescription());
            } finally {
                channel.shutdownNow();
            }
        }
        throw new AdminCallException("no control-plane replica answered:" + failures, BallastCtl.EXIT_UNAVAILABLE);
    }
}
