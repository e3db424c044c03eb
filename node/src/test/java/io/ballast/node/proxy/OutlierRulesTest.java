package io.ballast.node.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proto.v1.OutlierDetection;
import io.ballast.proto.v1.Policy;
import org.junit.jupiter.api.Test;

class OutlierRulesTest {

    @Test
    void absentFieldsTakeTheProtoDefaults() {
        OutlierRules rules = OutlierRules.of(Policy.getDefaultInstance());
        assertThat(rules).isEqualTo(new OutlierRules(true, 5, 5, 30_000, 300_000, 10));
    }

    @Test
    void setFieldsWin() {
        OutlierRules rules = OutlierRules.of(Policy.newBuilder().setOutlierDetection(OutlierDetection.newBuilder()
                .setDisabled(true).setConsecutive5Xx(3).setConsecutiveGatewayFailure(2).setBaseEjectionTimeMillis(100)
                .setMaxEjectionTimeMillis(1_000).setMaxEjectionPercent(0)).build());
        assertThat(rules).isEqualTo(new OutlierRules(false, 3, 2, 100, 1_000, 0));
    }

    @Test
    void ejectionTimeDoublesUpToTheMax() {
        OutlierRules rules = new OutlierRules(true, 5, 5, 100, 1_000, 10);
        assertThat(rules.ejectionMillis(0)).isEqualTo(100);
        assertThat(rules.ejectionMillis(1)).isEqualTo(200);
        assertThat(rules.ejectionMillis(3)).isEqualTo(800);
        assertThat(rules.ejectionMillis(4)).isEqualTo(1_000);
        assertThat(rules.ejectionMillis(1_000)).isEqualTo(1_000);
    }

    @Test
    void maxEjectionPercentAllowsOneWhenThereAreTwoOrMore() {
        OutlierRules tenPercent = new OutlierRules(true, 5, 5, 100, 1_000, 10);
        assertThat(tenPercent.mayEject(0, 1)).as("never the only endpoint").isFalse();
        assertThat(tenPercent.mayEject(0, 2)).isTrue();
        assertThat(tenPercent.mayEject(1, 2)).isFalse();
        assertThat(tenPercent.mayEject(1, 20)).isTrue();
        assertThat(tenPercent.mayEject(2, 20)).isFalse();
        OutlierRules zero = new OutlierRules(true, 5, 5, 100, 1_000, 0);
        assertThat(zero.mayEject(0, 3)).as("at least one even at 0 %").isTrue();
        OutlierRules all = new OutlierRules(true, 5, 5, 100, 1_000, 100);
        assertThat(all.mayEject(2, 3)).isTrue();
    }
}
