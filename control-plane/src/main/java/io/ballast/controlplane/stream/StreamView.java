package io.ballast.controlplane.stream;

/**
 * What the leader knows of one node's control stream, copied off the state thread for the admin API.
 *
 * @param connectedAtMillis when the node's Hello arrived
 * @param lastAnswer "ACK", "NACK", or "" before the first answer
 * @param lastAnswerVersion the version the last answer was about
 * @param lastError the last NACK's detail, empty when the last answer was an ACK
 */
public record StreamView(String nodeId, long connectedAtMillis, String lastAnswer, long lastAnswerVersion, String lastError) {

    static StreamView of(Subscriber subscriber) {
        return new StreamView(subscriber.nodeId(), subscriber.connectedAtMillis(), subscriber.lastAnswer(),
                subscriber.lastAnswerVersion(), subscriber.lastError());
    }

    /** State thread only (reads the subscriber). */
    public static StreamView copy(Subscriber subscriber) {
        return of(subscriber);
    }
}
