package io.ballast.node.proxy;

import io.ballast.common.policy.PolicyRules;
import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.Service;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds the pickers of a service from its policy; called once per service per snapshot, off the
 * event loops.
 */
final class Pickers {

    private Pickers() {}

    /** Whether an endpoint takes new requests (the one rule every policy shares). */
    private static boolean isEligible(Endpoint endpoint) {
        return endpoint.getState() == EndpointState.ACTIVE && endpoint.getWeight() > 0;
    }

    /**
     * Only ACTIVE endpoints with weight &gt; 0 take new requests: DRAINING endpoints finish what
     * they have, weight 0 means "no new traffic".
     */
    static List<BackendEndpoint> eligible(Service service) {
        List<BackendEndpoint> result = new ArrayList<>(service.getEndpointsCount());
        for (Endpoint endpoint : service.getEndpointsList()) {
            if (isEligible(endpoint)) {
                result.add(BackendEndpoint.of(service.getName(), endpoint, result.size(), endpoint.getWeight()));
            }
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
        int size = eligibleWeights(service).length;
        LoadTracker[] trackers = new LoadTracker[loops];
        for (int i = 0; i < loops; i++) {
            trackers[i] = new LoadTracker(size);
        }
        return trackers;
    }

    /**
     * One picker per event loop; the load-aware pickers of loop {@code i} read {@code trackers[i]},
     * which {@link Exchange} updates on that loop.
     */
    static EndpointPicker[] forLoops(Service service, LoadTracker[] trackers) {
        int loops = trackers.length;
        List<BackendEndpoint> endpoints = eligible(service);
        EndpointPicker[] pickers = new EndpointPicker[loops];
        switch (service.getPolicy().getAlgorithm()) {
            case WEIGHTED_ROUND_ROBIN -> {
                int[] weights = eligibleWeights(service);
                for (int i = 0; i < loops; i++) {
                    pickers[i] = new SmoothWeightedRoundRobinPicker(endpoints, weights);
                }
            }
            case RANDOM -> Arrays.fill(pickers, new WeightedRandomPicker(endpoints, eligibleWeights(service)));
            case LEAST_CONNECTIONS -> {
                for (int i = 0; i < loops; i++) {
                    pickers[i] = new LeastConnectionsPicker(endpoints, trackers[i]);
                }
            }
            case LEAST_REQUEST -> {
                int choices = service.getPolicy().getChoiceCount() == 0 ? 2 : service.getPolicy().getChoiceCount();
                for (int i = 0; i < loops; i++) {
                    pickers[i] = new PowerOfChoicesPicker(endpoints, trackers[i], choices, PowerOfChoicesPicker.Cost.LEAST_REQUEST);
                }
            }
            case PEAK_EWMA -> {
                int choices = service.getPolicy().getChoiceCount() == 0 ? 2 : service.getPolicy().getChoiceCount();
                for (int i = 0; i < loops; i++) {
                    pickers[i] = new PowerOfChoicesPicker(endpoints, trackers[i], choices, PowerOfChoicesPicker.Cost.PEAK_EWMA);
                }
            }
            case RING_HASH -> {
                int ringSize = service.getPolicy().hasRingSize() ? service.getPolicy().getRingSize() : PolicyRules.DEFAULT_RING_SIZE;
                Arrays.fill(pickers, new RingHashPicker(endpoints, ringSize));
            }
            case MAGLEV -> {
                int size = service.getPolicy().hasMaglevTableSize()
                        ? service.getPolicy().getMaglevTableSize() : MaglevPicker.defaultSize(endpoints.size());
                Arrays.fill(pickers, new MaglevPicker(endpoints, size));
            }
            // UNSPECIFIED means round robin; values from a newer control plane are refused by the
            // validator, and would still route by round robin rather than fail here.
            case ROUND_ROBIN, LB_ALGORITHM_UNSPECIFIED, UNRECOGNIZED -> Arrays.fill(pickers, new RoundRobinPicker(endpoints));
        }
        return pickers;
    }
}
