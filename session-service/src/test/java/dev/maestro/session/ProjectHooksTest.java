package dev.maestro.session;

import dev.maestro.contracts.project.ProjectService;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceBinder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.maestro.session.FakeProvider.*;
import static dev.maestro.session.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14: a live session that tool-service says has no project stops asking before and after each turn (two bus
 * round trips and two SELECTs per turn saved); a project session still gets its checkpoint, rules and changed files
 * every turn. A stand-in ProjectService counts the calls per session.
 */
class ProjectHooksTest {
  static Harness h;
  static MessageConsumer<JsonObject> binding;
  static final Set<String> projectSessions = ConcurrentHashMap.newKeySet();
  static final Map<String, AtomicInteger> before = new ConcurrentHashMap<>();
  static final Map<String, AtomicInteger> after = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    Harness.resetSchema();
    h = Harness.start(null);
    // answers as tool-service does: {} for a session without a project, a checkpoint and rules for one with a project
    ProjectService fake = (ProjectService) Proxy.newProxyInstance(ProjectService.class.getClassLoader(),
        new Class<?>[] {ProjectService.class}, (proxy, method, args) -> {
          String sid = args == null || args.length == 0 ? null : (String) args[0];
          return switch (method.getName()) {
            case "beforeTurn" -> {
              before.computeIfAbsent(sid, k -> new AtomicInteger()).incrementAndGet();
              yield Future.succeededFuture(!projectSessions.contains(sid) ? new JsonObject()
                  : new JsonObject().put("checkpointId", "cp-" + args[1]).put("rules",
                      new JsonArray().add(new JsonObject().put("path", "AGENTS.md").put("text", "Run the tests."))));
            }
            case "afterTurn" -> {
              after.computeIfAbsent(sid, k -> new AtomicInteger()).incrementAndGet();
              yield Future.succeededFuture(!projectSessions.contains(sid) ? new JsonObject()
                  : new JsonObject().put("checkpointId", "cp").put("files", new JsonArray().add("a.txt")));
            }
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == args[0];
            case "toString" -> "fake ProjectService";
            default -> Future.failedFuture("not in this test");
          };
        });
    binding = new ServiceBinder(h.vertx).setAddress(ProjectService.ADDRESS).register(ProjectService.class, fake);
  }

  @AfterAll
  static void stop() throws Exception {
    if (binding != null) binding.unregister().await();
    h.close();
  }

  static int count(Map<String, AtomicInteger> m, String sid) {
    AtomicInteger n = m.get(sid);
    return n == null ? 0 : n.get();
  }

  @Test
  void aSessionWithoutAProjectAsksOnceAProjectSessionEveryTurn() throws Exception {
    String user = Harness.newUser();
    String plain = h.newSession(user, null).getString("id");
    String project = h.newSession(user, null).getString("id");
    projectSessions.add(project);
    Harness.Recorder plainRec = h.record(plain);
    Harness.Recorder projectRec = h.record(project);
    h.provider.fallback = request -> List.of(text("ok"), usage(10, 10), done("end_turn"));
    for (int i = 1; i <= 3; i++) {
      await(h.sessions.send(user, plain, "turn " + i));
      assertThat(plainRec.awaitTurnCompleted(i).getJsonObject("event").getString("status")).isEqualTo("complete");
      await(h.sessions.send(user, project, "turn " + i));
      assertThat(projectRec.awaitTurnCompleted(i).getJsonObject("event").getString("status")).isEqualTo("complete");
    }
    // asked at the first turn only, and not after it: it has no project
    assertThat(count(before, plain)).isEqualTo(1);
    assertThat(count(after, plain)).isZero();
    assertThat(plainRec.types()).doesNotContain("rules_loaded", "files_changed");
    // a project session: checkpoint and rules before, changed files after, every turn
    assertThat(count(before, project)).isEqualTo(3);
    assertThat(count(after, project)).isEqualTo(3);
    assertThat(projectRec.ofType("rules_loaded")).hasSize(3);
    assertThat(projectRec.ofType("files_changed")).hasSize(3);
  }
}
