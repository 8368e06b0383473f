package dev.maestro.auth;

import dev.maestro.auth.crypto.KeyRing;
import dev.maestro.auth.crypto.MasterKey;
import dev.maestro.auth.crypto.SecretBox;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/**
 * Re-encrypts every secret of schema auth under a new master key in one transaction: either every
 * row moves to the new key or none does. Rows are locked (FOR UPDATE), so a refresh running
 * elsewhere finishes first and cannot write a value under the old key afterwards.
 */
public final class KeyRotation {
  private KeyRotation() {}

  /** One encrypted column: table, key column, ciphertext column, and how its AAD context is built. */
  private record Column(String table, String idColumn, String column, java.util.function.Function<String, String> context) {}

  private static final List<Column> COLUMNS = List.of(
      new Column("credential", "id", "secret_ct", CredentialStore::secretContext),
      new Column("credential", "id", "refresh_ct", CredentialStore::refreshContext),
      new Column("oauth_client", "id", "client_secret_ct", OAuthClientStore::context),
      new Column("oauth_state", "state", "verifier_ct", OAuthFlows::verifierContext));

  /** Completes with the number of values re-encrypted. */
  public static Future<Integer> rotate(Pool pool, KeyRing from, MasterKey to) {
    SecretBox oldBox = new SecretBox(from);
    SecretBox newBox = new SecretBox(KeyRing.of(to));
    return pool.withTransaction(conn -> {
      Future<Integer> chain = Future.succeededFuture(0);
      for (Column c : COLUMNS) chain = chain.compose(n -> rotateColumn(conn, c, oldBox, newBox).map(m -> n + m));
      return chain.compose(n -> conn.preparedQuery("UPDATE credential SET key_id=$1").execute(Tuple.of(to.idHex()))
          .compose(x -> conn.preparedQuery("UPDATE oauth_client SET key_id=$1 WHERE client_secret_ct IS NOT NULL").execute(Tuple.of(to.idHex())))
          .compose(x -> conn.preparedQuery("UPDATE oauth_state SET key_id=$1").execute(Tuple.of(to.idHex())))
          .map(x -> n));
    });
  }

  private static Future<Integer> rotateColumn(SqlConnection conn, Column c, SecretBox oldBox, SecretBox newBox) {
    return conn.query("SELECT " + c.idColumn() + "::text AS k, " + c.column() + " AS ct FROM " + c.table()
            + " WHERE " + c.column() + " IS NOT NULL FOR UPDATE").execute()
        .compose(rows -> {
          List<Tuple> updates = new ArrayList<>();
          for (Row r : rows) {
            String key = r.getString("k");
            String ctx = c.context().apply(key);
            String plain = oldBox.decrypt(r.getBuffer("ct").getBytes(), ctx, c.table() + "." + c.column() + " of " + key);
            updates.add(Tuple.of(Buffer.buffer(newBox.encrypt(plain, ctx)), key));
          }
          if (updates.isEmpty()) return Future.succeededFuture(0);
          return conn.preparedQuery("UPDATE " + c.table() + " SET " + c.column() + "=$1 WHERE " + c.idColumn() + "::text=$2")
              .executeBatch(updates).map(x -> updates.size());
        });
  }
}
