package io.ballast.controlplane.state;

import io.ballast.common.model.BackendRegistration;
import io.ballast.common.model.EndpointOverride;
import io.ballast.proto.v1.Route;
import io.ballast.proto.v1.ServicePolicy;
import java.util.List;
import io.ballast.common.zk.ZkPaths;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mirrors {@code backends/}, {@code config/endpoints/}, {@code config/services/}, {@code config/routes}
 * and {@code nodes/} into a {@link ClusterState}, on every
 * replica (the admin API of any replica reads it).
 *
 * <p>Threading: Curator delivers cache events onto the given {@code loop} executor (the one
 * thread that owns control-plane state); this class mutates its state only there and calls
 * {@code onChange} there. {@link #current()} may be read from any thread.
 *
 * <p>Failure behaviour: an invalid or mismatched payload is logged with its problems and treated
 * as absent. During a ZooKeeper partition the caches get no events and the state stays as it
 * was (Curator's CuratorCache contract: it is state, not an event log); they resynchronise
 * when the connection returns.
 */
public final class ClusterStateTracker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ClusterStateTracker.class);

    private final ZkPaths paths;
    private final Executor loop;
    private final Runnable onChange;
    private final CuratorCache backends;
    private final CuratorCache overrides;
    private final CuratorCache policies;
    private final CuratorCache routes;
    private final CuratorCache nodes;

    // Confined to the loop thread.
    private ClusterState state = ClusterState.EMPTY;
    private boolean backendsLoaded;
    private boolean overridesLoaded;
    private boolean policiesLoaded;
    private boolean routesLoaded;
    private boolean nodesLoaded;

    private volatile ClusterState published = ClusterState.EMPTY;

    public ClusterStateTracker(CuratorFramework client, ZkPaths paths, Executor loop, Runnable onChange) {
        this.paths = paths;
        this.loop = loop;
        this.onChange = onChange;
        this.backends = CuratorCache.build(client, paths.backends());
        this.overrides = CuratorCache.build(client, paths.endpointConfigs());
        this.policies = CuratorCache.build(client, paths.serviceConfigs());
        this.routes = CuratorCache.build(client, paths.routes());
        this.nodes = CuratorCache.build(client, paths.nodes());
    }

    public void start() {
        backends.listenable().addListener(new Listener(Kind.BACKENDS), loop);
        overrides.listenable().addListener(new Listener(Kind.OVERRIDES), loop);
        policies.listenable().addListener(new Listener(Kind.POLICIES), loop);
        routes.listenable().addListener(new Listener(Kind.ROUTES), loop);
        nodes.listenable().addListener(new Listener(Kind.NODES), loop);
        backends.start();
        overrides.start();
        policies.start();
        routes.start();
        nodes.start();
    }

    /** The latest state; any thread. */
    public ClusterState current() {
        return published;
    }

    /** True once every cache has loaded what ZooKeeper held at start. Loop thread only. */
    public boolean loaded() {
        return backendsLoaded && overridesLoaded && policiesLoaded && routesLoaded && nodesLoaded;
    }

    @Override
    public void close() {
        backends.close();
        overrides.close();
        policies.close();
        routes.close();
        nodes.close();
    }

    private void onBackend(ChildData oldData, ChildData data) {
        ChildData any = data != null ? data : oldData;
        Optional<ZkEntries.Key> key = ZkEntries.key(paths.backends(), any.getPath());
        if (key.isEmpty()) {
            return; // backends/ itself or a service's parent znode
        }
        String service = key.get().service();
        String id = key.get().id();
        if (data == null) {
            update(state.withoutRegistration(service, id));
            return;
        }
        ZkEntries.Parsed<BackendRegistration> parsed = ZkEntries.registration(key.get(), data.getData());
        if (parsed.isValid()) {
            update(state.withRegistration(service, id, parsed.value()));
        } else {
            log.warn("ignoring registration {}: {}", data.getPath(), parsed.problem());
            update(state.withoutRegistration(service, id));
        }
    }

    private void onOverride(ChildData oldData, ChildData data) {
        ChildData any = data != null ? data : oldData;
        Optional<ZkEntries.Key> key = ZkEntries.key(paths.endpointConfigs(), any.getPath());
        if (key.isEmpty()) {
            return;
        }
        String service = key.get().service();
        String id = key.get().id();
        if (data == null) {
            update(state.withoutOverride(service, id));
            return;
        }
        ZkEntries.Parsed<EndpointOverride> parsed = ZkEntries.override(key.get(), data.getData());
        if (parsed.isValid()) {
            update(state.withOverride(service, id, parsed.value()));
        } else {
            log.warn("ignoring override {}: {}", data.getPath(), parsed.problem());
            update(state.withoutOverride(service, id));
        }
    }

    private void onPolicy(ChildData oldData, ChildData data) {
        ChildData any = data != null ? data : oldData;
        String path = any.getPath();
        String prefix = paths.serviceConfigs() + "/";
        if (!path.startsWith(prefix) || path.substring(prefix.length()).isEmpty()
                || path.substring(prefix.length()).contains("/")) {
            return; // config/services itself, or something foreign below a service
        }
        String service = path.substring(prefix.length());
        if (data == null) {
            update(state.withoutPolicy(service));
            return;
        }
        ZkEntries.Parsed<ServicePolicy> parsed = ZkEntries.policy(service, data.getData());
        if (parsed.isValid()) {
            update(state.withPolicy(service, parsed.value()));
        } else {
            log.warn("ignoring policy {}: {}", path, parsed.problem());
            update(state.withoutPolicy(service));
        }
    }

    private void onRoutes(ChildData data) {
        if (data == null) {
            update(state.withRoutes(List.of()));
            return;
        }
        if (!data.getPath().equals(paths.routes())) {
            return;
        }
        ZkEntries.Parsed<List<Route>> parsed = ZkEntries.routes(data.getData());
        if (parsed.isValid()) {
            update(state.withRoutes(parsed.value()));
        } else {
            // The last valid routes stay: the admin API validates before writing, so this is a foreign write.
            log.warn("ignoring {}: {}", data.getPath(), parsed.problem());
        }
    }

    private void onNode(ChildData oldData, ChildData data) {
        ChildData any = data != null ? data : oldData;
        String prefix = paths.nodes() + "/";
        if (!any.getPath().startsWith(prefix) || any.getPath().substring(prefix.length()).contains("/")) {
            return;
        }
        String id = any.getPath().substring(prefix.length());
        update(data == null ? state.withoutNode(id) : state.withNode(id));
    }

    private void update(ClusterState next) {
        if (next.equals(state)) {
            return;
        }
        state = next;
        published = next;
        onChange.run();
    }

    private enum Kind { BACKENDS, OVERRIDES, POLICIES, ROUTES, NODES }

    private final class Listener implements CuratorCacheListener {
        private final Kind kind;

        Listener(Kind kind) {
            this.kind = kind;
        }

        @Override
        public void event(Type type, ChildData oldData, ChildData data) {
            switch (kind) {
                case BACKENDS -> onBackend(oldData, data);
                case OVERRIDES -> onOverride(oldData, data);
                case POLICIES -> onPolicy(oldData, data);
                case ROUTES -> onRoutes(data);
                case NODES -> onNode(oldData, data);
            }
        }

        @Override
        public void initialized() {
            switch (kind) {
                case BACKENDS -> backendsLoaded = true;
                case OVERRIDES -> overridesLoaded = true;
                case POLICIES -> policiesLoaded = true;
                case ROUTES -> routesLoaded = true;
                case NODES -> nodesLoaded = true;
            }
            onChange.run();
        }
    }
}
