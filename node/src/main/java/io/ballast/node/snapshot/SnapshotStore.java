package io.ballast.node.snapshot;

import com.google.protobuf.InvalidProtocolBufferException;
import io.ballast.proto.v1.Snapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's last applied snapshot on disk, {@code <state-dir>/snapshot.pb} (protobuf binary),
 * so that a restarted node serves its last good configuration even when neither ZooKeeper
 * nor the control plane is reachable (static stability). The stored snapshot's epoch is also
 * the persisted "highest epoch seen" of the fence.
 *
 * <p>Writes are crash-safe: the bytes go to a temp file in the same directory, which is
 * fsynced and atomically renamed over the old file, and then the directory is fsynced (where
 * the platform allows) so the rename itself survives a power loss. A reader therefore sees
 * either the old or the new snapshot, never a torn one.
 *
 * <p>Threading: {@link #save} must not be called concurrently (the node calls it only under
 * {@link SnapshotApplier}'s lock); {@link #load} may be called any time. {@link #load} never
 * throws: a missing, unreadable, corrupt or invalid file is logged with the reason and
 * treated as "no stored snapshot".
 */
public final class SnapshotStore {

    static final String FILE_NAME = "snapshot.pb";
    private static final String TEMP_NAME = FILE_NAME + ".tmp";
    private static final Logger log = LoggerFactory.getLogger(SnapshotStore.class);

    private final Path directory;
    private final Path file;

    /** A store in {@code directory}; the directory is created on the first {@link #save}. */
    public SnapshotStore(Path directory) {
        this.directory = directory.toAbsolutePath().normalize();
        this.file = this.directory.resolve(FILE_NAME);
    }

    public Path file() {
        return file;
    }

    /** The stored snapshot if there is a readable, valid one; logs why otherwise. */
    public Optional<Snapshot> load() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            log.info("no stored snapshot at {}", file);
            return Optional.empty();
        } catch (IOException e) {
            log.warn("ignoring stored snapshot {}: cannot read it ({})", file, e.toString());
            return Optional.empty();
        }
        Snapshot snapshot;
        try {
            snapshot = Snapshot.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            log.warn("ignoring stored snapshot {}: not a valid Snapshot message ({})", file, e.getMessage());
            return Optional.empty();
        }
        List<String> problems = SnapshotValidator.problems(snapshot);
        if (!problems.isEmpty()) {
            log.warn("ignoring stored snapshot {}: {}", file, String.join("; ", problems));
            return Optional.empty();
        }
        log.info("loaded stored snapshot epoch {} version {} from {}", snapshot.getEpoch(), snapshot.getVersion(), file);
        return Optional.of(snapshot);
    }

    /**
     * Replaces the stored snapshot with {@code snapshot}, durably.
     *
     * @throws UncheckedIOException when the directory or file cannot be written; the old file is then intact
     */
    public void save(Snapshot snapshot) {
        Path temp = directory.resolve(TEMP_NAME);
        try {
            Files.createDirectories(directory);
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(snapshot.toByteArray());
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDirectory();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store snapshot in " + file, e);
        }
    }

    /** Makes the rename durable. Not every platform can open a directory for fsync; there it is skipped. */
    private void syncDirectory() {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            log.debug("cannot fsync directory {} ({}); the rename is still atomic", directory, e.toString());
        }
    }
}
