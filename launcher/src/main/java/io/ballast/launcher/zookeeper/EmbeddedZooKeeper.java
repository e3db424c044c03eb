package io.ballast.launcher.zookeeper;

import io.ballast.common.config.Checks;
import io.ballast.common.config.HostPort;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.zookeeper.server.embedded.ExitHandler;
import org.apache.zookeeper.server.embedded.ZooKeeperServerEmbedded;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real ZooKeeper server in this JVM ({@link ZooKeeperServerEmbedded}, with
 * {@link ExitHandler#LOG_ONLY} so that a server error never calls {@code System.exit}).
 *
 * <p>{@link #start} blocks until the server serves clients — for an ensemble member that is
 * once a quorum has formed, which may take as long as the other servers take to start.
 * {@link #close} may be called from another thread (the shutdown hook), also while
 * {@link #start} still waits; it stops the server and deletes the temporary directories.
 */
final class EmbeddedZooKeeper implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedZooKeeper.class);
    /** A standalone server is up within seconds; longer means it will not come up. */
    private static final long STANDALONE_START_TIMEOUT_MILLIS = 30_000;

    private final ZooKeeperConfig config;
    /** Holds the generated server config file (ZooKeeper writes a new one on every boot) and, if temporary, the data. */
    private final Path workDir;
    private final Path dataDir;
    private final ZooKeeperServerEmbedded server;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedZooKeeper(ZooKeeperConfig config) throws Exception {
        this.config = config;
        this.workDir = Files.createTempDirectory("ballast-zookeeper-");
        try {
            this.dataDir = config.dataDir() != null ? config.dataDir() : workDir.resolve("data");
            Files.createDirectories(dataDir);
            if (config.isEnsemble()) {
                writeMyId(dataDir, config.serverId());
            }
            this.server = ZooKeeperServerEmbedded.builder()
                    .baseDir(workDir)
                    .configuration(config.toProperties(dataDir))
                    .exitHandler(ExitHandler.LOG_ONLY)
                    .build();
        } catch (Exception | Error e) {
            deleteRecursively(workDir);
            throw e;
        }
    }

    /**
     * Prepares the server (directories, {@code myid}, configuration) without starting it.
     *
     * @throws IllegalArgumentException when the data directory belongs to another server id
     * @throws IllegalStateException when the configuration cannot be written or is refused by ZooKeeper
     */
    static EmbeddedZooKeeper create(ZooKeeperConfig config) {
        try {
            return new EmbeddedZooKeeper(config);
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot configure ZooKeeper: " + e, e);
        }
    }

    /** {@link #create} and {@link #start()}: a serving server. */
    static EmbeddedZooKeeper start(ZooKeeperConfig config) {
        EmbeddedZooKeeper zooKeeper = create(config);
        zooKeeper.start();
        return zooKeeper;
    }

    /**
     * Starts the server and waits until it serves; an ensemble member waits for its quorum
     * without a time limit.
     *
     * @throws IllegalStateException when the server cannot start (client port in use,
     *     unreadable data, ...); the server is closed then
     */
    void start() {
        // ZooKeeper reports a bind failure only in its log (the exit handler is LOG_ONLY) and
        // then start() would wait for its whole timeout: check the client port first.
        try {
            checkBindable(config.listen());
        } catch (IllegalStateException e) {
            close();
            throw e;
        }
        try {
            if (config.isEnsemble()) {
                server.start();
            } else {
                server.start(STANDALONE_START_TIMEOUT_MILLIS);
            }
        } catch (Exception e) {
            if (closed.get()) {
                return; // stopped (SIGTERM) while starting: not an error
            }
            close();
            String reason = e instanceof TimeoutException
                    ? "did not start within " + STANDALONE_START_TIMEOUT_MILLIS + " ms" : "failed to start: " + e;
            throw new IllegalStateException("ZooKeeper at " + config.listen() + " " + reason, e);
        }
    }

    /** host:port clients connect to, as bound. */
    String connectString() {
        try {
            return server.getConnectionString();
        } catch (Exception e) {
            return config.listen().toString();
        }
    }

    Path dataDir() {
        return dataDir;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.close();
        deleteRecursively(workDir);
        log.info("ZooKeeper at {} stopped", config.listen());
    }

    private static void checkBindable(HostPort listen) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true); // as ZooKeeper binds: a previous run's TIME_WAIT is no conflict
            socket.bind(new InetSocketAddress(listen.host(), listen.port()));
        } catch (IOException e) {
            throw new IllegalStateException("ZooKeeper cannot listen on " + listen + ": " + e.getMessage(), e);
        }
    }

    private static void writeMyId(Path dataDir, int serverId) throws IOException {
        Path myId = dataDir.resolve("myid");
        if (Files.exists(myId)) {
            String existing = Files.readString(myId, StandardCharsets.US_ASCII).trim();
            // Data of another server must never be served under this id.
            Checks.check(existing.equals(Integer.toString(serverId)), "server-id", serverId,
                    existing + ", the id in " + myId);
            return;
        }
        Files.writeString(myId, serverId + "\n", StandardCharsets.US_ASCII);
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            log.warn("could not delete {}: {}", dir, e.toString());
        }
    }
}
