package io.ballast.node.proxy;

import io.ballast.node.metrics.NodeMetrics;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a client connection: routes each aggregated request and starts an
 * {@link Exchange} for it, or answers 404/503 itself.
 *
 * <p>Threading: one instance per client connection; every callback, the exchange, and the
 * backend connections it borrows from this loop's {@link BackendPool} run on the client
 * channel's event loop, so the {@code inFlight} field needs no synchronisation. Every response is
 * counted in the service's pre-resolved meters (or {@link NodeMetrics#unrouted()}): counter bumps
 * only, no lookups.
 *
 * <p>One request at a time: while an exchange is in flight, auto-read is off and the
 * {@code FlowControlHandler} in front of this handler holds any pipelined request, so responses
 * leave in request order and a slow backend pushes back on the client instead of buffering.
 * While the proxy drains ({@link DrainState}), every response says {@code Connection: close} and
 * an idle connection closes at once. (When streaming replaces aggregation, this handler receives HttpRequest/HttpContent parts and
 * the Exchange relays them; routing and the pool stay as they are.)
 */
final class ProxyHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ProxyHandler.class);

    private final CurrentTable table;
    private final BackendPool pool;
    private final NodeMetrics metrics;
    private final DrainState drain;
    private ChannelHandlerContext ctx;
    private String clientIp = "unknown";
    private Exchange inFlight;

    ProxyHandler(CurrentTable table, BackendPool pool, NodeMetrics metrics, DrainState drain) {
        this.table = table;
        this.pool = pool;
        this.metrics = metrics;
        this.drain = drain;
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
        if (!(msg instanceof FullHttpRequest request)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (request.decoderResult().isFailure()) {
            String reason = "bad request: " + request.decoderResult().cause().getMessage();
            request.release();
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
            request.release();
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
        ForwardingHeaders.stripHopByHop(request.headers());
        ForwardingHeaders.addForwarded(request.headers(), clientIp);
        // Backends always get HTTP/1.1 so the backend connection can be kept alive whatever the client speaks.
        request.setProtocolVersion(HttpVersion.HTTP_1_1);

        ctx.channel().config().setAutoRead(false);
        Exchange exchange = new Exchange(this, ctx.channel().eventLoop(), pool, request, service, hash, keepAlive, http10);
        inFlight = exchange;
        exchange.start(endpoint);
    }

    /** Called by the exchange, on this loop, with its one response (ownership passes here). */
    void complete(Exchange exchange, FullHttpResponse response) {
        if (inFlight != exchange) {
            response.release();
            return;
        }
        inFlight = null;
        write(response, exchange.clientKeepAlive(), exchange.clientHttp10());
    }

    ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    private void reject(FullHttpRequest request, boolean keepAlive, boolean http10, HttpResponseStatus status, String reason) {
        log.debug("{} {}: {} {}", request.method(), request.uri(), status.code(), reason);
        request.release();
        write(Responses.error(ctx.alloc(), status, reason), keepAlive, http10);
    }

    /**
     * HttpServerKeepAliveHandler adds "Connection: close" and closes after the response when the
     * client did not ask to keep the connection; an HTTP/1.0 client that did ask must be told
     * explicitly that the connection stays open.
     */
    private void write(FullHttpResponse response, boolean keepAlive, boolean http10) {
        if (drain.draining()) {
            // Shutting down: this response is the connection's last; the keep-alive handler closes it after.
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (keepAlive && http10) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        ctx.writeAndFlush(response).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                // Resume reading only once the response is on its way: backpressure per connection.
                f.channel().config().setAutoRead(true);
            } else {
                f.channel().close();
            }
        });
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        // Idle means no bytes either way; a request waiting on a slow backend is governed by the
        // service's response timeout instead, so only an idle connection with nothing in flight closes.
        if (evt instanceof IdleStateEvent || evt == DrainState.DRAIN) {
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
