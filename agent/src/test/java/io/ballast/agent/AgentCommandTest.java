package io.ballast.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.agent.health.HealthCheckKind;
import io.ballast.common.config.ConfigFile;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class AgentCommandTest {

    private static AgentConfig parse(String... args) {
        AgentCommand command = new AgentCommand();
        new CommandLine(command).parseArgs(args);
        return command.toConfig();
    }

    @Test
    void defaultsMatchTheConfigDefaults() {
        AgentConfig parsed = parse("--service", "web", "--backend", "10.0.0.5:8001");
        assertThat(parsed).isEqualTo(AgentConfig.builder().service("web").backend("10.0.0.5:8001").build());
    }

    @Test
    void everyOptionReachesTheConfig() {
        AgentConfig config = parse("--zk", "zk1:2181,zk2:2181", "--cluster", "prod", "--service", "web",
                "--id", "web-1", "--backend", "backend1:8001", "--zone", "zone-a", "--weight", "250",
                "--metadata", "rack=r1", "--metadata", "os=linux,arch=amd64", "--health-check", "TCP",
                "--health-path", "/ready", "--health-status", "200-204", "--interval-ms", "250", "--timeout-ms", "100",
                "--rise", "3", "--fall", "4", "--heartbeat-ms", "1500", "--session-timeout-ms", "9000",
                "--load-url", "http://backend1:8001/ballast/load");

        assertThat(config.zkConnect()).isEqualTo("zk1:2181,zk2:2181");
        assertThat(config.cluster()).isEqualTo("prod");
        assertThat(config.service()).isEqualTo("web");
        assertThat(config.id()).isEqualTo("web-1");
        assertThat(config.backend().toString()).isEqualTo("backend1:8001");
        assertThat(config.zone()).isEqualTo("zone-a");
        assertThat(config.weight()).isEqualTo(250);
        assertThat(config.metadata()).containsExactly(Map.entry("rack", "r1"), Map.entry("os", "linux"),
                Map.entry("arch", "amd64"));
        assertThat(config.healthCheck().kind()).isEqualTo(HealthCheckKind.TCP);
        assertThat(config.healthCheck().path()).isEqualTo("/ready");
        assertThat(config.healthCheck().minStatus()).isEqualTo(200);
        assertThat(config.healthCheck().maxStatus()).isEqualTo(204);
        assertThat(config.healthCheck().interval()).isEqualTo(Duration.ofMillis(250));
        assertThat(config.healthCheck().timeout()).isEqualTo(Duration.ofMillis(100));
        assertThat(config.healthCheck().rise()).isEqualTo(3);
        assertThat(config.healthCheck().fall()).isEqualTo(4);
        assertThat(config.heartbeatInterval()).isEqualTo(Duration.ofMillis(1500));
        assertThat(config.sessionTimeout()).isEqualTo(Duration.ofMillis(9000));
        assertThat(config.loadUrl()).isEqualTo(URI.create("http://backend1:8001/ballast/load"));
    }

    @Test
    void theLoadUrlIsAlsoAConfigFileKeyAndTheFlagWins(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("agent.yaml");
        Files.writeString(file, "service: web\nbackend: b:1\nload-url: http://b:1/from-file\n");

        assertThat(parseWithConfigFile("--config", file.toString()).loadUrl())
                .isEqualTo(URI.create("http://b:1/from-file"));
        assertThat(parseWithConfigFile("--config", file.toString(), "--load-url", "http://b:1/from-flag").loadUrl())
                .isEqualTo(URI.create("http://b:1/from-flag"));

        Files.writeString(file, "service: web\nbackend: b:1\nload-url: ftp://x\n");
        assertThatThrownBy(() -> parseWithConfigFile("--config", file.toString()))
                .hasMessage("load-url: \"ftp://x\" (expected: an http:// URL)");
    }

    private static AgentConfig parseWithConfigFile(String... args) {
        AgentCommand command = new AgentCommand();
        CommandLine commandLine = new CommandLine(command);
        ConfigFile.install(commandLine, args);
        commandLine.parseArgs(args);
        return command.toConfig();
    }

    @Test
    void theHelpDocumentsTheLoadUrlAndItsContract() {
        String usage = new CommandLine(new AgentCommand()).getUsageMessage(CommandLine.Help.Ansi.OFF);
        assertThat(usage).contains("--load-url=URL");
        assertThat(usage.replaceAll("\\s+", " ")).contains("{\"qps\": <number >= 0>, \"utilization\": <number 0..1>,"
                + " \"inFlight\": <optional integer >= 0>}");
    }

    @Test
    void badValuesAreReportedInTheCommonStyle() {
        assertThatThrownBy(() -> parse("--service", "web", "--backend", "b:1", "--weight", "-3"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("weight: -3 (expected: 0..10000)");
        assertThatThrownBy(() -> parse("--service", "web", "--backend", "b:1", "--health-check", "udp"))
                .hasMessage("health-check: \"udp\" (expected: http|tcp)");
        assertThatThrownBy(() -> parse("--service", "web", "--backend", "b:1", "--health-status", "2xx"))
                .hasMessage("health-status: \"2xx\" (expected: MIN-MAX, e.g. 200-399)");
        assertThatThrownBy(() -> parse("--service", "web", "--backend", "b:99999"))
                .hasMessage("backend: \"b:99999\" (expected: host:port with port 1..65535)");
        assertThatThrownBy(() -> parse("--backend", "b:1")).hasMessageStartingWith("service: null");
        assertThatThrownBy(() -> parse("--service", "web")).hasMessageStartingWith("backend: null");
        assertThatThrownBy(() -> parse("--service", "web", "--backend", "b:1", "--metadata", "novalue"))
                .hasMessage("metadata: \"novalue\" (expected: key=value)");
        assertThatThrownBy(() -> parse("--service", "web", "--backend", "b:1", "--load-url", "ftp://x"))
                .hasMessage("load-url: \"ftp://x\" (expected: an http:// URL)");
    }
}
