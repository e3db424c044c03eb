package io.ballast.cli;

import io.ballast.proto.v1.ExplainWeightRequest;
import io.ballast.proto.v1.WeightExplanation;
import io.ballast.proto.v1.WeightTerm;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "explain", mixinStandardHelpOptions = true,
        description = "Show every term of a backend's effective weight (base x load x slow_start x health, then damping) and why.")
final class ExplainCommand implements Callable<Integer> {

    @Mixin ConnectionOptions options;
    @Spec CommandSpec spec;

    @Parameters(index = "0", description = "Service name.") String service;
    @Parameters(index = "1", description = "Backend (endpoint) id.") String id;

    @Override
    public Integer call() {
        boolean json = options.json();
        WeightExplanation explanation = AdminClient.call(options,
                stub -> stub.explainWeight(ExplainWeightRequest.newBuilder().setService(service).setId(id).build()));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Output.json(out, explanation);
        } else {
            out.println(explanation.getService() + "/" + explanation.getId() + ": effective weight " + explanation.getEffectiveWeight()
                    + " (computed " + Instant.ofEpochMilli(explanation.getComputedAtUnixMillis()) + ")");
            List<List<String>> rows = new ArrayList<>();
            for (WeightTerm term : explanation.getTermsList()) {
                rows.add(List.of(term.getName(), String.format(Locale.ROOT, "%.3f", term.getValue()), term.getReason()));
            }
            Output.table(out, List.of("TERM", "VALUE", "REASON"), rows);
        }
        out.flush();
        return 0;
    }
}
