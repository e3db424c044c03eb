package io.ballast.common.policy;

import io.ballast.common.config.Checks;
import io.ballast.proto.v1.Route;
import io.ballast.proto.v1.WeightedService;
import java.util.ArrayList;
import java.util.List;

/**
 * The rules for operator routes (admin SetRoutes and the {@code config/routes} payload): a path
 * prefix starting with "/", and either a service name or a weighted split of 1..10000 per
 * service. Whether the named services exist is not checked here: an operator may route to a
 * service before its first backend registers (it answers 503 until then).
 *
 * <p>Pure and stateless; any thread. Problems read like {@code routes[0].split[1].weight: 0 (expected: 1..10000)}.
 */
public final class RouteRules {

    public static final int MAX_ROUTES = 1_000;
    public static final int MAX_SPLIT = 100;

    private RouteRules() {}

    public static List<String> problems(List<Route> routes) {
        List<String> problems = new ArrayList<>();
        if (routes.size() > MAX_ROUTES) {
            problems.add("routes: " + routes.size() + " entries (expected: at most " + MAX_ROUTES + ")");
        }
        for (int i = 0; i < routes.size(); i++) {
            check(problems, "routes[" + i + "]", routes.get(i));
        }
        return problems;
    }

    private static void check(List<String> problems, String path, Route route) {
        String host = route.getHost();
        if (!host.isEmpty() && !"*".equals(host) && (host.contains("/") || host.contains(":") || host.isBlank())) {
            problems.add(Checks.message(path + ".host", host, "\"\", \"*\" or a host name without port"));
        }
        if (!route.getPathPrefix().startsWith("/")) {
            problems.add(Checks.message(path + ".path_prefix", route.getPathPrefix(), "a path starting with \"/\""));
        }
        if (route.getSplitCount() == 0) {
            if (!Checks.NAME.matcher(route.getService()).matches()) {
                problems.add(Checks.message(path + ".service", route.getService(),
                        "a service name " + Checks.NAME.pattern() + " (or a non-empty split)"));
            }
            return;
        }
        if (route.getSplitCount() > MAX_SPLIT) {
            problems.add(path + ".split: " + route.getSplitCount() + " entries (expected: at most " + MAX_SPLIT + ")");
        }
        for (int j = 0; j < route.getSplitCount(); j++) {
            WeightedService split = route.getSplit(j);
            String at = path + ".split[" + j + "]";
            if (!Checks.NAME.matcher(split.getService()).matches()) {
                problems.add(Checks.message(at + ".service", split.getService(), Checks.NAME.pattern()));
            }
            long weight = Integer.toUnsignedLong(split.getWeight());
            if (weight < 1 || weight > Checks.MAX_WEIGHT) {
                problems.add(Checks.message(at + ".weight", weight, "1.." + Checks.MAX_WEIGHT));
            }
        }
    }
}
