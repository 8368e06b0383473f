package dev.maestro.tui.view;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionListTest {
  private static JsonObject s(String id, String title) {
    return new JsonObject().put("id", id).put("title", title).put("provider", "anthropic").put("model", "m")
        .put("messageCount", 2).put("openIn", new JsonArray());
  }

  @Test
  void queryFiltersTitlesAndKeepsServerHits() {
    SessionList l = new SessionList();
    l.setItems(List.of(s("1", "Refactor parser"), s("2", "Write docs"), s("3", "other").put("_serverHit", true)));
    for (char c : "pars".toCharArray()) {
      l.type(c);
    }
    assertThat(l.visible()).extracting(o -> o.getString("id")).containsExactly("1", "3");
    l.backspace();
    l.clearQuery();
    assertThat(l.visible()).hasSize(3);
  }

  @Test
  void selectionMovesAndSurvivesARefresh() {
    SessionList l = new SessionList();
    l.setItems(List.of(s("1", "a"), s("2", "b"), s("3", "c")));
    l.down();
    l.down();
    l.down();
    assertThat(l.selectedId()).isEqualTo("3");
    l.up();
    assertThat(l.selectedId()).isEqualTo("2");
    l.setItems(List.of(s("0", "new"), s("1", "a"), s("2", "b")));
    assertThat(l.selectedId()).isEqualTo("2");
  }

  @Test
  void rowShowsPresenceAndCurrentMarker() {
    JsonObject row = s("abcdef0123", "").put("openIn", new JsonArray().add("web").add("tui"));
    assertThat(SessionList.row(row, "abcdef0123"))
        .isEqualTo("* (untitled abcdef01)  ·  anthropic/m  ·  2 msgs  ·  open in 2");
  }
}
