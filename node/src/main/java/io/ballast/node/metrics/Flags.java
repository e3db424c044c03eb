package io.ballast.node.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * 0/1 gauges whose source moves from one routing table's objects to the next: Micrometer binds a
 * gauge to the object it was first registered with, so each gauge reads a stable {@link Flag}
 * and every new table re-points the flag ({@link Flag#bind}).
 *
 * <p>Threading: thread-safe (a concurrent map; flags are volatile).
 */
final class Flags {

    /** The source of one gauge; reads 0 until bound. */
    public static final class Flag {
        private volatile BooleanSupplier source = () -> false;
        private Meter gauge; // set once, right after registration, before the flag is shared

        /** Points the gauge at {@code source}; any thread. */
        public void bind(BooleanSupplier source) {
            this.source = source;
        }

        Meter meter() {
            return gauge;
        }

        double value() {
            return source.getAsBoolean() ? 1 : 0;
        }
    }

    private final Map<String, Flag> flags = new ConcurrentHashMap<>();

    Flag flag(MeterRegistry registry, String name, String description, Tags tags) {
        return flags.computeIfAbsent(key(name, tags), k -> {
            Flag flag = new Flag();
            flag.gauge = Gauge.builder(name, flag, Flag::value).description(description).tags(tags).register(registry);
            return flag;
        });
    }

    /** The meter {@code id} was removed from the registry: forget its flag. */
    void removed(Meter.Id id) {
        flags.remove(key(id.getName(), Tags.of(id.getTags())));
    }

    private static String key(String name, Tags tags) {
        return name + tags;
    }
}
