package io.ballast.cli;

import io.ballast.proto.v1.ListServicesRequest;
import io.ballast.proto.v1.ListServicesResponse;
import io.ballast.proto.v1.ServiceSummary;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "services", mixinStandardHelpOptions = true,
        description = "List services (with backends, overrides, a policy or a route): algorithm, backends registered and active, routes.")
final class ServicesCommand implements Callable<Integer> {

    @Mixin ConnectionOptions options;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        boolean json = options.json();
        ListServicesResponse response = AdminClient.call(options, stub -> stub.listServices(ListServicesRequest.getDefaultInstance()));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Output.json(out, response);
        } else {
            Output.table(out, List.of("SERVICE", "ALGORITHM", "POLICY", "BACKENDS", "ACTIVE", "ROUTES"),
                    response.getServicesList().stream().map((ServiceSummary s) -> List.of(s.getName(),
                            s.getAlgorithm().name().toLowerCase(Locale.ROOT), s.getHasPolicy() ? "set" : "default",
                            String.valueOf(s.getBackends()), String.valueOf(s.getActive()), String.valueOf(s.getRoutes()))).toList());
        }
        out.flush();
        return 0;
    }
}
