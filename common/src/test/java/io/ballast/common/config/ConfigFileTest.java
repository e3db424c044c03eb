package io.ballast.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

class ConfigFileTest {

    @Command(name = "root", subcommands = Sub.class)
    static final class Root implements Callable<Integer> {
        @Override
        public Integer call() {
            return 0;
        }
    }

    @Command(name = "sub")
    static final class Sub implements Callable<Integer> {
        @Option(names = "--zk", defaultValue = "127.0.0.1:2181") String zk;
        @Option(names = "--weight", defaultValue = "100") int weight;
        @Option(names = "--metadata", split = ",") List<String> metadata;
        @Option(names = "--config") Path config;

        @Override
        public Integer call() {
            return 0;
        }
    }

    @TempDir Path dir;

    private Sub parse(String yaml, String... args) throws Exception {
        Path file = dir.resolve("c.yaml");
        Files.writeString(file, yaml);
        String[] all = new String[args.length + 3];
        all[0] = "sub";
        all[1] = "--config";
        all[2] = file.toString();
        System.arraycopy(args, 0, all, 3, args.length);
        CommandLine cl = new CommandLine(new Root());
        ConfigFile.install(cl, all);
        CommandLine.ParseResult result = cl.parseArgs(all);
        return (Sub) result.subcommand().commandSpec().userObject();
    }

    @Test
    void fileValuesApplyAndFlagsWin() throws Exception {
        Sub sub = parse("zk: 10.0.0.1:2181\nweight: 7\n", "--weight", "9");
        assertThat(sub.zk).isEqualTo("10.0.0.1:2181");
        assertThat(sub.weight).isEqualTo(9);
    }

    @Test
    void listsBecomeRepeatedValues() throws Exception {
        Sub sub = parse("metadata: [a=1, b=2]\n");
        assertThat(sub.metadata).containsExactly("a=1", "b=2");
    }

    @Test
    void unknownKeyIsRejectedWithTheAllowedKeys() {
        assertThatThrownBy(() -> parse("wieght: 3\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("config key: \"wieght\" (expected: one of [metadata, weight, zk])");
    }

    @Test
    void nonMappingIsRejected() {
        assertThatThrownBy(() -> parse("- a\n- b\n"))
                .hasMessageContaining("(expected: a YAML mapping of option names to values)");
    }

    @Test
    void missingFileIsRejected() {
        CommandLine cl = new CommandLine(new Root());
        assertThatThrownBy(() -> ConfigFile.install(cl, new String[] {"sub", "--config", dir.resolve("nope.yaml").toString()}))
                .hasMessageStartingWith("config: \"" + dir.resolve("nope.yaml") + "\" (expected: a readable YAML file");
    }
}
