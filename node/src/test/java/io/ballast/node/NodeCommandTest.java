package io.ballast.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.common.config.HostPort;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class NodeCommandTest {

    private static NodeConfig parse(String... args) {
        NodeCommand command = new NodeCommand();
        new CommandLine(command).parseArgs(args);
        return command.toConfig();
    }

    @Test
    void defaults() {
        NodeConfig config = parse();
        assertThat(config.zkConnect()).isEqualTo("127.0.0.1:2181");
        assertThat(config.cluster()).isEqualTo("default");
        assertThat(config.id()).isEqualTo("node-8080");
        assertThat(config.listen().getHostString()).isEqualTo("127.0.0.1");
        assertThat(config.listen().getPort()).isEqualTo(8080);
        assertThat(config.advertise()).isNull();
        assertThat(config.admin().getHostString()).isEqualTo("127.0.0.1");
        assertThat(config.admin().getPort()).isEqualTo(9901);
        assertThat(config.zone()).isEmpty();
        assertThat(config.stateDir()).isEqualTo(Path.of(".ballast", "node-8080"));
        assertThat(config.ioThreads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(config.sessionTimeout()).isEqualTo(Duration.ofSeconds(6));
        assertThat(config.drainTimeout()).isEqualTo(Duration.ofSeconds(15));
    }

    @Test
    void drainTimeoutIsParsedAndChecked() {
        assertThat(parse("--drain-timeout-ms", "0").drainTimeout()).isZero();
        assertThat(parse("--drain-timeout-ms", "2500").drainTimeout()).isEqualTo(Duration.ofMillis(2500));
        assertThatThrownBy(() -> parse("--drain-timeout-ms", "-1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("drain-timeout-ms: -1 (expected: 0..3600000)");
    }

    @Test
    void everyOption() {
        NodeConfig config = parse("--zk", "10.0.0.1:2181,10.0.0.2:2181", "--cluster", "prod", "--id", "edge-1",
                "--listen", "0.0.0.0:80", "--advertise", "lb1.example:80", "--admin", "127.0.0.1:0", "--zone", "eu-1a",
                "--state-dir", "/var/lib/ballast", "--io-threads", "3", "--session-timeout-ms", "2000");
        assertThat(config.zkConnect()).isEqualTo("10.0.0.1:2181,10.0.0.2:2181");
        assertThat(config.cluster()).isEqualTo("prod");
        assertThat(config.id()).isEqualTo("edge-1");
        assertThat(config.listen().getHostString()).isEqualTo("0.0.0.0");
        assertThat(config.listen().getPort()).isEqualTo(80);
        assertThat(config.advertise()).isEqualTo(new HostPort("lb1.example", 80));
        assertThat(config.admin().getPort()).isZero();
        assertThat(config.zone()).isEqualTo("eu-1a");
        assertThat(config.stateDir()).isEqualTo(Path.of("/var/lib/ballast"));
        assertThat(config.ioThreads()).isEqualTo(3);
        assertThat(config.sessionTimeout()).isEqualTo(Duration.ofMillis(2000));
    }

    @Test
    void idAndStateDirDefaultFromTheListenPort() {
        NodeConfig config = parse("--listen", "127.0.0.1:9090");
        assertThat(config.id()).isEqualTo("node-9090");
        assertThat(config.stateDir()).isEqualTo(Path.of(".ballast", "node-9090"));
    }

    @Test
    void invalidValuesAreNamedInTheSharedStyle() {
        assertThatThrownBy(() -> parse("--listen", "nowhere"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("listen: \"nowhere\" (expected: host:port with port 0..65535)");
        assertThatThrownBy(() -> parse("--admin", "127.0.0.1:70000"))
                .hasMessage("admin: \"127.0.0.1:70000\" (expected: host:port with port 0..65535)");
        assertThatThrownBy(() -> parse("--advertise", "host:0"))
                .hasMessage("advertise: \"host:0\" (expected: host:port with port 1..65535)");
        assertThatThrownBy(() -> parse("--id", "has space"))
                .hasMessage("id: \"has space\" (expected: [A-Za-z0-9._:-]{1,128})");
        assertThatThrownBy(() -> parse("--cluster", "Prod"))
                .hasMessage("cluster: \"Prod\" (expected: [a-z0-9][a-z0-9._-]{0,62})");
        assertThatThrownBy(() -> parse("--zk", "zk1"))
                .hasMessage("zk: \"zk1\" (expected: host:port[,host:port...])");
        assertThatThrownBy(() -> parse("--io-threads", "0"))
                .hasMessage("io-threads: 0 (expected: 1..1024)");
        assertThatThrownBy(() -> parse("--session-timeout-ms", "10"))
                .hasMessage("session-timeout-ms: 10 (expected: 100..600000)");
    }

    @Test
    void builderUsedDirectlyHasTheSameDefaults() {
        assertThat(NodeConfig.builder().build()).isEqualTo(parse());
    }
}
