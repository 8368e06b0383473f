package dev.maestro.tool;

import dev.maestro.contracts.session.ElicitationForm;
import dev.maestro.contracts.tool.ToolService;
import dev.maestro.platform.ServiceFailures;
import dev.maestro.platform.Database;
import dev.maestro.platform.MaestroConfig;
import dev.maestro.platform.Settings;
import dev.maestro.tool.builtin.BuiltinTools;
import dev.maestro.tool.builtin.CommandRunner;
import dev.maestro.tool.builtin.Sandbox;
import dev.maestro.tool.mcp.ElicitationBridge;
import dev.maestro.tool.mcp.McpManager;
import dev.maestro.tool.mcp.McpSandbox;
import dev.maestro.tool.mcp.McpServerStore;
import dev.maestro.tool.mcp.McpSettings;
import dev.maestro.tool.registry.ToolDef;
import dev.maestro.tool.registry.ToolRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceBinder;
import io.vertx.sqlclient.Pool;

/** tool-service: migrates schema `tool`, detects the sandbox, loads the registry, serves ToolService. */
public class ToolServiceVerticle extends VerticleBase {
  public static final String SCHEMA = "tool";
  private Pool pool;
  private McpManager mcp;
  private MessageConsumer<JsonObject> binding;
  private ToolServiceImpl service;
  private dev.maestro.platform.DeadRequesterWatch requesters;
  private dev.maestro.tool.project.ProjectServiceImpl projects;
  private MessageConsumer<JsonObject> projectBinding;

  @Override
  public Future<?> start() {
    MaestroConfig cfg = MaestroConfig.of(config());
    ToolConfig toolCfg = ToolConfig.from(config());
    long elicitationMs = Settings.of(config()).whole(ElicitationForm.TIMEOUT, ElicitationForm.DEFAULT_TIMEOUT_MS, 1, Long.MAX_VALUE);
    return Database.migrate(vertx, cfg, SCHEMA)
        .compose(applied -> vertx.executeBlocking(() -> Sandbox.detect(toolCfg.sandbox(), cfg.dataDir().resolve("sandbox-probe")), false))
        .compose(sandbox -> {
          pool = Database.pool(vertx, cfg, SCHEMA, 8);
          // sessions cache their tool lists (issue 14): every change is announced so they drop them
          ToolRegistry registry = new ToolRegistry(pool)
              .onChange(change -> vertx.eventBus().publish(dev.maestro.contracts.Addresses.TOOLS_CHANGED, change));
          CommandRunner runner = new CommandRunner(vertx, sandbox, toolCfg.outputCap(), System::getenv);
          dev.maestro.tool.project.ProjectViews views = new dev.maestro.tool.project.ProjectViews();
          BuiltinTools builtins = new BuiltinTools(vertx, cfg.dataDir(), runner, toolCfg.glob(), views);
          projects = new dev.maestro.tool.project.ProjectServiceImpl(vertx, new dev.maestro.tool.project.ProjectStore(pool), views,
              cfg.dataDir(), sandbox, cfg.outboundPolicy());
          mcp = new McpManager(vertx, context, new McpServerStore(pool), registry, McpSettings.from(config()),
              ElicitationBridge.viaSessions(vertx, elicitationMs), new McpSandbox(sandbox, cfg.dataDir()));
          requesters = dev.maestro.platform.DeadRequesterWatch.start(vertx);
          service = new ToolServiceImpl(vertx, registry, builtins, mcp, sandbox).requesters(requesters);
          // the built-in tools' durations are on /metrics from the start (MCP tools appear with their first call)
          BuiltinTools.definitions().forEach(d -> ToolServiceImpl.callDuration(vertx, d.name()));
          return registry.load()
              .compose(v -> registry.replaceSource(ToolDef.BUILTIN, BuiltinTools.definitions()))
              .compose(v -> mcp.start())
              .compose(v -> projects.start())
              .compose(v -> {
                projectBinding = new ServiceBinder(vertx).setAddress(dev.maestro.contracts.project.ProjectService.ADDRESS)
                    .register(dev.maestro.contracts.project.ProjectService.class,
                        ServiceFailures.guarded(dev.maestro.contracts.project.ProjectService.class, projects, "tool-service"));
                return projectBinding.completion();
              })
              .compose(v -> {
                binding = new ServiceBinder(vertx).setAddress(ToolService.ADDRESS).register(ToolService.class, ServiceFailures.guarded(ToolService.class, service, "tool-service"));
                return binding.completion();
              });
        })
        .compose(v -> health());
  }

  /** The health ping's answer also says which sandbox runs commands ("none" must be visible in /health). */
  private Future<?> health() {
    String sandbox = service.sandboxInfo().getString("kind");
    MessageConsumer<Object> consumer = vertx.eventBus().consumer(dev.maestro.contracts.Addresses.health(SCHEMA),
        msg -> msg.reply(new JsonObject().put("status", "UP").put("service", SCHEMA).put("sandbox", sandbox)));
    return consumer.completion();
  }

  /** For tests and one-JVM runs. */
  public ToolServiceImpl service() {
    return service;
  }

  @Override
  public Future<?> stop() {
    if (requesters != null) requesters.stop();
    Future<?> f = binding == null ? Future.succeededFuture() : binding.unregister();
    if (projectBinding != null) f = f.compose(v -> projectBinding.unregister()).compose(v -> projects.stop());
    return f.compose(v -> mcp == null ? Future.succeededFuture() : mcp.stop())
        .eventually(() -> pool == null ? Future.succeededFuture() : pool.close());
  }
}
