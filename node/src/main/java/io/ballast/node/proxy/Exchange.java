package io.ballast.node.proxy;

import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards one aggregated client request to a backend of one service and hands exactly one
 * response back to the {@link ProxyHandler}: the backend's, or a 502/504 naming the reason.
 *
 * <p>Threading: created and driven entirely on the client channel's event loop; the backend
 * channels it uses are registered on the same loop, and the response timeout is scheduled there
 * too, so no field needs synchronisation.
 *
 * <p>Failures: a connect failure (refused, timed out) is retried on a different endpoint up to
 * the service's {@code connect_retries}, for every method. A pooled (reused) connection that closes
 * before any response byte (the keep-alive race: the backend closed it while idle) is resent, for
 * idempotent methods only, at most {@link #MAX_RESENDS} times, outside the retry policy. Everything
 * else after the request was sent follows the service's {@link RetryRules}: for its methods, on its
 * conditions (a fresh connection reset or closed before any response byte, a per-try timeout, a 5xx
 * or gateway-error status), at most {@code num_retries} further tries, each on an endpoint not tried
 * yet when there is one, each drawing on the loop's {@link RetryBudget}; a refused or exhausted
 * retry hands the failure to the client as it is. The whole exchange is bounded by the response
 * timeout from the first send (Envoy's route timeout), each try by the per-try timeout. A connection
 * that closes mid-response gives 502 (never retried: the backend may have acted on it), no
 * response in time gives 504. Because the response is aggregated, nothing reaches the client until
 * the exchange finishes, so a retry never follows bytes already sent to the client.
 *
 * <p>Outlier detection: every try's outcome (response status and latency, or gateway failure)
 * goes to the endpoint's {@link EndpointHealth} on this loop; reaching a limit asks the service's
 * {@link ServiceOutliers} to eject it. A stale pooled connection (above) counts as nothing.
 *
 * <p>Buffers: the exchange owns one reference to the request until {@link #finished}; each
 * attempt writes a retained duplicate, so the body stays available for a retry and every path
 * (response, error, client gone) releases it exactly once.
 *
 * <p>Metrics: each attempt, endpoint failure, retry and the final response (with its latency from
 * routing) bump the service's pre-resolved meters ({@link ServiceTarget#metrics()}); no lookups.
 */
final class Exchange implements BackendConnection.Listener {

    private static final Logger log = LoggerFactory.getLogger(Exchange.class);

    /** Resends after a connection is lost before any response byte. */
    static final int MAX_RESENDS = 2;

    private final ProxyHandler client;
    private final EventLoop loop;
    private final BackendPool pool;
    private final FullHttpRequest request;
    private final ServiceTarget service;
    private final boolean idempotent;
    private final boolean clientKeepAlive;
    private final boolean clientHttp10;
    private final boolean head;
    private final long hash;
    private final long startNanos = System.nanoTime();
    private final RetryRules retry;
    private final boolean retriable;

    private BackendEndpoint endpoint;
    private BackendConnection connection;
    private ScheduledFuture<?> responseTimeout;
    private List<BackendEndpoint> failed; // allocated only on the first failure
    private int connectRetriesLeft;
    private int resendsLeft = MAX_RESENDS;
    private int retriesLeft;
    private long deadlineNanos; // response deadline from the first send; 0 until then
    private long sentNanos; // when the current try was written, for its latency
    private long tryTimeoutMillis; // the bound of the current try, for the 504 reason
    private int attempts;
    private boolean finished;
    private BackendEndpoint tracked; // the endpoint counted as "in flight" in this loop's LoadTracker, or null
    private long trackedSinceNanos;

    /** Takes ownership of {@code request}, whose headers are already rewritten for the backend. */
    Exchange(ProxyHandler client, EventLoop loop, BackendPool pool, FullHttpRequest request, ServiceTarget service,
             long hash, boolean clientKeepAlive, boolean clientHttp10) {
        this.client = client;
        this.hash = hash;
        this.loop = loop;
        this.pool = pool;
        this.request = request;
        this.service = service;
        this.clientKeepAlive = clientKeepAlive;
        this.clientHttp10 = clientHttp10;
        this.connectRetriesLeft = service.connectRetries();
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

    void start(BackendEndpoint first) {
        attempt(first, true);
    }

    /** The client connection closed: stop, and drop the backend connection whose response nobody will read. */
    void abort() {
        if (finished) {
            return;
        }
        finished = true;
        untrack();
        cancelTimeout();
        if (connection != null) {
            connection.close();
            connection = null;
        }
        request.release();
    }

    private void attempt(BackendEndpoint target, boolean mayReuse) {
        untrack();
        tracked = target;
        trackedSinceNanos = System.nanoTime();
        service.tracker(pool.index()).start(target.index());
        pool.began(target.address());
        endpoint = target;
        attempts++;
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
            } else {
                onConnectFailed(f.cause());
            }
        });
    }

    private void send(BackendConnection c) {
        connection = c;
        c.attach(this);
        // A duplicate per attempt: its own indexes and header copy over the same retained body.
        FullHttpRequest outbound = request.retainedDuplicate();
        if (!outbound.headers().contains(HttpHeaderNames.HOST)) {
            // HTTP/1.0 clients may omit Host; the backend gets HTTP/1.1, which requires it.
            outbound.headers().set(HttpHeaderNames.HOST, endpoint.address().toString());
        }
        sentNanos = System.nanoTime();
        c.channel().writeAndFlush(outbound).addListener((ChannelFuture f) -> {
            if (finished || connection != c) {
                return;
            }
            if (f.isSuccess()) {
                long now = System.nanoTime();
                if (deadlineNanos == 0) {
                    deadlineNanos = now + TimeUnit.MILLISECONDS.toNanos(service.responseTimeoutMillis());
                }
                long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - now));
                tryTimeoutMillis = retry.perTryTimeoutMillis() > 0 ? Math.min(retry.perTryTimeoutMillis(), left) : left;
                responseTimeout = loop.schedule(this::onResponseTimeout, tryTimeoutMillis, TimeUnit.MILLISECONDS);
            } else {
                // Nothing was answered on this connection: same case as a close before the response.
                c.close();
                onLost(c, f.cause());
            }
        });
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
    public void onResponse(BackendConnection c, FullHttpResponse response) {
        if (finished || connection != c) {
            response.release();
            return;
        }
        int code = response.status().code();
        if (code >= 100 && code < 200) {
            // An interim response (100 Continue, 103 Early Hints): the real one follows.
            response.release();
            return;
        }
        cancelTimeout();
        connection = null;
        boolean reusable = response.decoderResult().isSuccess() && HttpUtil.isKeepAlive(response);
        pool.release(c, reusable);
        if (!response.decoderResult().isSuccess()) {
            response.release();
            service.metrics().endpoint(endpoint.index()).failed();
            gatewayFailure("invalid response");
            fail(HttpResponseStatus.BAD_GATEWAY, "service " + service.name() + ": endpoint " + endpoint.describe()
                    + " sent an invalid response: " + describe(response.decoderResult().cause()));
            return;
        }
        responded(code);
        if (retry.retriesStatus(code) && retriable && retry("status " + code)) {
            response.release();
            return;
        }
        prepareForClient(response);
        finish(response);
    }

    @Override
    public void onClosed(BackendConnection c, Throwable cause) {
        if (finished || connection != c) {
            return;
        }
        onLost(c, cause);
    }

    /** The connection {@code c} (already closed or closing) ended this attempt without a response. */
    private void onLost(BackendConnection c, Throwable cause) {
        cancelTimeout();
        connection = null;
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
        if (stale && idempotent && resendsLeft > 0) {
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
            return;
        }
        if (retry.onReset() && retriable && retry("connection closed before responding" + suffix(cause))) {
            return;
        }
        fail(HttpResponseStatus.BAD_GATEWAY, "service " + service.name() + ": endpoint " + endpoint.describe()
                + " closed the connection before responding" + suffix(cause));
    }

    private void onResponseTimeout() {
        responseTimeout = null;
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
     * Starts the next try by the retry policy if one is left, the response deadline has not passed
     * and the loop's budget allows it; on another endpoint than those tried when there is one (else,
     * as Envoy does, wherever the picker sends it). Counts attempted and refused retries.
     *
     * @return false if the caller must hand the failure to the client
     */
    private boolean retry(String why) {
        long now = System.nanoTime();
        if (retriesLeft <= 0 || (deadlineNanos != 0 && now - deadlineNanos >= 0)) {
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
        if (health.onResponse(pool.index(), code, now - sentNanos, now, service.outlierRules())) {
            service.outliers().tryEject(health, now, "consecutive 5xx, last: " + code);
        }
    }

    /** Hop-by-hop headers end here; the body is whole, so the client gets an exact Content-Length. */
    private void prepareForClient(FullHttpResponse response) {
        ForwardingHeaders.stripHopByHop(response.headers());
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        int code = response.status().code();
        if (code == 204) {
            response.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
        } else if (!head && code != 304) {
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        }
    }

    private void fail(HttpResponseStatus status, String reason) {
        log.debug("{} {}: {} {}", request.method(), request.uri(), status.code(), reason);
        finish(Responses.error(client.alloc(), status, reason));
    }

    private void finish(FullHttpResponse response) {
        finished = true;
        untrack();
        service.metrics().responded(response.status().code(), System.nanoTime() - startNanos);
        request.release();
        client.complete(this, response);
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

    private void cancelTimeout() {
        if (responseTimeout != null) {
            responseTimeout.cancel(false);
            responseTimeout = null;
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
