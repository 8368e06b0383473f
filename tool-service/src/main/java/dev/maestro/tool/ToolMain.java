package dev.maestro.tool;

import dev.maestro.platform.ServiceMain;

/** Runs tool-service as its own clustered process. */
public final class ToolMain {
  private ToolMain() {}

  public static void main(String[] args) {
    ServiceMain.run("tool", ToolServiceVerticle::new);
  }
}
