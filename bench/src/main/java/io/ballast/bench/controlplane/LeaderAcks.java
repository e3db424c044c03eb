package io.ballast.bench.controlplane;

import io.ballast.proto.v1.AdminGrpc;
import io.ballast.proto.v1.ClusterStatus;
import io.ballast.proto.v1.GetStatusRequest;
import io.ballast.proto.v1.NodeStatus;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Checks, through the admin API's {@code GetStatus} on the leader, that every registered node's
 * last answer on its stream is an ACK of a version above a given one: the leader itself has
 * received the ACKs the convergence run inferred from the nodes' admin endpoints. Main thread;
 * throws {@link IllegalStateException} when that does not hold within 2 s.
 */
final class LeaderAcks {

    private final AdminGrpc.AdminBlockingStub admin;
    private final int nodes;

    LeaderAcks(AdminGrpc.AdminBlockingStub admin, int nodes) {
        this.admin = admin;
        this.nodes = nodes;
    }

    void check(long above) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        ClusterStatus status;
        do {
            status = admin.withDeadlineAfter(5, TimeUnit.SECONDS).getStatus(GetStatusRequest.getDefaultInstance());
            long acked = status.getNodesList().stream()
                    .filter(n -> n.getConnected() && n.getLastAnswer().equals("ACK") && n.getLastAnswerVersion() > above).count();
            if (acked >= nodes) {
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        } while (System.nanoTime() - deadline < 0);
        StringBuilder seen = new StringBuilder();
        for (NodeStatus node : status.getNodesList()) {
            seen.append(' ').append(node.getId()).append('=').append(node.getLastAnswer()).append('@').append(node.getLastAnswerVersion());
        }
        throw new IllegalStateException("the leader has not recorded " + nodes + " ACKs above version " + above + ":" + seen);
    }
}
