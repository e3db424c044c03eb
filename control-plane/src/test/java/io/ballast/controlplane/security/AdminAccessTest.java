package io.ballast.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminAccessTest {

    @TempDir Path dir;

    private Path file(String yaml) throws IOException {
        Path file = dir.resolve("auth.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    @Test
    void readsTokensAndCertificates() throws IOException {
        AdminAccess access = AdminAccess.load(file("""
                tokens:
                  - {token: "0123456789abcdef-ann", identity: ann, role: operator}
                  - token: "0123456789abcdef-bob"
                    identity: bob@example.com
                    role: READER
                certificates:
                  - {cn: ops-admin, role: admin}
                """));

        assertThat(access.byToken("0123456789abcdef-ann"))
                .contains(new AdminIdentity("ann", Role.OPERATOR, AdminIdentity.Method.TOKEN));
        assertThat(access.byToken("0123456789abcdef-bob").orElseThrow().role()).isEqualTo(Role.READER);
        assertThat(access.byToken("0123456789abcdef-eve")).isEmpty();
        assertThat(access.byCertificate("ops-admin"))
                .contains(new AdminIdentity("ops-admin", Role.ADMIN, AdminIdentity.Method.CERTIFICATE));
        assertThat(access.byCertificate("node-1")).isEmpty();
        assertThat(access.toString()).doesNotContain("0123456789abcdef").contains("2 tokens");
    }

    @Test
    void anEmptyFileListsNobody() throws IOException {
        AdminAccess access = AdminAccess.load(file(""));
        assertThat(access.tokens()).isEmpty();
        assertThat(access.certificates()).isEmpty();
    }

    @Test
    void mistakesAreRefusedNamingTheEntryWithoutPrintingTokens() throws IOException {
        assertThatThrownBy(() -> AdminAccess.load(dir.resolve("missing.yaml")))
                .hasMessageStartingWith("admin-auth: \"" + dir.resolve("missing.yaml") + "\" (expected: a readable YAML file");
        Path roleFile = file("tokens: [{token: 0123456789abcdef0, identity: ann, role: root}]");
        assertThatThrownBy(() -> AdminAccess.load(roleFile))
                .hasMessage("admin-auth \"" + roleFile + "\": tokens[0].role: \"root\" (expected: reader, operator or admin)");
        assertThatThrownBy(() -> AdminAccess.load(file("tokens: [{token: short, identity: ann, role: admin}]")))
                .hasMessageEndingWith("tokens[0].token: 5 characters (expected: at least 16)")
                .hasMessageNotContaining("short");
        assertThatThrownBy(() -> AdminAccess.load(file("""
                tokens:
                  - {token: 0123456789abcdef0, identity: ann, role: admin}
                  - {token: 0123456789abcdef0, identity: bob, role: reader}
                """)))
                .hasMessageEndingWith("tokens[1].token: the token of tokens[0] (expected: unique tokens)")
                .hasMessageNotContaining("0123456789abcdef0");
        assertThatThrownBy(() -> AdminAccess.load(file("tokens: [{token: 0123456789abcdef0, identity: ann, rol: admin}]")))
                .hasMessageEndingWith("tokens[0] key: \"rol\" (expected: one of [identity, role, token])");
        assertThatThrownBy(() -> AdminAccess.load(file("token: []")))
                .hasMessageEndingWith("key: \"token\" (expected: one of [certificates, tokens])");
        assertThatThrownBy(() -> AdminAccess.load(file("certificates: [{cn: a, role: admin}, {cn: a, role: reader}]")))
                .hasMessageEndingWith("certificates[1].cn: \"a\" (expected: unique CNs)");
        assertThatThrownBy(() -> AdminAccess.load(file("certificates: [{role: admin}]")))
                .hasMessageEndingWith("certificates[0].cn: null (expected: a non-empty string)");
        assertThatThrownBy(() -> AdminAccess.load(file("tokens: [{token: 0123456789abcdef0, identity: 'a b', role: admin}]")))
                .hasMessageContaining("tokens[0].identity: \"a b\"");
    }
}
