package dev.maestro.session;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * The activations' claims of one user, group-committed like the turn starts ({@link TurnStarts}, issue 14): a
 * thousand sessions of one user activated at once each took the user's lock until its COMMIT. The claims waiting
 * for the lock go in one transaction: the lock taken once, the user's live sessions counted once (without the
 * batch's own sessions, as a single claim does not count its own), then in arrival order each claim within the
 * limit (the count plus the claims of the batch accepted before it; past it TOO_MANY alone) takes the session's
 * next owner epoch and seq block in its own UPDATE; a session that is gone answers NOT_FOUND alone. Epochs stay
 * per session and strictly increasing: each UPDATE adds one to the row it claims, under the user's lock.
 */
final class LiveClaims {
  record Claim(UUID sessionId, String owner, int maxLive, Predicate<String> ownerAlive, long seqReserve) {}

  private final GroupCommit<Claim, SessionStore.Claim> commits;

  LiveClaims(Pool pool) {
    this.commits = new GroupCommit<>(pool, TurnStarts.MAX_BATCH, LiveClaims::batch, cause -> Fail.unavailable(
        "the session could not be opened (" + cause.getMessage() + "); nothing was changed, try again").cause());
  }

  Future<SessionStore.Claim> claim(String userId, Claim c) {
    return commits.submit(userId, c);
  }

  GroupCommit<Claim, SessionStore.Claim> commits() {
    return commits;
  }

  private static Future<List<Future<SessionStore.Claim>>> batch(SqlConnection conn, String userId, List<Claim> claims) {
    UUID[] ids = claims.stream().map(Claim::sessionId).distinct().toArray(UUID[]::new);
    // lock and count pipelined: one round trip
    Future<RowSet<Row>> locked = conn.preparedQuery("SELECT pg_advisory_xact_lock(hashtext('maestro.session.user'), hashtext($1))")
        .execute(Tuple.of(userId));
    Future<RowSet<Row>> counted = conn.preparedQuery("SELECT live_owner, count(*) AS n FROM session WHERE user_id = $1"
        + " AND live_owner IS NOT NULL AND id <> ALL($2) GROUP BY live_owner").execute(Tuple.of(userId, (Object) ids));
    return locked.compose(v -> counted).compose(rows -> {
      List<Future<SessionStore.Claim>> outcomes = new ArrayList<>();
      List<Future<RowSet<Row>>> updates = new ArrayList<>();
      int accepted = 0;
      for (Claim c : claims) {
        int live = SessionStore.countAlive(rows, "live_owner", c.ownerAlive()) + accepted;
        if (live >= c.maxLive()) {
          outcomes.add(Fail.tooMany("too many open sessions: " + live + " of yours are live (the limit is " + c.maxLive()
              + "); a session is let go after a while without use, or when it is deleted"));
          updates.add(null);
          continue;
        }
        accepted++;
        outcomes.add(null);
        updates.add(conn.preparedQuery("UPDATE session SET live_owner = $2, owner_epoch = owner_epoch + 1,"
                + " seq_ceiling = seq_ceiling + $3 WHERE id = $1 RETURNING owner_epoch, seq_ceiling")
            .execute(Tuple.of(c.sessionId(), c.owner(), c.seqReserve())));
      }
      List<Future<RowSet<Row>>> sent = updates.stream().filter(u -> u != null).toList();
      return Future.join(sent).transform(ar -> {
        for (int i = 0; i < claims.size(); i++) {
          Future<RowSet<Row>> u = updates.get(i);
          if (u != null && u.failed()) return Future.failedFuture(new GroupCommit.JobFailed(i, u.cause()));
        }
        for (int i = 0; i < claims.size(); i++) {
          Future<RowSet<Row>> u = updates.get(i);
          if (u == null) continue;
          RowSet<Row> r = u.result();
          if (r.size() == 0) {
            outcomes.set(i, Fail.notFound("session " + claims.get(i).sessionId()));
            continue;
          }
          Row row = r.iterator().next();
          outcomes.set(i, Future.succeededFuture(new SessionStore.Claim(row.getLong("owner_epoch"),
              row.getLong("seq_ceiling") - claims.get(i).seqReserve())));
        }
        return Future.succeededFuture(outcomes);
      });
    });
  }
}
