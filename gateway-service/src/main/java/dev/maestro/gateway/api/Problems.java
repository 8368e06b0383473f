package dev.maestro.gateway.api;

import dev.maestro.platform.ServiceFailures;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes {@code application/problem+json} answers; every API error goes out through here. */
public final class Problems {
  private static final Logger LOG = LoggerFactory.getLogger(Problems.class);
  public static final String CONTENT_TYPE = "application/problem+json";

  private Problems() {}

  public static void fail(RoutingContext rc, Throwable err) {
    JsonObject problem = ServiceFailures.toProblem(err);
    if (problem.getInteger("status") >= 500 && problem.getInteger("status") != 503 && problem.getInteger("status") != 504) {
      LOG.error("{} {} failed", rc.request().method(), rc.request().path(), err);
    }
    send(rc, problem);
  }

  public static void send(RoutingContext rc, int status, String detail) {
    send(rc, ServiceFailures.problem(status, detail));
  }

  public static void send(RoutingContext rc, JsonObject problem) {
    HttpServerResponse res = rc.response();
    if (res.ended() || res.headWritten()) return;
    int status = problem.getInteger("status", 500);
    res.setStatusCode(status).putHeader("Content-Type", CONTENT_TYPE).putHeader("Cache-Control", "no-store");
    Object retryAfter = problem.getValue("retryAfter");
    if ((status == 429 || status == 503) && retryAfter != null) res.putHeader("Retry-After", String.valueOf(retryAfter));
    if (status == 401) res.putHeader("WWW-Authenticate", "Bearer");
    res.end(problem.encode());
  }
}
