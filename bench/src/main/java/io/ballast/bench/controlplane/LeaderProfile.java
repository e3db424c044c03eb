package io.ballast.bench.controlplane;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A JFR recording of the control-plane process around one convergence run, through {@code jcmd}
 * (JDK Flight Recorder's {@code profile} settings: ~1-2 % overhead, execution samples every 10 ms),
 * written to {@code <dir>/<name>.jfr} for bench/control-plane/run to summarise. Disabled (every
 * method a no-op) without a directory. Main thread; a failing jcmd is reported and ignored.
 */
final class LeaderProfile {

    private final long pid;
    private final String dir;

    LeaderProfile(long pid, String dir) {
        this.pid = pid;
        this.dir = dir;
    }

    void start(String name) {
        jcmd("JFR.start", "name=" + name, "settings=profile");
    }

    void stop(String name) {
        if (enabled()) {
            jcmd("JFR.stop", "name=" + name, "filename=" + Path.of(dir, name + ".jfr"));
        }
    }

    private boolean enabled() {
        return dir != null && !dir.isBlank();
    }

    private void jcmd(String... command) {
        if (!enabled()) {
            return;
        }
        List<String> line = new java.util.ArrayList<>(List.of("jcmd", Long.toString(pid)));
        line.addAll(List.of(command));
        try {
            Process process = new ProcessBuilder(line).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                System.err.println("jcmd " + String.join(" ", command) + ": no answer in 60 s");
            } else if (process.exitValue() != 0) {
                System.err.println("jcmd " + String.join(" ", command) + ": exit " + process.exitValue());
            }
        } catch (IOException e) {
            System.err.println("jcmd " + String.join(" ", command) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
