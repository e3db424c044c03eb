package io.ballast.bench.controlplane;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a change's time goes, from the processes' own log lines (millisecond timestamps, local
 * time of day, the launcher's text format): the leader's {@code publishing snapshot ... version V},
 * and each node's {@code proxy applied snapshot ... version V} (routing by it) and
 * {@code applied snapshot ... version V} (right before the ACK; the snapshot is persisted behind
 * it, or before it when its epoch is new). Joined
 * with each change's start and the version before it (the change is version + 1). Main thread,
 * after a run; an unreadable log yields no breakdown.
 */
final class LogTimeline {

    private static final Pattern TIME = Pattern.compile("^(\\d\\d:\\d\\d:\\d\\d\\.\\d{3}) ");
    private static final Pattern PUBLISH = Pattern.compile("publishing snapshot epoch \\d+ version (\\d+) ");
    private static final Pattern PROXY = Pattern.compile("proxy applied snapshot epoch \\d+ version (\\d+) ");
    private static final Pattern APPLIED = Pattern.compile("SnapshotApplier - applied snapshot epoch \\d+ version (\\d+) ");

    private LogTimeline() {}

    /** Prints the medians of: start -> publish, publish -> last node routing by it, persisting, start -> last persisted. */
    static void print(List<ConvergenceRun.Change> changes, Path leaderLog, List<Path> nodeLogs) {
        try {
            Map<Long, Long> published = times(leaderLog, PUBLISH);
            List<Map<Long, Long>> proxied = new ArrayList<>();
            List<Map<Long, Long>> persisted = new ArrayList<>();
            for (Path log : nodeLogs) {
                proxied.add(times(log, PROXY));
                persisted.add(times(log, APPLIED));
            }
            List<Double> toPublish = new ArrayList<>();
            List<Double> toRouting = new ArrayList<>();
            List<Double> persisting = new ArrayList<>();
            for (ConvergenceRun.Change change : changes) {
                long version = change.versionBefore() + 1;
                long start = LocalTime.ofInstant(Instant.ofEpochMilli(change.startWallMillis()), ZoneId.systemDefault())
                        .toNanoOfDay() / 1_000_000;
                Long publish = published.get(version);
                if (publish == null) {
                    continue;
                }
                toPublish.add((double) (publish - start));
                if (nodeLogs.isEmpty()) {
                    // Simulated streams: the last receipt, measured in-process, after the publish line.
                    toRouting.add(change.lastMillis() - (publish - start));
                    continue;
                }
                long lastProxy = Long.MIN_VALUE;
                for (int i = 0; i < nodeLogs.size(); i++) {
                    Long proxy = proxied.get(i).get(version);
                    Long applied = persisted.get(i).get(version);
                    if (proxy != null) {
                        lastProxy = Math.max(lastProxy, proxy);
                        if (applied != null) {
                            persisting.add((double) (applied - proxy));
                        }
                    }
                }
                if (lastProxy != Long.MIN_VALUE) {
                    toRouting.add((double) (lastProxy - publish));
                }
            }
            Stats a = Stats.of(toPublish);
            Stats b = Stats.of(toRouting);
            Stats c = Stats.of(persisting);
            if (nodeLogs.isEmpty()) {
                Table.line("  from the leader's log (1 ms resolution), p50 / max: SetWeight -> leader publishes %.0f / %.0f ms"
                        + " (%d changes); publish -> last stream received it %.0f / %.0f ms", a.p50(), a.max(), a.n(), b.p50(), b.max());
            } else {
                Table.line("from the logs (1 ms resolution), p50 / max: SetWeight -> leader publishes %.0f / %.0f ms (%d changes);"
                        + " publish -> last node routes by it %.0f / %.0f ms; node routes by it -> its ACK %.0f / %.0f ms",
                        a.p50(), a.max(), a.n(), b.p50(), b.max(), c.p50(), c.max());
            }
        } catch (IOException | RuntimeException e) {
            Table.line("no breakdown from the logs: %s", e.toString());
        }
    }

    /**
     * Per change, milliseconds from its start to the last node's {@code applied snapshot} line of the
     * change's version (logged right before the ACK is sent on the same thread);
     * changes whose lines are missing are left out. Empty when a log cannot be read.
     */
    static List<Double> lastNodeAckMillis(List<ConvergenceRun.Change> changes, List<Path> nodeLogs) {
        List<Double> result = new ArrayList<>();
        try {
            List<Map<Long, Long>> persisted = new ArrayList<>();
            for (Path log : nodeLogs) {
                persisted.add(times(log, APPLIED));
            }
            for (ConvergenceRun.Change change : changes) {
                long version = change.versionBefore() + 1;
                long start = LocalTime.ofInstant(Instant.ofEpochMilli(change.startWallMillis()), ZoneId.systemDefault())
                        .toNanoOfDay() / 1_000_000;
                long last = Long.MIN_VALUE;
                boolean complete = true;
                for (Map<Long, Long> node : persisted) {
                    Long at = node.get(version);
                    complete &= at != null;
                    last = at == null ? last : Math.max(last, at);
                }
                if (complete) {
                    result.add((double) (last - start));
                }
            }
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
        return result;
    }

    /** Per version, the time of day (ms) of the first line matching {@code pattern}. */
    private static Map<Long, Long> times(Path log, Pattern pattern) throws IOException {
        Map<Long, Long> times = new HashMap<>();
        for (String line : Files.readAllLines(log)) {
            Matcher at = TIME.matcher(line);
            Matcher what = pattern.matcher(line);
            if (at.find() && what.find()) {
                times.putIfAbsent(Long.parseLong(what.group(1)), LocalTime.parse(at.group(1)).toNanoOfDay() / 1_000_000);
            }
        }
        return times;
    }
}
