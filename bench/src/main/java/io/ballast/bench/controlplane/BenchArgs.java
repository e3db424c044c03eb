package io.ballast.bench.controlplane;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The driver's command line, {@code --name value} pairs (bench/control-plane/run passes them all).
 * Unknown names and malformed numbers throw {@link IllegalArgumentException} in the shared style.
 */
record BenchArgs(Map<String, String> values) {

    private static final List<String> NAMES = List.of("phase", "cp", "cp-metrics", "cp-pid", "zk", "zk-pid", "clk-tck",
            "cluster", "nodes", "changes", "warmup", "streams", "storm", "storm-services", "storm-spread-ms", "services",
            "small", "large", "deltas", "seed", "poll-us", "cp-log", "node-logs", "profile-dir");

    static BenchArgs parse(String[] args) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            String name = args[i].startsWith("--") ? args[i].substring(2) : args[i];
            if (!NAMES.contains(name) || i + 1 >= args.length) {
                throw new IllegalArgumentException(args[i] + ": unknown or without a value (expected: one of --" + String.join(", --", NAMES) + ")");
            }
            values.put(name, args[i + 1]);
        }
        return new BenchArgs(values);
    }

    String text(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    String required(String name) {
        String value = values.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("--" + name + ": missing (expected: a value)");
        }
        return value;
    }

    int integer(String name, int fallback, int min, int max) {
        String value = values.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--" + name + ": " + value + " (expected: " + min + ".." + max + ")");
    }

    long pid(String name) {
        return integer(name, -1, 1, Integer.MAX_VALUE);
    }

    String host(String name) {
        String address = required(name);
        return address.substring(0, address.lastIndexOf(':'));
    }

    int port(String name) {
        String address = required(name);
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }
}
