package dev.maestro.session;

import dev.maestro.platform.ServiceMain;

/** Runs session-service as its own clustered process. */
public final class SessionMain {
  private SessionMain() {}

  public static void main(String[] args) {
    ServiceMain.run("session", SessionServiceVerticle::new);
  }
}
