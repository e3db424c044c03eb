package io.ballast.cli;

import io.ballast.common.policy.PolicyRules;
import io.ballast.proto.v1.DeleteServicePolicyRequest;
import io.ballast.proto.v1.GetServicePolicyRequest;
import io.ballast.proto.v1.HashKey;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.Locality;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.RateLimit;
import io.ballast.proto.v1.ServicePolicy;
import io.ballast.proto.v1.SetServicePolicyRequest;
import io.ballast.proto.v1.SlowStart;
import io.ballast.proto.v1.TcpListener;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code set-policy} and {@code get-policy}: a service's balancing algorithm and every parameter
 * of it. Values are checked by the admin API (one set of rules, {@link PolicyRules}), so what
 * ballastctl accepts is exactly what the cluster accepts; errors name field, value and range.
 */
final class PolicyCommands {

    private PolicyCommands() {}

    @Command(name = "set-policy", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Set a service's load-balancing policy (the service need not have backends yet).",
                "ALGORITHM: round_robin, weighted_round_robin, random, least_connections, least_request, peak_ewma,"
                        + " ring_hash or maglev (any case). ring_hash and maglev need a hash key (--hash-header, --hash-cookie,"
                        + " --hash-client-ip or --hash-path). The whole policy is replaced: options not given take their defaults."})
    static final class Set implements Callable<Integer> {

        @Mixin ConnectionOptions options;
        @Spec CommandSpec spec;

        @Parameters(index = "0", description = "Service name.") String service;
        @Parameters(index = "1", description = "Algorithm (see above).") String algorithm;

        @Option(names = "--choice-count", paramLabel = "N", description = "least_request, peak_ewma: endpoints sampled per pick, 2..10 (default 2).")
        int choiceCount;

        @ArgGroup(exclusive = true) HashKeyOptions hashKey;

        @Mixin FailureOptions failure;

        @Option(names = "--ring-size", paramLabel = "N", description = "ring_hash: entries on the ring, 1..8388608 (default 1024).")
        Integer ringSize;

        @Option(names = "--maglev-table-size", paramLabel = "N",
                description = "maglev: lookup table size, a prime >= 100 x endpoints, <= 5000011 (default 65537, 655373 or 5000011).")
        Integer maglevTableSize;

        @Option(names = "--locality", description = "Keep traffic in the node's zone while it has capacity; spill over below it.")
        boolean locality;

        @Option(names = "--overprovisioning-percent", paramLabel = "P",
                description = "--locality: a zone keeps all its traffic while healthy share x P/100 >= 1; 100..1000 (default 140).")
        int overprovisioningPercent;

        @Option(names = "--zone-priority", split = ",", paramLabel = "ZONE", description = "--locality: spill-over order of zones.")
        List<String> zonePriority = new ArrayList<>();

        @Option(names = "--rate-limit", paramLabel = "RPS", description = "Cluster-wide requests per second (> 0), split across live nodes; excess gets 429.")
        Double rateLimit;

        @Option(names = "--burst", paramLabel = "N", description = "--rate-limit: bucket size per node (default: one second of the node's share).")
        int burst;

        @Option(names = "--slow-start-ms", paramLabel = "MS", description = "Ramp a new endpoint's weight up over this window, 1..3600000 (default off).")
        int slowStartMillis;

        @Option(names = "--slow-start-aggression", paramLabel = "A", description = "--slow-start-ms: ramp = (age/window)^(1/A); 1.0 linear (default).")
        double slowStartAggression;

        @Option(names = "--slow-start-min-percent", paramLabel = "P", description = "--slow-start-ms: ramp floor in percent, 1..100 (default 10).")
        int slowStartMinPercent;

        @Option(names = "--connect-timeout-ms", paramLabel = "MS", description = "1..60000 (default 1000).") int connectTimeoutMillis;

        @Option(names = "--response-timeout-ms", paramLabel = "MS", description = "1..3600000 (default 30000).") int responseTimeoutMillis;

        @Option(names = "--connect-retries", paramLabel = "N", description = "Retries on another endpoint after a connect failure, 0..5 (default 1).")
        Integer connectRetries;

        @Option(names = "--tcp-port", paramLabel = "PORT", description = "Also expose the service as plain TCP passthrough:"
                + " every node listens on PORT (1..65535, unique across services) and relays connections to the endpoints.")
        Integer tcpPort;

        @Option(names = "--tcp-idle-timeout-ms", paramLabel = "MS",
                description = "--tcp-port: close a connection idle in both directions this long, 1..86400000 (default 600000).")
        int tcpIdleTimeoutMillis;

        @Option(names = "--health-check", paramLabel = "http|tcp", description = "Pushed to the service's agents: probe kind.")
        String healthKind;

        @Option(names = "--health-path", paramLabel = "PATH", description = "Pushed to the agents: HTTP probe path.") String healthPath;

        @Option(names = "--health-status", paramLabel = "MIN-MAX", description = "Pushed to the agents: passing HTTP statuses.")
        String healthStatus;

        @Option(names = "--health-interval-ms", paramLabel = "MS", description = "Pushed to the agents: delay between probes.")
        int healthIntervalMillis;

        @Option(names = "--health-timeout-ms", paramLabel = "MS", description = "Pushed to the agents: probe timeout.")
        int healthTimeoutMillis;

        @Option(names = "--health-rise", paramLabel = "N", description = "Pushed to the agents: passes to become healthy.")
        int healthRise;

        @Option(names = "--health-fall", paramLabel = "N", description = "Pushed to the agents: failures to become unhealthy.")
        int healthFall;

        @Option(names = "--allowed-networks", split = ",", paramLabel = "CIDR", description = "IPs or CIDR blocks the service's"
                + " backends may register from (e.g. 10.0.0.0/8,fd00::/8); others are refused and never pushed (default: anywhere).")
        List<String> allowedNetworks = new ArrayList<>();

        @Option(names = "--expected-version", paramLabel = "V", description = "Write only if the stored policy still has this"
                + " version (from get-policy; -1: only if none is stored), else fail: no lost updates.")
        Integer expectedVersion;

        @Override
        public Integer call() {
            boolean json = options.json();
            Policy.Builder settings = Policy.newBuilder().setChoiceCount(choiceCount)
                    .setConnectTimeoutMillis(connectTimeoutMillis).setResponseTimeoutMillis(responseTimeoutMillis);
            if (connectRetries != null) {
                settings.setConnectRetries(connectRetries);
            }
            if (hashKey != null) {
                settings.setHashKey(hashKey.toProto());
            }
            if (ringSize != null) {
                settings.setRingSize(ringSize);
            }
            if (maglevTableSize != null) {
                settings.setMaglevTableSize(maglevTableSize);
            }
            if (locality || overprovisioningPercent != 0 || !zonePriority.isEmpty()) {
                settings.setLocality(Locality.newBuilder().setEnabled(true)
                        .setOverprovisioningPercent(overprovisioningPercent).addAllZonePriority(zonePriority));
            }
            if (rateLimit != null) {
                settings.setRateLimit(RateLimit.newBuilder().setClusterRequestsPerSecond(rateLimit).setBurst(burst));
            }
            failure.applyTo(settings);
            if (tcpPort != null || tcpIdleTimeoutMillis != 0) {
                settings.setTcp(TcpListener.newBuilder().setPort(tcpPort == null ? 0 : tcpPort)
                        .setIdleTimeoutMillis(tcpIdleTimeoutMillis));
            }
            SetServicePolicyRequest.Builder request = SetServicePolicyRequest.newBuilder()
                    .setService(service).setAlgorithm(parse(algorithm)).setSettings(settings)
                    .addAllAllowedBackendNetworks(allowedNetworks);
            if (expectedVersion != null) {
                request.setExpectedVersion(expectedVersion);
            }
            if (healthKind != null || healthPath != null || healthStatus != null || healthIntervalMillis != 0
                    || healthTimeoutMillis != 0 || healthRise != 0 || healthFall != 0) {
                io.ballast.proto.v1.HealthCheck.Builder check = io.ballast.proto.v1.HealthCheck.newBuilder()
                        .setKind(healthKind == null ? "" : healthKind).setPath(healthPath == null ? "" : healthPath)
                        .setIntervalMillis(healthIntervalMillis).setTimeoutMillis(healthTimeoutMillis)
                        .setRise(healthRise).setFall(healthFall);
                if (healthStatus != null) {
                    String[] range = healthStatus.split("-", 2);
                    try {
                        check.setStatusMin(Integer.parseInt(range[0].trim()))
                                .setStatusMax(Integer.parseInt((range.length == 2 ? range[1] : range[0]).trim()));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("health-status: \"" + healthStatus + "\" (expected: MIN-MAX, e.g. 200-399)");
                    }
                }
                request.setHealthCheck(check);
            }
            if (slowStartMillis != 0 || slowStartAggression != 0 || slowStartMinPercent != 0) {
                request.setSlowStart(SlowStart.newBuilder().setWindowMillis(slowStartMillis)
                        .setAggression(slowStartAggression).setMinWeightPercent(slowStartMinPercent));
            }
            ServicePolicy policy = AdminClient.call(options, stub -> stub.setServicePolicy(request.build()));
            print(spec.commandLine().getOut(), policy, json);
            return 0;
        }
    }

    static final class HashKeyOptions {
        @Option(names = "--hash-header", paramLabel = "NAME", description = "ring_hash, maglev: hash by this request header.") String header;
        @Option(names = "--hash-cookie", paramLabel = "NAME", description = "ring_hash, maglev: hash by this cookie.") String cookie;
        @Option(names = "--hash-client-ip", description = "ring_hash, maglev: hash by the client's IP address.") boolean clientIp;
        @Option(names = "--hash-path", description = "ring_hash, maglev: hash by the request path.") boolean path;

        HashKey toProto() {
            if (header != null) {
                return HashKey.newBuilder().setSource(HashKey.Source.HEADER).setName(header).build();
            }
            if (cookie != null) {
                return HashKey.newBuilder().setSource(HashKey.Source.COOKIE).setName(cookie).build();
            }
            return HashKey.newBuilder().setSource(clientIp ? HashKey.Source.CLIENT_IP : HashKey.Source.PATH).build();
        }
    }

    @Command(name = "get-policy", mixinStandardHelpOptions = true,
            description = "Show a service's load-balancing policy (round_robin with defaults when none was set).")
    static final class Get implements Callable<Integer> {

        @Mixin ConnectionOptions options;
        @Spec CommandSpec spec;

        @Parameters(index = "0", description = "Service name.") String service;

        @Override
        public Integer call() {
            boolean json = options.json();
            ServicePolicy policy = AdminClient.call(options,
                    stub -> stub.getServicePolicy(GetServicePolicyRequest.newBuilder().setService(service).build()));
            print(spec.commandLine().getOut(), policy, json);
            return 0;
        }
    }

    @Command(name = "delete-policy", mixinStandardHelpOptions = true,
            description = "Remove a service's policy: it balances by the defaults (round robin) again. Idempotent.")
    static final class Delete implements Callable<Integer> {

        @Mixin ConnectionOptions options;
        @Spec CommandSpec spec;

        @Parameters(index = "0", description = "Service name.") String service;

        @Option(names = "--expected-version", paramLabel = "V", description = "Delete only if the stored policy still has this version.")
        Integer expectedVersion;

        @Override
        public Integer call() {
            boolean json = options.json();
            DeleteServicePolicyRequest.Builder request = DeleteServicePolicyRequest.newBuilder().setService(service);
            if (expectedVersion != null) {
                request.setExpectedVersion(expectedVersion);
            }
            ServicePolicy policy = AdminClient.call(options, stub -> stub.deleteServicePolicy(request.build()));
            print(spec.commandLine().getOut(), policy, json);
            return 0;
        }
    }

    static void print(PrintWriter out, ServicePolicy policy, boolean json) {
        if (json) {
            Output.json(out, policy);
        } else {
            Output.table(out, List.of("SERVICE", "ALGORITHM", "SETTINGS", "SLOW_START", "VERSION"),
                    List.of(List.of(policy.getService(), policy.getAlgorithm().name().toLowerCase(Locale.ROOT),
                            withHealth(settings(policy.getSettings()), health(policy)), slowStart(policy),
                            policy.getVersion() < 0 ? "none stored" : String.valueOf(policy.getVersion()))));
        }
        out.flush();
    }

    /** The parameters that differ from their defaults, as {@code key=value} words; "-" when none. */
    static String settings(Policy policy) {
        List<String> words = new ArrayList<>();
        if (policy.getChoiceCount() != 0) {
            words.add("choice_count=" + policy.getChoiceCount());
        }
        if (policy.hasHashKey()) {
            HashKey key = policy.getHashKey();
            words.add("hash=" + key.getSource().name().toLowerCase(Locale.ROOT) + (key.getName().isEmpty() ? "" : ":" + key.getName()));
        }
        if (policy.hasRingSize()) {
            words.add("ring_size=" + policy.getRingSize());
        }
        if (policy.hasMaglevTableSize()) {
            words.add("maglev_table_size=" + policy.getMaglevTableSize());
        }
        if (policy.hasLocality() && policy.getLocality().getEnabled()) {
            Locality locality = policy.getLocality();
            words.add("locality=" + (locality.getOverprovisioningPercent() == 0
                    ? PolicyRules.DEFAULT_OVERPROVISIONING_PERCENT : locality.getOverprovisioningPercent()) + "%"
                    + (locality.getZonePriorityCount() == 0 ? "" : ":" + String.join(">", locality.getZonePriorityList())));
        }
        if (policy.hasRateLimit()) {
            words.add("rate_limit=" + trim(policy.getRateLimit().getClusterRequestsPerSecond()) + "/s"
                    + (policy.getRateLimit().getBurst() == 0 ? "" : " burst=" + policy.getRateLimit().getBurst()));
        }
        if (policy.getConnectTimeoutMillis() != 0) {
            words.add("connect_timeout=" + policy.getConnectTimeoutMillis() + "ms");
        }
        if (policy.getResponseTimeoutMillis() != 0) {
            words.add("response_timeout=" + policy.getResponseTimeoutMillis() + "ms");
        }
        if (policy.getConnectRetries() != 0) {
            words.add("connect_retries=" + policy.getConnectRetries());
        }
        if (policy.hasTcp()) {
            words.add("tcp=" + policy.getTcp().getPort() + (policy.getTcp().getIdleTimeoutMillis() == 0 ? ""
                    : ",idle=" + policy.getTcp().getIdleTimeoutMillis() + "ms"));
        }
        words.addAll(FailureOptions.describe(policy));
        return words.isEmpty() ? "-" : String.join(" ", words);
    }

    private static String withHealth(String settings, String health) {
        return health.isEmpty() ? settings : settings.equals("-") ? health.strip() : settings + health;
    }

    /** " health=tcp,150ms,rise=5" for pushed health-check fields, "" when none are pushed. */
    static String health(ServicePolicy policy) {
        if (!policy.hasHealthCheck()) {
            return "";
        }
        io.ballast.proto.v1.HealthCheck c = policy.getHealthCheck();
        List<String> parts = new ArrayList<>();
        if (!c.getKind().isEmpty()) {
            parts.add(c.getKind());
        }
        if (!c.getPath().isEmpty()) {
            parts.add(c.getPath());
        }
        if (c.getStatusMin() != 0) {
            parts.add(c.getStatusMin() + "-" + c.getStatusMax());
        }
        if (c.getIntervalMillis() != 0) {
            parts.add("every " + c.getIntervalMillis() + "ms");
        }
        if (c.getTimeoutMillis() != 0) {
            parts.add("timeout " + c.getTimeoutMillis() + "ms");
        }
        if (c.getRise() != 0) {
            parts.add("rise=" + c.getRise());
        }
        if (c.getFall() != 0) {
            parts.add("fall=" + c.getFall());
        }
        return " health=" + (parts.isEmpty() ? "agents'" : String.join(",", parts));
    }

    private static String slowStart(ServicePolicy policy) {
        SlowStart slowStart = policy.getSlowStart();
        if (slowStart.getWindowMillis() == 0) {
            return "off";
        }
        return slowStart.getWindowMillis() + "ms aggression=" + trim(slowStart.getAggression() == 0 ? 1.0 : slowStart.getAggression())
                + " min=" + (slowStart.getMinWeightPercent() == 0 ? 10 : slowStart.getMinWeightPercent()) + "%";
    }

    static String trim(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }

    /** The algorithm named {@code value} in any case; IllegalArgumentException (exit 2) naming the choices otherwise. */
    static LbAlgorithm parse(String value) {
        for (LbAlgorithm choice : PolicyRules.ALGORITHMS) {
            if (choice.name().equalsIgnoreCase(value)) {
                return choice;
            }
        }
        throw new IllegalArgumentException("algorithm: \"" + value + "\" (expected: "
                + PolicyRules.ALGORITHM_NAMES.toLowerCase(Locale.ROOT) + ")");
    }
}
