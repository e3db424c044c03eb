package io.ballast.bench.controlplane;

import io.ballast.proto.v1.AdminGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The control-plane scale benchmark's driver, run by {@code bench/control-plane/run} against a
 * real ZooKeeper, a real {@code bin/ballast control-plane} process (the leader) and, for the
 * {@code nodes} phase, real {@code bin/ballast node} processes:
 * <ul>
 *   <li>{@code --phase nodes}: convergence with the real nodes ({@link ThreeNodePhase}), then the
 *       registration storm with them and {@code --streams} simulated streams ({@link StormPhase});</li>
 *   <li>{@code --phase scale}: convergence and bytes per change with {@code --streams} simulated
 *       streams at {@code --small} and {@code --large} endpoints ({@link ScalePhase}).</li>
 * </ul>
 * Prints tables on standard output; exits 1 with the reason when a measurement could not be made.
 * Everything it creates (ZooKeeper sessions, registrations, streams) ends with it.
 */
public final class ControlPlaneBench {

    private ControlPlaneBench() {}

    public static void main(String[] argv) {
        io.ballast.common.process.ParentWatchdog.startIfRequested();
        int status = 0;
        try {
            run(BenchArgs.parse(argv));
        } catch (Exception e) {
            System.err.println("control-plane bench failed: " + e);
            e.printStackTrace();
            status = 1;
        }
        System.out.flush();
        // ZooKeeper and gRPC leave non-daemon threads behind; everything of ours is closed by now.
        Runtime.getRuntime().halt(status);
    }

    private static void run(BenchArgs args) throws Exception {
        long ticks = args.integer("clk-tck", 100, 1, 1_000_000);
        ProcStat leader = new ProcStat(args.pid("cp-pid"), ticks);
        ProcStat zk = new ProcStat(args.pid("zk-pid"), ticks);
        ManagedChannel adminChannel = NettyChannelBuilder.forAddress(args.host("cp"), args.port("cp")).usePlaintext().build();
        try {
            AdminGrpc.AdminBlockingStub admin = AdminGrpc.newBlockingStub(adminChannel);
            int streams = args.integer("streams", 200, 1, 10_000);
            boolean deltas = args.integer("deltas", 1, 0, 1) == 1;
            switch (args.required("phase")) {
                case "nodes" -> {
                    List<RealNodeProbe> probes = new ArrayList<>();
                    for (String node : args.required("nodes").split(",")) {
                        String[] parts = node.split("=", 2);
                        probes.add(new RealNodeProbe(parts[0], parts[1]));
                    }
                    try (BulkRegistrations small = ThreeNodePhase.run(args, admin, leader, probes)) {
                        if (args.integer("storm", 1000, 0, 100_000) > 0) {
                            try (SimulatedFleet fleet = new SimulatedFleet(args.host("cp"), args.port("cp"), streams, deltas)) {
                                fleet.awaitAllSubscribed(Duration.ofSeconds(60));
                                StormPhase.run(args, fleet, probes, leader, zk, ThreeNodePhase.ENDPOINTS);
                            }
                        }
                    }
                }
                case "scale" -> {
                    try (SimulatedFleet fleet = new SimulatedFleet(args.host("cp"), args.port("cp"), streams, deltas)) {
                        fleet.awaitAllSubscribed(Duration.ofSeconds(60));
                        ScalePhase.run(args, admin, fleet, leader);
                    }
                }
                default -> throw new IllegalArgumentException("--phase: " + args.required("phase") + " (expected: nodes or scale)");
            }
        } finally {
            adminChannel.shutdownNow();
        }
    }
}
