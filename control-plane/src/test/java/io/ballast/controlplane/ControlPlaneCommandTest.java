package io.ballast.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.common.config.HostPort;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ControlPlaneCommandTest {

    private static ControlPlaneConfig parse(String... args) {
        ControlPlaneCommand command = new ControlPlaneCommand();
        new CommandLine(command).parseArgs(args);
        return command.toConfig();
    }

    @Test
    void defaultsMatchTheConfigDefaults() {
        assertThat(parse()).isEqualTo(ControlPlaneConfig.builder().build());
    }

    @Test
    void everyOptionReachesTheConfig() {
        ControlPlaneConfig config = parse("--zk", "zk1:2181,zk2:2181", "--cluster", "prod", "--config", "cp.yaml",
                "--id", "cp-1", "--listen", "0.0.0.0:7100", "--advertise", "cp1:7100", "--session-timeout-ms", "2000",
                "--debounce-ms", "50", "--default-service", "api");

        assertThat(config.zkConnect()).isEqualTo("zk1:2181,zk2:2181");
        assertThat(config.cluster()).isEqualTo("prod");
        assertThat(config.id()).contains("cp-1");
        assertThat(config.listenHost()).isEqualTo("0.0.0.0");
        assertThat(config.listenPort()).isEqualTo(7100);
        assertThat(config.advertise()).contains(new HostPort("cp1", 7100));
        assertThat(config.sessionTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.debounce()).isEqualTo(Duration.ofMillis(50));
        assertThat(config.defaultService()).isEqualTo("api");
    }

    @Test
    void badValuesFailInToConfigWithTheSharedMessage() {
        assertThatThrownBy(() -> parse("--debounce-ms", "1000"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("debounce-ms: 1000 (expected: 0..200)");
    }

    @Test
    void failureHandlingFlagsReachTheConfigAndAreValidated() {
        ControlPlaneConfig config = parse("--self-preservation-window-ms", "5000", "--self-preservation-threshold-percent", "60",
                "--suspect-weight-percent", "25", "--self-preservation-max-ms", "120000", "--outlier-quorum-window-ms", "4000",
                "--flap-threshold", "3", "--flap-window-ms", "20000", "--flap-hold-ms", "1000", "--flap-max-hold-ms", "8000",
                "--removal-grace-ms", "1500");

        assertThat(config.failure()).isEqualTo(new io.ballast.controlplane.health.FailureConfig(5_000, 60, 25, 120_000, 4_000, 3,
                20_000, 1_000, 8_000, 1_500));
        assertThat(parse().failure()).isEqualTo(io.ballast.controlplane.health.FailureConfig.DEFAULT);
        assertThatThrownBy(() -> parse("--flap-threshold", "0")).hasMessage("flap-threshold: 0 (expected: 1..1000)");
        assertThatThrownBy(() -> parse("--self-preservation-threshold-percent", "101"))
                .hasMessage("self-preservation-threshold-percent: 101 (expected: 0..100)");
        assertThatThrownBy(() -> parse("--suspect-weight-percent", "0")).hasMessage("suspect-weight-percent: 0 (expected: 1..100)");
        assertThatThrownBy(() -> parse("--flap-hold-ms", "60000", "--flap-max-hold-ms", "30000"))
                .hasMessage("flap-max-hold-ms: 30000 (expected: 60000..86400000)");
        assertThatThrownBy(() -> parse("--self-preservation-window-ms", "2000", "--removal-grace-ms", "2500"))
                .hasMessage("removal-grace-ms: 2500 (expected: 0..2000)");
        assertThatThrownBy(() -> parse("--outlier-quorum-window-ms", "10")).hasMessage("outlier-quorum-window-ms: 10 (expected: 500..600000)");
    }

    @Test
    void hasTheLauncherContract() {
        CommandLine commandLine = new CommandLine(new ControlPlaneCommand());

        assertThat(commandLine.getCommandName()).isEqualTo("control-plane");
        assertThat(commandLine.getCommandSpec().optionsMap().keySet()).contains("--zk", "--cluster", "--config", "--id",
                "--listen", "--advertise", "--session-timeout-ms", "--debounce-ms", "--default-service", "--help");
    }
}
