package io.ballast.bench.controlplane;

import io.ballast.common.zk.ZkPaths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The registration storm: {@link RegistrationStorm} agents (one ZooKeeper session each) register
 * over a few seconds while real nodes and simulated streams are subscribed; measures the time from
 * the first agent's start until every node's snapshot holds every registration, and the CPU the
 * leader (and ZooKeeper) spent meanwhile, from /proc. Main thread; failures throw.
 */
final class StormPhase {

    private static final Duration VISIBLE_TIMEOUT = Duration.ofSeconds(300);

    private StormPhase() {}

    /** @param baseline endpoints already in every snapshot */
    static void run(BenchArgs args, SimulatedFleet fleet, List<RealNodeProbe> probes, ProcStat leader, ProcStat zk, int baseline)
            throws Exception {
        int agents = args.integer("storm", 1000, 1, 100_000);
        int services = args.integer("storm-services", 10, 1, 1000);
        long spreadMillis = args.integer("storm-spread-ms", 2000, 0, 600_000);
        ZkPaths paths = ZkPaths.forCluster(args.text("cluster", ZkPaths.DEFAULT_CLUSTER));
        List<PlannedEndpoint> endpoints = PlannedEndpoint.grid("storm", services, 0, (agents + services - 1) / services)
                .subList(0, agents);
        int expected = baseline + agents;
        ExecutorService pollers = Executors.newFixedThreadPool(Math.max(1, probes.size()));
        try (RegistrationStorm storm = new RegistrationStorm(args.required("zk"), paths, endpoints)) {
            // The services' parents exist before the storm (agents create them as containers if needed; not timed here).
            org.apache.zookeeper.ZooKeeper setup = ZkSessions.connect(args.required("zk"));
            try {
                endpoints.stream().map(PlannedEndpoint::service).distinct()
                        .forEach(service -> ZkSessions.ensurePath(setup, paths.service(service), org.apache.zookeeper.CreateMode.CONTAINER));
            } finally {
                ZkSessions.close(setup);
            }
            long leaderCpu0 = leader.cpuNanos();
            long zkCpu0 = zk.cpuNanos();
            long start = storm.start(spreadMillis);
            List<Future<Long>> realSeen = new ArrayList<>();
            for (RealNodeProbe probe : probes) {
                realSeen.add(pollers.submit(() -> {
                    long deadline = start + VISIBLE_TIMEOUT.toNanos();
                    while (System.nanoTime() - deadline < 0) {
                        long before = System.nanoTime();
                        if (probe.read(null, null).endpoints() >= expected) {
                            return before + (System.nanoTime() - before) / 2;
                        }
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                    }
                    return -1L;
                }));
            }
            if (!storm.awaitCreated(120_000)) {
                throw new IllegalStateException("the storm's registrations were not all answered within 120 s");
            }
            if (!storm.failures().isEmpty()) {
                throw new IllegalStateException(storm.failures().size() + " registrations failed, e.g. " + storm.failures().get(0));
            }
            fleet.awaitEndpoints(expected, VISIBLE_TIMEOUT);
            long simVisible = fleet.nodes().stream().mapToLong(n -> n.firstWithEndpoints(expected, start).atNanos()).max().orElse(start);
            long realVisible = start;
            for (Future<Long> seen : realSeen) {
                long at = seen.get(VISIBLE_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS);
                if (at < 0) {
                    throw new IllegalStateException("a real node did not show " + expected + " endpoints");
                }
                realVisible = Math.max(realVisible, at);
            }
            long leaderCpu1 = leader.cpuNanos();
            long zkCpu1 = zk.cpuNanos();
            long end = System.nanoTime();
            // The leader's CPU until it is idle again: ACKs and late recomputations after the last push.
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(3));
            long leaderCpu2 = leader.cpuNanos();
            long[] pushes = fleet.nodes().get(0).receivedSince(start);
            Table.title("Registration storm: " + agents + " agents, one ZooKeeper session each, started evenly over " + spreadMillis
                    + " ms, " + services + " services; " + probes.size() + " real nodes and " + fleet.size()
                    + " simulated streams subscribed; " + baseline + " endpoints before");
            Table.line("%-58s %10.0f ms", "all registrations acknowledged by ZooKeeper", (storm.lastCreatedNanos() - start) / 1e6);
            Table.line("%-58s %10.0f ms", "all " + expected + " endpoints on every simulated stream (" + fleet.size() + ")",
                    (simVisible - start) / 1e6);
            Table.line("%-58s %10.0f ms", "all " + expected + " endpoints on every real node (" + probes.size() + ", polled /20 ms)",
                    (realVisible - start) / 1e6);
            Table.line("%-58s %10.0f ms  (%.2f cores over %.1f s)", "control-plane CPU, storm start -> all visible",
                    (leaderCpu1 - leaderCpu0) / 1e6, (leaderCpu1 - leaderCpu0) / (double) (end - start), (end - start) / 1e9);
            Table.line("%-58s %10.0f ms", "control-plane CPU, including the 3 s after", (leaderCpu2 - leaderCpu0) / 1e6);
            Table.line("%-58s %10.0f ms", "ZooKeeper server CPU, storm start -> all visible", (zkCpu1 - zkCpu0) / 1e6);
            Table.line("%-58s %10d (%d bytes)", "snapshots pushed to one stream during the storm", pushes[0], pushes[1]);
            // Stopping, the way real agents stop: draining marks first, sessions closed once the nodes hold them as DRAINING.
            storm.markDraining();
            fleet.awaitDraining(agents, VISIBLE_TIMEOUT);
        } finally {
            pollers.shutdownNow();
        }
        fleet.awaitExactly(baseline, VISIBLE_TIMEOUT);
    }
}
