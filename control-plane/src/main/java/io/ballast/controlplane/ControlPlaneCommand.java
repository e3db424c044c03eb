package io.ballast.controlplane;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import io.ballast.common.config.ClusterOptions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ballast control-plane}: runs one control-plane replica in this JVM until SIGTERM/SIGINT.
 *
 * <p>{@link #toConfig()} validates the options (throwing {@link IllegalArgumentException} in the
 * shared message style); {@link #call()} starts the replica, closes it from a shutdown hook (so
 * another replica takes over at once) and blocks until then.
 */
@Command(name = "control-plane", mixinStandardHelpOptions = true,
        description = "Runs a control-plane replica: takes part in the leader election; the leader computes "
                + "epoch-fenced snapshots from ZooKeeper and pushes them to data-plane nodes. Every replica serves "
                + "the admin API.")
public final class ControlPlaneCommand implements Callable<Integer> {

    @Mixin ClusterOptions shared;

    @Option(names = "--id", description = "Replica id [A-Za-z0-9._:-]{1,128} (default: the advertised host:port)")
    String id;

    @Option(names = "--listen", description = "gRPC listen address host:port, port 0 for any free port (default: ${DEFAULT-VALUE})",
            defaultValue = ControlPlaneConfig.DEFAULT_LISTEN)
    String listen;

    @Option(names = "--advertise", description = "Address nodes and ballastctl use to reach this replica, host:port "
            + "(default: the listen address; set it when listening on 0.0.0.0)")
    String advertise;

    @Option(names = "--debounce-ms", description = "Quiet time that coalesces a burst of changes into one snapshot, "
            + "0..200 ms; a change after a quiet spell is pushed at once, and a snapshot follows a change within "
            + "200 ms whatever the burst (default: ${DEFAULT-VALUE})",
            defaultValue = "20")
    long debounceMs;

    @Option(names = "--default-service", description = "Service for requests no route matches, when it has backends; "
            + "else the only service, if there is exactly one (default: ${DEFAULT-VALUE})",
            defaultValue = ControlPlaneConfig.DEFAULT_SERVICE)
    String defaultService;

    @Option(names = "--weight-interval-ms", description = "Damping interval of computed weights, 100..60000 ms: a weight "
            + "moves at most 50%% per interval (default: ${DEFAULT-VALUE})", defaultValue = "1000")
    long weightIntervalMs;

    @Option(names = "--load-blackout-ms", description = "Load reports count only this long after an endpoint's first "
            + "report, 0..600000 ms (default: ${DEFAULT-VALUE})", defaultValue = "10000")
    long loadBlackoutMs;

    @Option(names = "--load-expiry-ms", description = "Load reports older than this are ignored, 1000..3600000 ms "
            + "(default: ${DEFAULT-VALUE})", defaultValue = "180000")
    long loadExpiryMs;

    @Option(names = "--tls-cert", description = "PEM certificate chain of this replica's gRPC server (with --tls-key); "
            + "turns TLS on for nodes and ballastctl (default: plaintext). See docs/security.md")
    Path tlsCert;

    @Option(names = "--tls-key", description = "PEM file of the unencrypted PKCS#8 private key of --tls-cert")
    Path tlsKey;

    @Option(names = "--tls-client-ca", description = "PEM CA certificate(s) client certificates are verified against "
            + "(mutual TLS)")
    Path tlsClientCa;

    @Option(names = "--tls-client-auth", description = "Client certificates: none, optional (verified when given; "
            + "callers without one may use a bearer token) or require (default: require with --tls-client-ca, else none)")
    String tlsClientAuth;

    @Option(names = "--admin-auth", description = "YAML file of admin identities: tokens [{token, identity, role}] and "
            + "certificates [{cn, role}], roles reader < operator < admin (default: off, every caller is an anonymous admin)")
    Path adminAuth;

    @Option(names = "--metrics", paramLabel = "HOST:PORT", description = "Serve Prometheus metrics at "
            + "http://HOST:PORT/metrics, port 0 for any free port; no authentication, so bind loopback or a "
            + "monitoring network (default: off)")
    String metrics;

    @Option(names = "--self-preservation-window-ms", description = "Registrations vanishing within this window count "
            + "together for self-preservation, 100..3600000 ms (default: ${DEFAULT-VALUE})", defaultValue = "10000")
    long selfPreservationWindowMs;

