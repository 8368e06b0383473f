package dev.maestro.platform;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MultiMapConfig;

import io.vertx.core.VertxOptions;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * The Hazelcast and event bus configuration of a Maestro node, built in code from MAESTRO_CLUSTER_*:
 * TCP/IP join with the listed members, both bound to MAESTRO_CLUSTER_HOST only (never the wildcard
 * address), multicast and phone-home off, what an idle member need not run off ({@link #idleQuietly}), the
 * event bus on TLS with the cluster key (see {@link ClusterKey}).
 */
public final class ClusterSetup {
  private ClusterSetup() {}

  public static Config hazelcast(String clusterName, String host, int port, String members) {
    Config hz = new Config();
    hz.setClusterName(clusterName);
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.logging.type", "slf4j");
    hz.setProperty("hazelcast.wait.seconds.before.join", "0");
    hz.setProperty("hazelcast.shutdownhook.enabled", "false");
    // a dead member is noticed in seconds, not the default minute: ownership of sessions moves on. A member cut
    // off by the network (chaos partition) is noticed only this way, and its sessions wait for it: the larger
    // side removed it ~1.5 s after the limit (7.6 s after the cut with 6 s). See maxNoHeartbeatSeconds for 4.
    hz.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    hz.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(maxNoHeartbeatSeconds()));
    // the two sides of a healed network partition look for each other every 2 s (default 120 s; was 5 s):
    // until they merge, each side's members are strangers to the other's services (chaos partition: the
    // merge came 6.6 s after the heal, a third of the recovery window)
    hz.setProperty("hazelcast.merge.first.run.delay.seconds", "2");
    hz.setProperty("hazelcast.merge.next.run.delay.seconds", "2");
    idleQuietly(hz);
    hz.getNetworkConfig().setPort(port).setPortAutoIncrement(true).setPortCount(50);
    // listen on this one address, not on every interface (Hazelcast's default is the wildcard address)
    String address = address(host);
    hz.setProperty("hazelcast.socket.bind.any", "false");
    hz.setProperty("hazelcast.local.localAddress", address);
    hz.getNetworkConfig().getInterfaces().setEnabled(true).addInterface(address);
    JoinConfig join = hz.getNetworkConfig().getJoin();
    join.getAutoDetectionConfig().setEnabled(false);
    join.getMulticastConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true);
    Arrays.stream(members.split(",")).map(String::trim).filter(m -> !m.isEmpty())
        .forEach(m -> join.getTcpIpConfig().addMember(m));
    // the structures Vert.x needs (as in vertx-hazelcast's default-cluster.xml)
    hz.addMultiMapConfig(new MultiMapConfig("__vertx.subs").setBackupCount(1)
        .setValueCollectionType(MultiMapConfig.ValueCollectionType.SET));
    hz.addMapConfig(new MapConfig("__vertx.haInfo").setBackupCount(1));
    hz.addMapConfig(new MapConfig("__vertx.nodeInfo").setBackupCount(1));
    return hz;
  }

  /**
   * Hazelcast features Maestro does not use, off, so an idle member does not wake for them (issue 14:
   * idle CPU). Measured with JFR on an idle five-process cluster: of each member's Hazelcast samples, the
   * metrics collection (every 5 s: every probe of every subsystem, the GC and OS MXBeans, compressed for
   * Management Center and JMX) was a third; the health monitor and the slow-operation detector wake on
   * their own. Failure detection (heartbeats, {@code max.no.heartbeat}), the partition table, backups and
   * the split-brain merge are left as they are.
   */
  static void idleQuietly(Config hz) {
    // nothing reads Hazelcast's metrics (no Management Center, no JMX scraping; Maestro's own metrics are
    // Micrometer's at /metrics): collecting them every 5 s was ~1/3 of an idle member's Hazelcast samples
    hz.getMetricsConfig().setEnabled(false);
    // the health monitor samples the same probes every 20 s only to log when CPU or heap is high;
    // Maestro's /metrics and the JVM's own logs say that
    hz.setProperty("hazelcast.health.monitoring.level", "OFF");
    // the slow-operation detector scans the operation threads every second to log operations slower than
    // 10 s; Maestro's own timeouts (bus send, provider watchdog) report a stuck request
    hz.setProperty("hazelcast.slow.operation.detector.enabled", "false");
    // the I/O balancer moves busy connections between I/O threads every 20 s: a member has one connection
    // per other member (a handful, no Hazelcast clients), and deploy/jvm-flags runs one I/O thread each
    // way, so there is nothing to move; a negative interval turns it off
    hz.setProperty("hazelcast.io.balancer.interval.seconds", "-1");
  }

  /** A member's Hazelcast configuration; the cluster name is the one derived from the cluster key. */
  public static Config hazelcast(MaestroConfig config, ClusterKey key) {
    return hazelcast(key.hazelcastClusterName(config.get(MaestroConfig.CLUSTER_NAME)), config.get(MaestroConfig.CLUSTER_HOST),
        config.getInt(MaestroConfig.CLUSTER_PORT), config.get(MaestroConfig.CLUSTER_MEMBERS));
  }

  /**
   * Vert.x options of a member: the event bus listens on host only (a free port), advertises host to
   * the others, and speaks TLS with mutual authentication under the cluster key.
   */
  public static VertxOptions vertx(String host, ClusterKey key) {
    return vertx(host, 0, key);
  }

  /** As {@link #vertx(String, ClusterKey)} on a fixed event bus port (0: a free one), for firewalls. */
  public static VertxOptions vertx(String host, int busPort, ClusterKey key) {
    // event loops sized to the cores (Vert.x's default is twice that): a service verticle is one instance on
    // one loop, so more loops only add threads; MAESTRO_EVENT_LOOPS=N (environment or -D) for another size
    VertxOptions options = new VertxOptions().setEventLoopPoolSize(eventLoops());
    String address = address(host);
    key.applyTo(options.getEventBusOptions().setHost(address).setPort(busPort).setClusterPublicHost(address).setTcpNoDelay(true));
    return options;
  }

  /** MAESTRO_EVENT_LOOPS (a system property, else the environment), else the number of cores. */
  static int eventLoops() {
    String v = System.getProperty(EVENT_LOOPS, System.getenv(EVENT_LOOPS));
    if (v == null || v.isBlank()) return Runtime.getRuntime().availableProcessors();
    try {
      return Math.max(1, Integer.parseInt(v.trim()));
    } catch (NumberFormatException e) {
      throw new StartupException(EVENT_LOOPS + " must be a number of event loops; got '" + v + "'");
    }
  }

  public static final String EVENT_LOOPS = "MAESTRO_EVENT_LOOPS";

  /**
   * Seconds without a heartbeat after which a member is removed: MAESTRO_CLUSTER_MAX_NO_HEARTBEAT_SECONDS (a
   * system property, else the environment), default 4 (was 6). Four heartbeats in a row missing: a serial GC
   * pause of these 384 MB heaps is well under a second, and under the chaos load (load average 10-40 on 2
   * cores) no member was removed outside a fault. What did remove members that were alive, at 6 s as well: the
   * start of nine JVMs at once on such a machine (event loops blocked 5 s, chaos `cluster up`); they merged back.
   * A false suspicion costs its sessions a takeover (turns interrupted, fenced: nothing lost or run twice) and a
   * merge. A machine that starves its JVMs for longer sets it higher.
   */
  static int maxNoHeartbeatSeconds() {
    String v = System.getProperty(MAX_NO_HEARTBEAT, System.getenv(MAX_NO_HEARTBEAT));
    if (v == null || v.isBlank()) return DEFAULT_MAX_NO_HEARTBEAT_SECONDS;
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= 2) return n;
    } catch (NumberFormatException e) {
      // said below
    }
    throw new StartupException(MAX_NO_HEARTBEAT + " must be a whole number of seconds, at least 2; got '" + v + "'");
  }

  public static final String MAX_NO_HEARTBEAT = "MAESTRO_CLUSTER_MAX_NO_HEARTBEAT_SECONDS";
  static final int DEFAULT_MAX_NO_HEARTBEAT_SECONDS = 4;

  /** The IP address of a host name (compose gives services by name); the literal when it is one. */
  static String address(String host) {
    try {
      return InetAddress.getByName(host.trim()).getHostAddress();
    } catch (UnknownHostException e) {
      throw new StartupException("MAESTRO_CLUSTER_HOST '" + host + "' does not resolve to an address of this machine");
    }
  }
}
