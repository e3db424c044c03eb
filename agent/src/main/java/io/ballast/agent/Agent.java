package io.ballast.agent;

import io.ballast.agent.health.HealthChecker;
import io.ballast.agent.health.HealthState;
import io.ballast.agent.load.BackendLoadSource;
import io.ballast.agent.load.LoadSampler;
import io.ballast.agent.metrics.AgentMetrics;
import io.ballast.agent.registration.Registration;
import io.ballast.common.logging.LogContext;
import io.ballast.common.metrics.MetricsHttpServer;
import io.ballast.common.model.BackendRegistration;
import java.time.Clock;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running agent: health-checks one backend and keeps its registration in ZooKeeper while
 * it is HEALTHY, with a load report refreshed at the heartbeat interval.
 *
 * <p><b>Threading:</b> one single-threaded scheduled executor ({@code ballast-agent-<id>})
 * owns all of the agent's state — the health thresholds and the registration. Probes run on
 * it (each bounded by the check timeout), and so do reads of the backend's {@code --load-url}
 * at each heartbeat (bounded by {@link AgentConfig#loadTimeout()}); Curator callbacks (connection state, node created)
 * are delivered to it and only enqueue work there, so nothing is ever locked. {@link #health()}
 * and {@link #isRegistered()} may be read from any thread.
 *
 * <p><b>Lifecycle:</b> {@link #start} validates the registration payload before anything is
 * written, then starts the ZooKeeper client and the schedules; it does not wait for
 * ZooKeeper, which may come up later. {@link #close} (also used by the SIGTERM hook) removes
 * the registration first and only then closes the ZooKeeper client, so the znode vanishes
 * immediately instead of after the session timeout.
 *
 * <p><b>Failure behaviour:</b> an unreachable ZooKeeper only delays registration; the
 * {@code PersistentNode} recipe re-creates the znode after a session loss. An exception in a
 * periodic task is logged and the schedule keeps running.
 */
public final class Agent implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Agent.class);
    /** How long close() waits for the znode's delete before closing the client anyway. */
    private static final Duration DEREGISTER_TIMEOUT = Duration.ofSeconds(5);

    private final AgentConfig config;
    private final CuratorFramework client;
    private final ScheduledExecutorService executor;
    /** Confined to the executor: replaced when the operator pushes health-check settings. */
    private HealthChecker checker;
    private volatile io.ballast.agent.health.HealthCheckConfig activeCheck; // written on the executor, read by tests
    private org.apache.curator.framework.recipes.cache.CuratorCache pushedSettings;
    private final LoadSampler load;
    private final Registration registration;
    private final BackendRegistration template;
    private final AgentMetrics metrics;
    private volatile MetricsHttpServer metricsServer; // null while --metrics is off
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Confined to the executor; stops periodic work once close() began. */
    private boolean stopping;
    private volatile HealthState health = HealthState.UNHEALTHY;
    private volatile boolean registered;

    private Agent(AgentConfig config, Clock clock) {
        this.config = config;
        this.metrics = new AgentMetrics(() -> health == HealthState.HEALTHY, () -> registered);
        this.load = new LoadSampler(clock, config.loadUrl() == null ? null
                : new BackendLoadSource(config.loadUrl(), config.loadTimeout(), metrics::loadFetchFailed));
        this.template = config.registration(AgentVersion.get(), clock.millis(), null);
        List<String> problems = template.problems();
        if (!problems.isEmpty()) {
            // Refused before anything is started or written.
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        this.checker = HealthChecker.create(config.backend(), config.healthCheck());
        this.activeCheck = config.healthCheck();
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "ballast-agent-" + config.id());
            thread.setDaemon(true);
            return thread;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        this.executor = scheduler;
        this.client = config.zkAccess().newClient(config.zkConnect(), config.sessionTimeout());
        this.registration = new Registration(client, config.registrationPath(), executor);
    }

    /**
     * Starts an agent for {@code config}.
     *
     * @throws IllegalArgumentException listing every problem of the registration payload; nothing is started then
     */
    public static Agent start(AgentConfig config) {
        return start(config, Clock.systemUTC());
    }

    static Agent start(AgentConfig config, Clock clock) {
        Agent agent = new Agent(config, clock);
        agent.startInternal();
        return agent;
    }

    private void startInternal() {
        LogContext.put(LogContext.COMPONENT_ID, config.id());
        if (config.metrics() != null) {
            try {
                metricsServer = MetricsHttpServer.start(config.metrics(), metrics::scrape, "ballast-agent-metrics");
            } catch (RuntimeException e) {
                executor.shutdownNow();
                throw e;
            }
        }
        client.getConnectionStateListenable().addListener(this::onConnectionState, executor);
        client.start();
        long intervalMillis = config.healthCheck().interval().toMillis();
        long heartbeatMillis = config.heartbeatInterval().toMillis();
        // Each probe schedules the next after the active interval (which the operator may change):
        // probes never overlap, and a slow probe delays the next one instead of queueing more.
        executor.execute(this::probeAndReschedule);
        // The operator may push health-check settings for the service (config/services/<service>).
        pushedSettings = org.apache.curator.framework.recipes.cache.CuratorCache.build(client,
                io.ballast.common.zk.ZkPaths.forCluster(config.cluster()).serviceConfig(config.service()),
                org.apache.curator.framework.recipes.cache.CuratorCache.Options.SINGLE_NODE_CACHE);
        pushedSettings.listenable().addListener((type, oldData, data) -> onPushedSettings(data), executor);
        pushedSettings.start();
        executor.scheduleAtFixedRate(() -> guarded("heartbeat", this::heartbeat), heartbeatMillis, heartbeatMillis,
                TimeUnit.MILLISECONDS);
        log.info("agent {} started: backend {} of service {} in cluster {} at ZooKeeper {}, {} check every {} ms"
                        + " (rise {}, fall {})", config.id(), config.backend(), config.service(), config.cluster(),
                config.zkConnect(), config.healthCheck().kind(), intervalMillis, config.healthCheck().rise(),
                config.healthCheck().fall());
        if (config.loadUrl() != null) {
            log.info("agent {}: backend load read from {} at each heartbeat (timeout {} ms)", config.id(),
                    config.loadUrl(), config.loadTimeout().toMillis());
        }
    }

    public AgentConfig config() {
        return config;
    }

    /** The backend's current health; may be read from any thread. */
    public HealthState health() {
        return health;
    }

    /** Whether the agent is keeping its registration (the znode may still be in creation). */
    public boolean isRegistered() {
        return registered;
    }

    /** Where {@code GET /metrics} is served ({@code --metrics}, with the real port), empty when off. */
    public Optional<InetSocketAddress> metricsAddress() {
        MetricsHttpServer server = metricsServer;
        return server == null ? Optional.empty() : Optional.of(server.localAddress());
    }

    /** The agent's ZooKeeper client, for tests that expire its session. */
    CuratorFramework zkClient() {
        return client;
    }

    private void probeAndReschedule() {
        guarded("health check", this::checkHealth);
        if (!stopping) {
            try {
                executor.schedule(this::probeAndReschedule, activeCheck.interval().toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException closing) {
                // stopping
            }
        }
    }

    /** On the executor: the service's policy changed; apply its health-check settings, or go back to ours. */
    private void onPushedSettings(org.apache.curator.framework.recipes.cache.ChildData data) {
        io.ballast.agent.health.HealthCheckConfig next;
        try {
            next = data == null ? config.healthCheck()
                    : io.ballast.agent.health.PushedHealthCheck.apply(config.healthCheck(), data.getData()).orElse(config.healthCheck());
        } catch (IllegalArgumentException e) {
            log.warn("agent {}: ignoring the health-check settings pushed for service {}: {}", config.id(), config.service(),
                    e.getMessage());
            return;
        }
        if (next.equals(activeCheck)) {
            return;
        }
        log.info("agent {}: health check is now {} {} every {} ms, timeout {} ms, rise {}, fall {} ({})", config.id(),
                next.kind(), next.path(), next.interval().toMillis(), next.timeout().toMillis(), next.rise(), next.fall(),
                next.equals(config.healthCheck()) ? "this agent's options" : "pushed for service " + config.service());
        checker = checker.reconfigured(config.backend(), next);
        activeCheck = next;
    }

    /** The health check in force (this agent's options, or what the operator pushed); any thread, for tests. */
    public io.ballast.agent.health.HealthCheckConfig activeHealthCheck() {
        return activeCheck;
    }

    private void checkHealth() {
        if (stopping) {
            return;
        }
        long startNanos = System.nanoTime();
        HealthChecker.Check check = checker.check();
        metrics.probed(check.probe().passed(), System.nanoTime() - startNanos);
        health = check.state();
        if (!check.changed()) {
            log.debug("{}: {}", check.state(), check.probe().detail());
            return;
        }
        log.info("backend {} is now {} ({})", config.backend(), check.state(), check.probe().detail());
        if (check.state() == HealthState.HEALTHY) {
            registration.register(template.withLoad(load.sample()));
        } else {
            registration.deregister();
        }
        registered = registration.isRegistered();
    }

    private void heartbeat() {
        // Every write fans out to every control-plane replica's cache: write only while registered.
        if (!stopping && registration.isRegistered()) {
            registration.update(template.withLoad(load.sample()));
        }
    }

    private void onConnectionState(CuratorFramework ignored, ConnectionState state) {
        switch (state) {
            case LOST -> log.warn("ZooKeeper session lost; the registration is re-created on reconnect while healthy");
            case SUSPENDED -> log.warn("ZooKeeper connection suspended");
            case RECONNECTED, CONNECTED -> log.info("ZooKeeper {}", state.name().toLowerCase());
            default -> log.debug("ZooKeeper {}", state);
        }
    }

    private void guarded(String what, Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            // Never let an exception end a periodic schedule silently.
            log.error("{} failed", what, e);
        }
    }

    /**
     * Graceful stop: marks the registration draining (the leader then gives the backend no new
     * traffic) and waits, at most the drain timeout, until the leader's drain barrier says no node
     * has a request in flight to it. Skipped when the agent is not registered, the timeout is 0,
     * or no control plane leads (nodes then route by their last snapshot whatever the agent does).
     * On the calling (shutdown) thread; polls ZooKeeper every 100 ms.
     */
    private void drainBeforeDeregistering() {
        long timeoutMillis = config.drainTimeout().toMillis();
        io.ballast.common.zk.ZkPaths paths = io.ballast.common.zk.ZkPaths.forCluster(config.cluster());
        try {
            if (timeoutMillis == 0 || !registration.isRegistered() || client.checkExists().forPath(paths.leader()) == null) {
                return;
            }
            Boolean marked = CompletableFuture.supplyAsync(() -> {
                stopping = true; // no health flip or heartbeat overwrites the draining payload from now on
                return registration.update(template.withLoad(load.sample()).withDraining(true));
            }, executor).get(DEREGISTER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (!Boolean.TRUE.equals(marked)) {
                return;
            }
            log.info("agent {} draining: waiting up to {} ms for the drain barrier", config.id(), timeoutMillis);
            String status = paths.drain(config.service(), config.id());
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            while (System.nanoTime() < deadline) {
                byte[] data = client.checkExists().forPath(status) == null ? null : client.getData().forPath(status);
                // control/drains/<service>/<id> is protobuf JSON of ballast.v1.DrainStatus, written by the leader.
                if (data != null && "COMPLETE".equals(io.ballast.common.json.Json.mapper().readTree(data).path("state").asText())) {
                    log.info("agent {} drained: no node has a request in flight to it", config.id());
                    return;
                }
                Thread.sleep(100); // polls ZooKeeper at a bounded rate; not synchronisation between threads
            }
            log.warn("agent {}: the drain barrier was not complete within {} ms; deregistering anyway", config.id(), timeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("agent {}: could not drain before stopping ({}); deregistering", config.id(), e.toString());
        }
    }

    /**
     * Deregisters (the znode is deleted at once), then closes the ZooKeeper client. Idempotent;
     * waits at most a few seconds for the delete while ZooKeeper is unreachable (the znode then
     * disappears when the session expires). Never throws.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        drainBeforeDeregistering();
        log.info("agent {} stopping: deregistering before closing the ZooKeeper client", config.id());
        CompletableFuture<Void> deregistered;
        try {
            deregistered = CompletableFuture.supplyAsync(() -> {
                stopping = true;
                registered = false;
                return registration.deregister();
            }, executor).thenCompose(future -> future);
        } catch (RejectedExecutionException e) {
            deregistered = CompletableFuture.completedFuture(null);
        }
        try {
            deregistered.get(DEREGISTER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("deregistration did not finish within {} ms; closing anyway", DEREGISTER_TIMEOUT.toMillis());
        } catch (ExecutionException e) {
            log.warn("deregistration failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
        try {
            executor.awaitTermination(config.healthCheck().timeout().toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (pushedSettings != null) {
            pushedSettings.close();
        }
        client.close();
        registration.close();
        MetricsHttpServer server = metricsServer;
        if (server != null) {
            server.close();
        }
        log.info("agent {} stopped", config.id());
    }
}
