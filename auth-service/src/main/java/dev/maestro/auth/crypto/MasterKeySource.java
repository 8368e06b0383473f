package dev.maestro.auth.crypto;

import dev.maestro.platform.MaestroConfig;
import dev.maestro.platform.StartupException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Where the master key comes from: MAESTRO_MASTER_KEY when set, otherwise
 * {@code <MAESTRO_DATA_DIR>/master.key}, created with mode 0600 on first start. A
 * {@code master.key.next} left by an interrupted rotation is loaded as a decrypt-only key so no
 * row becomes unreadable. Blocking file I/O: call off the event loop.
 */
public final class MasterKeySource {
  public static final String FILE_NAME = "master.key";
  public static final String NEXT_FILE_NAME = "master.key.next";
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  private MasterKeySource() {}

  public static KeyRing load(MaestroConfig cfg) {
    String env = cfg.get(MaestroConfig.MASTER_KEY);
    if (env != null && !env.isBlank()) {
      try {
        return KeyRing.of(MasterKey.parse(env, MaestroConfig.MASTER_KEY));
      } catch (IllegalArgumentException e) {
        throw new StartupException(e.getMessage());
      }
    }
    Path file = keyFile(cfg);
    MasterKey current = readOrCreate(file);
    List<MasterKey> older = new ArrayList<>();
    Path next = file.resolveSibling(NEXT_FILE_NAME);
    if (Files.exists(next)) older.add(read(next));
    return new KeyRing(current, older);
  }

  public static boolean fromEnvironment(MaestroConfig cfg) {
    String env = cfg.get(MaestroConfig.MASTER_KEY);
    return env != null && !env.isBlank();
  }

  public static Path keyFile(MaestroConfig cfg) {
    return cfg.dataDir().resolve(FILE_NAME);
  }

  static MasterKey readOrCreate(Path file) {
    if (Files.exists(file)) return read(file);
    MasterKey key = MasterKey.generate();
    try {
      Files.createDirectories(file.getParent());
      write(file, key, false);
      return key;
    } catch (FileAlreadyExistsException raced) {
      return read(file);   // another instance sharing the data dir created it first
    } catch (IOException e) {
      throw new StartupException("cannot create the master key file " + file + ": " + e.getMessage());
    }
  }

  static MasterKey read(Path file) {
    try {
      try {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
        if (perms.stream().anyMatch(p -> !OWNER_ONLY.contains(p))) {
          org.slf4j.LoggerFactory.getLogger(MasterKeySource.class).warn(
              "the master key file {} is readable by others ({}); run chmod 600 on it", file, PosixFilePermissions.toString(perms));
        }
      } catch (UnsupportedOperationException notPosix) {
        // nothing to check
      }
      return MasterKey.parse(Files.readString(file, StandardCharsets.UTF_8), "the master key file " + file);
    } catch (IOException e) {
      throw new StartupException("cannot read the master key file " + file + ": " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new StartupException(e.getMessage());
    }
  }

  /** Creates the file owner-only from the first byte on (never world-readable, not even briefly). */
  public static void write(Path file, MasterKey key, boolean replace) throws IOException {
    if (replace) Files.deleteIfExists(file);
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    } catch (UnsupportedOperationException notPosix) {
      Files.createFile(file);
    }
    Files.writeString(file, key.toHex() + "\n", StandardCharsets.UTF_8);
  }

  /** Atomically makes {@code next} the key file (after a rotation committed). */
  public static void promote(Path next, Path file) throws IOException {
    Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
