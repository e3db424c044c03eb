package io.ballast.cli;

import io.ballast.proto.v1.Backend;
import io.ballast.proto.v1.GetBackendRequest;
import io.ballast.proto.v1.LoadReport;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "backend", mixinStandardHelpOptions = true,
        description = "Show one backend: state, weights, the terms of its effective weight and its last load report.")
final class BackendCommand implements Callable<Integer> {

    @Mixin ConnectionOptions options;
    @Spec CommandSpec spec;

    @Parameters(index = "0", description = "Service name.") String service;
    @Parameters(index = "1", description = "Backend (endpoint) id.") String id;

    @Override
    public Integer call() {
        boolean json = options.json();
        Backend backend = AdminClient.call(options,
                stub -> stub.getBackend(GetBackendRequest.newBuilder().setService(service).setId(id).build()));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Output.json(out, backend);
            out.flush();
            return 0;
        }
        BackendsCommand.print(out, backend, false);
        if (!backend.getEjected().isEmpty()) {
            out.println("ejected: " + backend.getEjected());
        }
        if (!backend.getRefused().isEmpty()) {
            out.println("refused: " + backend.getRefused());
        }
        if (backend.hasLastLoad()) {
            LoadReport load = backend.getLastLoad();
            out.printf(Locale.ROOT, "last load report %s: qps %s, utilisation %s, in flight %s, host cpu %s%n",
                    ClusterLogCommands.time(load.getReportedAtUnixMillis()), known(load.getQps()), known(load.getUtilization()),
                    load.getInFlight() < 0 ? "unknown" : String.valueOf(load.getInFlight()), known(load.getCpuUtilization()));
        } else {
            out.println("no load report");
        }
        backend.getWeightTermsList().forEach(term -> out.printf(Locale.ROOT, "  %-10s %10.3f  %s%n",
                term.getName(), term.getValue(), term.getReason()));
        out.flush();
        return 0;
    }

    private static String known(double value) {
        return value < 0 ? "unknown" : String.format(Locale.ROOT, "%.3f", value);
    }
}
