package io.ballast.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.common.json.Json;
import io.ballast.common.model.BackendRegistration;
import io.ballast.common.model.LoadReport;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.ServicePolicy;
import io.ballast.common.zk.ZkPaths;
import io.ballast.controlplane.ControlPlane;
import io.ballast.controlplane.ControlPlaneConfig;
import io.ballast.testing.ZooKeeperExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * ballastctl against two real control-plane replicas over gRPC, discovered through a real
 * ZooKeeper: output, exit codes, validation messages and failover.
 */
class BallastCtlTest {

    @RegisterExtension
    static final ZooKeeperExtension zk = new ZooKeeperExtension();

    private final List<ControlPlane> replicas = new ArrayList<>();
    private String cluster;

    record Run(int exitCode, String out, String err) {}

    @BeforeEach
    void startCluster() throws Exception {
        cluster = ZooKeeperExtension.uniqueCluster("ctl");
        for (String id : List.of("cp-a", "cp-b")) {
            replicas.add(ControlPlane.start(ControlPlaneConfig.builder().zkConnect(zk.connectString()).cluster(cluster)
                    .id(id).listen("127.0.0.1:0").sessionTimeout(Duration.ofSeconds(2)).build()));
        }
        // A long session: the registration must outlive a loaded machine's pauses (no test here is about sessions).
        CuratorFramework agent = zk.newClient(Duration.ofSeconds(20));
        ZkPaths paths = ZkPaths.forCluster(cluster);
        agent.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(paths.backend("web", "web-1"),
                Json.write(new BackendRegistration("web", "web-1", "127.0.0.1", 8001, "zone-a", 100, Map.of(), "test", 0,
                        new LoadReport(-1, -1, 0))));
        await().atMost(Duration.ofSeconds(15)).until(() -> ctl("backends").out().contains("web-1"));
    }

    @AfterEach
    void stopCluster() {
        replicas.forEach(ControlPlane::close);
    }

