package io.ballast.node.proxy;

import io.ballast.common.policy.PolicyRules;
import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.Service;
import java.util.ArrayList;
import io.ballast.proto.v1.Policy;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.List;

/**
 * Builds the pickers of a service from its policy; called once per service per snapshot, off the
 * event loops.
 */
final class Pickers {

    private Pickers() {}

    /** Whether an endpoint takes new requests (the one rule every policy shares): ACTIVE or SUSPECT, weight &gt; 0. */
    static boolean isEligible(Endpoint endpoint) {
        EndpointState state = endpoint.getState();
        return (state == EndpointState.ACTIVE || state == EndpointState.SUSPECT) && endpoint.getWeight() > 0;
    }

    /** Whether panic routing may send to it: anything but DRAINING, with a weight or a declared weight. */
    private static boolean isRoutable(Endpoint endpoint) {
        return endpoint.getState() != EndpointState.DRAINING && panicWeight(endpoint) > 0;
    }

    /** The weight in panic: the weight, or the declared weight where the weight is 0 (EJECTED, weighted to 0). */
    private static int panicWeight(Endpoint endpoint) {
        return endpoint.getWeight() > 0 ? endpoint.getWeight() : endpoint.getDeclaredWeight();
    }

    /**
     * Every endpoint that some request may reach (panic routing included), at its panic weight, in
     * snapshot order; {@link BackendEndpoint#index()} is the position in this list, and is the slot
     * of the endpoint's counters in the service's trackers, health and metrics.
     */
    static List<BackendEndpoint> routable(Service service) {
        List<BackendEndpoint> result = new ArrayList<>(service.getEndpointsCount());
        for (Endpoint endpoint : service.getEndpointsList()) {
            if (isRoutable(endpoint)) {
                result.add(BackendEndpoint.of(service.getName(), endpoint, result.size(), panicWeight(endpoint)));
            }
        }
        return result;
    }

    /**
     * The endpoints that take new requests outside panic: ACTIVE or SUSPECT with weight &gt; 0
     * (DRAINING endpoints finish what they have, weight 0 means "no new traffic"), at their
     * weight, with their {@link #routable} index.
     */
    static List<BackendEndpoint> eligible(Service service) {
        List<BackendEndpoint> result = new ArrayList<>(service.getEndpointsCount());
        int index = 0;
        for (Endpoint endpoint : service.getEndpointsList()) {
            if (!isRoutable(endpoint)) {
                continue;
            }
            if (isEligible(endpoint)) {
                result.add(BackendEndpoint.of(service.getName(), endpoint, index, endpoint.getWeight()));
            }
            index++;
        }
        return result;
    }

    /** The weights of {@link #eligible}, in the same order. */
    static int[] eligibleWeights(Service service) {
        return service.getEndpointsList().stream().filter(Pickers::isEligible).mapToInt(Endpoint::getWeight).toArray();
    }

    /** The picker of a single event loop (tests and single-loop callers). */
    static EndpointPicker forService(Service service) {
        return forLoops(service, 1)[0];
    }

    /**
     * One picker per I/O event loop, indexed like {@link BackendPool#index()}. Stateless or
     * thread-safe policies put the same instance in every slot (round robin keeps its one shared
     * counter, so its spread is as even as before); smooth weighted round robin, whose scores are
     * plain mutable state, gets its own instance per loop so that no loop ever touches another's.
     *
     * @param loops number of I/O event loops, &gt;= 1
     */
    static EndpointPicker[] forLoops(Service service, int loops) {
        return forLoops(service, trackers(service, loops));
    }

    /** One fresh {@link LoadTracker} per I/O event loop, sized for the service's eligible endpoints. */
    static LoadTracker[] trackers(Service service, int loops) {
        if (loops < 1) {
            throw new IllegalArgumentException("loops: " + loops + " (expected: >= 1)");
        }
        int size = routable(service).size();
        LoadTracker[] trackers = new LoadTracker[loops];
        for (int i = 0; i < loops; i++) {
            trackers[i] = new LoadTracker(size);
        }
        return trackers;
    }

    /**
     * One picker per event loop; the load-aware pickers of loop {@code i} read {@code trackers[i]},
     * which {@link Exchange} updates on that loop. Without locality (see {@link #forLoops(Service, LoadTracker[], String)}).
     */
    static EndpointPicker[] forLoops(Service service, LoadTracker[] trackers) {
        return forLoops(service, trackers, "");
    }

