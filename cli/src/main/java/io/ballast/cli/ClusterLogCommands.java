package io.ballast.cli;

import io.ballast.proto.v1.AuditEntry;
import io.ballast.proto.v1.Event;
import io.ballast.proto.v1.ListAuditRequest;
import io.ballast.proto.v1.ListAuditResponse;
import io.ballast.proto.v1.ListEventsRequest;
import io.ballast.proto.v1.ListEventsResponse;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code events} and {@code audit}: what changed in the cluster, and who changed what. */
final class ClusterLogCommands {

    private ClusterLogCommands() {}

    @Command(name = "events", mixinStandardHelpOptions = true,
            description = "The recent events one replica observed (registrations, overrides, policies, routes, nodes, leader"
                    + " changes, snapshots, NACKs), oldest first. `watch` follows them live.")
    static final class Events implements Callable<Integer> {

        @Mixin ConnectionOptions options;
        @Spec CommandSpec spec;

        @Option(names = "--limit", paramLabel = "N", description = "At most the newest N events, 1..1000 (default: 100).")
        int limit;

        @Override
        public Integer call() {
            boolean json = options.json();
            ListEventsResponse response = AdminClient.call(options,
                    stub -> stub.listEvents(ListEventsRequest.newBuilder().setLimit(limit).build()));
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Output.json(out, response);
            } else {
                Output.table(out, List.of("TIME", "KIND", "WHAT", "DETAIL"),
                        response.getEventsList().stream().map(ClusterLogCommands::row).toList());
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "audit", mixinStandardHelpOptions = true,
            description = "The audit log: every admin mutation with who made it, the state before and after, and when; oldest first.")
    static final class Audit implements Callable<Integer> {

        @Mixin ConnectionOptions options;
        @Spec CommandSpec spec;

        @Option(names = "--limit", paramLabel = "N", description = "At most the newest N entries, 1..1000 (default: 100).")
        int limit;

        @Override
        public Integer call() {
            boolean json = options.json();
            ListAuditResponse response = AdminClient.call(options,
                    stub -> stub.listAudit(ListAuditRequest.newBuilder().setLimit(limit).build()));
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Output.json(out, response);
            } else {
                Output.table(out, List.of("TIME", "WHO", "ROLE", "METHOD", "TARGET", "BEFORE", "AFTER"),
                        response.getEntriesList().stream().map((AuditEntry e) -> List.of(time(e.getAtUnixMillis()),
                                e.getIdentity(), e.getRole(), e.getMethod(), e.getTarget(), e.getBefore(), e.getAfter())).toList());
            }
            out.flush();
            return 0;
        }
    }

    static List<String> row(Event event) {
        String what = event.getService().isEmpty() ? event.getId()
                : event.getId().isEmpty() ? event.getService() : event.getService() + "/" + event.getId();
        return List.of(time(event.getAtUnixMillis()), event.getKind(), what.isEmpty() ? "-" : what,
                event.getDetail().isEmpty() ? "-" : event.getDetail());
    }

    static String time(long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }
}
