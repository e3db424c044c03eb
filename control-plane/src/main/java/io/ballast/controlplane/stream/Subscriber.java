package io.ballast.controlplane.stream;

import io.ballast.proto.v1.Ack;
import io.ballast.proto.v1.Hello;
import io.ballast.proto.v1.Nack;
import io.ballast.proto.v1.Report;
import io.ballast.proto.v1.Redirect;
import io.ballast.proto.v1.ServerMessage;
import io.ballast.proto.v1.Snapshot;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node subscribed to the leader's snapshots.
 *
 * <p>Flow control: the subscriber holds at most ONE pending snapshot, the latest; an offer
 * replaces whatever was pending. It is sent only while the call {@link
 * ServerCallStreamObserver#isReady() isReady()} and the node has answered the previous push
 * (at most one push is unanswered); when the call becomes ready again the stream's on-ready
 * handler calls {@link #drain()}, and an answer drains too. A slow node (slow to read or slow to
 * apply) therefore skips intermediate versions instead of making the leader buffer them.
 *
 * <p>Deltas: a node whose Hello accepts them gets the delta from the snapshot it last ACKed on
 * this stream (see {@link PushEncoder}); the first push of a stream is always full, and a NACKed
 * delta is answered with the full snapshot. A NACKed full snapshot is not resent (the node
 * would refuse it again); the next change is pushed as usual.
 *
 * <p>Threading: not thread-safe; every method runs on the control plane's state thread, which
 * also serialises all calls on the gRPC observer (gRPC requires that).
 */
public final class Subscriber {

    private static final Logger log = LoggerFactory.getLogger(Subscriber.class);
    private static final AtomicLong NONCES = new AtomicLong();

    private final ServerCallStreamObserver<ServerMessage> call;
    private final Hello hello;
    private final PushEncoder encoder;
    private Snapshot pending;
    private Snapshot lastSent;
    private Snapshot inFlight; // sent and not answered yet, null when the node answered
    private boolean inFlightDelta;
    private Snapshot acked; // what the node applied by its last ACK on this stream, null when unknown
    private String lastNonce = "";
    private long lastSentNanos; // System.nanoTime() when lastNonce was sent
    private long answerLatencyNanos; // from sending to the last accepted ACK/NACK
    private long ackedEpoch;
    private long ackedVersion;
    private String lastError = "";
    private String lastAnswer = "";
    private long lastAnswerVersion;
    private final long connectedAtMillis = System.currentTimeMillis();
    private Report lastReport; // null until the node's first report
    private boolean ended;

    /** A subscriber that is sent full snapshots only. */
    public Subscriber(ServerCallStreamObserver<ServerMessage> call, Hello hello) {
        this(call, hello, PushEncoder.unobserved());
    }

    /** @param encoder builds each push (delta or full) and is told its size */
    public Subscriber(ServerCallStreamObserver<ServerMessage> call, Hello hello, PushEncoder encoder) {
        this.call = call;
        this.hello = hello;
        this.encoder = encoder;
    }

    public String nodeId() {
        return hello.getNodeId();
    }

    public Hello hello() {
        return hello;
    }

    /** Makes {@code snapshot} the one to send next (replacing any pending one) and sends it if the call is ready. */
    public void offer(Snapshot snapshot) {
        if (ended) {
            return;
        }
        if (pending == null && snapshot.equals(lastSent)) {
            return;
        }
        pending = snapshot;
        drain();
    }

    /** Sends the pending snapshot if the call is ready and the last push was answered; called again by the on-ready handler. */
    public void drain() {
        if (ended || pending == null || inFlight != null || call.isCancelled() || !call.isReady()) {
            return;
        }
        Snapshot snapshot = pending;
        pending = null;
        String nonce = snapshot.getEpoch() + "-" + snapshot.getVersion() + "-" + NONCES.incrementAndGet();
        ServerMessage message = encoder.encode(nonce, acked, snapshot, hello.getAcceptsDeltas());
        try {
            call.onNext(message);
        } catch (RuntimeException e) {
            // The call was cancelled concurrently; the cancel handler unsubscribes us.
            log.debug("could not send to node {}", nodeId(), e);
            ended = true;
            return;
        }
        encoder.sent(message);
        lastSent = snapshot;
        inFlight = snapshot;
        inFlightDelta = message.getSnapshot().hasDelta();
        lastNonce = nonce;
        lastSentNanos = System.nanoTime();
    }

    /** Records an ACK and sends what is pending; returns false (and ignores it) when its nonce is not the last one sent. */
    public boolean onAck(Ack ack) {
        if (!ack.getNonce().equals(lastNonce)) {
            log.debug("node {} acknowledged stale nonce {} (last sent {})", nodeId(), ack.getNonce(), lastNonce);
            return false;
        }
        answerLatencyNanos = System.nanoTime() - lastSentNanos;
        ackedEpoch = ack.getEpoch();
        ackedVersion = ack.getVersion();
        lastError = "";
        lastAnswer = "ACK";
        lastAnswerVersion = ack.getVersion();
        // An ACK of another version than the one sent (a confused node) leaves the base unknown: full next.
        boolean matches = inFlight != null && inFlight.getEpoch() == ack.getEpoch() && inFlight.getVersion() == ack.getVersion();
        acked = matches ? inFlight : null;
        inFlight = null;
        drain();
        return true;
    }

    /**
     * Records a NACK and its error detail; a NACKed delta is answered with the full snapshot (unless a
     * newer one is pending, which then goes full). Returns false (and ignores it) for a stale nonce.
     */
    public boolean onNack(Nack nack) {
        if (!nack.getNonce().equals(lastNonce)) {
            log.debug("node {} refused stale nonce {} (last sent {})", nodeId(), nack.getNonce(), lastNonce);
            return false;
        }
        answerLatencyNanos = System.nanoTime() - lastSentNanos;
        lastError = nack.getErrorDetail();
        lastAnswer = "NACK";
        lastAnswerVersion = nack.getVersion();
        log.warn("node {} refused {} epoch {} version {}: {}", nodeId(), inFlightDelta ? "delta" : "snapshot",
                nack.getEpoch(), nack.getVersion(), lastError);
        if (inFlightDelta) {
            // The node's applied snapshot is not what we think: resynchronise it with a full one.
            acked = null;
            if (pending == null) {
                pending = inFlight;
            }
        }
        // A refused full snapshot changed nothing on the node: its applied snapshot is still `acked`.
        inFlight = null;
        drain();
        return true;
    }

    /** Answers a non-leader's single Redirect and completes the stream. */
    public void redirect(Redirect redirect) {
        if (ended) {
            return;
        }
        ended = true;
        pending = null;
        try {
            call.onNext(ServerMessage.newBuilder().setRedirect(redirect).build());
            call.onCompleted();
        } catch (RuntimeException e) {
            log.debug("could not redirect node {}", nodeId(), e);
        }
    }

    /** Ends the stream with {@code status} (OK completes it); idempotent. */
    public void end(Status status) {
        if (ended) {
            return;
        }
        ended = true;
        pending = null;
        try {
            if (status.isOk()) {
                call.onCompleted();
            } else {
                call.onError(status.asRuntimeException());
            }
        } catch (RuntimeException e) {
            log.debug("stream of node {} already closed", nodeId(), e);
        }
    }

    /** 0 or 1: how many snapshots wait for the call to become ready (or for the node's answer). */
    public int pendingCount() {
        return pending == null ? 0 : 1;
    }

    /** From sending the snapshot last answered to its ACK or NACK, in nanoseconds; 0 before the first answer. */
    public long answerLatencyNanos() {
        return answerLatencyNanos;
    }

    public long ackedEpoch() {
        return ackedEpoch;
    }

    public long ackedVersion() {
        return ackedVersion;
    }

    /** Error detail of the last NACK, empty when the last answer was an ACK (or none yet). */
    public String lastError() {
        return lastError;
    }

    public boolean ended() {
        return ended;
    }

    /** Records the node's latest report (requests in flight per backend address). */
    public void onReport(Report report) {
        lastReport = report;
    }

    /** The node's latest report, null before the first. */
    public Report lastReport() {
        return lastReport;
    }

    /** "ACK", "NACK", or "" before the node's first answer. */
    public String lastAnswer() {
        return lastAnswer;
    }

    /** Version the last answer was about, 0 before the first. */
    public long lastAnswerVersion() {
        return lastAnswerVersion;
    }

    /** When the node's Hello arrived, wall-clock milliseconds. */
    public long connectedAtMillis() {
        return connectedAtMillis;
    }
}
