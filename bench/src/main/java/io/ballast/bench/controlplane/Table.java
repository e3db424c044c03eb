package io.ballast.bench.controlplane;

import java.util.List;

/** Prints the driver's result tables on standard output, fixed-width, one call per row. Any thread. */
final class Table {

    private Table() {}

    static void title(String text) {
        System.out.println();
        System.out.println(text);
    }

    static void convergenceHeader() {
        System.out.printf("%-34s %4s %9s %9s %9s %9s   %9s %9s   %8s%n", "case", "n", "p50 ms", "p99 ms", "max ms", "mean ms",
                "rpc p50", "first p50", "node");
    }

    /** One row: convergence to the last node, with the RPC's own answer time and the first node's receipt. */
    static void convergenceRow(String label, List<ConvergenceRun.Change> changes, int nodes) {
        Stats last = Stats.of(changes.stream().map(ConvergenceRun.Change::lastMillis).toList());
        Stats rpc = Stats.of(changes.stream().map(ConvergenceRun.Change::rpcMillis).toList());
        Stats first = Stats.of(changes.stream().map(ConvergenceRun.Change::firstMillis).toList());
        System.out.printf("%-34s %4d %9.1f %9.1f %9.1f %9.1f   %9.1f %9.1f   %8d%n", label, last.n(), last.p50(), last.p99(),
                last.max(), last.mean(), rpc.p50(), first.p50(), nodes);
    }

    /** A row of convergence times taken from elsewhere (the nodes' logs): p50/p99/max/mean only. */
    static void convergenceRow(String label, Stats last, int nodes) {
        System.out.printf("%-34s %4d %9.1f %9.1f %9.1f %9.1f   %9s %9s   %8d%n", label, last.n(), last.p50(), last.p99(),
                last.max(), last.mean(), "", "", nodes);
    }

    static void bytesHeader() {
        System.out.printf("%-34s %14s %9s %16s %18s %22s%n", "case", "bytes/stream", "streams", "bytes all streams",
                "leader write(2) B", "leader CPU ms (mean)");
    }

    /** One row: median over the changes of the push size per stream, the sum over streams, the leader's writes and CPU. */
    static void bytesRow(String label, List<ConvergenceRun.Change> changes, int streams) {
        Stats perStream = Stats.of(changes.stream().map(c -> (double) c.bytesPerStream()).toList());
        Stats all = Stats.of(changes.stream().map(c -> (double) c.bytesAllStreams()).toList());
        Stats written = Stats.of(changes.stream().map(c -> (double) c.leaderWrittenBytes()).toList());
        // CPU comes in clock ticks (10 ms): the mean over the changes says more than a median of ticks.
        Stats cpu = Stats.of(changes.stream().map(c -> c.leaderCpuNanos() / 1e6).toList());
        System.out.printf("%-34s %14.0f %9d %16.0f %18.0f %22.1f%n", label, perStream.p50(), streams, all.p50(), written.p50(),
                cpu.mean());
    }

    static void line(String format, Object... args) {
        System.out.printf(format + "%n", args);
    }
}
