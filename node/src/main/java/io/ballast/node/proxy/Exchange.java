package io.ballast.node.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays one client request to a backend of one service, streaming: the request head and body
 * parts go to the backend as they arrive, the response head and body parts go back to the
 * {@link ProxyHandler} as they arrive; or the client gets one 502/504 naming the reason.
 *
 * <p>Threading: created and driven entirely on the client channel's event loop; the backend
 * channels it uses are registered on the same loop, and its deadline lives in the loop's
 * {@link Deadlines}, so no field needs synchronisation. Callbacks can re-enter (asking the client
 * for a part may deliver it at once), so every method reads state again after such a call.
 *
 * <p>Backpressure: the next request part is asked for only while the backend connection is
 * writable (or, before a connection is ready, while the body still fits the retry buffer); a
 * client that cannot take the response pauses reading from the backend until it can.
 *
 * <p>Replay: while the request body received so far is at most {@code retryBufferBytes}, every
 * part is kept (each try writes retained duplicates), so the request can be sent again. Once it
 * grows past that bound, parts already sent are released and later ones pass straight through;
 * from then on the request is never retried or resent (Envoy does the same). Connect retries
 * need no replay: nothing is read beyond the bound before a connection took the head.
 *
 * <p>Failures: a connect failure (refused, timed out) is retried on a different endpoint up to
 * the service's {@code connect_retries}, for every method. A pooled (reused) connection that closes
 * before any response byte (the keep-alive race: the backend closed it while idle) is resent, for
 * idempotent methods only, at most {@link #MAX_RESENDS} times, outside the retry policy. Everything
 * else after the request was sent follows the service's {@link RetryRules}: for its methods, on its
 * conditions (a fresh connection reset or closed before any response byte, a per-try timeout, a 5xx
 * or gateway-error status, decided on the response head before anything reached the client; the
 * failed response's body is dropped with its connection), at most {@code num_retries} further
 * tries, each on an endpoint not tried yet when there is one, each drawing on the loop's
 * {@link RetryBudget}; a refused or exhausted retry hands the failure to the client as it is. Once
 * the response head went to the client nothing is retried: a backend that closes mid-body closes
 * the client connection (the only honest signal left). The time to the response head is bounded
 * by the response timeout from the moment the request was completely sent (Envoy's route
 * timeout), each try by the per-try timeout; a stalled body in either direction is left to the
 * client connection's idle timeout. No response head in time gives 504.
 *
 * <p>Outlier detection: every try's outcome (response status and latency to its head, or gateway
 * failure) goes to the endpoint's {@link EndpointHealth} on this loop; reaching a limit asks the
 * service's {@link ServiceOutliers} to eject it. A stale pooled connection (above) counts as nothing.
 *
 * <p>Buffers: the exchange owns the kept request parts until it finishes or aborts, and releases
 * them exactly once; response parts pass to the client handler (or are released) as they arrive.
 *
 * <p>Metrics: each attempt, endpoint failure, retry and the final response (with its latency from
 * routing to its last part) bump the service's pre-resolved meters ({@link ServiceTarget#metrics()}).
 */
final class Exchange extends Deadlines.Entry implements BackendConnection.Listener {

    private static final Logger log = LoggerFactory.getLogger(Exchange.class);

    /** Resends after a connection is lost before any response byte. */
    static final int MAX_RESENDS = 2;

    private final ProxyHandler client;
    private final BackendPool pool;
    private final HttpRequest request;
    private final ServiceTarget service;
    private final boolean idempotent;
    private final boolean clientKeepAlive;
    private final boolean clientHttp10;
    private final boolean head;
    private final boolean addHost;
    private final long hash;
    private final long startNanos = System.nanoTime();
    private final RetryRules retry;
    private final boolean retriable;
    private final int retryBufferBytes;

    /** Request parts received and kept: all of them while replayable, else only those not yet sent. */
    private final List<HttpContent> parts = new ArrayList<>(2);
    private int written; // parts.get(0..written) were sent on the current connection
    private long bodyBytes;
    private boolean replayable = true;
    private boolean requestComplete;
    private boolean readPending;

    private BackendEndpoint endpoint;
    private BackendConnection connection;
    private boolean sending; // the head went out on `connection`
    private boolean interim; // dropping the parts of a 1xx response
    private HttpResponse responseHead; // the final head sent to the client, or null
    private boolean responsePaused;
    private boolean backendKeepAlive; // the backend's response allows another request on its connection
    private List<BackendEndpoint> failed; // allocated only on the first failure
    private int connectRetriesLeft;
    private int resendsLeft = MAX_RESENDS;
    private int retriesLeft;
    private long deadlineNanos; // response deadline from the first complete send; 0 until then
    private long sentNanos; // when the current try was completely sent, for its latency
    private long tryTimeoutMillis; // the bound of the current try, for the 504 reason
    private int attempts;
    private boolean finished;
    private BackendEndpoint tracked; // the endpoint counted as "in flight" in this loop's LoadTracker, or null
    private long trackedSinceNanos;

    /** Keeps {@code request}, whose headers are already rewritten for the backend. */
    Exchange(ProxyHandler client, BackendPool pool, HttpRequest request, ServiceTarget service,
             long hash, boolean clientKeepAlive, boolean clientHttp10, int retryBufferBytes) {
        this.client = client;
        this.hash = hash;
        this.pool = pool;
        this.request = request;
        this.service = service;
        this.clientKeepAlive = clientKeepAlive;
        this.clientHttp10 = clientHttp10;
        this.retryBufferBytes = retryBufferBytes;
        this.connectRetriesLeft = service.connectRetries();
        // HTTP/1.0 clients may omit Host; the backend gets HTTP/1.1, which requires it.
        this.addHost = !request.headers().contains(HttpHeaderNames.HOST);
        HttpMethod method = request.method();
        this.head = HttpMethod.HEAD.equals(method);
        this.idempotent = head || HttpMethod.GET.equals(method) || HttpMethod.OPTIONS.equals(method)
                || HttpMethod.PUT.equals(method) || HttpMethod.DELETE.equals(method);
        this.retry = service.retry();
        this.retriable = retry.retriesMethod(method);
        this.retriesLeft = retriable ? retry.numRetries() : 0;
        // Every routed request earns its share of retries for the next 10 s.
        service.outliers().budget(pool.index()).deposit(startNanos);
    }

    boolean clientKeepAlive() {
        return clientKeepAlive;
    }

    boolean clientHttp10() {
        return clientHttp10;
    }

    /**
     * True when no deadline governs the exchange and it waits on a body in one direction or the
     * other: the client connection's idle timeout may then close it.
     */
    boolean stalled() {
        return sending && !pool.deadlines().isArmed(this);
    }

    void start(BackendEndpoint first) {
        attempt(first, true);
        askForPart();
    }

    /** The client connection closed: stop, and drop the backend connection whose exchange nobody will finish. */
    void abort() {
        if (finished) {
            return;
        }
        finished = true;
        untrack();
        pool.deadlines().disarm(this);
        if (connection != null) {
            connection.close();
            connection = null;
        }
        releaseParts();
    }

    /** The next request body part, from the client handler (ownership passes here). */
    void onRequestPart(HttpContent part) {
        readPending = false;
        if (finished) {
            part.release();
            return;
        }
        bodyBytes += part.content().readableBytes();
        if (part instanceof LastHttpContent) {
            requestComplete = true;
        }
        parts.add(part);
        if (replayable && bodyBytes > retryBufferBytes) {
            // Too large to keep for a retry: from now on parts only pass through.
            replayable = false;
            for (int i = 0; i < written; i++) {
                parts.get(i).release();
            }
            parts.subList(0, written).clear();
            written = 0;
        }
        if (sending) {
            writeParts();
            connection.channel().flush();
        }
        askForPart();
    }

    /**
     * Asks the client for the next body part if the request is not complete and it can go
     * somewhere: to a writable backend connection, or (no connection ready yet) into the retry
     * buffer while that has room. Call last: the part may arrive before this returns.
     */
    private void askForPart() {
        if (finished || requestComplete || readPending) {
            return;
        }
        boolean toBackend = sending && connection.channel().isWritable();
        boolean toBuffer = !sending && replayable && bodyBytes <= retryBufferBytes;
        if (toBackend || toBuffer) {
            readPending = true;
            client.readRequestPart();
        }
    }

    private void attempt(BackendEndpoint target, boolean mayReuse) {
        untrack();
        tracked = target;
        trackedSinceNanos = System.nanoTime();
        service.tracker(pool.index()).start(target.index());
        pool.began(target.address());
        endpoint = target;
        attempts++;
        sending = false;
        interim = false;
        service.metrics().endpoint(target.index()).attempted();
        BackendConnection pooled = mayReuse ? pool.pollIdle(target.address()) : null;
        if (pooled != null) {
            send(pooled);
            return;
        }
        BackendConnection fresh = pool.connect(target.address(), service.connectTimeoutMillis());
        connection = fresh;
        fresh.connectFuture().addListener((ChannelFuture f) -> {
            if (finished) {
                // The client left while we connected: a fresh connection is still worth keeping.
                if (f.isSuccess()) {
                    pool.release(fresh, true);
                }
                return;
            }
            if (connection != fresh) {
                return;
            }
            if (f.isSuccess()) {
                send(fresh);
                askForPart();
            } else {
                onConnectFailed(f.cause());
            }
        });
    }

    /**
     * Writes the head and every kept part on {@code c} and flushes once. Writes use the void
     * promise: a failed write surfaces as the connection's close ({@link #onClosed}).
     */
    private void send(BackendConnection c) {
        connection = c;
        c.attach(this);
        sending = true;
        written = 0;
        if (addHost) {
            request.headers().set(HttpHeaderNames.HOST, endpoint.address().toString());
        }
        Channel channel = c.channel();
        // The encoder turns the head into bytes during write(), so one head object serves every try.
        channel.write(request, channel.voidPromise());
        writeParts();
        channel.flush();
    }

    /** Writes the parts not yet on the current connection; arms the deadline once the request is all out. */
    private void writeParts() {
        Channel channel = connection.channel();
        int count = parts.size();
        if (replayable) {
            for (; written < count; written++) {
                channel.write(parts.get(written).retainedDuplicate(), channel.voidPromise());
            }
        } else {
            for (int i = written; i < count; i++) {
                channel.write(parts.get(i), channel.voidPromise());
            }
            parts.clear();
            written = 0;
        }
        if (requestComplete) {
            armDeadline();
        }
    }

    private void armDeadline() {
        long now = System.nanoTime();
        sentNanos = now;
        if (deadlineNanos == 0) {
            deadlineNanos = now + TimeUnit.MILLISECONDS.toNanos(service.responseTimeoutMillis());
        }
        long leftMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - now));
        tryTimeoutMillis = retry.perTryTimeoutMillis() > 0 ? Math.min(retry.perTryTimeoutMillis(), leftMillis) : leftMillis;
        pool.deadlines().arm(this, now + TimeUnit.MILLISECONDS.toNanos(tryTimeoutMillis));
    }

    private void onConnectFailed(Throwable cause) {
        connection = null;
        service.metrics().endpoint(endpoint.index()).failed();
        gatewayFailure("connect failed: " + describe(cause));
        BackendEndpoint next = connectRetriesLeft > 0 ? service.picker(pool.index()).pickExcluding(hash, markFailed(endpoint)) : null;
        if (next != null) {
            connectRetriesLeft--;
            service.metrics().connectRetried();
            log.debug("service {}: connect to {} failed ({}), retrying on {}", service.name(), endpoint.describe(), cause, next.describe());
            attempt(next, true);
            return;
        }
        fail(HttpResponseStatus.BAD_GATEWAY, "service " + service.name() + ": cannot connect to endpoint "
                + endpoint.describe() + ": " + describe(cause) + " (" + attempts + (attempts == 1 ? " attempt)" : " attempts)"));
    }

    @Override
    public void onResponseHead(BackendConnection c, HttpResponse response) {
        if (finished || connection != c) {
            return;
        }
        if (!response.decoderResult().isSuccess()) {
            pool.deadlines().disarm(this);
            connection = null;
            c.close();
            service.metrics().endpoint(endpoint.index()).failed();
            gatewayFailure("invalid response");
            fail(HttpResponseStatus.BAD_GATEWAY, "service " + service.name() + ": endpoint " + endpoint.describe()
                    + " sent an invalid response: " + describe(response.decoderResult().cause()));
            return;
        }
        int code = response.status().code();
        if (code >= 100 && code < 200) {
            // An interim response (100 Continue, 103 Early Hints): the real one follows.
            interim = true;
            return;
        }
        pool.deadlines().disarm(this);
        responded(code);
        if (retry.retriesStatus(code) && retriable && retry("status " + code)) {
            return;
        }
        responseHead = response;
        // Read before prepareForClient strips the backend's Connection header.
        backendKeepAlive = HttpUtil.isKeepAlive(response);
        prepareForClient(response);
        client.writeHead(this, response);
    }

    @Override
    public void onResponseContent(BackendConnection c, HttpContent part) {
        if (finished || connection != c) {
            part.release();
            return;
        }
        boolean last = part instanceof LastHttpContent;
        if (interim) {
            part.release();
            interim = !last;
            return;
        }
        if (responseHead == null) {
            // Cannot happen with a sane codec (a part before any head); never relay it.
            part.release();
            onLost(c, null);
            return;
        }
        if (part.decoderResult().isFailure()) {
            part.release();
            brokeOff(c, "sent a malformed body: " + describe(part.decoderResult().cause()));
            return;
        }
        if (!last) {
            if (!client.writePart(this, part) && !responsePaused) {
                responsePaused = true;
                c.pauseReading();
            }
            return;
        }
        // A connection is reusable only if both messages on it ended cleanly.
        boolean reusable = requestComplete && parts.size() == written && backendKeepAlive;
        connection = null;
        pool.release(c, reusable);
        finished = true;
        untrack();
        service.metrics().responded(responseHead.status().code(), System.nanoTime() - startNanos);
        releaseParts();
        client.end(this, (LastHttpContent) part);
    }

    @Override
    public void onReadComplete(BackendConnection c) {
        if (!finished && connection == c && responseHead != null) {
            client.flush();
        }
    }

    @Override
    public void onWritable(BackendConnection c) {
        if (!finished && connection == c) {
            askForPart();
        }
    }

    /** The client's connection can take more (or not): resume (or keep paused) the backend. */
    void onClientWritabilityChanged(boolean writable) {
        if (finished || connection == null || responseHead == null) {
            return;
        }
        if (writable && responsePaused) {
            responsePaused = false;
            connection.resumeReading();
        }
    }

    @Override
    public void onClosed(BackendConnection c, Throwable cause) {
        if (finished || connection != c) {
            return;
        }
        if (responseHead != null) {
            brokeOff(c, "closed the connection mid-response" + suffix(cause));
            return;
        }
        onLost(c, cause);
    }

    /** The response broke off after its head went to the client: nothing to retry, close the client. */
    private void brokeOff(BackendConnection c, String why) {
        connection = null;
        c.close();
        finished = true;
        untrack();
        service.metrics().endpoint(endpoint.index()).failed();
        gatewayFailure(why);
        service.metrics().responded(responseHead.status().code(), System.nanoTime() - startNanos);
        releaseParts();
        log.debug("{} {}: endpoint {} {}; closing the client connection", request.method(), request.uri(),
                endpoint.describe(), why);
        client.abortResponse(this);
    }

    /** The connection {@code c} (already closed or closing) ended this attempt without a response head. */
    private void onLost(BackendConnection c, Throwable cause) {
        pool.deadlines().disarm(this);
        connection = null;
        c.close();
        service.metrics().endpoint(endpoint.index()).failed();
        boolean stale = c.reused() && !c.responseStarted();
        if (!stale) {
            gatewayFailure(c.responseStarted() ? "closed mid-response" : "closed before responding");
        }
        if (c.responseStarted()) {
            fail(HttpResponseStatus.BAD_GATEWAY, "service " + service.name() + ": endpoint " + endpoint.describe()
                    + " closed the connection mid-response" + suffix(cause));
            return;
        }
        if (stale && idempotent && replayable && resendsLeft > 0) {
            resendsLeft--;
            service.metrics().resent();
            BackendEndpoint next = service.picker(pool.index()).pickExcluding(hash, markFailed(endpoint));
            log.debug("service {}: reused connection to {} lost before any response{}, resending {} to {}",
                    service.name(), endpoint.describe(), suffix(cause), request.method(),
                    next == null ? "the same endpoint" : next.describe());
            if (next != null) {
                attempt(next, true);
            } else {
                // The only endpoint left: its other idle connections may be just as stale, so dial anew.
                attempt(endpoint, false);
            }
            askForPart();
            return;
        }
        if (retry.onReset() && retriable && retry("connection closed before responding" + suffix(cause))) {
            return;
        }
        fail(HttpResponseStatus.BAD_GATEWAY, "service " + service.name() + ": endpoint " + endpoint.describe()
                + " closed the connection before responding" + suffix(cause));
    }

    @Override
    void expired() {
        if (finished || connection == null) {
            return;
        }
        // A late response could still arrive on this connection: it can never be reused.
        connection.close();
        connection = null;
        service.metrics().endpoint(endpoint.index()).failed();
        gatewayFailure("no response within " + tryTimeoutMillis + " ms");
        if (retry.onTimeout() && retriable && retry("no response within " + tryTimeoutMillis + " ms")) {
            return;
        }
        fail(HttpResponseStatus.GATEWAY_TIMEOUT, "service " + service.name() + ": endpoint " + endpoint.describe()
                + " did not respond within " + tryTimeoutMillis + " ms");
    }

    /**
     * Starts the next try by the retry policy if one is left, the request can be replayed, the
     * response deadline has not passed and the loop's budget allows it; on another endpoint than
     * those tried when there is one (else, as Envoy does, wherever the picker sends it). The
     * current connection, if any, is closed (the failed response's rest is dropped with it).
     * Counts attempted and refused retries.
     *
     * @return false if the caller must hand the failure to the client
     */
    private boolean retry(String why) {
        long now = System.nanoTime();
        if (retriesLeft <= 0 || (deadlineNanos != 0 && now - deadlineNanos >= 0)) {
            return false;
        }
        if (!replayable) {
            log.debug("service {}: {} {} not retried after {}: its body exceeded the retry buffer of {} bytes",
                    service.name(), request.method(), request.uri(), why, retryBufferBytes);
            return false;
        }
        RetryBudget budget = service.outliers().budget(pool.index());
        double minPerLoop = (double) retry.minRetriesPerSecond() / service.outliers().loops();
        if (!budget.tryWithdraw(now, retry.budgetPercent(), minPerLoop)) {
            service.metrics().retryRefused();
            log.debug("service {}: retry of {} {} after {} refused: retry budget exhausted", service.name(),
                    request.method(), request.uri(), why);
            return false;
        }
        if (connection != null) {
            connection.close();
            connection = null;
        }
        retriesLeft--;
        service.metrics().retried();
        EndpointPicker picker = service.picker(pool.index());
        BackendEndpoint next = picker.pickExcluding(hash, markFailed(endpoint));
        if (next == null) {
            next = picker.pick(hash);
        }
        if (next == null) {
            next = endpoint;
        }
        log.debug("service {}: {} on {}, retrying {} {} on {}", service.name(), why, endpoint.describe(),
                request.method(), request.uri(), next.describe());
        // The same endpoint again after a lost connection: its idle connections may be stale too.
        attempt(next, next.index() != endpoint.index());
        askForPart();
        return true;
    }

    /** The current try got no usable response: count it against the endpoint, maybe eject it. */
    private void gatewayFailure(String why) {
        long now = System.nanoTime();
        EndpointHealth health = service.health(endpoint.index());
        if (health.onGatewayFailure(pool.index(), now, service.outlierRules())) {
            service.outliers().tryEject(health, now, "consecutive gateway failures, last: " + why);
        }
    }

    /** The current try got a response with status {@code code}. */
    private void responded(int code) {
        long now = System.nanoTime();
        EndpointHealth health = service.health(endpoint.index());
        long latencyNanos = sentNanos == 0 ? now - startNanos : now - sentNanos;
        if (health.onResponse(pool.index(), code, latencyNanos, now, service.outlierRules())) {
            service.outliers().tryEject(health, now, "consecutive 5xx, last: " + code);
        }
    }

    /**
     * Hop-by-hop headers end here. Framing is per hop: a body of known length keeps its
     * Content-Length; one of unknown length is chunked again for an HTTP/1.1 client, and for an
     * HTTP/1.0 client delimited by the close (the client handler then closes after it).
     */
    private void prepareForClient(HttpResponse response) {
        ForwardingHeaders.stripHopByHop(response.headers());
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        int code = response.status().code();
        if (code == 204) {
            response.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
        } else if (!head && code != 304 && !response.headers().contains(HttpHeaderNames.CONTENT_LENGTH) && !clientHttp10) {
            response.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
    }

    private void fail(HttpResponseStatus status, String reason) {
        log.debug("{} {}: {} {}", request.method(), request.uri(), status.code(), reason);
        FullHttpResponse response = Responses.error(client.alloc(), status, reason);
        finished = true;
        untrack();
        pool.deadlines().disarm(this);
        if (connection != null) {
            connection.close();
            connection = null;
        }
        service.metrics().responded(status.code(), System.nanoTime() - startNanos);
        releaseParts();
        client.complete(this, response);
    }

    private void releaseParts() {
        for (HttpContent part : parts) {
            part.release();
        }
        parts.clear();
        written = 0;
    }

    private List<BackendEndpoint> markFailed(BackendEndpoint e) {
        if (failed == null) {
            failed = new ArrayList<>(2);
        }
        if (!failed.contains(e)) {
            failed.add(e);
        }
        return failed;
    }

    /**
     * Ends the in-flight count of the current attempt, feeding its latency (failed attempts
     * included: a slow failure is slow) into the load-aware pickers' estimate. On this loop only.
     */
    private void untrack() {
        if (tracked != null) {
            long now = System.nanoTime();
            service.tracker(pool.index()).finish(tracked.index(), now - trackedSinceNanos, now);
            pool.ended(tracked.address());
            tracked = null;
        }
    }

    private static String suffix(Throwable cause) {
        return cause == null ? "" : ": " + describe(cause);
    }

    private static String describe(Throwable cause) {
        if (cause == null) {
            return "unknown error";
        }
        String message = cause.getMessage();
        return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
    }
}
