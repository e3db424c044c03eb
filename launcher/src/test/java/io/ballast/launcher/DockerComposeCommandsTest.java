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
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every Ballast command in docker-compose.yml must parse with the real launcher's parser
 * and produce a valid component config; a wrong flag or value fails the build. (No Docker
 * engine runs here, so this is how the compose file is kept honest.)
 */
class DockerComposeCommandsTest {

    private static final Path COMPOSE = Path.of("..", "docker-compose.yml");

    static Map<String, List<String>> ballastCommands() throws Exception {
        JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(COMPOSE));
        Map<String, List<String>> commands = new LinkedHashMap<>();
        root.path("services").fields().forEachRemaining(service -> {
            List<String> args = new ArrayList<>();
            service.getValue().path("command").forEach(arg -> args.add(arg.asText()));
            commands.put(service.getKey(), args);
        });
        return commands;
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
        assertThat(commands.keySet()).contains("zk1", "zk2", "zk3", "cp1", "cp2", "node1", "node2",
                "backend1", "backend2", "backend3", "agent1", "agent2", "agent3");
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
