package io.ballast.controlplane.stream;

/**
 * Where a stream goes once its Hello has arrived: the control plane's state thread decides
 * whether this replica leads (register the subscriber) or not (redirect it).
 *
 * <p>Every method is called on the state thread only.
 */
public interface SubscriptionGate {

    /**
     * The encoder every subscriber of this gate builds its pushes with (shared, so that nodes at the
     * same version share one delta computation). The default is a fresh encoder whose pushes
     * nobody observes.
     */
    default PushEncoder pushEncoder() {
        return PushEncoder.unobserved();
    }

    /** A node said Hello: register it with the leader and send it the current snapshot, or redirect it. */
    void subscribe(Subscriber subscriber);

    /** The stream ended (cancelled, failed, completed or refused); idempotent. */
    void unsubscribe(Subscriber subscriber);

    /** The node answered the snapshot last sent to it (ACK when {@code accepted}, else NACK). */
    default void answered(Subscriber subscriber, boolean accepted) {}

    /** The node sent a report (requests in flight per backend). */
    default void reported(Subscriber subscriber) {}
}
