package dev.maestro.platform;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Set;

/**
 * A service proxy whose safe calls are sent again when a cluster member leaves while they wait.
 * <p>Why: a request to an address several nodes serve goes to one of them, round robin. A node killed
 * outright (kill -9) stays on that list until the cluster notices it left (about two seconds), and a
 * request it was handed meanwhile is never answered: the caller waited its whole send timeout (15 s;
 * chaos session-kill, issue 17). The caller cannot know which node got it, so when any member leaves,
 * every safe call still waiting is sent once more and the first answer wins. Safe means running it twice
 * does no harm: reads, and sends carrying an idempotency key. Anything else waits as before, because it
 * may already have taken effect on a healthy node.
 */
public final class RetryOnMemberLoss {
  private RetryOnMemberLoss() {}

  /** Attempts after a member left: the cluster's view of who serves an address lags its membership a little. */
  static final long[] RETRY_AFTER_MS = {300, 1_000, 2_000, 3_000};

  /** target wrapped: methods named in safe (returning a Future) are repeated once a member is lost. */
  public static <T> T wrap(io.vertx.core.Vertx vertx, Class<T> type, T target, Set<String> safe, DeadRequesterWatch members) {
    Object proxy = Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (self, method, args) -> {
      if (method.getDeclaringClass() == Object.class) return method.invoke(target, args);
      if (!safe.contains(method.getName()) || method.getReturnType() != Future.class) return invoke(method, target, args);
      return retried(vertx, method, target, args, members);
    });
    return type.cast(proxy);
  }

  private static Future<Object> retried(io.vertx.core.Vertx vertx, Method method, Object target, Object[] args,
                                        DeadRequesterWatch members) throws Throwable {
    Promise<Object> answer = Promise.promise();
    // sent again a few times: the first repeat may still be handed to the node that just left (the
    // subscription view drops it just after the membership event), and is then lost like the original
    Runnable unwatch = members.watchAnyLeaving(() -> {
      for (long delay : RETRY_AFTER_MS) {
        vertx.setTimer(delay, t -> {
          if (answer.future().isComplete()) return;
          try {
            settle(answer, invokeFuture(method, target, args), false);
          } catch (Throwable e) {
            answer.tryFail(e);
          }
        });
      }
    });
    Future<Object> first = invokeFuture(method, target, args);
    first.onComplete(ar -> unwatch.run());
    settle(answer, first, true);
    return answer.future();
  }

  /**
   * The first success wins. The original's failure counts; a repeat's only when it is an answer (a repeat
   * that times out or finds no handler leaves the others to answer).
   */
  private static void settle(Promise<Object> answer, Future<Object> attempt, boolean original) {
    attempt.onComplete(ar -> {
      if (ar.succeeded()) answer.tryComplete(ar.result());
      else if (original || !(ar.cause() instanceof io.vertx.core.eventbus.ReplyException re)
          || re.failureType() == io.vertx.core.eventbus.ReplyFailure.RECIPIENT_FAILURE) answer.tryFail(ar.cause());
    });
  }

  @SuppressWarnings("unchecked")
  private static Future<Object> invokeFuture(Method method, Object target, Object[] args) throws Throwable {
    return (Future<Object>) invoke(method, target, args);
  }

  private static Object invoke(Method method, Object target, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
