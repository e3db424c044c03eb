package io.ballast.cli;

import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.ServicePolicyResponse;
import io.ballast.proto.v1.SetServicePolicyRequest;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "set-policy", mixinStandardHelpOptions = true,
        description = "Choose a service's load-balancing algorithm: round_robin, weighted_round_robin, random,"
                + " least_connections or least_request."
                + " The service need not have backends yet.")
final class SetPolicyCommand implements Callable<Integer> {

    private static final List<LbAlgorithm> CHOICES =
            List.of(LbAlgorithm.ROUND_ROBIN, LbAlgorithm.WEIGHTED_ROUND_ROBIN, LbAlgorithm.RANDOM,
                    LbAlgorithm.LEAST_CONNECTIONS, LbAlgorithm.LEAST_REQUEST);

    @Mixin ConnectionOptions options;
    @Spec CommandSpec spec;

    @Parameters(index = "0", description = "Service name.") String service;
    @Parameters(index = "1", description = "round_robin, weighted_round_robin, random, least_connections or least_request (any case).")
    String algorithm;

    @picocli.CommandLine.Option(names = "--choice-count", paramLabel = "N",
            description = "least_request: endpoints sampled per pick, 2..10 (default: 2).")
    int choiceCount;

    @Override
    public Integer call() {
        boolean json = options.json();
        SetServicePolicyRequest request = SetServicePolicyRequest.newBuilder()
                .setService(service).setAlgorithm(parse(algorithm))
                .setSettings(io.ballast.proto.v1.Policy.newBuilder().setChoiceCount(choiceCount)).build();
        ServicePolicyResponse response = AdminClient.call(options, stub -> stub.setServicePolicy(request));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Output.json(out, response);
        } else {
            int choices = response.getSettings().getChoiceCount();
            Output.table(out, List.of("SERVICE", "ALGORITHM", "CHOICE_COUNT"),
                    List.of(List.of(response.getService(), response.getAlgorithm().name().toLowerCase(Locale.ROOT),
                            choices == 0 ? "default" : String.valueOf(choices))));
        }
        out.flush();
        return 0;
    }

    /** The algorithm named {@code value} in any case; IllegalArgumentException (exit 2) naming the choices otherwise. */
    static LbAlgorithm parse(String value) {
        for (LbAlgorithm choice : CHOICES) {
            if (choice.name().equalsIgnoreCase(value)) {
                return choice;
            }
        }
        throw new IllegalArgumentException(
                "algorithm: \"" + value + "\" (expected: round_robin, weighted_round_robin, random, least_connections or least_request)");
    }
}