    private Run ctl(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine cl = BallastCtl.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--zk");
        all.add(zk.connectString());
        all.add("--cluster");
        all.add(cluster);
        int code = cl.execute(all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void statusShowsLeaderEpochAndReplicas() {
        await().atMost(Duration.ofSeconds(10)).until(() -> ctl("status").out().contains("leader:   cp-"));
        Run run = ctl("status");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("epoch:    1", "cp-a", "cp-b", "leader", "follower");
        Run json = ctl("status", "-o", "json");
        assertThat(json.exitCode()).isZero();
        assertThat(json.out()).contains("\"leaderId\": \"cp-", "\"epoch\": \"1\"");
    }

    @Test
    void statusListsServicesWithFailureHandlingInForce() {
        await().atMost(Duration.ofSeconds(10)).until(() -> ctl("status").out().contains("leader:   cp-"));
        assertThat(ctl("status").out()).doesNotContain("SELF-PRESERVATION");

        Run eject = ctl("eject", "web", "web-1", "--reason", "test");
        assertThat(eject.exitCode()).as(eject.err()).isZero();

        // The only endpoint ejected: nothing eligible, below the default panic threshold of 50 %.
        await().atMost(Duration.ofSeconds(30)).until(() -> ctl("status").out().contains("SELF-PRESERVATION"));
        assertThat(ctl("status").out()).containsPattern("web\\s+-\\s+PANIC\\s+0/1\\s+0\\s+0\\s+0");
        assertThat(ctl("status", "-o", "json").out()).contains("\"services\": [", "\"panic\": true", "\"endpoints\": 1");
    }

    @Test
    void setWeightDrainAndUndrainAreVisibleInTheListing() {
        Run set = ctl("set-weight", "web", "web-1", "7");
        assertThat(set.exitCode()).as(set.err()).isZero();
        assertThat(set.out()).contains("web-1").containsPattern("ACTIVE\\s+yes\\s+100\\s+7\\s+7");
        Run drain = ctl("drain", "web", "web-1");
        assertThat(drain.out()).containsPattern("DRAINING\\s+yes\\s+100\\s+7\\s+0");
        assertThat(ctl("backends").out()).containsPattern("web-1\\s+127.0.0.1:8001\\s+zone-a\\s+DRAINING");
        assertThat(ctl("undrain", "web", "web-1").out()).containsPattern("ACTIVE\\s+yes\\s+100\\s+7\\s+7");
        assertThat(ctl("set-weight", "web", "web-1", "--clear").out()).containsPattern("ACTIVE\\s+yes\\s+100\\s+-\\s+100");
    }

    @Test
    void setPolicyIsPersistedForAServiceEvenBeforeItHasBackends() throws Exception {
        Run set = ctl("set-policy", "web", "Weighted_Round_Robin");
        assertThat(set.exitCode()).as(set.err()).isZero();
        assertThat(set.out()).containsPattern("SERVICE\\s+ALGORITHM").containsPattern("web\\s+weighted_round_robin");

        Run json = ctl("set-policy", "shop", "random", "-o", "json");
        assertThat(json.exitCode()).as(json.err()).isZero();
        assertThat(json.out()).contains("\"service\": \"shop\"", "\"algorithm\": \"RANDOM\"");
        CuratorFramework client = zk.newClient(Duration.ofSeconds(2)); // closed by the extension
        assertThat(stored(client, "shop").getAlgorithm()).isEqualTo(LbAlgorithm.RANDOM);

        Run bad = ctl("set-policy", "web", "foo");
        assertThat(bad.exitCode()).isEqualTo(BallastCtl.EXIT_USAGE);
        assertThat(bad.err()).contains("algorithm: \"foo\" (expected: round_robin, weighted_round_robin, random,"
                + " least_connections, least_request, peak_ewma, ring_hash or maglev)");

        Run leastRequest = ctl("set-policy", "web", "least_request", "--choice-count", "3");
        assertThat(leastRequest.exitCode()).as(leastRequest.err()).isZero();
        assertThat(leastRequest.out()).containsPattern("SERVICE\\s+ALGORITHM\\s+SETTINGS").containsPattern("web\\s+least_request\\s+choice_count=3");
        assertThat(stored(client, "web").getSettings().getChoiceCount()).isEqualTo(3);

        Run badChoices = ctl("set-policy", "web", "least_request", "--choice-count", "1");
        assertThat(badChoices.exitCode()).isNotZero();
        assertThat(badChoices.err()).contains("settings.choice_count: 1 (expected: 0 (default 2) or 2..10)");
    }

    @Test
    void everyPolicyIsSelectableAndVisible() throws Exception {
        List<List<String>> cases = List.of(
                List.of("round_robin"), List.of("weighted_round_robin"), List.of("random"), List.of("least_connections"),
                List.of("least_request", "--choice-count", "4"), List.of("peak_ewma"),
                List.of("ring_hash", "--hash-header", "x-user", "--ring-size", "4096"),
                List.of("maglev", "--hash-cookie", "session", "--maglev-table-size", "65537"),
                List.of("ring_hash", "--hash-client-ip", "--locality", "--zone-priority", "b,c"),
                List.of("maglev", "--hash-path", "--rate-limit", "250", "--slow-start-ms", "30000"));
        for (List<String> args : cases) {
            List<String> command = new java.util.ArrayList<>(List.of("set-policy", "web"));
            command.addAll(args);
            Run set = ctl(command.toArray(String[]::new));
            assertThat(set.exitCode()).as(args + ": " + set.err()).isZero();
            Run get = ctl("get-policy", "web");
            assertThat(get.exitCode()).as(get.err()).isZero();
            assertThat(get.out()).as(args.toString()).containsPattern("web\\s+" + args.get(0) + "\\s");
        }
        Run last = ctl("get-policy", "web");
        assertThat(last.out()).contains("hash=path", "rate_limit=250/s", "30000ms aggression=1 min=10%");
        Run ring = ctl("set-policy", "web", "ring_hash", "--hash-header", "x-user", "--ring-size", "4096", "-o", "json");
        assertThat(ring.out()).contains("\"ringSize\": 4096", "\"name\": \"x-user\"");
        Run pushed = ctl("set-policy", "web", "random", "--health-check", "tcp", "--health-interval-ms", "150", "--health-rise", "5");
        assertThat(pushed.exitCode()).as(pushed.err()).isZero();
        assertThat(pushed.out()).contains("health=tcp,every 150ms,rise=5");
        Run badHealth = ctl("set-policy", "web", "random", "--health-check", "udp", "--health-fall", "500");
        assertThat(badHealth.err()).contains("health_check.kind: \"udp\" (expected: \"\" (the agent's), http or tcp);"
                + " health_check.fall: 500 (expected: 0 (the agent's) or 1..100)");
    }

    @Test
    void invalidPolicySettingsAreRejectedNamingFieldValueAndRange() {
        Run ringZero = ctl("set-policy", "web", "ring_hash", "--hash-header", "x-user", "--ring-size", "0");
        assertThat(ringZero.exitCode()).isEqualTo(BallastCtl.EXIT_REFUSED);
        assertThat(ringZero.err()).contains("settings.ring_size: 0 (expected: 1..8388608)");
        Run negativeRate = ctl("set-policy", "web", "random", "--rate-limit", "-5");
        assertThat(negativeRate.exitCode()).isEqualTo(BallastCtl.EXIT_REFUSED);
        assertThat(negativeRate.err()).contains("settings.rate_limit.cluster_requests_per_second: -5.0 (expected: > 0 and <= 1e9)");
        Run noKey = ctl("set-policy", "web", "maglev");
        assertThat(noKey.err()).contains("settings.hash_key.source: SOURCE_UNSPECIFIED");
        Run notPrime = ctl("set-policy", "web", "maglev", "--hash-client-ip", "--maglev-table-size", "65536");
        assertThat(notPrime.err()).contains("settings.maglev_table_size: 65536 (expected: a prime");
    }

    @Test
    void tcpListenersAreStoredShownAndValidated() throws Exception {
        Run set = ctl("set-policy", "db", "least_connections", "--tcp-port", "15432", "--tcp-idle-timeout-ms", "60000");
        assertThat(set.exitCode()).as(set.err()).isZero();
        assertThat(set.out()).containsPattern("db\\s+least_connections\\s+tcp=15432,idle=60000ms");
        CuratorFramework client = zk.newClient(Duration.ofSeconds(2)); // closed by the extension
        assertThat(stored(client, "db").getSettings().getTcp().getPort()).isEqualTo(15432);
        assertThat(ctl("get-policy", "db").out()).contains("tcp=15432,idle=60000ms");

        Run taken = ctl("set-policy", "cache", "round_robin", "--tcp-port", "15432");
        assertThat(taken.exitCode()).isEqualTo(BallastCtl.EXIT_REFUSED);
        assertThat(taken.err()).contains("settings.tcp.port: 15432 (expected: a port no other service listens on,"
                + " already used by service db)");
        Run bad = ctl("set-policy", "cache", "ring_hash", "--hash-header", "x-user", "--tcp-port", "70000");
        assertThat(bad.exitCode()).isEqualTo(BallastCtl.EXIT_REFUSED);
        assertThat(bad.err()).contains("settings.tcp.port: 70000 (expected: 1..65535)",
                "settings.hash_key.source: HEADER (expected: CLIENT_IP for a service with tcp");
        // Its own port again (a policy update) is fine.
        assertThat(ctl("set-policy", "db", "round_robin", "--tcp-port", "15432").exitCode()).isZero();
    }

    @Test
    void failureHandlingOptionsAreStoredShownAndValidated() throws Exception {
        Run set = ctl("set-policy", "web", "round_robin", "--outlier-consecutive-5xx", "3",
                "--outlier-consecutive-gateway-failures", "2", "--outlier-base-ejection-ms", "1000", "--outlier-max-ejection-ms", "8000",
                "--max-ejection-percent", "50", "--outlier-quorum-percent", "60", "--panic-threshold-percent", "0",
                "--retries", "1", "--retry-methods", "get,post", "--retry-on", "reset,5xx", "--per-try-timeout-ms", "250",
                "--retry-budget-percent", "10", "--min-retries-per-second", "3");
        assertThat(set.exitCode()).as(set.err()).isZero();
        CuratorFramework client = zk.newClient(Duration.ofSeconds(2)); // closed by the extension
        io.ballast.proto.v1.Policy stored = stored(client, "web").getSettings();
        assertThat(stored.getOutlierDetection().getConsecutive5Xx()).isEqualTo(3);
        assertThat(stored.getOutlierDetection().getMaxEjectionPercent()).isEqualTo(50);
        assertThat(stored.getRetry().getMethodsList()).containsExactly("GET", "POST");
        assertThat(stored.getRetry().getRetryOnList()).containsExactly(io.ballast.proto.v1.RetryOn.RESET,
                io.ballast.proto.v1.RetryOn.STATUS_5XX);
        Run get = ctl("get-policy", "web");
        assertThat(get.out()).contains("outlier=5xx=3,gateway=2,base=1000ms,max=8000ms,max_ejected=50%,quorum=60%", "panic=off",
                "retries=1,GET|POST,on=reset|status_5xx,per_try=250ms,budget=10%,min=3/s");
        assertThat(ctl("set-policy", "web", "random", "--outlier-disabled").out()).contains("outlier=off");

        Run bad = ctl("set-policy", "web", "random", "--outlier-consecutive-5xx", "1001", "--panic-threshold-percent", "101",
                "--retries", "9", "--retry-methods", "GET,GE T");
        assertThat(bad.exitCode()).isEqualTo(BallastCtl.EXIT_REFUSED);
        assertThat(bad.err()).contains("settings.outlier_detection.consecutive_5xx: 1001 (expected: 0 (default 5) or 1..1000)",
                "settings.panic_threshold_percent: 101 (expected: 0 (off) or 1..100)",
                "settings.retry.num_retries: 9 (expected: 0 (off) or 1..5)",
                "settings.retry.methods[1]: \"GE T\" (expected: an upper-case HTTP method token, e.g. GET)");
        Run badOn = ctl("set-policy", "web", "random", "--retry-on", "sometimes");
        assertThat(badOn.exitCode()).isEqualTo(BallastCtl.EXIT_USAGE);
        assertThat(badOn.err()).contains("retry-on: \"sometimes\" (expected: reset, timeout, 5xx or gateway_error)");
    }

    @Test
    void routesWithAWeightedSplitAreSetAndListed() {
        Run set = ctl("set-routes", "*/shop=web:95,web-canary:5", "api.example.com/=api");
        assertThat(set.exitCode()).as(set.err()).isZero();
        Run list = ctl("routes");
        assertThat(list.out()).containsPattern("\\*\\s+/shop\\s+web:95,web-canary:5").containsPattern("api.example.com\\s+/\\s+api");
        Run bad = ctl("set-routes", "*/shop=web:0");
        assertThat(bad.exitCode()).isEqualTo(BallastCtl.EXIT_REFUSED);
        assertThat(bad.err()).contains("routes[0].split[0].weight: 0 (expected: 1..10000)");
        Run malformed = ctl("set-routes", "shop");
        assertThat(malformed.exitCode()).isEqualTo(BallastCtl.EXIT_USAGE);
        assertThat(malformed.err()).contains("routes[0]: \"shop\" (expected: HOST/PREFIX=TARGET, e.g. */api=api)");
        assertThat(ctl("set-routes", "--clear").exitCode()).isZero();
        assertThat(ctl("routes").out().strip()).isEqualTo("HOST  PREFIX  TARGET");
    }

    @Test
    void servicesBackendEventsAuditAndGuardedDeletes() {
        assertThat(ctl("set-policy", "web", "random").exitCode()).isZero();
        assertThat(ctl("set-weight", "web", "web-1", "40").exitCode()).isZero();

        Run services = ctl("services");
        assertThat(services.exitCode()).as(services.err()).isZero();
        assertThat(services.out()).containsPattern("web\\s+random\\s+set\\s+1\\s+1\\s+0");

        Run backend = ctl("backend", "web", "web-1");
        assertThat(backend.exitCode()).as(backend.err()).isZero();
        assertThat(backend.out()).contains("last load report", "base", "operator override 40", "expired")
                .containsPattern("web\\s+web-1\\s+127.0.0.1:8001");
        assertThat(ctl("backend", "web", "nope").err()).contains("NOT_FOUND: backend web/nope is not registered");

        await().atMost(Duration.ofSeconds(10)).until(() -> ctl("audit").out().contains("SetWeight"));
        Run audit = ctl("audit");
        assertThat(audit.out()).containsPattern("anonymous\\s+admin\\s+SetServicePolicy\\s+web")
                .containsPattern("anonymous\\s+admin\\s+SetWeight\\s+web/web-1\\s+none\\s+weight 40");

        // Events are per replica: ask until the replica ballastctl reaches has seen the override.
        await().atMost(Duration.ofSeconds(10)).until(() -> ctl("events").out().contains("override_changed"));
        assertThat(ctl("events", "-o", "json").out()).contains("\"kind\": \"override_changed\"");

        Run stale = ctl("delete-policy", "web", "--expected-version", "5");
        assertThat(stale.exitCode()).isEqualTo(BallastCtl.EXIT_REFUSED);
        assertThat(stale.err()).contains("FAILED_PRECONDITION: expected_version: 5 (expected: the current version 0");
        Run deleted = ctl("delete-policy", "web", "--expected-version", "0");
        assertThat(deleted.exitCode()).as(deleted.err()).isZero();
        assertThat(deleted.out()).containsPattern("web\\s+round_robin.*none stored");
        assertThat(ctl("set-policy", "web", "maglev", "--hash-client-ip", "--expected-version", "-1").exitCode()).isZero();
        assertThat(ctl("set-policy", "web", "random", "--expected-version", "-1").err()).contains("FAILED_PRECONDITION");
    }

    @Test
    void watchFollowsTheEventsLive() throws Exception {
        java.util.concurrent.CompletableFuture<Run> watch = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> ctl("watch", "--max-events", "2"));
        // Events happen only after the watch is attached; repeat the change until two have been seen.
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            ctl("set-weight", "web", "web-1", String.valueOf(1 + (int) (System.nanoTime() % 1000)));
            return watch.isDone();
        });
        Run run = watch.get();
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out().lines().filter(line -> line.contains("override_changed")).count()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void ejectAndRestoreByHand() {
        Run ejected = ctl("eject", "web", "web-1", "--reason", "returns stale data");
        assertThat(ejected.exitCode()).as(ejected.err()).isZero();
        assertThat(ejected.out()).containsPattern("web-1.*EJECTED\\s+yes\\s+100\\s+-\\s+0");
        assertThat(ctl("backend", "web", "web-1").out()).contains("ejected: returns stale data");
        assertThat(ctl("eject", "web", "web-1").err()).contains("Missing required option: '--reason=<reason>'");
        Run restored = ctl("restore", "web", "web-1");
        assertThat(restored.out()).containsPattern("web-1.*ACTIVE\\s+yes\\s+100\\s+-\\s+100");
    }

