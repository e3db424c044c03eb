package io.ballast.controlplane.health;

import io.ballast.proto.v1.Event;
import java.util.ArrayList;
import java.util.List;

/** Collects the failure-handling events of one step, all at one time and by one observer. Not thread-safe. */
final class EventSink {

    private final List<Event> events = new ArrayList<>();
    private final long nowMillis;
    private final String observer;

    EventSink(long nowMillis, String observer) {
        this.nowMillis = nowMillis;
        this.observer = observer;
    }

    long nowMillis() {
        return nowMillis;
    }

    void add(String kind, String service, String id, String detail) {
        events.add(Event.newBuilder().setAtUnixMillis(nowMillis).setKind(kind).setService(service).setId(id)
                .setDetail(detail).setObservedBy(observer).build());
    }

    List<Event> events() {
        return List.copyOf(events);
    }
}
