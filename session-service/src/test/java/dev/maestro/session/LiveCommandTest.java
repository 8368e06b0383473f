package dev.maestro.session;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The commands cross the cluster as JSON: every kind comes back equal. */
class LiveCommandTest {
  @Test
  void everyCommandSurvivesItsJsonForm() {
    List<LiveCommand> all = List.of(new LiveCommand.Send("hi"), new LiveCommand.Cancel(), new LiveCommand.Approve("c1", "allow"),
        new LiveCommand.Elicit(new JsonObject().put("callId", "c1").put("schema", new JsonObject())),
        new LiveCommand.AnswerElicitation("e1", "accept", new JsonObject().put("name", "x")),
        new LiveCommand.AnswerElicitation("e2", "decline", null),
        new LiveCommand.Events(42), new LiveCommand.Compact(), new LiveCommand.State(), new LiveCommand.Evict(), new LiveCommand.Hold(),
        new LiveCommand.SessionChanged(new JsonObject().put("id", "s1").put("title", "Renamed")),
        new LiveCommand.AsUser("u1", new LiveCommand.Send("hi")), new LiveCommand.AsUser("u2", new LiveCommand.Events(7)));
    for (LiveCommand c : all) {
      JsonObject wire = new JsonObject(LiveCommand.toJson(c).encode());
      assertThat(LiveCommand.fromJson(wire)).isEqualTo(c);
    }
  }

  @Test
  void anUnknownOpIsRefused() {
    assertThatThrownBy(() -> LiveCommand.fromJson(new JsonObject().put("op", "format-disk")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("format-disk");
  }
}
