package io.ballast.bench.controlplane;

import io.ballast.common.zk.ZkPaths;
import io.ballast.proto.v1.AdminGrpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Convergence with real nodes: registers a small service (3 endpoints), waits until every node
 * routes by it, then measures {@link ConvergenceRun} changes, checking after each that the leader
 * recorded every node's ACK ({@link LeaderAcks}). Main thread; failures throw.
 */
final class ThreeNodePhase {

    static final int ENDPOINTS = 3;

    private ThreeNodePhase() {}

    /** Returns the registrations (closed by the caller when the storm that follows is done). */
    static BulkRegistrations run(BenchArgs args, AdminGrpc.AdminBlockingStub admin, ProcStat leader, List<RealNodeProbe> probes) {
        ZkPaths paths = ZkPaths.forCluster(args.text("cluster", ZkPaths.DEFAULT_CLUSTER));
        BulkRegistrations registrations = new BulkRegistrations(args.required("zk"), paths);
        List<PlannedEndpoint> endpoints = PlannedEndpoint.grid("web", 1, 0, ENDPOINTS);
        registrations.register(endpoints);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (RealNodeProbe probe : probes) {
            while (probe.read(null, null).endpoints() < ENDPOINTS) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException(probe.name() + " does not route by the " + ENDPOINTS + " endpoints after 60 s");
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
        }
        List<String[]> candidates = new ArrayList<>();
        endpoints.forEach(e -> candidates.add(new String[] {e.service(), e.id()}));
        try (RealNodeObservers observers = new RealNodeObservers(probes, args.integer("poll-us", 500, 50, 100_000))) {
            LeaderAcks acks = new LeaderAcks(admin, probes.size());
            PushAckMetric metric = new PushAckMetric(args.required("cp-metrics"));
            double[] m0 = metric.read();
            List<ConvergenceRun.Change> changes = new ConvergenceRun(admin, observers, leader, candidates, new HashMap<>(), args.integer("seed", 1, 0, Integer.MAX_VALUE))
                    .afterChange(acks::check)
                    .run(args);
            double[] m1 = metric.read();
            Table.title("Convergence, " + probes.size() + " real nodes (bin/ballast node), " + ENDPOINTS
                    + " endpoints: SetWeight call -> every node applied and ACKed (node /snapshot polled every "
                    + args.integer("poll-us", 500, 50, 100_000) + " us; leader's GetStatus confirmed each ACK)");
            Table.convergenceHeader();
            List<java.nio.file.Path> nodeLogs = java.util.Arrays.stream(args.required("node-logs").split(","))
                    .map(java.nio.file.Path::of).toList();
            Table.convergenceRow("polled: node /snapshot shows it", changes, probes.size());
            Table.convergenceRow("node logs: last node's ACK sent", Stats.of(LogTimeline.lastNodeAckMillis(changes, nodeLogs)),
                    probes.size());
            printPushAck(m0, m1);
            LogTimeline.print(changes, java.nio.file.Path.of(args.required("cp-log")), nodeLogs);
            Raw.write("three-nodes", changes);
        }
        return registrations;
    }

    static void printPushAck(double[] before, double[] after) {
        double count = after[0] - before[0];
        if (count > 0) {
            Table.line("leader's own push->ACK timer over the recorded and warm-up changes: %.0f ACKs, mean %.2f ms",
                    count, (after[1] - before[1]) / count * 1000);
        }
    }
}
