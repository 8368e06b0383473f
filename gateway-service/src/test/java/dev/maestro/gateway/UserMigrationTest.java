package dev.maestro.gateway;

import dev.maestro.testkit.TestEnv;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The migration to case-insensitive usernames on an installation that already has case twins
 * ('Alice' and 'alice'): the oldest keeps the name, later ones are renamed, none is lost, and from
 * then on a new twin cannot be inserted. Runs on a schema of its own.
 */
class UserMigrationTest {
  static final String SCHEMA = "gateway_migration_test";

  @Test
  void existingCaseTwinsAreRenamedAndNewOnesRefused() throws Exception {
    URI u = URI.create(TestEnv.pgUrl().replaceFirst("^postgres(ql)?://", "http://"));
    String user = u.getUserInfo() == null ? "postgres" : u.getUserInfo().split(":")[0];
    String password = u.getUserInfo() != null && u.getUserInfo().contains(":") ? u.getUserInfo().split(":", 2)[1] : null;
    String jdbc = "jdbc:postgresql://" + u.getHost() + ":" + (u.getPort() < 0 ? 5432 : u.getPort()) + u.getPath();
    try (Connection c = DriverManager.getConnection(jdbc, user, password); Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
      flyway(jdbc, user, password).target("1").load().migrate();
      st.execute("SET search_path TO " + SCHEMA);
      st.execute("INSERT INTO app_user (id, username, password_hash, role, created_at) VALUES "
          + "('00000000-0000-0000-0000-00000000000a', 'alice', 'h1', 'member', now() - interval '3 days'), "
          + "('00000000-0000-0000-0000-00000000000b', 'Alice', 'h2', 'admin', now() - interval '2 days'), "
          + "('00000000-0000-0000-0000-00000000000c', 'ALICE', 'h3', 'member', now() - interval '1 day'), "
          + "('00000000-0000-0000-0000-00000000000d', 'bob', 'h4', 'member', now())");
      flyway(jdbc, user, password).load().migrate();
      List<String> names = new ArrayList<>();
      try (ResultSet rs = st.executeQuery("SELECT username, session_epoch FROM app_user ORDER BY created_at")) {
        while (rs.next()) {
          names.add(rs.getString(1));
          assertThat(rs.getInt(2)).isZero();
        }
      }
      assertThat(names).containsExactly("alice", "Alice~00000000-0000-0000-0000-00000000000b", "ALICE~00000000-0000-0000-0000-00000000000c", "bob");
      assertThatThrownBy(() -> st.execute("INSERT INTO app_user (id, username, password_hash, role) VALUES "
          + "('00000000-0000-0000-0000-00000000000e', 'BOB', 'h', 'member')")).hasMessageContaining("app_user_username_lower");
      st.execute("DROP SCHEMA " + SCHEMA + " CASCADE");
    }
  }

  private static org.flywaydb.core.api.configuration.FluentConfiguration flyway(String jdbc, String user, String password) {
    return Flyway.configure(UserMigrationTest.class.getClassLoader()).dataSource(jdbc, user, password)
        .schemas(SCHEMA).defaultSchema(SCHEMA).createSchemas(true).locations("classpath:db/gateway");
  }
}
