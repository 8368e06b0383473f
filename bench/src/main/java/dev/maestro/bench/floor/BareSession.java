package dev.maestro.bench.floor;

import dev.maestro.platform.Database;
import dev.maestro.platform.MaestroConfig;
import dev.maestro.platform.Settings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.HashMap;
import java.util.Map;

/**
 * S of the bare chain: what session-service must do at least. A turn is one PostgreSQL transaction of
 * three small inserts (the user's message, the turn, the assistant's placeholder; pipelined on one
 * connection of a pool built by the platform's {@link Database} with session-service's settings), then
 * a request to P. Every chunk P streams back gets the turn's next seq and is sent on to the gateway node's
 * inbox, one send per chunk. No ownership, no admission, no budgets, no caches, no history, and the
 * turn's end writes nothing (Maestro stores the reply then): a lower bound, not a model.
 */
final class BareSession extends VerticleBase {
  static final String SCHEMA = "floor";
  static final String DDL = """
      DROP SCHEMA IF EXISTS floor CASCADE;
      CREATE SCHEMA floor;
      CREATE TABLE floor.turns (id bigint PRIMARY KEY, stream text NOT NULL, status text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now());
      CREATE TABLE floor.messages (id bigserial PRIMARY KEY, turn_id bigint NOT NULL, role text NOT NULL, body text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now());
      """;
  static final String INSERT_MESSAGE = "INSERT INTO floor.messages (turn_id, role, body) VALUES ($1, $2, $3)";
  static final String INSERT_TURN = "INSERT INTO floor.turns (id, stream, status) VALUES ($1, $2, 'running')";

  /** A running turn: where its chunks go and the last seq given. Touched on this verticle's event loop only. */
  private static final class Turn {
    final String stream;
    final String gatewayInbox;
    long seq;

    Turn(String stream, String gatewayInbox) {
      this.stream = stream;
      this.gatewayInbox = gatewayInbox;
    }
  }

  private final Map<String, Turn> turns = new HashMap<>();
  private long nextTurn;
  private Pool pool;

  @Override
  public Future<?> start() {
    MaestroConfig cfg = MaestroConfig.of(config());
    // session-service's defaults: a pool of 16 (MAESTRO_SESSION_POOL_SIZE), a wait queue of 4096, 4 s idle-in-transaction
    pool = Database.pool(vertx, cfg, SCHEMA, Settings.of(config()).integer(FloorBus.PG_POOL, 16, 1, 1024), 4096, 4000);
    EventBus bus = vertx.eventBus();
    return pool.query(DDL).execute().compose(v -> Future.all(
        bus.<String>consumer(FloorBus.SESSION_PING, m -> bus.<String>request(FloorBus.PROVIDER_PING, "ping")
            .onSuccess(r -> m.reply("pong")).onFailure(e -> m.fail(503, "provider: " + e.getMessage()))).completion(),
        bus.<String>consumer(FloorBus.SESSION_TURN, m -> {
          String body = m.body();
          int tab = body.indexOf('\t');
          String stream = body.substring(0, tab);
          String inbox = body.substring(tab + 1);
          long id = ++nextTurn;
          String key = Long.toString(id);
          pool.withTransaction(c -> Future.all(
                  c.preparedQuery(INSERT_MESSAGE).execute(Tuple.of(id, "user", "go")),
                  c.preparedQuery(INSERT_TURN).execute(Tuple.of(id, stream)),
                  c.preparedQuery(INSERT_MESSAGE).execute(Tuple.of(id, "assistant", ""))))
              .onSuccess(done -> {
                turns.put(key, new Turn(stream, inbox));
                m.reply("accepted");
                bus.<String>request(FloorBus.PROVIDER_START, key + "\t" + FloorBus.SESSION_IN).onFailure(e -> {
                  Turn t = turns.remove(key);
                  if (t != null) bus.send(t.gatewayInbox, "x" + t.stream + "\t" + (t.seq + 1) + "\t" + e.getMessage());
                });
              })
              .onFailure(e -> m.fail(500, "turn not stored: " + e.getMessage()));
        }).completion(),
        bus.<String>consumer(FloorBus.SESSION_IN, m -> {
          String body = m.body();
          char kind = body.charAt(0);
          int tab = body.indexOf('\t');
          String key = body.substring(1, tab);
          Turn t = kind == 'd' ? turns.get(key) : turns.remove(key);
          if (t == null) return;
          bus.send(t.gatewayInbox, kind + t.stream + "\t" + (++t.seq) + "\t" + body.substring(tab + 1));
        }).completion()));
  }

  @Override
  public Future<?> stop() {
    return pool == null ? Future.succeededFuture() : pool.close();
  }
}
