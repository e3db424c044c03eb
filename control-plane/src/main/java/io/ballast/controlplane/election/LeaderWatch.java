package io.ballast.controlplane.election;

import io.ballast.common.json.Json;
import io.ballast.common.model.LeaderInfo;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;

/**
 * The current content of {@code control/leader}, kept by a single-node {@link CuratorCache},
 * so that a follower can redirect a node without a blocking ZooKeeper read.
 *
 * <p>{@link #current()} may be called from any thread; it is empty when there is no leader
 * record or it does not parse, and stale during a ZooKeeper partition.
 */
public final class LeaderWatch implements AutoCloseable {

    private final CuratorCache cache;
    private final Executor loop;
    private volatile Optional<LeaderInfo> current = Optional.empty();
    private volatile java.util.function.Consumer<Optional<LeaderInfo>> onChange = leader -> {};

    public LeaderWatch(CuratorFramework client, String leaderPath, Executor loop) {
        this.cache = CuratorCache.build(client, leaderPath, CuratorCache.Options.SINGLE_NODE_CACHE);
        this.loop = loop;
    }

    public void start() {
        cache.listenable().addListener((type, oldData, data) -> {
            Optional<LeaderInfo> next = parse(data);
            // The record's version field moves with every snapshot; only a new leader or epoch is a change.
            boolean changed = !next.map(l -> l.id() + "@" + l.epoch()).equals(current.map(l -> l.id() + "@" + l.epoch()));
            current = next;
            if (changed) {
                onChange.accept(next);
            }
        }, loop);
        cache.start();
    }

    /** Called on the loop executor when the leader or its epoch changes (set before {@link #start}). */
    public void onChange(java.util.function.Consumer<Optional<LeaderInfo>> listener) {
        this.onChange = listener;
    }

    public Optional<LeaderInfo> current() {
        return current;
    }

    @Override
    public void close() {
        cache.close();
    }

    private static Optional<LeaderInfo> parse(ChildData data) {
        if (data == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Json.read(data.getData(), LeaderInfo.class, "control/leader"));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
