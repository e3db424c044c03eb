package io.ballast.common.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A YAML config file whose keys are the command's long option names without the
 * leading dashes ({@code zk: 10.0.0.1:2181} for {@code --zk}). Values become picocli
 * default values, so a flag given on the command line always wins over the file.
 *
 * <p>A YAML list becomes one comma-joined default value, so a repeatable option must
 * declare {@code split = ","} to receive it as several values.
 *
 * <p>Unknown keys are rejected, naming the key and the keys that are allowed: a typo in a
 * config file must not silently fall back to a default.
 */
public final class ConfigFile {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private ConfigFile() {}

    /**
     * Finds {@code --config FILE} or {@code --config=FILE} in {@code args} and, if present,
     * installs the file's values as default values on every command of {@code commandLine}
     * that {@code args} selects. Call before {@code execute}.
     *
     * @throws IllegalArgumentException when the file cannot be read, is not a YAML mapping,
     *     or has a key that is not an option of the selected command
     */
    /** The YAML mapper config files are read with (other YAML inputs, e.g. ACL files, share it). */
    public static ObjectMapper yamlMapper() {
        return YAML;
    }

    public static void install(CommandLine commandLine, String[] args) {
        String file = findConfigArg(args);
        if (file == null) {
            return;
        }
        CommandLine target = selectSubcommand(commandLine, args);
        Map<String, String> values = read(Path.of(file), target.getCommandSpec());
        target.setDefaultValueProvider(new CommandLine.IDefaultValueProvider() {
            @Override
            public String defaultValue(ArgSpec argSpec) {
                if (argSpec instanceof OptionSpec option) {
                    return values.get(keyOf(option));
                }
                return null;
            }
        });
    }

    /** Reads {@code file} into option-name → string value, checking every key against {@code spec}. */
    static Map<String, String> read(Path file, CommandSpec spec) {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(Checks.message("config", file.toString(),
                    "a readable YAML file (" + e.getMessage().lines().findFirst().orElse("") + ")"));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return Map.of();
        }
        Checks.check(root.isObject(), "config", file.toString(), "a YAML mapping of option names to values");
        Set<String> allowed = new TreeSet<>();
        for (OptionSpec option : spec.options()) {
            String key = keyOf(option);
            if (key != null && !key.equals("config") && !key.equals("help") && !key.equals("version")) {
                allowed.add(key);
            }
        }
        Map<String, String> values = new java.util.HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = root.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String key = field.getKey();
            Checks.check(allowed.contains(key), "config key", key, "one of " + allowed);
            values.put(key, render(key, field.getValue()));
        }
        return values;
    }

    private static String render(String key, JsonNode value) {
        if (value.isArray()) {
            List<String> parts = new ArrayList<>();
            value.forEach(v -> parts.add(v.asText()));
            return String.join(",", parts);
        }
        Checks.check(value.isValueNode(), key, value.toString(), "a scalar or a list of scalars");
        return value.asText();
    }

    private static String keyOf(OptionSpec option) {
        String longest = option.longestName();
        return longest.startsWith("--") ? longest.substring(2) : null;
    }

    private static String findConfigArg(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                return args[i + 1];
            }
            if (args[i].startsWith("--config=")) {
                return args[i].substring("--config=".length());
            }
        }
        return null;
    }

    private static CommandLine selectSubcommand(CommandLine root, String[] args) {
        CommandLine current = root;
        for (String arg : args) {
            CommandLine sub = current.getSubcommands().get(arg);
            if (sub != null) {
                current = sub;
            }
        }
        return current;
    }
}
