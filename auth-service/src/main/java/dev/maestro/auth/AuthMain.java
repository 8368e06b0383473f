package dev.maestro.auth;

import dev.maestro.platform.ServiceMain;

/** Runs auth-service as its own clustered process. */
public final class AuthMain {
  private AuthMain() {}

  public static void main(String[] args) {
    ServiceMain.run("auth", AuthServiceVerticle::new);
  }
}
