package dev.maestro.gateway;

import dev.maestro.platform.ServiceMain;

/** Runs the gateway as its own clustered process. */
public final class GatewayMain {
  private GatewayMain() {}

  public static void main(String[] args) {
    ServiceMain.run("gateway", GatewayVerticle::new);
  }
}
