package io.ballast.node.control;

import io.ballast.common.json.Json;
import io.ballast.common.model.LeaderInfo;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the leader is, from {@code control/leader} (JSON {@link LeaderInfo}), kept by a
 * single-node {@link CuratorCache}.
 *
 * <p>The cache is state, not an event log: during a ZooKeeper outage it keeps the last known
 * value and fires no events, and Curator re-reads the node when the connection returns.
 * Callers therefore read {@link #current()} whenever they need an address (e.g. after a stream
 * failure) and treat {@code onChange} only as a hint to look again.
 *
 * <p>Threading: {@code onChange} runs on Curator's event thread and must only hand off work.
 * {@link #current()} may be called from any thread and never blocks.
 */
final class LeaderWatch implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LeaderWatch.class);

    private final String path;
    private final CuratorCache cache;

    LeaderWatch(CuratorFramework client, String path, Runnable onChange) {
        this.path = path;
        this.cache = CuratorCache.build(client, path, CuratorCache.Options.SINGLE_NODE_CACHE);
        cache.listenable().addListener(CuratorCacheListener.builder()
                .forAll((type, oldData, data) -> onChange.run())
                .forInitialized(onChange)
                .build());
    }

    /** Starts watching in the background; does not wait for ZooKeeper. */
    void start() {
        cache.start();
    }

    /** The last known leader, empty when there is none or its payload is unreadable. */
    Optional<LeaderInfo> current() {
        Optional<ChildData> data = cache.get(path);
        if (data.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Json.read(data.get().getData(), LeaderInfo.class, path));
        } catch (IllegalArgumentException e) {
            log.warn("ignoring leader record: {}", e.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        cache.close();
    }
}
