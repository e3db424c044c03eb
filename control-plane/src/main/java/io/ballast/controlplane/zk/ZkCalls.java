package io.ballast.controlplane.zk;

/**
 * Runs a blocking Curator call and turns its checked exceptions into {@link ZkCallException}.
 * Any thread except the control-plane state thread (the calls block, with Curator's retries).
 */
public final class ZkCalls {

    /** A Curator call; Curator declares {@code throws Exception}. */
    @FunctionalInterface
    public interface Call<T> {
        T run() throws Exception;
    }

    private ZkCalls() {}

    public static <T> T call(String what, Call<T> call) {
        try {
            return call.run();
        } catch (RuntimeException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ZkCallException(what, e);
        } catch (Exception e) {
            throw new ZkCallException(what, e);
        }
    }
}
