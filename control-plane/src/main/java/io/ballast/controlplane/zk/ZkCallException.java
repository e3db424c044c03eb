package io.ballast.controlplane.zk;

import org.apache.zookeeper.KeeperException;

/**
 * A ZooKeeper call failed. Unchecked, so that APIs need not declare Curator's
 * {@code throws Exception}; the cause is the original Curator/ZooKeeper exception.
 */
public final class ZkCallException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ZkCallException(String what, Throwable cause) {
        super(what + ": " + describe(cause), cause);
    }

    /** True when the call failed because ZooKeeper could not be reached (rather than, say, a bad payload). */
    public boolean isConnectivity() {
        Throwable cause = getCause();
        if (cause instanceof KeeperException keeper) {
            return switch (keeper.code()) {
                case CONNECTIONLOSS, SESSIONEXPIRED, OPERATIONTIMEOUT, SESSIONMOVED -> true;
                default -> false;
            };
        }
        return cause instanceof InterruptedException;
    }

    private static String describe(Throwable cause) {
        if (cause instanceof KeeperException keeper) {
            return keeper.code() + (keeper.getPath() == null ? "" : " for " + keeper.getPath());
        }
        return String.valueOf(cause);
    }
}