    @Test
    void aBashCompletionScriptIsGenerated() {
        StringWriter out = new StringWriter();
        picocli.CommandLine cl = BallastCtl.commandLine();
        cl.setOut(new PrintWriter(out));
        assertThat(cl.execute("generate-completion")).isZero();
        assertThat(out.toString()).contains("complete -F", "set-policy", "explain", "--hash-header");
    }

    private ServicePolicy stored(CuratorFramework client, String service) throws Exception {
        ServicePolicy.Builder policy = ServicePolicy.newBuilder();
        com.google.protobuf.util.JsonFormat.parser().merge(new String(client.getData()
                .forPath(ZkPaths.forCluster(cluster).serviceConfig(service)), java.nio.charset.StandardCharsets.UTF_8), policy);
        return policy.build();
    }

    @Test
    void badInputIsRejectedWithFieldValueAndExpectation() {
        Run weight = ctl("set-weight", "web", "web-1", "20000");
        assertThat(weight.exitCode()).isEqualTo(BallastCtl.EXIT_USAGE);
        assertThat(weight.err()).contains("weight: 20000 (expected: 0..10000)");

        Run unknown = ctl("drain", "web", "nope");
        assertThat(unknown.exitCode()).isEqualTo(BallastCtl.EXIT_REFUSED);
        assertThat(unknown.err()).contains("NOT_FOUND", "web/nope");

        Run output = ctl("backends", "-o", "yaml");
        assertThat(output.exitCode()).isEqualTo(BallastCtl.EXIT_USAGE);
        assertThat(output.err()).contains("output: \"yaml\" (expected: table or json)");
    }

