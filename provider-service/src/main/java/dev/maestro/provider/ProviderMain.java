package dev.maestro.provider;

import dev.maestro.platform.ServiceMain;

/** Runs provider-service as its own clustered process. */
public final class ProviderMain {
  private ProviderMain() {}

  public static void main(String[] args) {
    ServiceMain.run("provider", ProviderServiceVerticle::new);
  }
}