    @Option(names = "--self-preservation-threshold-percent", description = "A service enters self-preservation when at least "
            + "this share (and at least 2) of its registrations vanish within the window, 0 (off)..100 (default: ${DEFAULT-VALUE})",
            defaultValue = "50")
    int selfPreservationThresholdPercent;

    @Option(names = "--suspect-weight-percent", description = "Weight of a SUSPECT endpoint in percent of its last weight, "
            + "1..100 (default: ${DEFAULT-VALUE})", defaultValue = "50")
    int suspectWeightPercent;

    @Option(names = "--self-preservation-max-ms", description = "Longest a vanished endpoint stays SUSPECT, 1000..86400000 ms "
            + "(default: ${DEFAULT-VALUE})", defaultValue = "600000")
    long selfPreservationMaxMs;

    @Option(names = "--outlier-quorum-window-ms", description = "Node evidence for quorum ejection and for confirming SUSPECT "
            + "endpoints dead counts this long, 500..600000 ms (default: ${DEFAULT-VALUE})", defaultValue = "10000")
    long outlierQuorumWindowMs;

    @Option(names = "--flap-threshold", description = "A registration that vanishes more than this many times within "
            + "--flap-window-ms is held down, 1..1000 (default: ${DEFAULT-VALUE})", defaultValue = "4")
    int flapThreshold;

    @Option(names = "--flap-window-ms", description = "Window of flap damping, 100..3600000 ms (default: ${DEFAULT-VALUE})",
            defaultValue = "60000")
    long flapWindowMs;

    @Option(names = "--flap-hold-ms", description = "First hold-down of a flapping endpoint (left out of the snapshot); "
            + "doubles when it flaps again soon after, 100..3600000 ms (default: ${DEFAULT-VALUE})", defaultValue = "30000")
    long flapHoldMs;

    @Option(names = "--flap-max-hold-ms", description = "Longest hold-down, --flap-hold-ms..86400000 ms (default: ${DEFAULT-VALUE})",
            defaultValue = "600000")
    long flapMaxHoldMs;

    @Option(names = "--removal-grace-ms", description = "A registration that vanishes without draining first stays in the "
            + "snapshot this long before its removal is published, so that vanishings moments apart count together for "
            + "self-preservation; 0..--self-preservation-window-ms, 0 removes at once (default: ${DEFAULT-VALUE})",
            defaultValue = "3000")
    long removalGraceMs;

    /** The validated configuration these options describe; starts nothing. */
    public ControlPlaneConfig toConfig() {
        return ControlPlaneConfig.builder()
                .zkConnect(shared.zk)
                .cluster(shared.cluster)
                .id(id)
                .listen(listen)
                .advertise(advertise)
                .sessionTimeout(Duration.ofMillis(shared.sessionTimeoutMillis))
                .debounce(Duration.ofMillis(debounceMs))
                .defaultService(defaultService)
                .weightInterval(Duration.ofMillis(weightIntervalMs))
                .loadBlackout(Duration.ofMillis(loadBlackoutMs))
                .loadExpiry(Duration.ofMillis(loadExpiryMs))
                .tlsCert(tlsCert)
                .tlsKey(tlsKey)
                .tlsClientCa(tlsClientCa)
                .tlsClientAuth(tlsClientAuth)
                .adminAuth(adminAuth)
                .metrics(metrics)
                .zkAccess(shared.zkAccess())
                .selfPreservationWindowMillis(selfPreservationWindowMs)
                .selfPreservationThresholdPercent(selfPreservationThresholdPercent)
                .suspectWeightPercent(suspectWeightPercent)
                .selfPreservationMaxMillis(selfPreservationMaxMs)
                .outlierQuorumWindowMillis(outlierQuorumWindowMs)
                .flapThreshold(flapThreshold)
                .flapWindowMillis(flapWindowMs)
                .flapHoldMillis(flapHoldMs)
                .flapMaxHoldMillis(flapMaxHoldMs)
                .removalGraceMillis(removalGraceMs)
                .build();
    }

    @Override
    public Integer call() throws InterruptedException {
        ControlPlaneConfig controlPlaneConfig = toConfig();
        ControlPlane controlPlane = ControlPlane.start(controlPlaneConfig);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            controlPlane.close();
            stopped.countDown();
        }, "ballast-control-plane-shutdown"));
        stopped.await();
        return 0;
    }
}
