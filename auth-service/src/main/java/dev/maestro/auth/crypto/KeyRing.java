package dev.maestro.auth.crypto;

import java.util.ArrayList;
import java.util.List;

/** The key new values are encrypted with, plus older keys that can still decrypt (during rotation). */
public final class KeyRing {
  private final MasterKey current;
  private final List<MasterKey> all;

  public KeyRing(MasterKey current, List<MasterKey> older) {
    this.current = current;
    this.all = new ArrayList<>();
    all.add(current);
    for (MasterKey k : older) if (!k.hasId(current.id())) all.add(k);
  }

  public static KeyRing of(MasterKey current) {
    return new KeyRing(current, List.of());
  }

  public MasterKey current() {
    return current;
  }

  MasterKey find(byte[] id) {
    for (MasterKey k : all) if (k.hasId(id)) return k;
    return null;
  }
}
