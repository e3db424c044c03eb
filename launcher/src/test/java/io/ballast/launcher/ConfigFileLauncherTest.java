package io.ballast.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.node.NodeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --config file.yaml} through the real launcher: keys are the flags' names, flags win. */
class ConfigFileLauncherTest {

    @TempDir Path dir;

    @Test
    void yamlKeysConfigureTheComponentAndFlagsWin() throws Exception {
        Path file = dir.resolve("node.yaml");
        Files.writeString(file, "zk: zk1:2181,zk2:2181\nlisten: 0.0.0.0:8080\nid: from-file\nzone: zone-a\n");
        NodeConfig config = (NodeConfig) DockerComposeCommandsTest.parseAndValidate(
                List.of("node", "--config", file.toString(), "--id", "from-flag"));
        assertThat(config.zkConnect()).isEqualTo("zk1:2181,zk2:2181");
        assertThat(config.listen().getPort()).isEqualTo(8080);
        assertThat(config.zone()).isEqualTo("zone-a");
        assertThat(config.id()).isEqualTo("from-flag");
    }

    @Test
    void anUnknownKeyIsRefusedNamingTheKey() throws Exception {
        Path file = dir.resolve("agent.yaml");
        Files.writeString(file, "servce: web\n");
        assertThatThrownBy(() -> DockerComposeCommandsTest.parseAndValidate(List.of("agent", "--config", file.toString())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("config key: \"servce\" (expected: one of [");
    }

    @Test
    void anInvalidValueInTheFileIsRefusedLikeAFlag() throws Exception {
        Path file = dir.resolve("cp.yaml");
        Files.writeString(file, "listen: nowhere\n");
        assertThatThrownBy(() -> DockerComposeCommandsTest.parseAndValidate(List.of("control-plane", "--config", file.toString())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("listen: \"nowhere\" (expected: host:port with port 0..65535)");
    }
}
