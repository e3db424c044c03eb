package io.ballast.bench.controlplane;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes every change of a run as CSV to {@code $BENCH_OUT/<name>.csv} (when the environment
 * variable is set), so the tables can be recomputed. Main thread.
 */
final class Raw {

    private Raw() {}

    static void write(String name, List<ConvergenceRun.Change> changes) {
        String dir = System.getenv("BENCH_OUT");
        if (dir == null || dir.isBlank()) {
            return;
        }
        StringBuilder csv = new StringBuilder("rpc_ms,first_ms,last_ms,bytes_per_stream,bytes_all_streams,leader_cpu_ns,leader_written_bytes,start_wall_ms,version_before\n");
        for (ConvergenceRun.Change c : changes) {
            csv.append(String.format("%.3f,%.3f,%.3f,%d,%d,%d,%d,%d,%d%n", c.rpcMillis(), c.firstMillis(), c.lastMillis(),
                    c.bytesPerStream(), c.bytesAllStreams(), c.leaderCpuNanos(), c.leaderWrittenBytes(), c.startWallMillis(),
                    c.versionBefore()));
        }
        try {
            Files.writeString(Path.of(dir, name + ".csv"), csv);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
