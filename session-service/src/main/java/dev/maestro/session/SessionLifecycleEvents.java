package dev.maestro.session;

import dev.maestro.contracts.events.IntegrationEvents;
import dev.maestro.contracts.session.SessionService;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * Publishes {@code session.created} (create, fork, import) and {@code session.deleted} on
 * {@code maestro.events} once the stored change succeeded. A decorator around the SessionService
 * implementation (a dynamic proxy, so operations added to the interface later pass through untouched)
 * keeps the publishing out of the CRUD code.
 */
final class SessionLifecycleEvents {
  private SessionLifecycleEvents() {}

  static SessionService publishing(EventBus bus, SessionService impl) {
    InvocationHandler h = (proxy, method, args) -> {
      Object r;
      try {
        r = method.invoke(impl, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
      if (!(r instanceof Future<?> f) || args == null || args.length == 0 || !(args[0] instanceof String userId)) return r;
      switch (method.getName()) {
        case "create", "fork", "importSession" -> f.onSuccess(s -> {
          if (s instanceof JsonObject session && session.getString("id") != null) {
            IntegrationEvents.publish(bus, IntegrationEvents.sessionCreated(userId, session.getString("id"),
                session.getString("provider"), session.getString("model")));
          }
        });
        case "delete" -> f.onSuccess(v -> IntegrationEvents.publish(bus, IntegrationEvents.sessionDeleted(userId, (String) args[1])));
        default -> { }
      }
      return r;
    };
    return (SessionService) Proxy.newProxyInstance(SessionService.class.getClassLoader(), new Class<?>[] {SessionService.class}, h);
  }
}