    /**
     * Like {@link #forLoops(Service, LoadTracker[])}, wrapped in a {@link LocalityPicker} per loop
     * when the service's policy enables locality and this node knows its zone.
     *
     * @param nodeZone this node's zone, empty when unknown
     */
    static EndpointPicker[] forLoops(Service service, LoadTracker[] trackers, String nodeZone) {
        return forLoops(service, eligible(service), trackers, nodeZone);
    }

    /**
     * Like {@link #forLoops(Service, LoadTracker[], String)} over {@code endpoints} (the eligible
     * ones, or the routable ones at their panic weights).
     */
    static EndpointPicker[] forLoops(Service service, List<BackendEndpoint> endpoints, LoadTracker[] trackers,
                                     String nodeZone) {
        int loops = trackers.length;
        Policy policy = service.getPolicy();
        EndpointPicker[] pickers = new EndpointPicker[loops];
        Map<String, Long> declared = declaredWeightByZone(service);
        // Thread-safe pickers are built once and shared; per-loop ones once per loop (and, with
        // locality, once per zone per loop, which is what the factory is called for).
        boolean shared = switch (policy.getAlgorithm()) {
            case WEIGHTED_ROUND_ROBIN, LEAST_CONNECTIONS, LEAST_REQUEST, PEAK_EWMA -> false;
            default -> true;
        };
        for (int i = 0; i < loops; i++) {
            if (shared && i > 0) {
                pickers[i] = pickers[0];
                continue;
            }
            LoadTracker tracker = trackers[i];
            Function<List<BackendEndpoint>, EndpointPicker> factory = subset -> build(policy, subset, tracker);
            pickers[i] = policy.hasLocality() && policy.getLocality().getEnabled()
                    ? LocalityPicker.of(nodeZone, endpoints, declared, policy.getLocality(), factory)
                    : factory.apply(endpoints);
        }
        return pickers;
    }

    /** Sum of declared weights (else weights) of all of a service's endpoints, by zone: a zone's full capacity. */
    static Map<String, Long> declaredWeightByZone(Service service) {
        Map<String, Long> byZone = new HashMap<>();
        for (Endpoint endpoint : service.getEndpointsList()) {
            long declared = endpoint.getDeclaredWeight() > 0 ? endpoint.getDeclaredWeight() : endpoint.getWeight();
            byZone.merge(endpoint.getZone(), declared, Long::sum);
        }
        return byZone;
    }

    /** The algorithm's picker over {@code endpoints} (a service's eligible endpoints, or one zone's). */
    private static EndpointPicker build(Policy policy, List<BackendEndpoint> endpoints, LoadTracker tracker) {
        int choices = policy.getChoiceCount() == 0 ? PolicyRules.DEFAULT_CHOICE_COUNT : policy.getChoiceCount();
        return switch (policy.getAlgorithm()) {
            case WEIGHTED_ROUND_ROBIN -> new SmoothWeightedRoundRobinPicker(endpoints, weights(endpoints));
            case RANDOM -> new WeightedRandomPicker(endpoints, weights(endpoints));
            case LEAST_CONNECTIONS -> new LeastConnectionsPicker(endpoints, tracker);
            case LEAST_REQUEST -> new PowerOfChoicesPicker(endpoints, tracker, choices, PowerOfChoicesPicker.Cost.LEAST_REQUEST);
            case PEAK_EWMA -> new PowerOfChoicesPicker(endpoints, tracker, choices, PowerOfChoicesPicker.Cost.PEAK_EWMA);
            case RING_HASH -> new RingHashPicker(endpoints, policy.hasRingSize() ? policy.getRingSize() : PolicyRules.DEFAULT_RING_SIZE);
            case MAGLEV -> new MaglevPicker(endpoints, policy.hasMaglevTableSize()
                    ? policy.getMaglevTableSize() : MaglevPicker.defaultSize(endpoints.size()));
            // UNSPECIFIED means round robin; values from a newer control plane are refused by the
            // validator, and would still route by round robin rather than fail here.
            case ROUND_ROBIN, LB_ALGORITHM_UNSPECIFIED, UNRECOGNIZED -> new RoundRobinPicker(endpoints);
        };
    }

    private static int[] weights(List<BackendEndpoint> endpoints) {
        int[] weights = new int[endpoints.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = endpoints.get(i).weight();
        }
        return weights;
    }
}
