package io.ballast.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every Ballast command in docker-compose.yml must parse with the real launcher's parser
 * and produce a valid component config; a wrong flag or value fails the build. (No Docker
 * engine runs here, so this is how the compose file is kept honest.) The {@code certs} service
 * runs for real first, into a temporary directory standing for its volume, and every container
 * path is resolved through the service's {@code volumes}, so the TLS files the control planes and
 * nodes name must exist and match.
 */
class DockerComposeCommandsTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path COMPOSE = ROOT.resolve("docker-compose.yml");

    @TempDir Path volumes;

    /** Each service's command, with container paths replaced by where its volumes put them on this host. */
    Map<String, List<String>> ballastCommands() throws Exception {
        JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(COMPOSE));
        Map<String, List<String>> commands = new LinkedHashMap<>();
        root.path("services").fields().forEachRemaining(service -> {
            Map<String, Path> mounts = mounts(service.getValue().path("volumes"));
            List<String> args = new ArrayList<>();
            service.getValue().path("command").forEach(arg -> args.add(resolve(arg.asText(), mounts)));
            commands.put(service.getKey(), args);
        });
        return commands;
    }

    /** Container path -> host path: a bind mount ({@code ./x:/y}) from the repository, a named volume from the temp dir. */
    private Map<String, Path> mounts(JsonNode entries) {
        Map<String, Path> mounts = new LinkedHashMap<>();
        entries.forEach(entry -> {
            String[] parts = entry.asText().split(":");
            Path host = parts[0].startsWith(".") ? ROOT.resolve(parts[0]).normalize() : volumes.resolve(parts[0]);
            mounts.put(parts[1], host);
        });
        return mounts;
    }

    private static String resolve(String arg, Map<String, Path> mounts) {
        for (Map.Entry<String, Path> mount : mounts.entrySet()) {
            if (arg.equals(mount.getKey()) || arg.startsWith(mount.getKey() + "/")) {
                return mount.getValue() + arg.substring(mount.getKey().length());
            }
        }
        return arg;
    }

    /** Parses like the launcher and builds the component's config (which validates every value). */
    static Object parseAndValidate(List<String> args) throws Exception {
        String[] argv = args.toArray(String[]::new);
        CommandLine.ParseResult result = Main.commandLine(argv).parseArgs(argv);
        Object command = result.subcommand().commandSpec().userObject();
        try {
            Method toConfig = command.getClass().getDeclaredMethod("toConfig");
            toConfig.setAccessible(true);
            return toConfig.invoke(command);
        } catch (NoSuchMethodException e) {
            return command;
        } catch (InvocationTargetException e) {
            throw (Exception) e.getCause();
        }
    }

    @Test
    void everyComposeServiceRunsAValidBallastCommand() throws Exception {
        Map<String, List<String>> commands = ballastCommands();
        assertThat(commands.keySet()).contains("certs", "zk1", "zk2", "zk3", "cp1", "cp2", "node1", "node2",
                "backend1", "backend2", "backend3", "agent1", "agent2", "agent3");
        // The one-shot certificate step runs for real: the others' TLS files must then exist and match.
        String[] certs = commands.remove("certs").toArray(String[]::new);
        StringWriter out = new StringWriter();
        CommandLine certsCommand = Main.commandLine(certs);
        certsCommand.setOut(new PrintWriter(out));
        assertThat(certsCommand.execute(certs)).as("exit code of the certs service, output: " + out).isZero();
        for (String cp : List.of("cp1", "cp2")) {
            assertThat(commands.get(cp)).as(cp + " serves TLS and verifies clients")
                    .contains("--tls-cert", "--tls-client-ca", "--admin-auth");
        }
        for (String node : List.of("node1", "node2")) {
            assertThat(commands.get(node)).as(node + " dials the control plane with TLS").contains("--tls-ca", "--tls-cert");
        }
        for (Map.Entry<String, List<String>> entry : commands.entrySet()) {
            assertThat(entry.getValue()).as("command of " + entry.getKey()).isNotEmpty();
            try {
                assertThat(parseAndValidate(entry.getValue())).as(entry.getKey()).isNotNull();
            } catch (Exception e) {
                throw new AssertionError("docker-compose service " + entry.getKey() + ": " + e.getMessage(), e);
            }
        }
    }

    @Test
    void aWrongFlagIsCaught() {
        assertThatThrownBy(() -> parseAndValidate(List.of("node", "--zk", "zk1:2181", "--lisen", "0.0.0.0:8080")))
                .isInstanceOf(CommandLine.UnmatchedArgumentException.class)
                .hasMessageContaining("--lisen");
    }

    @Test
    void aWrongValueIsCaught() {
        assertThatThrownBy(() -> parseAndValidate(List.of("agent", "--zk", "zk1:2181", "--service", "web", "--id", "a",
                        "--backend", "backend1:8001", "--weight", "-3")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("weight: -3 (expected: 0..10000)");
    }
}
