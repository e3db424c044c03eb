package io.ballast.controlplane.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.common.model.BackendRegistration;
import io.ballast.common.model.EndpointOverride;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterStateTest {

    private static BackendRegistration reg(String service, String id) {
        return new BackendRegistration(service, id, "h", 1, "", 1, Map.of(), "1", 0, null);
    }

    @Test
    void withAndWithoutAreImmutableAndDropEmptyServices() {
        ClusterState one = ClusterState.EMPTY.withRegistration("web", "a", reg("web", "a"));
        ClusterState none = one.withoutRegistration("web", "a");

        assertThat(one.registration("web", "a")).isPresent();
        assertThat(none.registrations()).isEmpty();
        assertThat(ClusterState.EMPTY.registrations()).isEmpty();
        assertThat(none).isEqualTo(ClusterState.EMPTY);
    }

    @Test
    void emptyOverrideRemovesIt() {
        ClusterState drained = ClusterState.EMPTY.withOverride("web", "a", new EndpointOverride(null, true));

        assertThat(drained.override("web", "a").drained()).isTrue();
        assertThat(drained.withOverride("web", "a", EndpointOverride.NONE).overrides()).isEmpty();
        assertThat(ClusterState.EMPTY.override("web", "x")).isEqualTo(EndpointOverride.NONE);
    }

    @Test
    void knownServicesAndIdsAreTheUnionOfRegistrationsAndOverrides() {
        ClusterState state = ClusterState.EMPTY
                .withRegistration("web", "b", reg("web", "b"))
                .withOverride("web", "a", new EndpointOverride(1, false))
                .withOverride("api", "z", new EndpointOverride(null, true));

        assertThat(state.knownServices()).containsExactly("api", "web");
        assertThat(state.knownIds("web")).containsExactly("a", "b");
        assertThat(state.knownIds("none")).isEmpty();
    }
}
