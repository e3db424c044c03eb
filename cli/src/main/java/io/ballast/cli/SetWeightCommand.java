package io.ballast.cli;

import io.ballast.common.config.Checks;
import io.ballast.proto.v1.Backend;
import io.ballast.proto.v1.SetWeightRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "set-weight", mixinStandardHelpOptions = true,
        description = "Override a backend's weight (0..10000), or --clear the override so the agent's declared weight applies.")
final class SetWeightCommand implements Callable<Integer> {

    @Mixin ConnectionOptions options;
    @Spec CommandSpec spec;

    @Parameters(index = "0", description = "Service name.") String service;
    @Parameters(index = "1", description = "Backend (endpoint) id.") String id;
    @Parameters(index = "2", arity = "0..1", description = "Weight 0..10000.") Integer weight;

    @Option(names = "--clear", description = "Remove the override instead of setting one.") boolean clear;

    @Override
    public Integer call() {
        boolean json = options.json();
        Checks.check(clear || weight != null, "weight", null, "0..10000, or --clear");
        if (!clear) {
            Checks.checkWeight("weight", weight);
        }
        SetWeightRequest request = SetWeightRequest.newBuilder()
                .setService(service).setId(id).setWeight(clear ? 0 : weight).setClear(clear).build();
        Backend backend = AdminClient.call(options, stub -> stub.setWeight(request));
        BackendsCommand.print(spec.commandLine().getOut(), backend, json);
        return 0;
    }
}
