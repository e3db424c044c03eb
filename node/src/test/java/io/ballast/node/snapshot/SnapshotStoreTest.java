package io.ballast.node.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.proto.v1.Snapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotStoreTest {

    @TempDir Path dir;

    @Test
    void roundTripsTheSnapshotCreatingTheDirectory() {
        SnapshotStore store = new SnapshotStore(dir.resolve("a/b"));
        Snapshot snapshot = TestSnapshots.web(2, 9);
        store.save(snapshot);
        assertThat(store.file()).isEqualTo(dir.resolve("a/b/snapshot.pb"));
        assertThat(new SnapshotStore(dir.resolve("a/b")).load()).contains(snapshot);
    }

    @Test
    void missingFileLoadsAsNothing() {
        assertThat(new SnapshotStore(dir).load()).isEmpty();
    }

    @Test
    void corruptFileIsIgnored() throws IOException {
        Files.write(dir.resolve("snapshot.pb"), new byte[] {(byte) 0xff, 0x01, 0x02, 0x03});
        assertThat(new SnapshotStore(dir).load()).isEmpty();
    }

    @Test
    void truncatedFileIsIgnored() throws IOException {
        byte[] bytes = TestSnapshots.web(2, 9).toByteArray();
        Files.write(dir.resolve("snapshot.pb"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThat(new SnapshotStore(dir).load()).isEmpty();
    }

    @Test
    void storedSnapshotThatFailsValidationIsIgnored() throws IOException {
        Files.write(dir.resolve("snapshot.pb"), TestSnapshots.web(0, 9).toByteArray());
        assertThat(new SnapshotStore(dir).load()).isEmpty();
    }

    @Test
    void saveReplacesTheWholeFileAndLeavesNoTempFile() throws IOException {
        SnapshotStore store = new SnapshotStore(dir);
        store.save(TestSnapshots.web(1, 1, TestSnapshots.endpoint("a-very-long-endpoint-id-to-make-the-file-bigger", "h", 1, 1)));
        Snapshot smaller = Snapshot.newBuilder().setEpoch(2).setVersion(1).build();
        store.save(smaller);
        assertThat(store.load()).contains(smaller);
        assertThat(Files.readAllBytes(store.file())).isEqualTo(smaller.toByteArray());
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(store.file());
        }
    }

    @Test
    void leftoverTempFileFromACrashDoesNotMatter() throws IOException {
        SnapshotStore store = new SnapshotStore(dir);
        Snapshot snapshot = TestSnapshots.web(4, 2);
        store.save(snapshot);
        Files.write(dir.resolve("snapshot.pb.tmp"), new byte[] {1, 2, 3});
        assertThat(store.load()).contains(snapshot);
        Snapshot next = TestSnapshots.web(4, 3);
        store.save(next);
        assertThat(store.load()).contains(next);
    }

    @Test
    void failedSaveThrowsAndKeepsTheOldFile() throws IOException {
        SnapshotStore store = new SnapshotStore(dir);
        Snapshot snapshot = TestSnapshots.web(4, 2);
        store.save(snapshot);
        // A directory where the temp file should go makes the write fail.
        Files.createDirectory(dir.resolve("snapshot.pb.tmp"));
        assertThatThrownBy(() -> store.save(TestSnapshots.web(4, 3))).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("snapshot.pb");
        assertThat(store.load()).contains(snapshot);
    }
}
