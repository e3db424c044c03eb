package io.ballast.controlplane.events;

import io.ballast.proto.v1.Event;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recent events of one replica (the last {@link #CAPACITY}) and the admin streams that
 * follow them.
 *
 * <p>Threading: every state change runs on the control loop's state thread ({@code loop}):
 * {@link #append} is called there, and {@link #watch} / {@link #recent} hop onto it, so the
 * ring and the watcher set need no locks and every watcher sees events in one order. A watcher
 * whose call is not ready (a client that does not read) is ended with RESOURCE_EXHAUSTED rather
 * than buffered without bound; a cancelled one is dropped.
 */
public final class EventLog {

    public static final int CAPACITY = 1_000;
    private static final Logger log = LoggerFactory.getLogger(EventLog.class);

    private final Executor loop;
    private final ArrayDeque<Event> ring = new ArrayDeque<>();
    private final Set<ServerCallStreamObserver<Event>> watchers = new LinkedHashSet<>();

    public EventLog(Executor loop) {
        this.loop = loop;
    }

    /** State thread only. */
    public void append(List<Event> events) {
        for (Event event : events) {
            if (ring.size() == CAPACITY) {
                ring.removeFirst();
            }
            ring.addLast(event);
            log.info("event {} {}{} {}", event.getKind(), event.getService(),
                    event.getId().isEmpty() ? "" : "/" + event.getId(), event.getDetail());
            for (ServerCallStreamObserver<Event> watcher : List.copyOf(watchers)) {
                send(watcher, event);
            }
        }
    }

    /** Any thread: follows the events, after the recent history when {@code history}. */
    public void watch(ServerCallStreamObserver<Event> watcher, boolean history) {
        watcher.setOnCancelHandler(() -> loop.execute(() -> watchers.remove(watcher)));
        loop.execute(() -> {
            if (watcher.isCancelled()) {
                return;
            }
            watchers.add(watcher);
            if (history) {
                for (Event event : new ArrayList<>(ring)) {
                    send(watcher, event);
                }
            }
        });
    }

    /** State thread only: the newest {@code limit} events, oldest first. */
    public List<Event> recent(int limit) {
        List<Event> all = new ArrayList<>(ring);
        return List.copyOf(all.subList(Math.max(0, all.size() - limit), all.size()));
    }

    /** State thread only: ends every watcher (replica shutting down). */
    public void close() {
        for (ServerCallStreamObserver<Event> watcher : List.copyOf(watchers)) {
            end(watcher, Status.UNAVAILABLE.withDescription("control-plane replica shutting down"));
        }
    }

    private void send(ServerCallStreamObserver<Event> watcher, Event event) {
        if (!watchers.contains(watcher)) {
            return;
        }
        if (watcher.isCancelled()) {
            watchers.remove(watcher);
            return;
        }
        // isReady() is false once gRPC's outbound buffer (32 KiB) is full: the client is not reading.
        if (!watcher.isReady()) {
            end(watcher, Status.RESOURCE_EXHAUSTED.withDescription("event watcher too slow; watch again"
                    + " (with history) to catch up"));
            return;
        }
        try {
            watcher.onNext(event);
        } catch (RuntimeException e) {
            watchers.remove(watcher);
        }
    }

    private void end(ServerCallStreamObserver<Event> watcher, Status status) {
        watchers.remove(watcher);
        try {
            watcher.onError(status.asRuntimeException());
        } catch (RuntimeException e) {
            // already cancelled
        }
    }
}
