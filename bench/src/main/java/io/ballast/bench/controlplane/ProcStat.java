package io.ballast.bench.controlplane;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time and bytes written of another process, from Linux's {@code /proc/<pid>/stat} (utime +
 * stime, every thread, in clock ticks) and {@code /proc/<pid>/io} ({@code wchar}: bytes passed to
 * write-family system calls, sockets included). Any thread; a process that is gone reads as -1.
 */
final class ProcStat {

    private final long pid;
    private final long ticksPerSecond;

    ProcStat(long pid, long ticksPerSecond) {
        this.pid = pid;
        this.ticksPerSecond = ticksPerSecond;
    }

    /** User + system CPU time of the whole process so far, nanoseconds. */
    long cpuNanos() {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // Fields after the command name, which may hold spaces and parentheses: state is field 3.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            return ticks * 1_000_000_000L / ticksPerSecond;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Bytes the process has passed to write(2), writev(2) and the like so far. */
    long writtenBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/io"))) {
                if (line.startsWith("wchar:")) {
                    return Long.parseLong(line.substring(6).trim());
                }
            }
            return -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
