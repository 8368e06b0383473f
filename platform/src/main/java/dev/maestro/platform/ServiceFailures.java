package dev.maestro.platform;

import dev.maestro.contracts.ErrorCodes;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.security.SecureRandom;
import java.util.regex.Pattern;

/**
 * The one failure policy of Maestro. Services fail on purpose with {@code ServiceException} codes
 * from {@code ErrorCodes}; anything else (a bug, PostgreSQL refusing a value, a dependency down) is
 * unexpected and becomes, in every service ({@link #guarded} around the proxied implementation, or
 * {@link #internal} by hand), a 500 — or a 503 when a dependency is unreachable — whose message is
 * generic: {@code "internal error, see the service log (ref 1a2b3c4d)"}. The detail and stack trace
 * are logged with that ref; no caller ever sees a Java class, a package name or a raw driver message.
 * {@link #toProblem} is the gateway's mapping of a failure to an HTTP problem, with the same rule at
 * the edge for anything that slipped through.
 */
public final class ServiceFailures {
  private ServiceFailures() {}

  private static final Logger LOG = LoggerFactory.getLogger(ServiceFailures.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  /** What must never reach a caller: Java/Vert.x/driver package names and exception class names. */
  static final Pattern INTERNAL_NAMES = Pattern.compile(
      "\\b(?:java|javax|jdk|sun|io\\.vertx|io\\.netty|org\\.postgresql|com\\.hazelcast|com\\.fasterxml|dev\\.maestro)\\.\\w"
          + "|\\b\\w*(?:Exception|Throwable)\\b|\\b[A-Z]\\w+Error\\b|\\tat |\\bat [a-z]\\w*(?:\\.\\w+)+\\(");

  /** A short random id tying a generic answer to its log line. */
  public static String newRef() {
    return String.format("%08x", RANDOM.nextInt());
  }

  /** The message callers see for an unexpected failure. */
  public static String internalMessage(String ref) {
    return "internal error, see the service log (ref " + ref + ")";
  }

  /**
   * An unexpected failure → the exception to answer with (ServiceExceptions pass unchanged); the
   * detail is logged under a ref. {@code service} names the logger's context, e.g. "auth-service".
   */
  public static ServiceException internal(String service, Throwable err) {
    if (err instanceof ServiceException se) return se;
    if (err instanceof ReplyException re) {
      switch (re.failureType()) {
        case NO_HANDLERS:
          return new ServiceException(ErrorCodes.UNAVAILABLE, service + ": a service it needs is not running");
        case TIMEOUT:
          return new ServiceException(504, service + ": a service it needs did not answer in time");
        default:
          if (re.failureCode() >= 400 && re.failureCode() < 500 && !mentionsInternals(re.getMessage())) {
            return new ServiceException(re.failureCode(), re.getMessage());
          }
      }
    }
    if (poolOverloaded(err)) {
      // Load, not a fault: a burst of requests (e.g. a thousand turn starts at once) filled the
      // database pool's wait queue. Said as such, without a stack trace per refused request.
      LOG.warn("{}: refused a request, too many are waiting for a database connection", service);
      return overloaded(service);
    }
    String ref = newRef();
    boolean dependency = dependencyDown(err);
    LOG.error("{}: unexpected failure (ref {})", service, ref, err);
    return new ServiceException(dependency ? ErrorCodes.UNAVAILABLE : 500,
        (dependency ? service + " is unavailable, " : "") + internalMessage(ref), new JsonObject().put("ref", ref));
  }

  /** The future's failure, unless it is a ServiceException, goes through {@link #internal}. */
  public static <T> Future<T> guard(String service, Future<T> f) {
    return f.recover(err -> Future.failedFuture(internal(service, err)));
  }

  /**
   * Wraps a service implementation so that every method returning a Future (and every method that
   * throws) answers unexpected failures with the policy. Register the result with ServiceBinder.
   */
  @SuppressWarnings("unchecked")
  public static <T> T guarded(Class<T> iface, T impl, String service) {
    InvocationHandler h = (proxy, method, args) -> {
      if (method.getDeclaringClass() == Object.class) return method.invoke(impl, args);
      try {
        Object r = method.invoke(impl, args);
        return r instanceof Future<?> f ? guard(service, f) : r;
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause();
        if (Future.class.isAssignableFrom(method.getReturnType())) return Future.failedFuture(internal(service, cause));
        throw cause;
      }
    };
    return (T) Proxy.newProxyInstance(iface.getClassLoader(), new Class<?>[] {iface}, h);
  }

  /**
   * The one answer to load beyond what a service queues (its database pool's wait queue full, or its
   * {@link Admission} queue full or waited out): 503 "overloaded … try again in a moment", Retry-After 1 s.
   */
  public static ServiceException overloaded(String service) {
    return new ServiceException(ErrorCodes.UNAVAILABLE, OVERLOADED.formatted(service), new JsonObject().put("retryAfter", 1));
  }

  static final String OVERLOADED = "%s is overloaded: too many requests are waiting for the database; try again in a moment";

  /** The database pool's wait queue is full (Vert.x refuses more waiters rather than queueing without bound). */
  static boolean poolOverloaded(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof io.vertx.core.http.ConnectionPoolTooBusyException) return true;
    }
    return false;
  }

  /** Connection-level trouble with PostgreSQL, Redis or the network: the service is unavailable. */
  static boolean dependencyDown(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.net.ConnectException || t instanceof java.nio.channels.ClosedChannelException) return true;
      if (t instanceof io.vertx.pgclient.PgException pg && pg.getSqlState() != null) {
        String st = pg.getSqlState();
        if (st.startsWith("08") || st.startsWith("57P") || st.startsWith("53")) return true;
      }
      if (t instanceof io.vertx.core.VertxException && String.valueOf(t.getMessage()).toLowerCase().contains("connection")) return true;
    }
    return false;
  }

  static boolean mentionsInternals(String message) {
    return message != null && INTERNAL_NAMES.matcher(message).find();
  }

  /** → {status, title, detail, errors?}; never leaks a stack trace or an internal class name. */
  public static JsonObject toProblem(Throwable err) {
    if (err instanceof ServiceException se) {
      int code = se.failureCode();
      if (code >= 400 && code < 600) {
        String detail = se.getMessage();
        if (code >= 500 && mentionsInternals(detail)) {
          // a service answered without the policy: the edge applies it
          String ref = newRef();
          LOG.error("a service failed with {}: {} (ref {})", code, detail, ref);
          detail = internalMessage(ref);
        }
        JsonObject p = problem(code, detail);
        JsonObject debug = se.getDebugInfo();
        if (debug != null && debug.containsKey("errors")) p.put("errors", debug.getJsonArray("errors"));
        if (debug != null && debug.containsKey("retryAfter")) p.put("retryAfter", debug.getValue("retryAfter"));
        return p;
      }
      String ref = newRef();
      LOG.error("a service failed unexpectedly: {} (ref {})", se.getMessage(), ref);
      return problem(500, internalMessage(ref));
    }
    if (err instanceof ReplyException re) {
      if (re.failureType() == ReplyFailure.NO_HANDLERS) return problem(503, "a service is not running");
      if (re.failureType() == ReplyFailure.TIMEOUT) return problem(504, "a service did not answer in time");
    }
    String ref = newRef();
    LOG.error("unexpected failure (ref {})", ref, err);
    return problem(500, internalMessage(ref));
  }

  public static JsonObject problem(int status, String detail) {
    return new JsonObject().put("type", "about:blank").put("title", title(status)).put("status", status)
        .put("detail", detail == null ? title(status) : detail);
  }

  public static String title(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 409 -> "Conflict";
      case 410 -> "Gone";
      case 413 -> "Content Too Large";
      case 415 -> "Unsupported Media Type";
      case 422 -> "Unprocessable Content";
      case 429 -> "Too Many Requests";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      default -> status >= 500 ? "Internal Server Error" : "Error";
    };
  }
}
