package dev.maestro.bench.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class E2eSettingsTest {
  @Test
  void defaultsAndOptions() {
    E2eSettings d = E2eSettings.parse(new String[0]);
    assertThat(d.levels()).containsExactly(1, 100, 1000);
    assertThat(d.roundsAt(1)).isEqualTo(20);
    assertThat(d.roundsAt(100)).isEqualTo(2);
    assertThat(d.roundsAt(1000)).isEqualTo(1);
    assertThat(d.modes()).containsExactly("five", "single");
    assertThat(d.labelOf("single")).isEqualTo("single");
    assertThat(E2eSettings.parse(new String[] {"--modes=single", "--label=x"}).modes()).containsExactly("single");
    assertThat(E2eSettings.parse(new String[] {"--modes=single", "--label=x"}).labelOf("single")).isEqualTo("x-single");
    E2eSettings s = E2eSettings.parse(new String[] {"--levels=1, 3", "--chunks=5", "--interval-ms=7", "--warmup=0", "--rounds=2"});
    assertThat(s.levels()).containsExactly(1, 3);
    assertThat(s.maxLevel()).isEqualTo(3);
    assertThat(s.chunks()).isEqualTo(5);
    assertThat(s.intervalMs()).isEqualTo(7);
    assertThat(s.warmup()).isZero();
    assertThat(s.roundsAt(3)).isEqualTo(2);
  }

  @Test
  void quickIsSmallAndLaterOptionsStillApply() {
    E2eSettings q = E2eSettings.parse(new String[] {"--quick", "--chunks=4", "--jfr", "--jars=/tmp/before", "--label=before"});
    assertThat(q.levels()).containsExactly(1, 10);
    assertThat(q.chunks()).isEqualTo(4);
    assertThat(q.roundsAt(10)).isEqualTo(3);
    assertThat(q.jfr()).isTrue();
    assertThat(q.jfrProfiling()).isEqualTo("high");
    E2eSettings max = E2eSettings.parse(new String[] {"--jfr=max"});
    assertThat(max.jfr()).isTrue();
    assertThat(max.jfrProfiling()).isEqualTo("max");
    assertThat(E2eSettings.parse(new String[0]).jfr()).isFalse();
    assertThat(q.jars()).isEqualTo("/tmp/before");
    assertThat(q.label()).isEqualTo("before");
    assertThat(q.withChunks(1).chunks()).isEqualTo(1);
  }

  @Test
  void helpAndBadOptions() {
    assertThatThrownBy(() -> E2eSettings.parse(new String[] {"--help"})).isInstanceOf(E2eSettings.HelpRequested.class)
        .hasMessageContaining("usage: bench e2e");
    assertThatThrownBy(() -> E2eSettings.parse(new String[] {"--nope=1"})).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("unknown option --nope=1").hasMessageContaining("usage:");
    assertThatThrownBy(() -> E2eSettings.parse(new String[] {"--levels"})).hasMessageStartingWith("expected --name=value");
    assertThatThrownBy(() -> E2eSettings.parse(new String[] {"--modes=three"})).hasMessageStartingWith("--modes: five or single");
    assertThatThrownBy(() -> E2eSettings.parse(new String[] {"--jfr=1ms"})).hasMessageStartingWith("--jfr: normal, high or max");
    assertThatThrownBy(() -> E2eSettings.parse(new String[] {"--floor=wall"})).hasMessageStartingWith("--floor: chain and/or hop");
    assertThatThrownBy(() -> E2eSettings.parse(new String[] {"--floor=chain,none"})).hasMessageStartingWith("--floor: chain and/or hop");
    assertThatThrownBy(() -> E2eSettings.parse(new String[] {"--floor="})).hasMessageStartingWith("--floor: chain and/or hop");
  }

  @Test
  void floorsDefaultToChainAndHopAndCanBeChosen() {
    E2eSettings d = E2eSettings.parse(new String[0]);
    assertThat(d.floor("chain")).isTrue();
    assertThat(d.floor("hop")).isTrue();
    E2eSettings chain = E2eSettings.parse(new String[] {"--floor=chain"});
    assertThat(chain.floor("chain")).isTrue();
    assertThat(chain.floor("hop")).isFalse();
    E2eSettings hop = E2eSettings.parse(new String[] {"--floor= hop ", "--quick"});
    assertThat(hop.floor("chain")).isFalse();
    assertThat(hop.floor("hop")).isTrue();
    E2eSettings none = E2eSettings.parse(new String[] {"--floor=none"});
    assertThat(none.floors()).isEmpty();
    // carried over by the derived settings of a mode and of the one-chunk turns
    assertThat(chain.withChunks(1).floors()).containsExactly("chain");
    assertThat(chain.withLabel("x").floors()).containsExactly("chain");
  }
}
