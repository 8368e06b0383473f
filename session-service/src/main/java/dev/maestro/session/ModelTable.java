package dev.maestro.session;

import dev.maestro.platform.StartupException;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Prices (USD per million tokens) and context windows per model: the bundled
 * {@code session-models.json}, overridden entry by entry by an optional file.
 */
public final class ModelTable {
  private final JsonObject models;
  private final JsonObject defaults;

  private ModelTable(JsonObject models, JsonObject defaults) {
    this.models = models;
    this.defaults = defaults;
  }

  public static ModelTable load(String overrideFile) {
    JsonObject base = readResource();
    JsonObject models = base.getJsonObject("models", new JsonObject()).copy();
    JsonObject defaults = base.getJsonObject("defaults", new JsonObject()).copy();
    if (overrideFile != null && !overrideFile.isBlank()) {
      JsonObject extra;
      try {
        extra = new JsonObject(Files.readString(Path.of(overrideFile)));
      } catch (IOException | RuntimeException e) {
        throw new StartupException("cannot read the model table " + overrideFile + ": " + e.getMessage());
      }
      extra.getJsonObject("models", new JsonObject()).forEach(e -> {
        JsonObject prev = models.getJsonObject(e.getKey(), new JsonObject());
        models.put(e.getKey(), prev.copy().mergeIn((JsonObject) e.getValue()));
      });
      defaults.mergeIn(extra.getJsonObject("defaults", new JsonObject()));
    }
    return new ModelTable(models, defaults);
  }

  public static ModelTable of(JsonObject models, JsonObject defaults) {
    return new ModelTable(models, defaults);
  }

  private static JsonObject readResource() {
    try (InputStream in = ModelTable.class.getResourceAsStream("/session-models.json")) {
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException | NullPointerException e) {
      throw new StartupException("session-models.json is missing from the classpath");
    }
  }

  /** Exact id first, then the longest known id the model id starts with (dated snapshots). */
  JsonObject entry(String model) {
    if (model == null) return new JsonObject();
    JsonObject e = models.getJsonObject(model);
    if (e != null) return e;
    String best = null;
    for (String k : models.fieldNames()) {
      if (model.startsWith(k) && (best == null || k.length() > best.length())) best = k;
    }
    return best == null ? new JsonObject() : models.getJsonObject(best);
  }

  public long contextWindow(String model) {
    return entry(model).getLong("contextWindow", defaults.getLong("contextWindow", 128000L));
  }

  public int maxOutputTokens(String model) {
    return entry(model).getInteger("maxOutputTokens", defaults.getInteger("maxOutputTokens", 8192));
  }

  /** Cost in USD of one usage record {inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens}. */
  public double cost(String model, JsonObject usage) {
    JsonObject p = entry(model);
    double perM = p.getDouble("input", 0.0) * usage.getLong("inputTokens", 0L)
        + p.getDouble("output", 0.0) * usage.getLong("outputTokens", 0L)
        + p.getDouble("cacheRead", 0.0) * usage.getLong("cacheReadTokens", 0L)
        + p.getDouble("cacheWrite", 0.0) * usage.getLong("cacheWriteTokens", 0L);
    return perM / 1_000_000.0;
  }

  /**
   * Whether the table prices model: an entry with an input and an output price (0 is a price: a
   * local model an admin lists at 0 is known and free).
   */
  public boolean priced(String model) {
    JsonObject p = entry(model);
    return p.getValue("input") instanceof Number && p.getValue("output") instanceof Number;
  }

  /**
   * The most one request can cost, in micro-USD (rounded up): every input token at the dearer of the
   * input and cache-write prices, plus maxOutputTokens at the output price.
   */
  public long worstCaseMicros(String model, long inputTokens, long maxOutputTokens) {
    JsonObject p = entry(model);
    double in = Math.max(p.getDouble("input", 0.0), p.getDouble("cacheWrite", 0.0));
    return (long) Math.ceil(in * inputTokens + p.getDouble("output", 0.0) * maxOutputTokens);
  }
}
