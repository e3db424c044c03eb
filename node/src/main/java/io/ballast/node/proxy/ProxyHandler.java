package io.ballast.node.proxy;

import io.ballast.node.metrics.NodeMetrics;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a client connection: routes each request by its head and starts an
 * {@link Exchange} for it, or answers 404/429/503 itself; then relays the request's body parts
 * to the exchange and the exchange's response parts to the client.
 *
 * <p>Threading: one instance per client connection; every callback, the exchange, and the
 * backend connections it borrows from this loop's {@link BackendPool} run on the client
 * channel's event loop, so no field needs synchronisation. Every response is counted in the
 * service's pre-resolved meters (or {@link NodeMetrics#unrouted()}): counter bumps only.
 *
 * <p>One request at a time, streamed: on the head of a request WITH a body auto-read goes off,
 * and from then on the {@code FlowControlHandler} in front of this handler hands over exactly one
 * decoded part per {@link #readRequestPart()}, which the exchange calls only when the backend can
 * take more (backpressure towards the client). A request without a body leaves auto-read on: its
 * (empty) last part is all that can follow, and turning auto-read off and on again around every
 * request costs two {@code epoll_ctl} calls (2 % of the node's CPU under load, measured with perf).
 * A request head that arrives while a response is still in flight (pipelining) is held here and
 * auto-read goes off, so responses leave in request order; the held head is served once the
 * response before it is written. Auto-read comes back once the response's last part is written.
 * A response the client cannot take fast enough pauses the backend connection
 * ({@link #channelWritabilityChanged}).
 *
 * <p>Early answers: when the answer (a rejection, a 502, or a backend that answered before
 * reading everything) leaves while the request body is still arriving, the connection closes
 * after it rather than reading and discarding an unknown amount. While the proxy drains
 * ({@link DrainState}), every response says {@code Connection: close} and an idle connection
 * closes at once. {@code Expect: 100-continue} is answered here, by the proxy, once the request is
 * routed (as nginx does), and not forwarded; a rejected one gets its final status and the close.
 * Failures: a write that fails closes the connection; a malformed request gets 400 and the close.
 */
final class ProxyHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ProxyHandler.class);

    private final CurrentTable table;
    private final BackendPool pool;
    private final NodeMetrics metrics;
    private final DrainState drain;
    private final int retryBufferBytes;
    private ChannelHandlerContext ctx;
    private String clientIp = "unknown";
    private Exchange inFlight;
    /** Between a request head and its last part: parts arriving with no exchange are dropped. */
    private boolean requestOpen;
    /** The open request has a body (length or chunked) not fully received yet. */
    private boolean bodyPending;
    /** A pipelined request head that arrived while the previous response was in flight, or null. */
    private HttpRequest held;
    /** Anything the decoder delivered after {@link #held} before it was served (its body parts). */
    private ArrayDeque<Object> heldParts;
    /** The response being written is the connection's last (decided on its head by {@link #applyConnectionRules}). */
    private boolean closeAfterResponse;

    ProxyHandler(CurrentTable table, BackendPool pool, NodeMetrics metrics, DrainState drain, int retryBufferBytes) {
        this.table = table;
        this.pool = pool;
        this.metrics = metrics;
        this.drain = drain;
        this.retryBufferBytes = retryBufferBytes;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        SocketAddress remote = ctx.channel().remoteAddress();
        if (remote instanceof InetSocketAddress inet && inet.getAddress() != null) {
            clientIp = inet.getAddress().getHostAddress();
        }
        metrics.connectionOpened();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (held != null) {
            // Behind a held pipelined request: keep the order, serve it all once it is that one's turn.
            if (heldParts == null) {
                heldParts = new ArrayDeque<>(2);
            }
            heldParts.add(msg);
            return;
        }
        if (msg instanceof HttpRequest request && inFlight != null) {
            // Pipelined: the previous response is still on its way. Hold this head, stop reading.
            ctx.channel().config().setAutoRead(false);
            held = request;
            return;
        }
        dispatch(msg);
    }

    private void dispatch(Object msg) {
        if (msg instanceof HttpRequest request) {
            onRequest(request);
        }
        if (msg instanceof HttpContent part) {
            onRequestPart(part);
        } else if (!(msg instanceof HttpRequest)) {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onRequestPart(HttpContent part) {
        if (part.decoderResult().isFailure()) {
            // A broken chunk or an oversized line mid-body: the stream cannot be trusted any more.
            part.release();
            log.debug("client connection {}: malformed request body: {}", ctx.channel(), part.decoderResult().cause());
            ctx.close();
            return;
        }
        boolean last = part instanceof LastHttpContent;
        if (last) {
            requestOpen = false;
            bodyPending = false;
        }
        Exchange exchange = inFlight;
        if (exchange != null) {
            exchange.onRequestPart(part);
        } else {
            // The answer already left (or is leaving, with a close if a body was pending): drop it.
            part.release();
        }
    }

    private void onRequest(HttpRequest request) {
        requestOpen = true;
        bodyPending = HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0;
        if (bodyPending || request.decoderResult().isFailure()) {
            // The body is pulled part by part as the backend can take it (see the class comment).
            ctx.channel().config().setAutoRead(false);
        }
        if (request.decoderResult().isFailure()) {
            String reason = "bad request: " + request.decoderResult().cause().getMessage();
            metrics.unrouted().count(HttpResponseStatus.BAD_REQUEST.code());
            FullHttpResponse response = Responses.error(ctx.alloc(), HttpResponseStatus.BAD_REQUEST, reason);
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        // Read the client's keep-alive wish before the hop-by-hop headers are stripped.
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        boolean http10 = HttpVersion.HTTP_1_0.equals(request.protocolVersion());

        RoutingTable current = table.get();
        if (current == null) {
            metrics.unrouted().count(HttpResponseStatus.SERVICE_UNAVAILABLE.code());
            reject(request, keepAlive, http10, HttpResponseStatus.SERVICE_UNAVAILABLE, "no snapshot applied yet");
            return;
        }
        String path = pathOf(request.uri());
        RouteResult route = current.route(request.headers().get(HttpHeaderNames.HOST), path);
        if (route instanceof RouteResult.Rejection rejection) {
            metrics.unrouted().count(rejection.status().code());
            reject(request, keepAlive, http10, rejection.status(), rejection.reason());
            return;
        }
        ServiceTarget service = (ServiceTarget) route;
        TokenBucket limiter = service.limiter();
        if (limiter != null && !limiter.tryAcquire()) {
            // This node's share of the cluster-wide rate is spent: 429 with a hint, as Envoy's local rate limit does.
            service.metrics().rateLimited();
            FullHttpResponse response = Responses.error(ctx.alloc(), HttpResponseStatus.TOO_MANY_REQUESTS,
                    "service " + service.name() + ": rate limit of " + limiter.rate() + " requests/s on this node exceeded");
            response.headers().set(HttpHeaderNames.RETRY_AFTER, limiter.retryAfterSeconds());
            write(response, keepAlive, http10);
            return;
        }
        // Hashed before the headers are rewritten: the key is what the client sent.
        long hash = service.requestHash().hash(request, path, clientIp);
        BackendEndpoint endpoint = service.picker(pool.index()).pick(hash);
        if (endpoint == null) {
            service.metrics().rejected(HttpResponseStatus.SERVICE_UNAVAILABLE.code());
            reject(request, keepAlive, http10, HttpResponseStatus.SERVICE_UNAVAILABLE, service.noEndpointReason());
            return;
        }
        boolean expectContinue = HttpUtil.is100ContinueExpected(request);
        boolean chunked = HttpUtil.isTransferEncodingChunked(request);
        ForwardingHeaders.stripHopByHop(request.headers());
        ForwardingHeaders.addForwarded(request.headers(), clientIp);
        if (chunked) {
            // Framing is per hop: the backend gets chunks again (the codec re-encodes each part).
            request.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        if (expectContinue) {
            // Answered here, so the backend never sees the expectation (it would answer on its own connection).
            request.headers().remove(HttpHeaderNames.EXPECT);
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER), ctx.voidPromise());
        }
        // Backends always get HTTP/1.1 so the backend connection can be kept alive whatever the client speaks.
        request.setProtocolVersion(HttpVersion.HTTP_1_1);

        Exchange exchange = new Exchange(this, pool, request, service, hash, keepAlive, http10, retryBufferBytes);
        inFlight = exchange;
        exchange.start(endpoint);
    }

    /** The exchange wants the next part of the request body (at most one is delivered per call). */
    void readRequestPart() {
        ctx.read();
    }

    /** Called by the exchange with its one complete answer, written as a whole (ownership passes here). */
    void complete(Exchange exchange, FullHttpResponse response) {
        if (inFlight != exchange) {
            response.release();
            return;
        }
        inFlight = null;
        write(response, exchange.clientKeepAlive(), exchange.clientHttp10());
    }

    /** The head of a streamed response (not flushed: the first body parts usually follow at once). */
    void writeHead(Exchange exchange, HttpResponse head) {
        if (inFlight != exchange) {
            return;
        }
        applyConnectionRules(head, exchange.clientKeepAlive(), exchange.clientHttp10());
        ctx.write(head, ctx.voidPromise());
    }

    /** A body part of the streamed response (ownership passes here); false if the client cannot take more now. */
    boolean writePart(Exchange exchange, HttpContent part) {
        if (inFlight != exchange) {
            part.release();
            return true;
        }
        ctx.write(part, ctx.voidPromise());
        return ctx.channel().isWritable();
    }

    void flush() {
        ctx.flush();
    }

    boolean clientWritable() {
        return ctx.channel().isWritable();
    }

    /** The streamed response's last part: written and flushed; reading resumes once it is out. */
    void end(Exchange exchange, LastHttpContent last) {
        if (inFlight != exchange) {
            last.release();
            return;
        }
        inFlight = null;
        boolean closeAfter = closeAfterResponse;
        ctx.writeAndFlush(last).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess() && !closeAfter) {
                resumeReading();
            } else {
                f.channel().close();
            }
        });
    }

    /** The response broke off after its head went out: all the client can be told is the close. */
    void abortResponse(Exchange exchange) {
        if (inFlight != exchange) {
            return;
        }
        inFlight = null;
        ctx.flush();
        ctx.close();
    }

    ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    private void reject(HttpRequest request, boolean keepAlive, boolean http10, HttpResponseStatus status, String reason) {
        log.debug("{} {}: {} {}", request.method(), request.uri(), status.code(), reason);
        write(Responses.error(ctx.alloc(), status, reason), keepAlive, http10);
    }

    /**
     * Decides whether the connection closes after {@code response} and says so in its
     * {@code Connection} header: it does when the client did not ask to keep it, when the
     * response has no length of its own (its end is the close), while draining, and when a
     * request body is still arriving that nobody will read. An HTTP/1.0 client that asked to keep
     * the connection must be told explicitly that it stays open. (This is what Netty's
     * HttpServerKeepAliveHandler would do, done here where the decision is known anyway, which
     * saves that handler's look at every message written and read.)
     */
    private void applyConnectionRules(HttpResponse response, boolean keepAlive, boolean http10) {
        closeAfterResponse = !keepAlive || drain.draining() || bodyPending || !HttpUtil.isContentLengthSet(response)
                && !HttpUtil.isTransferEncodingChunked(response) && !selfDelimitedStatus(response.status().code());
        if (closeAfterResponse) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }

    /** Statuses whose response never has a body, so needs no length to end (1xx, 204). */
    private static boolean selfDelimitedStatus(int code) {
        return code < 200 || code == 204;
    }

    private void write(FullHttpResponse response, boolean keepAlive, boolean http10) {
        applyConnectionRules(response, keepAlive, http10);
        boolean closeAfter = closeAfterResponse;
        ctx.writeAndFlush(response).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess() && !closeAfter) {
                // Resume reading only once the response is on its way: backpressure per connection.
                resumeReading();
            } else {
                f.channel().close();
            }
        });
        if (requestOpen && !bodyPending) {
            // A body-less request's (empty) last part is still to come: fetch it so it is dropped now.
            ctx.read();
        }
    }

    /**
     * A response was written: serve a held pipelined request, or read again. Nothing to do when
     * the next request already started (it governs reading itself) or the connection closed.
     */
    private void resumeReading() {
        if (inFlight != null || requestOpen || !ctx.channel().isActive()) {
            return;
        }
        HttpRequest next = held;
        if (next != null) {
            held = null;
            ArrayDeque<Object> parts = heldParts;
            heldParts = null;
            dispatch(next);
            while (parts != null && !parts.isEmpty()) {
                Object msg = parts.poll();
                if (held != null || (msg instanceof HttpRequest && inFlight != null)) {
                    // Another pipelined request behind it: hold it and the rest again, in order.
                    if (held == null) {
                        held = (HttpRequest) msg;
                    } else {
                        if (heldParts == null) {
                            heldParts = new ArrayDeque<>(2);
                        }
                        heldParts.add(msg);
                    }
                    continue;
                }
                dispatch(msg);
            }
            if (held != null || inFlight != null || requestOpen) {
                return;
            }
        }
        if (!ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Exchange exchange = inFlight;
        if (exchange != null) {
            exchange.onClientWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            // Idle means no bytes either way. A request waiting on a slow backend is governed by
            // the service's response timeout; an idle connection with nothing in flight, or one
            // stuck mid-body (a client that stopped sending, a backend that stopped answering), closes.
            if (inFlight == null || inFlight.stalled()) {
                ctx.close();
            }
            return;
        }
        if (evt == DrainState.DRAIN) {
            // Draining: an idle keep-alive connection closes now; a busy one after its response.
            if (inFlight == null) {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        metrics.connectionClosed();
        ReferenceCountUtil.release(held);
        held = null;
        if (heldParts != null) {
            heldParts.forEach(ReferenceCountUtil::release);
            heldParts = null;
        }
        Exchange exchange = inFlight;
        inFlight = null;
        if (exchange != null) {
            exchange.abort();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("client connection {} failed: {}", ctx.channel(), cause.toString());
        ctx.close();
    }

    /** The path of an origin-form URI as is (a query cannot match a prefix); absolute-form loses its authority. */
    static String pathOf(String uri) {
        if (uri.startsWith("/")) {
            return uri;
        }
        int scheme = uri.indexOf("://");
        if (scheme >= 0) {
            int slash = uri.indexOf('/', scheme + 3);
            return slash < 0 ? "/" : uri.substring(slash);
        }
        return uri;
    }
}
