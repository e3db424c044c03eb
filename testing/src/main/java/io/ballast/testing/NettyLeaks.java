package io.ballast.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * Fails the test class if Netty's leak detector (paranoid in the build) reports a leaked buffer.
 * Register it as a static {@code @RegisterExtension} field in every test class that runs plain
 * Netty (the data plane); the module must have Netty itself (the dependency here is optional).
 * Netty logs leaks through SLF4J at ERROR on the ResourceLeakDetector logger; this captures them,
 * and after the class forces collection and fresh allocations, which is when the detector reports.
 */
public final class NettyLeaks implements BeforeAllCallback, AfterAllCallback {

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    @Override
    public void beforeAll(ExtensionContext context) {
        Logger logger = (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);
        appender.start();
        logger.addAppender(appender);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Logger logger = (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);
        try {
            for (int round = 0; round < 5; round++) {
                System.gc();
                for (int i = 0; i < 200; i++) {
                    ByteBuf pooled = PooledByteBufAllocator.DEFAULT.buffer(16);
                    pooled.release();
                    ByteBuf unpooled = UnpooledByteBufAllocator.DEFAULT.buffer(16);
                    unpooled.release();
                }
            }
            List<String> leaks = appender.list.stream()
                    .filter(e -> e.getLevel().isGreaterOrEqual(Level.ERROR))
                    .map(ILoggingEvent::getFormattedMessage)
                    .toList();
            if (!leaks.isEmpty()) {
                throw new AssertionError("Netty leak reports: " + leaks);
            }
        } finally {
            logger.detachAppender(appender);
            appender.stop();
        }
    }
}
