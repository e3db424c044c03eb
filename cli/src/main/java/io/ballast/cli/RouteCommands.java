package io.ballast.cli;

import io.ballast.proto.v1.GetRoutesRequest;
import io.ballast.proto.v1.Route;
import io.ballast.proto.v1.SetRoutesRequest;
import io.ballast.proto.v1.SetRoutesResponse;
import io.ballast.proto.v1.WeightedService;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code routes} and {@code set-routes}: the operator's routes, evaluated before the generated {@code Host: <service>} ones. */
final class RouteCommands {

    private RouteCommands() {}

    @Command(name = "set-routes", mixinStandardHelpOptions = true,
            description = {"Replace the operator routes, evaluated in the order given, before the generated `Host: <service>` routes.",
                "ROUTE is HOST/PREFIX=TARGET: HOST is a host name or * (any); PREFIX a path prefix; TARGET a service, or a"
                        + " weighted split SERVICE:WEIGHT,SERVICE:WEIGHT (weights 1..10000), e.g. '*/shop=web:95,web-canary:5'."})
    static final class Set implements Callable<Integer> {

        @Mixin ConnectionOptions options;
        @Spec CommandSpec spec;

        @Parameters(arity = "0..*", paramLabel = "ROUTE", description = "Routes, in order.") List<String> routes = new ArrayList<>();

        @Option(names = "--clear", description = "Remove every operator route.") boolean clear;

        @Option(names = "--expected-version", paramLabel = "V", description = "Write only if the stored routes still have this"
                + " version (from `routes -o json`; -1: only if none are stored).")
        Integer expectedVersion;

        @Override
        public Integer call() {
            boolean json = options.json();
            if (clear == !routes.isEmpty()) {
                throw new IllegalArgumentException("routes: " + routes.size() + " given with --clear " + clear
                        + " (expected: at least one ROUTE, or --clear alone)");
            }
            SetRoutesRequest.Builder request = SetRoutesRequest.newBuilder();
            if (expectedVersion != null) {
                request.setExpectedVersion(expectedVersion);
            }
            for (int i = 0; i < routes.size(); i++) {
                request.addRoutes(parse("routes[" + i + "]", routes.get(i)));
            }
            SetRoutesResponse response = AdminClient.call(options, stub -> stub.setRoutes(request.build()));
            print(spec.commandLine().getOut(), response, json);
            return 0;
        }
    }

    @Command(name = "routes", mixinStandardHelpOptions = true, description = "List the operator routes, in evaluation order.")
    static final class ListRoutes implements Callable<Integer> {

        @Mixin ConnectionOptions options;
        @Spec CommandSpec spec;

        @Override
        public Integer call() {
            boolean json = options.json();
            SetRoutesResponse response = AdminClient.call(options, stub -> stub.getRoutes(GetRoutesRequest.getDefaultInstance()));
            print(spec.commandLine().getOut(), response, json);
            return 0;
        }
    }

    /** {@code HOST/PREFIX=TARGET}; IllegalArgumentException naming the field and the expected form. */
    static Route parse(String field, String value) {
        int equals = value.indexOf('=');
        int slash = value.indexOf('/');
        if (equals < 0 || slash < 0 || slash > equals) {
            throw new IllegalArgumentException(field + ": \"" + value + "\" (expected: HOST/PREFIX=TARGET, e.g. */api=api)");
        }
        String host = value.substring(0, slash);
        Route.Builder route = Route.newBuilder().setHost("*".equals(host) ? "" : host).setPathPrefix(value.substring(slash, equals));
        String target = value.substring(equals + 1);
        if (!target.contains(":")) {
            return route.setService(target).build();
        }
        for (String part : target.split(",")) {
            int colon = part.lastIndexOf(':');
            try {
                route.addSplit(WeightedService.newBuilder().setService(part.substring(0, colon))
                        .setWeight(Integer.parseInt(part.substring(colon + 1))));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(field + ": \"" + part + "\" (expected: SERVICE:WEIGHT with WEIGHT 1..10000)");
            }
        }
        return route.build();
    }

    static void print(PrintWriter out, SetRoutesResponse response, boolean json) {
        if (json) {
            Output.json(out, response);
        } else {
            List<List<String>> rows = new ArrayList<>();
            for (Route route : response.getRoutesList()) {
                String target = route.getSplitCount() == 0 ? route.getService() : String.join(",",
                        route.getSplitList().stream().map(s -> s.getService() + ":" + s.getWeight()).toList());
                rows.add(List.of(route.getHost().isEmpty() ? "*" : route.getHost(), route.getPathPrefix(), target));
            }
            Output.table(out, List.of("HOST", "PREFIX", "TARGET"), rows);
        }
        out.flush();
    }
}
