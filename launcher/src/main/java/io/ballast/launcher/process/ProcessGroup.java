package io.ballast.launcher.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Starts Ballast components as separate OS processes and guarantees they all stop.
 * Used by {@code bin/ballast demo} and by the end-to-end tests.
 *
 * <p>Every child gets {@code -Dballast.parent.pid=<this pid>} (through {@code BALLAST_JAVA_OPTS}
 * or the JVM options), so it exits by itself if this process dies without running
 * {@link #close()} — even when this process is SIGKILLed. Output of each child goes to
 * {@code <logDir>/<name>.log}.
 *
 * <p>Thread-safe; {@link #close()} is idempotent and stops children in reverse start order.
 */
public final class ProcessGroup implements AutoCloseable {

    private final List<String> commandPrefix;
    private final Map<String, String> environment;
    private final Path logDir;
    private final List<ChildProcess> children = Collections.synchronizedList(new ArrayList<>());

    /**
     * @param commandPrefix the launcher command, e.g. {@code [bin/ballast]} or {@code [java, -cp, ..., io.ballast.launcher.Main]}
     * @param environment extra environment for every child
     * @param logDir where each child's output goes (created)
     */
    public ProcessGroup(List<String> commandPrefix, Map<String, String> environment, Path logDir) {
        this.commandPrefix = List.copyOf(commandPrefix);
        this.environment = Map.copyOf(environment);
        this.logDir = logDir;
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The command that runs this JVM's own launcher in a child JVM with {@code jvmOptions}. */
    public static List<String> javaLauncher(List<String> jvmOptions) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(jvmOptions);
        command.add("-D" + "ballast.parent.pid=" + ProcessHandle.current().pid());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("io.ballast.launcher.Main");
        return command;
    }

    /** Starts {@code prefix + args} as child {@code name}. */
    public ChildProcess start(String name, List<String> args) {
        return start(name, args, Map.of());
    }

    public ChildProcess start(String name, List<String> args, Map<String, String> extraEnvironment) {
        List<String> command = new ArrayList<>(commandPrefix);
        command.addAll(args);
        Path log = logDir.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        builder.environment().putAll(extraEnvironment);
        try {
            ChildProcess child = new ChildProcess(name, builder.start(), log);
            children.add(child);
            return child;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + command, e);
        }
    }

    public List<ChildProcess> children() {
        synchronized (children) {
            return List.copyOf(children);
        }
    }

    /** SIGTERM every child in reverse start order (each gets {@code grace}), SIGKILL what remains. */
    public void close(Duration grace) {
        List<ChildProcess> reverse = new ArrayList<>(children());
        Collections.reverse(reverse);
        for (ChildProcess child : reverse) {
            child.terminate(grace);
        }
        for (ChildProcess child : reverse) {
            if (child.isAlive()) {
                child.kill();
            }
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }
}
