package io.ballast.launcher.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.ballast.common.logging.LogContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** {@link LogContext} values reach the events of threads that never put them, through the turbo filter. */
class LogContextFilterTest {

    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    private final LogContextFilter filter = new LogContextFilter();
    private final ListAppender<ILoggingEvent> events = new ListAppender<>();
    private final Logger logger = context.getLogger("LogContextFilterTest");

    @BeforeEach
    void install() {
        filter.start();
        context.addTurboFilter(filter);
        events.start();
        logger.addAppender(events);
    }

    @AfterEach
    void remove() {
        logger.detachAppender(events);
        context.getTurboFilterList().remove(filter);
    }

    private ILoggingEvent logOnANewThread(String message) throws InterruptedException {
        Thread thread = new Thread(() -> logger.info(message));
        thread.start();
        thread.join();
        return events.list.stream().filter(e -> e.getFormattedMessage().equals(message)).findFirst().orElseThrow();
    }

    @Test
    void everyThreadsEventsCarryTheValuesAndTheirLatestChange() throws Exception {
        LogContext.put(LogContext.COMPONENT_ID, "node-7");
        LogContext.put(LogContext.SNAPSHOT_VERSION, "3");
        assertThat(MDC.get(LogContext.COMPONENT_ID)).as("the putting thread at once").isEqualTo("node-7");

        ILoggingEvent first = logOnANewThread("first");
        assertThat(first.getMDCPropertyMap()).containsEntry(LogContext.COMPONENT_ID, "node-7")
                .containsEntry(LogContext.SNAPSHOT_VERSION, "3");

        LogContext.put(LogContext.SNAPSHOT_VERSION, "4");
        logger.info("second");
        ILoggingEvent second = events.list.get(events.list.size() - 1);
        assertThat(second.getMDCPropertyMap()).containsEntry(LogContext.SNAPSHOT_VERSION, "4");
        assertThat(logOnANewThread("third").getMDCPropertyMap()).containsEntry(LogContext.SNAPSHOT_VERSION, "4");
    }

    @Test
    void withoutTheFilterAnotherThreadHasNone() throws Exception {
        context.getTurboFilterList().remove(filter);
        LogContext.put(LogContext.COMPONENT_ID, "node-8");
        assertThat(logOnANewThread("alone").getMDCPropertyMap()).doesNotContainKey(LogContext.COMPONENT_ID);
    }
}
