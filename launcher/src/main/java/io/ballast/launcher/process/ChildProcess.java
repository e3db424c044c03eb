package io.ballast.launcher.process;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One OS process started by a {@link ProcessGroup}. Thread-safe: every method only
 * signals or observes the process.
 */
public final class ChildProcess {

    private final String name;
    private final Process process;
    private final Path logFile;

    ChildProcess(String name, Process process, Path logFile) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
    }

    public String name() { return name; }

    public long pid() { return process.pid(); }

    public Path logFile() { return logFile; }

    public boolean isAlive() { return process.isAlive(); }

    /** Processes this child started (and theirs), alive now. */
    public java.util.List<ProcessHandle> descendants() {
        return process.descendants().toList();
    }

    /** SIGKILL the process (and anything it started) and wait until it is gone. */
    public void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        waitFor(Duration.ofSeconds(10));
    }

    /** SIGSTOP / SIGCONT are not in the JDK API; sends them with kill(1). */
    public void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid())).inheritIO().start();
            kill.waitFor(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot send SIG" + signal + " to " + name + " (pid " + pid() + ")", e);
        }
    }

    /**
     * SIGTERM (graceful: the process runs its shutdown hooks), then SIGKILL if it has not
     * exited within {@code grace}.
     */
    public void terminate(Duration grace) {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        if (!waitFor(grace)) {
            kill();
        }
    }

    /** Waits up to {@code timeout} for the process to exit; true when it has. */
    public boolean waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + pid() + ")";
    }
}
