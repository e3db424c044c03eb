package io.ballast.common.process;

import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a child process exit when the process that started it dies, even by SIGKILL,
 * so that {@code bin/ballast demo} and the end-to-end tests never leave orphans.
 *
 * <p>Enabled by the system property {@code ballast.parent.pid}; a daemon thread polls the
 * parent every 500 ms and calls {@link System#exit} (running shutdown hooks) when it is gone.
 */
public final class ParentWatchdog {

    public static final String PROPERTY = "ballast.parent.pid";
    private static final Logger log = LoggerFactory.getLogger(ParentWatchdog.class);

    private ParentWatchdog() {}

    public static void startIfRequested() {
        String pid = System.getProperty(PROPERTY);
        if (pid == null || pid.isBlank()) {
            return;
        }
        Optional<ProcessHandle> parent = ProcessHandle.of(Long.parseLong(pid.trim()));
        Thread thread = new Thread(() -> {
            while (parent.map(ProcessHandle::isAlive).orElse(false)) {
                try {
                    Thread.sleep(Duration.ofMillis(500).toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
            log.warn("parent process {} is gone; exiting", pid);
            System.exit(3);
        }, "parent-watchdog");
        thread.setDaemon(true);
        thread.start();
    }
}
