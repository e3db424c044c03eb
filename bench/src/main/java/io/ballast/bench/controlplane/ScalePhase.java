package io.ballast.bench.controlplane;

import io.ballast.common.zk.ZkPaths;
import io.ballast.proto.v1.AdminGrpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Convergence and bytes per change at scale: {@code streams} simulated node streams, then
 * {@code small} endpoints across {@code services} services registered in bulk, a convergence run,
 * then the endpoints grown to {@code large} and a second run. Also reports how long each bulk
 * registration took to reach every stream and the leader CPU it cost. Main thread; failures throw.
 */
final class ScalePhase {

    private static final Duration VISIBLE_TIMEOUT = Duration.ofSeconds(600);

    private ScalePhase() {}

    static void run(BenchArgs args, AdminGrpc.AdminBlockingStub admin, SimulatedFleet fleet, ProcStat leader) {
        int services = args.integer("services", 100, 1, 10_000);
        int small = args.integer("small", 1000, services, 1_000_000);
        int large = args.integer("large", 10_000, small, 1_000_000);
        long seed = args.integer("seed", 1, 0, Integer.MAX_VALUE);
        ZkPaths paths = ZkPaths.forCluster(args.text("cluster", ZkPaths.DEFAULT_CLUSTER));
        PushAckMetric metric = new PushAckMetric(args.required("cp-metrics"));
        LeaderProfile profile = new LeaderProfile(args.pid("cp-pid"), args.text("profile-dir", null));
        List<String> loadLines = new ArrayList<>();
        List<List<ConvergenceRun.Change>> runs = new ArrayList<>();
        // The services' overrides outlive each run: the next one must know what is already set.
        Map<String, Integer> overrides = new HashMap<>();
        List<String> labels = new ArrayList<>();
        List<String> ackLines = new ArrayList<>();
        try (BulkRegistrations registrations = new BulkRegistrations(args.required("zk"), paths)) {
            int perService = 0;
            for (int size : new int[] {small, large}) {
                int target = size / services;
                List<PlannedEndpoint> batch = PlannedEndpoint.grid("svc", services, perService, target);
                profile.start("bulk-" + target * services);
                long cpu0 = leader.cpuNanos();
                long t0 = System.nanoTime();
                long zkNanos = registrations.register(batch);
                fleet.awaitEndpoints(target * services, VISIBLE_TIMEOUT);
                profile.stop("bulk-" + target * services);
                long visible = fleet.nodes().stream()
                        .mapToLong(n -> n.firstWithEndpoints(target * services, t0).atNanos()).max().orElse(t0);
                long cpu1 = leader.cpuNanos();
                loadLines.add(String.format("%-48s %8.0f ms %12.0f ms %14.0f ms", "+" + batch.size() + " -> " + target * services
                        + " endpoints", zkNanos / 1e6, (visible - t0) / 1e6, (cpu1 - cpu0) / 1e6));
                perService = target;
                fleet.awaitSettled(Duration.ofSeconds(1), VISIBLE_TIMEOUT);
                long idle0 = leader.cpuNanos();
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(2));
                double idleCores = (leader.cpuNanos() - idle0) / 2e9;
                List<String[]> candidates = new ArrayList<>();
                PlannedEndpoint.grid("svc", services, 0, target).forEach(e -> candidates.add(new String[] {e.service(), e.id()}));
                String profileName = "convergence-" + target * services;
                profile.start(profileName);
                double[] m0 = metric.read();
                runs.add(new ConvergenceRun(admin, new FleetObservers(fleet), leader, candidates, overrides, seed + size).run(args));
                double[] m1 = metric.read();
                profile.stop(profileName);
                labels.add(fleet.size() + " streams, " + target * services + " endpoints");
                ackLines.add(String.format("%s: leader's own push->ACK timer %.0f ACKs, mean %.1f ms; leader idle before the run %.3f cores",
                        labels.get(labels.size() - 1), m1[0] - m0[0], m1[0] > m0[0] ? (m1[1] - m0[1]) / (m1[0] - m0[0]) * 1000 : 0,
                        idleCores));
                Raw.write("streams-" + fleet.size() + "-endpoints-" + target * services, runs.get(runs.size() - 1));
            }
        }
        Table.title("Convergence, " + fleet.size() + " simulated node streams (real ControlPlane/Subscribe, ACK on receipt), "
                + services + " services: SetWeight call -> last stream received the new snapshot");
        Table.convergenceHeader();
        for (int i = 0; i < runs.size(); i++) {
            Table.convergenceRow(labels.get(i), runs.get(i), fleet.size());
        }
        for (int i = 0; i < runs.size(); i++) {
            Table.line(ackLines.get(i));
            LogTimeline.print(runs.get(i), java.nio.file.Path.of(args.required("cp-log")), List.of());
        }
        Table.title("Bytes per single-endpoint change (serialized ServerMessage per stream; medians over the changes)");
        Table.bytesHeader();
        for (int i = 0; i < runs.size(); i++) {
            Table.bytesRow(labels.get(i), runs.get(i), fleet.size());
        }
        Table.title("Bulk registration (" + services + " ZooKeeper sessions, async creates) until every stream holds it");
        Table.line("%-48s %11s %15s %17s", "batch", "ZooKeeper", "all streams", "leader CPU");
        loadLines.forEach(Table::line);
    }
}