    @Test
    void failsOverWhenAReplicaIsDownAndReportsWhenNoneIsReachable() {
        Run direct = ctl("backends", "--server", "127.0.0.1:" + replicas.get(0).port());
        assertThat(direct.exitCode()).isZero();

        // A replica SIGKILLed a moment ago is still listed in ZooKeeper until its session
        // expires: the client must move past the dead address to a live one.
        String dead = "127.0.0.1:" + io.ballast.testing.FreePorts.onLoopback();
        String live = "127.0.0.1:" + replicas.get(1).port();
        io.ballast.proto.v1.ClusterStatus status = AdminClient.call(List.of(dead, live), 5_000,
                stub -> stub.getStatus(io.ballast.proto.v1.GetStatusRequest.getDefaultInstance()));
        assertThat(status.getAnsweredBy()).isEqualTo("cp-b");

        replicas.get(0).close();
        Run afterOne = ctl("backends");
        assertThat(afterOne.exitCode()).as(afterOne.err()).isZero();
        assertThat(afterOne.out()).contains("web-1");

        replicas.get(1).close();
        Run none = ctl("status");
        assertThat(none.exitCode()).isEqualTo(BallastCtl.EXIT_UNAVAILABLE);
        assertThat(none.err()).contains("no control-plane replica");
    }
}
