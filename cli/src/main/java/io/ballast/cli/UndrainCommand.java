package io.ballast.cli;

import io.ballast.proto.v1.Backend;
import io.ballast.proto.v1.DrainRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "undrain", mixinStandardHelpOptions = true,
        description = "Undrain a backend: it receives traffic again. Idempotent.")
final class UndrainCommand implements Callable<Integer> {

    @Mixin ConnectionOptions options;
    @Spec CommandSpec spec;

    @Parameters(index = "0", description = "Service name.") String service;
    @Parameters(index = "1", description = "Backend (endpoint) id.") String id;

    @Override
    public Integer call() {
        boolean json = options.json();
        DrainRequest request = DrainRequest.newBuilder().setService(service).setId(id).build();
        Backend backend = AdminClient.call(options, stub -> stub.undrain(request));
        BackendsCommand.print(spec.commandLine().getOut(), backend, json);
        return 0;
    }
}
