package io.ballast.cli;

import io.ballast.proto.v1.ClusterStatus;
import io.ballast.proto.v1.GetStatusRequest;
import io.ballast.proto.v1.NodeStatus;
import io.ballast.proto.v1.Replica;
import io.ballast.proto.v1.ServiceHealth;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show the leader, its epoch and snapshot version, the replicas, the nodes with the version each applied, "
                + "and the services with failure handling in force (self-preservation, panic, SUSPECT, ejected or held endpoints).")
final class StatusCommand implements Callable<Integer> {

    @Mixin ConnectionOptions options;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        boolean json = options.json();
        ClusterStatus status = AdminClient.call(options, stub -> stub.getStatus(GetStatusRequest.getDefaultInstance()));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Output.json(out, status);
            return 0;
        }
        out.println("leader:   " + (status.getLeaderId().isEmpty() ? "(none)" : status.getLeaderId() + " at " + status.getLeaderAddress()));
        out.println("epoch:    " + status.getEpoch());
        out.println("snapshot: version " + status.getSnapshotVersion());
        out.println("answered by " + status.getAnsweredBy() + " (ZooKeeper " + status.getZookeeperState() + ")");
        out.println();
        Output.table(out, List.of("REPLICA", "ADDRESS", "ROLE"), status.getReplicasList().stream()
                .map((Replica r) -> List.of(r.getId(), r.getAddress(), r.getLeader() ? "leader" : "follower")).toList());
        out.println();
        Output.table(out, List.of("NODE", "ADDRESS", "ZONE", "APPLIED", "IN SYNC", "LAG", "STREAM", "LAST ANSWER", "LAST ERROR"),
                status.getNodesList().stream()
                .map((NodeStatus n) -> List.of(n.getId(), n.getProxyAddress(), n.getZone().isEmpty() ? "-" : n.getZone(),
                        n.getAppliedEpoch() + "/" + n.getAppliedVersion(),
                        n.getAppliedEpoch() == status.getEpoch() && n.getAppliedVersion() == status.getSnapshotVersion() ? "yes" : "no",
                        String.valueOf(n.getLagVersions()),
                        n.getConnected() ? "since " + ClusterLogCommands.time(n.getConnectedSinceUnixMillis()) : "-",
                        n.getLastAnswer().isEmpty() ? "-" : n.getLastAnswer() + " v" + n.getLastAnswerVersion(),
                        n.getLastError().isEmpty() ? "-" : n.getLastError()))
                .toList());
        if (status.getServicesCount() > 0) {
            // Only services with failure handling in force are listed: the table is empty in a healthy cluster.
            out.println();
            Output.table(out, List.of("SERVICE", "SELF-PRESERVATION", "PANIC", "ELIGIBLE", "SUSPECT", "OUTLIER EJECTED", "FLAP HELD"),
                    status.getServicesList().stream().map((ServiceHealth h) -> List.of(h.getService(),
                            h.getSelfPreservation() ? "since " + ClusterLogCommands.time(h.getSelfPreservationSinceUnixMillis())
                                    + ": " + h.getSelfPreservationReason() : "-",
                            h.getPanic() ? "PANIC" : "-", h.getEligible() + "/" + h.getEndpoints(),
                            String.valueOf(h.getSuspect()), String.valueOf(h.getOutlierEjected()), String.valueOf(h.getFlapHeld())))
                    .toList());
        }
        out.flush();
        return 0;
    }
}
