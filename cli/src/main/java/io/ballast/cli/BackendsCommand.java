package io.ballast.cli;

import io.ballast.proto.v1.Backend;
import io.ballast.proto.v1.ListBackendsRequest;
import io.ballast.proto.v1.ListBackendsResponse;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "backends", mixinStandardHelpOptions = true,
        description = "List backends with their state and declared, override and effective weights.")
final class BackendsCommand implements Callable<Integer> {

    @Mixin ConnectionOptions options;
    @Spec CommandSpec spec;

    @Option(names = "--service", description = "Only this service.")
    String service;

    @Override
    public Integer call() {
        boolean json = options.json();
        ListBackendsRequest request = ListBackendsRequest.newBuilder().setService(service == null ? "" : service).build();
        ListBackendsResponse response = AdminClient.call(options, stub -> stub.listBackends(request));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Output.json(out, response);
            return 0;
        }
        Output.table(out, List.of("SERVICE", "ID", "ADDRESS", "ZONE", "STATE", "REGISTERED", "DECLARED", "OVERRIDE", "EFFECTIVE"),
                response.getBackendsList().stream().map(BackendsCommand::row).toList());
        out.flush();
        return 0;
    }

    static List<String> row(Backend b) {
        return List.of(b.getService(), b.getId(), b.getHost() + ":" + b.getPort(), b.getZone().isEmpty() ? "-" : b.getZone(),
                b.getState().name(), b.getRegistered() ? "yes" : "no", String.valueOf(b.getDeclaredWeight()),
                b.hasOverrideWeight() ? String.valueOf(b.getOverrideWeight()) : "-", String.valueOf(b.getEffectiveWeight()));
    }

    static void print(PrintWriter out, Backend backend, boolean json) {
        if (json) {
            Output.json(out, backend);
        } else {
            Output.table(out, List.of("SERVICE", "ID", "ADDRESS", "ZONE", "STATE", "REGISTERED", "DECLARED", "OVERRIDE", "EFFECTIVE"),
                    List.of(row(backend)));
        }
        out.flush();
    }
}
