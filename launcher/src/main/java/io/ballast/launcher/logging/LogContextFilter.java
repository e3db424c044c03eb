package io.ballast.launcher.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.ballast.common.logging.LogContext;
import org.slf4j.Marker;

/**
 * Puts the process-wide {@link LogContext} values ({@code component_id}, {@code snapshot_version})
 * into the MDC of whichever thread logs, before Logback builds the event, so every line carries
 * them, including lines from Netty, gRPC and Curator threads. Decides nothing (always NEUTRAL).
 *
 * <p>Runs on every logging call of every thread; costs a thread-local read while the values are
 * unchanged.
 */
public final class LogContextFilter extends TurboFilter {

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        LogContext.syncMdc();
        return FilterReply.NEUTRAL;
    }
}
