package io.ballast.common.zk;

import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;

/**
 * Builds Curator clients the same way in every component.
 *
 * <p>The session timeout is always explicit: Curator's default (60 s) would keep a dead
 * agent's ephemeral registration alive for a minute. The server clamps it to
 * [2, 20] x its tickTime.
 */
public final class ZkClients {

    private ZkClients() {}

    /** A new, not yet started client. {@code connectString} is {@code host:port[,host:port...]}. */
    public static CuratorFramework newClient(String connectString, Duration sessionTimeout) {
        return builder(connectString, sessionTimeout).build();
    }

    /**
     * A client that authenticates with {@code credentials} ({@code user:password}, digest scheme)
     * and creates every znode with the ACL {@code security} gives its path.
     */
    public static CuratorFramework newClient(String connectString, Duration sessionTimeout, String credentials,
                                             ZkSecurity security) {
        return builder(connectString, sessionTimeout)
                .authorization("digest", ZkSecurity.authBytes(credentials))
                .aclProvider(security)
                .build();
    }

    private static CuratorFrameworkFactory.Builder builder(String connectString, Duration sessionTimeout) {
        int sessionMillis = Math.toIntExact(sessionTimeout.toMillis());
        return CuratorFrameworkFactory.builder()
                .connectString(connectString)
                .sessionTimeoutMs(sessionMillis)
                .connectionTimeoutMs(Math.min(sessionMillis, 5_000))
                // Per operation: bounded retries with capped backoff. The connection itself is
                // re-established in the background for as long as the client lives, so a
                // component outlives a ZooKeeper outage; only individual calls fail.
                .retryPolicy(new BoundedExponentialBackoffRetry(100, 2_000, 10));
    }
}
