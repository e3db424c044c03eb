package io.ballast.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proto.v1.AdminGrpc;
import io.grpc.MethodDescriptor;
import org.junit.jupiter.api.Test;

class AdminRolesTest {

    private static Role of(String method) {
        return AdminRoles.required(AdminGrpc.SERVICE_NAME + "/" + method);
    }

    @Test
    void readsNeedReaderBackendActionsOperatorAndConfigurationAdmin() {
        assertThat(of("GetStatus")).isEqualTo(Role.READER);
        assertThat(of("ListBackends")).isEqualTo(Role.READER);
        assertThat(of("GetServicePolicy")).isEqualTo(Role.READER);
        assertThat(of("GetRoutes")).isEqualTo(Role.READER);
        assertThat(of("ExplainWeight")).isEqualTo(Role.READER);
        assertThat(of("SetWeight")).isEqualTo(Role.OPERATOR);
        assertThat(of("Drain")).isEqualTo(Role.OPERATOR);
        assertThat(of("Undrain")).isEqualTo(Role.OPERATOR);
        assertThat(of("SetServicePolicy")).isEqualTo(Role.ADMIN);
        assertThat(of("SetRoutes")).isEqualTo(Role.ADMIN);
        assertThat(of("Eject")).isEqualTo(Role.OPERATOR);
        assertThat(of("Restore")).isEqualTo(Role.OPERATOR);
        assertThat(of("DeleteServicePolicy")).isEqualTo(Role.ADMIN);
        assertThat(of("ListAudit")).isEqualTo(Role.READER);
    }

    @Test
    void futureMethodsFollowTheNamingConventionAndEverythingElseNeedsAdmin() {
        assertThat(of("GetService")).isEqualTo(Role.READER);
        assertThat(of("ListNodes")).isEqualTo(Role.READER);
        assertThat(of("WatchEvents")).isEqualTo(Role.READER);
        assertThat(of("ExplainRoute")).isEqualTo(Role.READER);
        assertThat(of("EjectBackend")).isEqualTo(Role.OPERATOR);
        assertThat(of("RestoreBackend")).isEqualTo(Role.OPERATOR);
        assertThat(of("CreateService")).isEqualTo(Role.ADMIN);
        assertThat(of("DeleteService")).isEqualTo(Role.ADMIN);
        // A prefix is a word: "Getaway" is not a read.
        assertThat(of("Getaway")).isEqualTo(Role.ADMIN);
        assertThat(of("Listen")).isEqualTo(Role.ADMIN);
        // Another service, or nonsense, fails safe.
        assertThat(AdminRoles.required("ballast.v1.ControlPlane/GetStatus")).isEqualTo(Role.ADMIN);
        assertThat(AdminRoles.required(null)).isEqualTo(Role.ADMIN);
    }

    @Test
    void everyMethodOfTheAdminServiceHasARole() {
        for (MethodDescriptor<?, ?> method : AdminGrpc.getServiceDescriptor().getMethods().stream()
                .map(m -> (MethodDescriptor<?, ?>) m).toList()) {
            assertThat(AdminRoles.required(method.getFullMethodName())).as(method.getFullMethodName()).isNotNull();
        }
    }

    @Test
    void rolesIncludeTheLowerOnes() {
        assertThat(Role.ADMIN.includes(Role.OPERATOR)).isTrue();
        assertThat(Role.OPERATOR.includes(Role.READER)).isTrue();
        assertThat(Role.READER.includes(Role.READER)).isTrue();
        assertThat(Role.READER.includes(Role.OPERATOR)).isFalse();
        assertThat(Role.OPERATOR.includes(Role.ADMIN)).isFalse();
    }
}
