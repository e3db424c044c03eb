package io.ballast.launcher.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.common.config.HostPort;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ZooKeeperConfigTest {

    private static ZooKeeperConfig parse(String... args) {
        ZooKeeperCommand command = new ZooKeeperCommand();
        new CommandLine(command).parseArgs(args);
        return command.toConfig();
    }

    @Test
    void defaultsToAStandaloneServerOnLoopbackWithATemporaryDataDir() {
        ZooKeeperConfig config = parse();
        assertThat(config.listen()).isEqualTo(new HostPort("127.0.0.1", 2181));
        assertThat(config.dataDir()).isNull();
        assertThat(config.tickTimeMillis()).isEqualTo(2000);
        assertThat(config.isEnsemble()).isFalse();

        Properties properties = config.toProperties(Path.of("/data/zk"));
        assertThat(properties).containsEntry("tickTime", "2000")
                .containsEntry("clientPort", "2181")
                .containsEntry("clientPortAddress", "127.0.0.1")
                .containsEntry("dataDir", Path.of("/data/zk").toAbsolutePath().toString())
                .containsEntry("admin.enableServer", "false");
        assertThat(properties.stringPropertyNames()).noneMatch(key -> key.startsWith("server."))
                .doesNotContain("quorumListenOnAllIPs");
    }

    @Test
    void anEnsembleMemberGetsEveryServerLine() {
        ZooKeeperConfig config = parse("--listen", "0.0.0.0:2181", "--data-dir", "/var/lib/zookeeper",
                "--tick-time-ms", "200", "--server-id", "2", "--servers", "1=zk1:2888:3888,2=zk2:2888:3888",
                "--servers", "3=zk3:2889:3889");

        assertThat(config.dataDir()).isEqualTo(Path.of("/var/lib/zookeeper"));
        assertThat(config.serverId()).isEqualTo(2);
        assertThat(config.servers()).containsExactly(new ZooKeeperPeer(1, "zk1", 2888, 3888),
                new ZooKeeperPeer(2, "zk2", 2888, 3888), new ZooKeeperPeer(3, "zk3", 2889, 3889));
        Properties properties = config.toProperties(config.dataDir());
        assertThat(properties).containsEntry("tickTime", "200")
                .containsEntry("server.1", "zk1:2888:3888")
                .containsEntry("server.2", "zk2:2888:3888")
                .containsEntry("server.3", "zk3:2889:3889")
                .containsEntry("clientPortAddress", "0.0.0.0")
                .containsEntry("quorumListenOnAllIPs", "true");
    }

    @Test
    void refusesInvalidValues() {
        assertThatThrownBy(() -> parse("--listen", "nohost")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("listen: \"nohost\" (expected: host:port with port 1..65535)");
        assertThatThrownBy(() -> parse("--tick-time-ms", "0")).hasMessage("tick-time-ms: 0 (expected: 10..60000)");
        assertThatThrownBy(() -> parse("--server-id", "1", "--servers", "1=zk1:2888"))
                .hasMessage("servers: \"1=zk1:2888\" (expected: id=host:peerPort:electionPort with id 1..255)");
        assertThatThrownBy(() -> parse("--server-id", "1", "--servers", "0=zk1:2888:3888"))
                .hasMessage("servers: \"0=zk1:2888:3888\" (expected: id=host:peerPort:electionPort with id 1..255)");
        assertThatThrownBy(() -> parse("--server-id", "4", "--servers", "1=zk1:2888:3888,2=zk2:2888:3888"))
                .hasMessage("server-id: 4 (expected: one of the ids in --servers [1, 2])");
        assertThatThrownBy(() -> parse("--servers", "1=zk1:2888:3888"))
                .hasMessage("server-id: 0 (expected: one of the ids in --servers [1])");
        assertThatThrownBy(() -> parse("--server-id", "1"))
                .hasMessage("server-id: 1 (expected: only together with --servers)");
        assertThatThrownBy(() -> new ZooKeeperConfig(new HostPort("h", 1), null, 200, 1,
                List.of(new ZooKeeperPeer(1, "a", 1, 2), new ZooKeeperPeer(1, "b", 1, 2))))
                .hasMessage("servers: \"1=b:1:2\" (expected: each server id once)");
    }
}
