package io.ballast.cli;

import io.ballast.common.config.ClientTls;
import io.ballast.proto.v1.AdminGrpc;
import io.ballast.proto.v1.Event;
import io.ballast.proto.v1.WatchEventsRequest;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code watch}: follows a replica's event stream until interrupted. When the replica goes away
 * the stream moves to the next one (events in between may be missed: `events` shows the recent
 * history of any replica); when no replica answers, it ends with exit code 3.
 */
@Command(name = "watch", mixinStandardHelpOptions = true,
        description = "Follow the cluster's events live (Ctrl-C to stop); --history first prints the recent ones.")
final class WatchCommand implements Callable<Integer> {

    @Mixin ConnectionOptions options;
    @Spec CommandSpec spec;

    @Option(names = "--history", description = "Start with the replica's recent history (at most 1000 events).")
    boolean history;

    @Option(names = "--max-events", paramLabel = "N", description = "Stop after N events (default: never).")
    long maxEvents = Long.MAX_VALUE;

    @Override
    public Integer call() {
        boolean json = options.json();
        ChannelCredentials credentials = ClientTls.credentials(options.clientTls());
        List<String> addresses = ReplicaDiscovery.addresses(options);
        PrintWriter out = spec.commandLine().getOut();
        long seen = 0;
        boolean withHistory = history;
        for (String address : addresses) {
            ManagedChannel channel = AdminClient.channel(address, credentials);
            try {
                AdminGrpc.AdminBlockingStub stub = AdminGrpc.newBlockingStub(channel);
                if (options.bearerToken().isPresent()) {
                    stub = stub.withCallCredentials(new BearerToken(options.bearerToken().get()));
                }
                // No deadline: a watch lasts as long as the operator wants it.
                Iterator<Event> events = stub.watchEvents(WatchEventsRequest.newBuilder().setIncludeHistory(withHistory).build());
                while (events.hasNext()) {
                    Event event = events.next();
                    if (json) {
                        Output.json(out, event);
                    } else {
                        out.println(String.join("  ", ClusterLogCommands.row(event)));
                    }
                    out.flush();
                    if (++seen >= maxEvents) {
                        return 0;
                    }
                }
                return 0; // the replica completed the stream
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                if (code != Status.Code.UNAVAILABLE && code != Status.Code.RESOURCE_EXHAUSTED) {
                    throw AdminCallException.of(e, address);
                }
                spec.commandLine().getErr().println("ballastctl: watch on " + address + " ended (" + code + "); trying the next replica");
                withHistory = false; // the next replica's history would repeat what was printed
            } finally {
                channel.shutdownNow();
            }
        }
        throw new AdminCallException("no control-plane replica to watch", BallastCtl.EXIT_UNAVAILABLE);
    }
}
