package io.ballast.e2e.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * nftables rules in one dedicated table, {@value #TABLE}, with a filter chain on the output
 * hook: loopback traffic crosses it once, when it is sent, so a rule on the sender's side
 * drops or resets a packet between two of the cluster's loopback addresses. A process is told
 * apart by the group id it runs under ({@code meta skgid}, see {@link ChaosCluster}), an
 * address by {@code ip daddr}/{@code ip saddr}, one TCP connection by its ports.
 *
 * <p>{@link #reset} deletes the table (at suite start and after each scenario, pass or fail).
 * Called from the test thread only; a failing {@code nft} throws {@link IllegalStateException}
 * with its output.
 */
final class Firewall {

    static final String TABLE = "ballast_chaos";
    private static final String CHAIN = "out";

    private boolean created;

    /** Drops every packet a process (by its group id) sends to {@code host} (any port, or {@code port} when > 0). */
    void dropFrom(int gid, String host, int port) {
        add("meta skgid " + gid + " ip daddr " + host + (port > 0 ? " tcp dport " + port : "") + " counter drop");
    }

    /**
     * Drops every packet any of the processes (by group id) sends to any of the hosts, in ONE
     * rule (anonymous sets), so that the cut starts at the same instant for all of them.
     */
    void dropFrom(java.util.Collection<Integer> gids, java.util.Collection<String> hosts) {
        add("meta skgid { " + gids.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(", "))
                + " } ip daddr { " + String.join(", ", hosts) + " } counter drop");
    }

    /** Drops every packet to and from {@code host}, and everything a process (by group id) sends: an isolated machine. */
    void isolate(String host, int gid) {
        add("ip daddr " + host + " counter drop");
        add("ip saddr " + host + " counter drop");
        add("meta skgid " + gid + " counter drop");
    }

    /** Drops both directions of one TCP connection, without a reset: it becomes half-open. */
    void dropConnection(String clientHost, int clientPort, String serverHost, int serverPort) {
        add("ip saddr " + clientHost + " ip daddr " + serverHost + " tcp sport " + clientPort + " tcp dport " + serverPort + " counter drop");
        add("ip saddr " + serverHost + " ip daddr " + clientHost + " tcp sport " + serverPort + " tcp dport " + clientPort + " counter drop");
    }

    /** Answers every TCP segment a process (by group id) sends to {@code host}:{@code port} with a reset. */
    void resetFrom(int gid, String host, int port) {
        add("meta skgid " + gid + " ip daddr " + host + " tcp dport " + port + " counter reject with tcp reset");
    }

    /** Answers every TCP segment any of the processes (by group id) sends to {@code host}:{@code port} with a reset, in one rule. */
    void resetFrom(java.util.Collection<Integer> gids, String host, int port) {
        add("meta skgid { " + gids.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(", "))
                + " } ip daddr " + host + " tcp dport " + port + " counter reject with tcp reset");
    }

    /** Packets the table's rules have matched so far (their counters), 0 when there is no table. */
    long matchedPackets() {
        if (!created) {
            return 0;
        }
        long sum = 0;
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("counter packets (\\d+)").matcher(list());
        while (matcher.find()) {
            sum += Long.parseLong(matcher.group(1));
        }
        return sum;
    }

    /** The rules now, for logs. */
    String list() {
        return created ? nft("list", "table", "inet", TABLE) : "(no table)";
    }

    /** Deletes the table and all its rules; nothing when there is none. */
    void reset() {
        nftAllowFailure("delete", "table", "inet", TABLE);
        created = false;
    }

    private void add(String rule) {
        if (!created) {
            nftAllowFailure("delete", "table", "inet", TABLE);
            nft("add", "table", "inet", TABLE);
            nft("add", "chain", "inet", TABLE, CHAIN, "{ type filter hook output priority 0; policy accept; }");
            created = true;
        }
        List<String> args = new ArrayList<>(List.of("add", "rule", "inet", TABLE, CHAIN));
        args.addAll(List.of(rule.split(" ")));
        nft(args.toArray(String[]::new));
    }

    /** True when nft can be run here (it needs root, or CAP_NET_ADMIN). */
    static boolean available() {
        try {
            return run(List.of("nft", "list", "tables")).exitCode == 0;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    private static String nft(String... args) {
        List<String> command = new ArrayList<>();
        command.add("nft");
        command.addAll(List.of(args));
        Result result = run(command);
        if (result.exitCode != 0) {
            throw new IllegalStateException(String.join(" ", command) + ": exit " + result.exitCode + ": " + result.output);
        }
        return result.output;
    }

    private static void nftAllowFailure(String... args) {
        List<String> command = new ArrayList<>();
        command.add("nft");
        command.addAll(List.of(args));
        run(command); // "No such file or directory" when the table is absent
    }

    private record Result(int exitCode, String output) {}

    private static Result run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(command + " did not finish");
            }
            return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + command, e);
        }
    }
}
