package dev.maestro.gateway.api;

import dev.maestro.gateway.audit.AuditLog;
import io.vertx.core.Future;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/** {@code GET /api/v1/audit} (admin): the query checked into one 400, then {@link AuditLog#list}. */
final class AuditApi {
  private static final Pattern ACTION = Pattern.compile("[A-Za-z0-9_.:-]{1,100}");
  private static final Pattern OUTCOME = Pattern.compile("success|failure|denied");
  private static final Pattern CURSOR = Pattern.compile("[0-9]{1,18}");

  private final AuditLog log;

  AuditApi(AuditLog log) {
    this.log = log;
  }

  Future<Reply> list(Call c) {
    Query q = c.query();
    String user = q.string("user", 200);
    String action = q.matching("action", ACTION, "an action name (letters, digits, _ . : -)");
    String outcome = q.matching("outcome", OUTCOME, "success, failure or denied");
    Instant from = instant(q, "from");
    Instant to = instant(q, "to");
    String cursor = q.matching("cursor", CURSOR, "the nextCursor of a previous page");
    int limit = q.limit();
    q.check();
    return log.list(user, action, outcome, from, to, limit, cursor == null ? null : Long.parseLong(cursor)).map(Reply::ok);
  }

  private static Instant instant(Query q, String name) {
    String v = q.string(name, 64);
    if (v == null) return null;
    try {
      return Instant.parse(v);
    } catch (DateTimeParseException e) {
      q.error(name, "must be an RFC 3339 UTC timestamp such as 2026-01-31T12:00:00Z");
      return null;
    }
  }
}
